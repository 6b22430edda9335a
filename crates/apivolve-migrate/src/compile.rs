//! Compiling plans: each change of the served chain becomes steps per endpoint, once at start-up.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use apivolve_model::{Change, History, Jq, Project, Snapshot, apply, compile_jq};
use serde_json::Value;

use crate::action::Action;
use crate::error::{Error, Result};
use crate::graph::Graph;
use crate::plan::{Direction, Origin, ParameterOp, Plan, Step, StepOp};
use crate::transform::{Registry, Transform};

/// The steps one change contributes, per endpoint and direction.
type ChangeSteps = Vec<(String, Direction, Arc<Step>)>;

/// Every plan of the served chain: per endpoint, client version and direction, to latest.
#[derive(Debug)]
pub struct Migrator {
    latest: semver::Version,
    /// The chain's versions, oldest first, with the steps of the changes each one released.
    versions: Vec<(semver::Version, ChangeSteps)>,
    /// Endpoints present at each version.
    endpoints: BTreeMap<semver::Version, Vec<String>>,
    plans: HashMap<(String, semver::Version, Direction), Arc<Plan>>,
    /// The chain's changes in order, for plans over a type ([`Migrator::type_plan`]).
    changes: Vec<(Origin, Change)>,
    registry: Registry,
}

impl Migrator {
    /// Compiles every plan between a version of the served chain and latest.
    ///
    /// # Errors
    ///
    /// When a jq expression does not compile or a `custom` change names an unregistered function.
    pub fn compile(project: &Project, history: &History, registry: &Registry) -> Result<Self> {
        let Some(latest) = history.latest().cloned() else {
            return Ok(Self {
                latest: semver::Version::new(0, 0, 0),
                versions: Vec::new(),
                endpoints: BTreeMap::new(),
                plans: HashMap::new(),
                changes: Vec::new(),
                registry: registry.clone(),
            });
        };
        let mut versions = Vec::new();
        let mut changes = Vec::new();
        let mut endpoints = BTreeMap::new();
        let mut snapshot = Snapshot::default();
        for version in &history.chain {
            let Some(dir) = project.version(version) else {
                continue;
            };
            let mut steps = Vec::new();
            for (evolution, index, change) in dir.changes() {
                let before = snapshot.clone();
                if apply(&mut snapshot, change).is_err() {
                    // `check` reports it; the change contributes nothing.
                    continue;
                }
                let origin = Origin {
                    version: version.clone(),
                    file: evolution.path.display().to_string(),
                    index,
                    kind: change.kind(),
                };
                steps.extend(compile_change(
                    change, &before, &snapshot, &origin, registry,
                )?);
                changes.push((origin, change.clone()));
            }
            endpoints.insert(
                version.clone(),
                snapshot.endpoints.keys().cloned().collect(),
            );
            versions.push((version.clone(), steps));
        }
        let mut migrator = Self {
            latest,
            versions,
            endpoints,
            plans: HashMap::new(),
            changes,
            registry: registry.clone(),
        };
        let mut plans = HashMap::new();
        for (version, ids) in &migrator.endpoints {
            for id in ids {
                for direction in [Direction::Request, Direction::Response] {
                    let plan = migrator.build(id, version, &migrator.latest, direction);
                    plans.insert((id.clone(), version.clone(), direction), Arc::new(plan));
                }
            }
        }
        migrator.plans = plans;
        Ok(migrator)
    }

    /// The version plans lead to.
    pub fn latest(&self) -> &semver::Version {
        &self.latest
    }

    /// The plan of `endpoint` for a client on `version`, if the endpoint exists at that version.
    pub fn plan(
        &self,
        endpoint: &str,
        version: &semver::Version,
        direction: Direction,
    ) -> Option<&Arc<Plan>> {
        self.plans
            .get(&(endpoint.to_owned(), version.clone(), direction))
    }

    /// A plan between any two versions of the chain (`from` older than `to`).
    ///
    /// # Errors
    ///
    /// When the endpoint does not exist at `from`, or a version is not on the chain.
    pub fn plan_between(
        &self,
        endpoint: &str,
        from: &semver::Version,
        to: &semver::Version,
        direction: Direction,
    ) -> Result<Plan> {
        let exists = self
            .endpoints
            .get(from)
            .is_some_and(|ids| ids.iter().any(|id| id == endpoint));
        if !exists || !self.endpoints.contains_key(to) || from > to {
            return Err(Error::NoPlan {
                endpoint: endpoint.to_owned(),
                version: from.to_string(),
            });
        }
        Ok(self.build(endpoint, from, to, direction))
    }

    fn build(
        &self,
        endpoint: &str,
        from: &semver::Version,
        to: &semver::Version,
        direction: Direction,
    ) -> Plan {
        let mut steps: Vec<Arc<Step>> = self
            .versions
            .iter()
            .filter(|(version, _)| version > from && version <= to)
            .flat_map(|(_, steps)| steps.iter())
            .filter(|(id, step_direction, _)| id == endpoint && *step_direction == direction)
            .map(|(_, _, step)| step.clone())
            .collect();
        if direction == Direction::Response {
            steps.reverse();
        }
        Plan::new(
            endpoint.to_owned(),
            from.clone(),
            to.clone(),
            direction,
            steps,
            false,
        )
    }

    /// A plan over the values of a named type between two versions of the chain, for stored
    /// documents rather than payloads of an endpoint.
    ///
    /// `type_name` is the type's name at `from`, the version the document is in. When `from` is
    /// older than `to` the plan migrates up (as a request would), else down (as a response
    /// would); [`Plan::migrate_value`] applies it. Only the type-level changes on the way take part
    /// (field renames, moves, defaults, `change_field` and `custom` jq on the type or on a type
    /// it contains); changes of endpoints do not. The plan is compiled on each call.
    ///
    /// # Errors
    ///
    /// When a version is not on the chain or the type does not exist at `from`.
    pub fn type_plan(
        &self,
        type_name: &str,
        from: &semver::Version,
        to: &semver::Version,
    ) -> Result<Plan> {
        let (older, newer, direction) = if from <= to {
            (from, to, Direction::Request)
        } else {
            (to, from, Direction::Response)
        };
        for version in [older, newer] {
            if !self.endpoints.contains_key(version) {
                return Err(Error::UnknownType {
                    type_name: type_name.to_owned(),
                    version: version.to_string(),
                });
            }
        }
        let in_range = |origin: &Origin| &origin.version > older && &origin.version <= newer;
        // The name at the older version: follow renames on the way back from a newer document.
        let mut name = type_name.to_owned();
        if direction == Direction::Response {
            for (_, change) in self.changes.iter().rev().filter(|(o, _)| in_range(o)) {
                if let Change::RenameType(op) = change
                    && op.to == name
                {
                    name.clone_from(&op.from);
                }
            }
        }
        let mut snapshot = Snapshot::default();
        let mut steps = Vec::new();
        let unknown = |version: &semver::Version| Error::UnknownType {
            type_name: type_name.to_owned(),
            version: version.to_string(),
        };
        let mut checked = false;
        for (origin, change) in &self.changes {
            if !checked && &origin.version > older {
                checked = true;
                if !snapshot.types.contains_key(&name) {
                    return Err(unknown(older));
                }
            }
            if &origin.version > newer {
                break;
            }
            let before = snapshot.clone();
            if apply(&mut snapshot, change).is_err() {
                continue;
            }
            if !in_range(origin) {
                continue;
            }
            if let Change::RenameType(op) = change
                && op.from == name
            {
                name.clone_from(&op.to);
            }
            let Some((target, up, down)) = type_actions(change, origin, &self.registry)? else {
                continue;
            };
            let (action, shape) = match direction {
                Direction::Request => (up, &before),
                Direction::Response => (down, &snapshot),
            };
            let root = Value::String(format!("{}{name}", apivolve_model::TYPE_REF_PREFIX));
            let graph = Graph::build(shape, &serde_json::json!({ "$ref": root }), &target);
            if let Some(action) = action
                && graph.reaches_target()
            {
                steps.push(Arc::new(Step {
                    origin: origin.clone(),
                    op: StepOp::Walk {
                        type_name: target,
                        action,
                        graphs: vec![(None, graph)],
                        declared: Vec::new(),
                    },
                }));
            }
        }
        // At the newer version the type must still exist, under the name a newer document uses.
        if !snapshot.types.contains_key(&name)
            || (direction == Direction::Response && name != type_name)
        {
            return Err(unknown(newer));
        }
        if direction == Direction::Response {
            steps.reverse();
        }
        Ok(Plan::new(
            type_name.to_owned(),
            older.clone(),
            newer.clone(),
            direction,
            steps,
            true,
        ))
    }
}

fn jq(expression: &Jq, origin: &Origin, registry: &Registry) -> Result<Transform> {
    let program = compile_jq(&expression.0).map_err(|error| Error::Jq {
        source_text: expression.0.clone(),
        origin: origin.to_string(),
        message: error.message,
    })?;
    Ok(Transform::jq(expression.0.clone(), program, registry))
}

fn function(name: &str, registry: &Registry, origin: &Origin) -> Result<Transform> {
    let function = registry.get(name).ok_or_else(|| Error::UnknownFunction {
        name: name.to_owned(),
        origin: origin.to_string(),
    })?;
    Ok(Transform::Function {
        name: name.to_owned(),
        function: function.clone(),
    })
}

/// `a.b.c` as the parent path `[a, b]` and the field `c`.
fn split_path(dotted: &str) -> (Vec<String>, String) {
    let mut segments: Vec<String> = dotted.split('.').map(str::to_owned).collect();
    let field = segments.pop().unwrap_or_default();
    (segments, field)
}

/// Where an enum change acts: a field's parent path and name, or the value itself.
fn enum_site(field: Option<&str>) -> (Vec<String>, Option<String>) {
    match field {
        Some(field) => {
            let (path, field) = split_path(field);
            (path, Some(field))
        }
        None => (Vec::new(), None),
    }
}

fn segments(dotted: &str) -> Vec<String> {
    dotted.split('.').map(str::to_owned).collect()
}

/// A type and the actions a change takes on its values on the way up and on the way down.
type TypeActions = (String, Option<Action>, Option<Action>);

/// The up and down actions a change derives for the values of a type.
fn type_actions(
    change: &Change,
    origin: &Origin,
    registry: &Registry,
) -> Result<Option<TypeActions>> {
    let actions = match change {
        Change::AddField(op) => {
            let (path, field) = split_path(&op.field);
            let up = op.default.clone().map(|value| Action::Insert {
                path: path.clone(),
                field: field.clone(),
                value,
            });
            (
                op.type_name.clone(),
                up,
                Some(Action::Remove { path, field }),
            )
        }
        Change::RemoveField(op) => {
            let (path, field) = split_path(&op.field);
            let down = match (&op.down, &op.default) {
                (Some(down), _) => Some(Action::Derive {
                    path: path.clone(),
                    field: field.clone(),
                    transform: jq(down, origin, registry)?,
                }),
                (None, Some(value)) => Some(Action::Insert {
                    path: path.clone(),
                    field: field.clone(),
                    value: value.clone(),
                }),
                (None, None) => None,
            };
            (
                op.type_name.clone(),
                Some(Action::Remove { path, field }),
                down,
            )
        }
        Change::RenameField(op) => {
            let (path, from) = split_path(&op.from);
            let up = Action::Rename {
                path: path.clone(),
                from: from.clone(),
                to: op.to.clone(),
            };
            let down = Action::Rename {
                path,
                from: op.to.clone(),
                to: from,
            };
            (op.type_name.clone(), Some(up), Some(down))
        }
        Change::ChangeField(op) => {
            let (path, field) = split_path(&op.field);
            let map = |expression: &Option<Jq>| -> Result<Option<Action>> {
                expression
                    .as_ref()
                    .map(|expression| {
                        Ok(Action::MapField {
                            path: path.clone(),
                            field: field.clone(),
                            transform: jq(expression, origin, registry)?,
                        })
                    })
                    .transpose()
            };
            (op.type_name.clone(), map(&op.up)?, map(&op.down)?)
        }
        Change::MakeRequired(op) => {
            let (path, field) = split_path(&op.field);
            (
                op.type_name.clone(),
                op.default
                    .clone()
                    .map(|value| Action::Insert { path, field, value }),
                None,
            )
        }
        Change::MakeOptional(op) => {
            let (path, field) = split_path(&op.field);
            (
                op.type_name.clone(),
                None,
                op.default
                    .clone()
                    .map(|value| Action::Insert { path, field, value }),
            )
        }
        Change::AddEnumValue(op) => {
            let (path, field) = enum_site(op.field.as_deref());
            let down = op.down_map.clone().map(|to| Action::MapEnum {
                path,
                field,
                from: op.value.clone(),
                to,
            });
            (op.type_name.clone(), None, down)
        }
        Change::RemoveEnumValue(op) => {
            let (path, field) = enum_site(op.field.as_deref());
            let up = op.up_map.clone().map(|to| Action::MapEnum {
                path,
                field,
                from: op.value.clone(),
                to,
            });
            (op.type_name.clone(), up, None)
        }
        Change::MoveField(op) => (
            op.type_name.clone(),
            Some(Action::Move {
                from: segments(&op.from),
                to: segments(&op.to),
            }),
            Some(Action::Move {
                from: segments(&op.to),
                to: segments(&op.from),
            }),
        ),
        Change::SplitField(op) => {
            // The jq runs over the object that holds the field.
            let (path, _) = split_path(&op.field);
            (
                op.type_name.clone(),
                Some(Action::Whole {
                    path: path.clone(),
                    transform: jq(&op.up, origin, registry)?,
                }),
                Some(Action::Whole {
                    path,
                    transform: jq(&op.down, origin, registry)?,
                }),
            )
        }
        Change::MergeFields(op) => {
            // The fields are in one object (the fold checks it); the jq runs over it.
            let (path, _) = split_path(op.fields.first().map_or("", String::as_str));
            (
                op.type_name.clone(),
                Some(Action::Whole {
                    path: path.clone(),
                    transform: jq(&op.up, origin, registry)?,
                }),
                Some(Action::Whole {
                    path,
                    transform: jq(&op.down, origin, registry)?,
                }),
            )
        }
        Change::Custom(op) => {
            let Some(type_name) = &op.type_name else {
                return Ok(None);
            };
            let (up, down) = custom_transforms(op, origin, registry)?;
            (
                type_name.clone(),
                up.map(|transform| Action::Whole {
                    path: Vec::new(),
                    transform,
                }),
                down.map(|transform| Action::Whole {
                    path: Vec::new(),
                    transform,
                }),
            )
        }
        _ => return Ok(None),
    };
    Ok(Some(actions))
}

fn custom_transforms(
    op: &apivolve_model::Custom,
    origin: &Origin,
    registry: &Registry,
) -> Result<(Option<Transform>, Option<Transform>)> {
    let up = match (&op.up, &op.up_fn) {
        (Some(expression), _) => Some(jq(expression, origin, registry)?),
        (None, Some(name)) => Some(function(name, registry, origin)?),
        (None, None) => None,
    };
    let down = match (&op.down, &op.down_fn) {
        (Some(expression), _) => Some(jq(expression, origin, registry)?),
        (None, Some(name)) => Some(function(name, registry, origin)?),
        (None, None) => None,
    };
    Ok((up, down))
}

/// The steps of one change, per endpoint and direction.
fn compile_change(
    change: &Change,
    before: &Snapshot,
    after: &Snapshot,
    origin: &Origin,
    registry: &Registry,
) -> Result<ChangeSteps> {
    let mut steps = Vec::new();
    let mut push = |endpoint: &str, direction, op| {
        steps.push((
            endpoint.to_owned(),
            direction,
            Arc::new(Step {
                origin: origin.clone(),
                op,
            }),
        ));
    };

    if let Some(actions) = type_actions(change, origin, registry)? {
        let (type_name, up, down) = retarget(before, actions);
        // Requests arrive in the older shape: find the type in the request schema before the change.
        if let Some(action) = up {
            for (id, endpoint) in &before.endpoints {
                let Some(body) = &endpoint.request else {
                    continue;
                };
                let graph = Graph::build(before, &body.schema, &type_name);
                if graph.reaches_target() {
                    push(
                        id,
                        Direction::Request,
                        StepOp::Walk {
                            type_name: type_name.clone(),
                            action: action.clone(),
                            graphs: vec![(None, graph)],
                            declared: Vec::new(),
                        },
                    );
                }
            }
        }
        // Responses leave in the newer shape: find the type in each response schema after it,
        // and in the error shape's schema (`None`: the statuses no response declares).
        if let Some(action) = down {
            for (id, endpoint) in &after.endpoints {
                let errors = endpoint
                    .error
                    .as_ref()
                    .and_then(|shape| shape.schema.as_ref());
                let graphs: Vec<(Option<u16>, Graph)> = endpoint
                    .responses
                    .iter()
                    .map(|(status, body)| (Some(*status), &body.schema))
                    .chain(errors.map(|schema| (None, schema)))
                    .map(|(status, schema)| (status, Graph::build(after, schema, &type_name)))
                    .filter(|(_, graph)| graph.reaches_target())
                    .collect();
                if !graphs.is_empty() {
                    push(
                        id,
                        Direction::Response,
                        StepOp::Walk {
                            type_name: type_name.clone(),
                            action: action.clone(),
                            graphs,
                            declared: endpoint.responses.keys().copied().collect(),
                        },
                    );
                }
            }
        }
        return Ok(steps);
    }

    match change {
        Change::Custom(op) => {
            if let Some(endpoint) = &op.endpoint {
                let (up, down) = custom_transforms(op, origin, registry)?;
                if let Some(transform) = up {
                    push(
                        endpoint,
                        Direction::Request,
                        StepOp::Body {
                            transform,
                            status: None,
                        },
                    );
                }
                if let Some(transform) = down {
                    push(
                        endpoint,
                        Direction::Response,
                        StepOp::Body {
                            transform,
                            status: None,
                        },
                    );
                }
            }
        }
        Change::SetRequest(op) => {
            if let Some(up) = &op.up {
                push(
                    &op.endpoint,
                    Direction::Request,
                    StepOp::Body {
                        transform: jq(up, origin, registry)?,
                        status: None,
                    },
                );
            }
        }
        Change::SetResponse(op) => {
            if let Some(down) = &op.down {
                push(
                    &op.endpoint,
                    Direction::Response,
                    StepOp::Body {
                        transform: jq(down, origin, registry)?,
                        status: Some(op.status),
                    },
                );
            }
        }
        Change::ChangeStatus(op) => {
            for id in endpoints_named(after, op.endpoint.as_deref()) {
                push(
                    &id,
                    Direction::Response,
                    StepOp::Status {
                        from: op.to,
                        to: op.from,
                    },
                );
            }
        }
        Change::ChangeError(op) => {
            let transform = op
                .down
                .as_ref()
                .map(|down| jq(down, origin, registry))
                .transpose()?;
            for id in endpoints_named(after, op.endpoint.as_deref()) {
                let old = before
                    .endpoints
                    .get(&id)
                    .and_then(|endpoint| endpoint.error.clone())
                    .unwrap_or_default();
                if old != op.shape {
                    let declared = after
                        .endpoints
                        .get(&id)
                        .map(|endpoint| endpoint.responses.keys().copied().collect())
                        .unwrap_or_default();
                    push(
                        &id,
                        Direction::Response,
                        StepOp::Error {
                            media_type: old.media_type,
                            transform: transform.clone(),
                            declared,
                        },
                    );
                }
            }
        }
        Change::AddParam(op) => {
            if let Some(default) = &op.default {
                let value = match default {
                    Value::String(text) => text.clone(),
                    other => other.to_string(),
                };
                let parameter = ParameterOp::Default {
                    location: op.param.location,
                    name: op.param.name.clone(),
                    value,
                };
                push(
                    &op.endpoint,
                    Direction::Request,
                    StepOp::Parameter(parameter),
                );
            }
        }
        Change::RemoveParam(op) => {
            let parameter = ParameterOp::Remove {
                location: op.location,
                name: op.name.clone(),
            };
            push(
                &op.endpoint,
                Direction::Request,
                StepOp::Parameter(parameter),
            );
        }
        Change::RenameParam(op) => {
            let parameter = ParameterOp::Rename {
                location: op.location,
                from: op.from.clone(),
                to: op.to.clone(),
            };
            push(
                &op.endpoint,
                Direction::Request,
                StepOp::Parameter(parameter),
            );
        }
        _ => {}
    }
    Ok(steps)
}

/// A dotted path that goes through a `$ref` (`owner.name`), or a type that is an alias of
/// another, changes the type referred to: the actions apply wherever that type occurs, with the
/// rest of the path. (A `move_field` from one type into another stays with the named type.)
fn retarget(snapshot: &Snapshot, (type_name, up, down): TypeActions) -> TypeActions {
    let paths: Vec<&[String]> = up.iter().chain(&down).flat_map(Action::paths).collect();
    let shared = paths.iter().map(|path| path.len()).min().unwrap_or(0);
    let shared = (0..shared)
        .take_while(|&index| paths.iter().all(|path| path[index] == paths[0][index]))
        .count();
    let prefix = paths.first().map_or(&[][..], |path| &path[..shared]);
    let (owner, consumed) = holder(snapshot, &type_name, prefix);
    (
        owner,
        up.map(|action| action.rebase(consumed)),
        down.map(|action| action.rebase(consumed)),
    )
}

/// The named type that holds the object at `path` inside `type_name`, and how many segments of
/// the path lead to it (aliases and `$ref`s followed, and nullable `anyOf`/`oneOf` branches).
fn holder(snapshot: &Snapshot, type_name: &str, path: &[String]) -> (String, usize) {
    let alias_target = |name: &str| {
        let mut name = name.to_owned();
        for _ in 0..=snapshot.types.len() {
            match snapshot.types.get(&name).and_then(Snapshot::ref_name) {
                Some(target) if snapshot.types.contains_key(target) => name = target.to_owned(),
                _ => break,
            }
        }
        name
    };
    let mut owner = alias_target(type_name);
    let mut consumed = 0;
    let mut schema = snapshot.types.get(&owner);
    for (index, segment) in path.iter().enumerate() {
        let Some(mut property) = schema
            .and_then(|schema| schema.get("properties"))
            .and_then(|properties| properties.get(segment))
        else {
            break;
        };
        for keyword in ["anyOf", "oneOf"] {
            let branches: Vec<&Value> = property
                .get(keyword)
                .and_then(Value::as_array)
                .map(|branches| {
                    branches
                        .iter()
                        .filter(|branch| branch.get("type") != Some(&Value::from("null")))
                        .collect()
                })
                .unwrap_or_default();
            if let [branch] = branches.as_slice() {
                property = branch;
            }
        }
        match Snapshot::ref_name(property) {
            Some(target) => {
                owner = alias_target(target);
                consumed = index + 1;
                schema = snapshot.types.get(&owner);
            }
            None => schema = Some(property),
        }
    }
    (owner, consumed)
}

fn endpoints_named(snapshot: &Snapshot, endpoint: Option<&str>) -> Vec<String> {
    match endpoint {
        Some(endpoint) => vec![endpoint.to_owned()],
        None => snapshot.endpoints.keys().cloned().collect(),
    }
}
