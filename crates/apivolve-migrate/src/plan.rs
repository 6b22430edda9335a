//! A plan: the flat list of steps that migrates one endpoint's payloads between two versions.

use std::fmt;
use std::sync::Arc;

use apivolve_model::ParameterLocation;
use serde_json::Value;

use crate::action::{Action, walk};
use crate::error::{Error, Result};
use crate::fuse::Fused;
use crate::graph::Graph;
use crate::node::Node;
use crate::parse::parse;
use crate::transform::Transform;
use crate::tree::{Kind, Tree};

/// Which way a plan migrates.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Direction {
    /// A request, from the client's version up to latest.
    Request,
    /// A response, from latest down to the client's version.
    Response,
}

impl fmt::Display for Direction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Request => "request",
            Self::Response => "response",
        })
    }
}

/// Where a step comes from: a change of an evolution file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Origin {
    /// The version that released the change.
    pub version: semver::Version,
    /// The evolution file.
    pub file: String,
    /// The change's index in the file.
    pub index: usize,
    /// The change's kind (`rename_field`).
    pub kind: &'static str,
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {}#{} {}",
            self.version, self.file, self.index, self.kind
        )
    }
}

/// One step of a plan.
#[derive(Clone, Debug)]
pub struct Step {
    /// The change it comes from.
    pub origin: Origin,
    pub(crate) op: StepOp,
}

#[derive(Clone, Debug)]
pub(crate) enum StepOp {
    /// Apply `action` wherever `type_name` occurs; one graph per response status (`None` for
    /// requests, and for responses the error bodies of the statuses no response declares).
    Walk {
        type_name: String,
        action: Action,
        graphs: Vec<(Option<u16>, Graph)>,
        /// Responses: the statuses the endpoint declares at the step's version (the others have
        /// error-shaped bodies).
        declared: Vec<u16>,
    },
    /// Transform the whole body (of successful responses, or of one status, errors included).
    Body {
        transform: Transform,
        status: Option<u16>,
    },
    /// Responses: the newer version's status `from` was `to` in the older one.
    Status { from: u16, to: u16 },
    /// Responses: error bodies take the older shape.
    Error {
        media_type: String,
        transform: Option<Transform>,
        /// The statuses the endpoint declares at the newer version: their bodies have their own
        /// schema, not the error shape.
        declared: Vec<u16>,
    },
    /// Requests: a parameter renamed, defaulted or removed on the way up.
    Parameter(ParameterOp),
}

/// What happens to a parameter on the way up.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum ParameterOp {
    Rename {
        location: ParameterLocation,
        from: String,
        to: String,
    },
    Default {
        location: ParameterLocation,
        name: String,
        value: String,
    },
    Remove {
        location: ParameterLocation,
        name: String,
    },
}

/// The parameters of a request, by location, as name/value pairs.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Parameters {
    /// Path parameters.
    pub path: Vec<(String, String)>,
    /// Query parameters.
    pub query: Vec<(String, String)>,
    /// Header parameters (only those an endpoint declares).
    pub header: Vec<(String, String)>,
}

impl Parameters {
    fn at(&mut self, location: ParameterLocation) -> &mut Vec<(String, String)> {
        match location {
            ParameterLocation::Path => &mut self.path,
            ParameterLocation::Query => &mut self.query,
            ParameterLocation::Header => &mut self.header,
        }
    }
}

/// A response after its down-migration.
#[derive(Clone, Debug, PartialEq)]
pub struct MigratedResponse {
    /// The status the client's version uses.
    pub status: u16,
    /// The body; a JSON string when `media_type` is `text/plain`.
    pub body: Option<Value>,
    /// A new media type when the error shape changed (`text/plain`), else `None`.
    pub media_type: Option<String>,
}

/// A response after its down-migration, as text ([`Plan::migrate_response_bytes`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MigratedBytes {
    /// The status the client's version uses.
    pub status: u16,
    /// The body's JSON text; when `media_type` is `text/...`, the text of the string itself.
    pub body: Option<Vec<u8>>,
    /// A new media type when the error shape changed (`text/plain`), else `None`.
    pub media_type: Option<String>,
}

/// The compiled migration of one endpoint between a version and another, in one direction.
#[derive(Clone, Debug)]
pub struct Plan {
    /// The endpoint id (the type's name for a plan over a type).
    pub endpoint: String,
    /// The client's version.
    pub version: semver::Version,
    /// The version the implementation speaks.
    pub target: semver::Version,
    /// Request or response.
    pub direction: Direction,
    pub(crate) steps: Vec<Arc<Step>>,
    /// A plan over a type ([`crate::Migrator::type_plan`]): `endpoint` holds the type's name.
    pub(crate) of_type: bool,
    /// How the steps run: runs of consecutive walks fused into one pass each.
    segments: Vec<Segment>,
}

/// A part of a plan as it runs.
#[derive(Clone, Debug)]
enum Segment {
    /// One step on its own.
    Step(usize),
    /// Consecutive walks, in one pass over the value.
    Walks(Box<Run>),
}

/// A run of consecutive walks, fused once for each choice of graphs a payload can make.
#[derive(Clone, Debug)]
struct Run {
    fused: Vec<Fused>,
    /// Requests: each step's first graph.
    request: Option<usize>,
    /// Values of a type, and error bodies of statuses no response declares: the graphs of `None`.
    value: Option<usize>,
    /// Responses with a status some step has a graph for or declares.
    statuses: Vec<(u16, Option<usize>)>,
}

/// Which of its graphs (by index) a walk uses, given its graphs and the statuses it declares.
type Select<'a> = dyn Fn(&[(Option<u16>, Graph)], &[u16]) -> Option<usize> + 'a;

impl Run {
    fn new(steps: &[Arc<Step>]) -> Self {
        let mut run = Self {
            fused: Vec::new(),
            request: None,
            value: None,
            statuses: Vec::new(),
        };
        let mut selections: Vec<Vec<Option<usize>>> = Vec::new();
        let mut fuse = |select: &Select<'_>| {
            let selection: Vec<Option<usize>> = steps
                .iter()
                .map(|step| match &step.op {
                    StepOp::Walk {
                        graphs, declared, ..
                    } => select(graphs, declared),
                    _ => None,
                })
                .collect();
            if selection.iter().all(Option::is_none) {
                return None;
            }
            if let Some(index) = selections.iter().position(|known| *known == selection) {
                return Some(index);
            }
            let walks = steps
                .iter()
                .zip(&selection)
                .filter_map(|(step, graph)| graph.map(|graph| (step.clone(), graph)))
                .collect();
            run.fused.push(Fused::new(walks));
            selections.push(selection);
            Some(selections.len() - 1)
        };
        let request = fuse(&|graphs, _| (!graphs.is_empty()).then_some(0));
        let value = fuse(&|graphs, _| graphs.iter().position(|(status, _)| status.is_none()));
        let mut candidates: Vec<u16> = steps
            .iter()
            .flat_map(|step| match &step.op {
                StepOp::Walk {
                    graphs, declared, ..
                } => graphs
                    .iter()
                    .filter_map(|(status, _)| *status)
                    .chain(declared.iter().copied())
                    .collect(),
                _ => Vec::new(),
            })
            .collect();
        candidates.sort_unstable();
        candidates.dedup();
        let statuses = candidates
            .into_iter()
            .map(|status| {
                let fused = fuse(&|graphs, declared| {
                    let key = (status < 400 || declared.contains(&status)).then_some(status);
                    graphs.iter().position(|(graph, _)| *graph == key)
                });
                (status, fused)
            })
            .collect();
        run.request = request;
        run.value = value;
        run.statuses = statuses;
        run
    }

    /// The fused walk for a response of `status` (as each step picks its graph).
    fn for_status(&self, status: u16) -> Option<&Fused> {
        let index = match self.statuses.iter().find(|(known, _)| *known == status) {
            Some((_, index)) => *index,
            // An error no step declares: each step takes its error-shape graph.
            None if status >= 400 => self.value,
            None => None,
        };
        index.and_then(|index| self.fused.get(index))
    }
}

/// The segments of `steps`: each run of consecutive walks fused, the other steps on their own.
fn segments(steps: &[Arc<Step>]) -> Vec<Segment> {
    let is_walk = |step: &Arc<Step>| matches!(step.op, StepOp::Walk { .. });
    let mut segments = Vec::new();
    let mut index = 0;
    while index < steps.len() {
        let length = steps[index..]
            .iter()
            .take_while(|step| is_walk(step))
            .count();
        if length == 0 {
            segments.push(Segment::Step(index));
            index += 1;
        } else {
            let run = Run::new(&steps[index..index + length]);
            segments.push(Segment::Walks(Box::new(run)));
            index += length;
        }
    }
    segments
}

impl Plan {
    /// A plan of `steps`, in the order they apply.
    pub(crate) fn new(
        endpoint: String,
        version: semver::Version,
        target: semver::Version,
        direction: Direction,
        steps: Vec<Arc<Step>>,
        of_type: bool,
    ) -> Self {
        let segments = segments(&steps);
        Self {
            endpoint,
            version,
            target,
            direction,
            steps,
            of_type,
            segments,
        }
    }

    /// The same plan run one step after another, each walk over the whole value on its own, as
    /// [`Plan`]'s `Display` lists them. It gives the same results as the plan itself, which
    /// applies consecutive walks in one pass over the value: a reference to check that against.
    #[must_use]
    pub fn step_by_step(&self) -> Self {
        Self {
            segments: (0..self.steps.len()).map(Segment::Step).collect(),
            ..self.clone()
        }
    }

    /// True when nothing on the way touches this endpoint: the payload passes through untouched.
    pub fn is_empty(&self) -> bool {
        self.steps.is_empty()
    }

    /// The steps, in the order they apply.
    pub fn steps(&self) -> impl Iterator<Item = &Step> {
        self.steps.iter().map(AsRef::as_ref)
    }

    /// Whether any step reads or writes the body (else the body can stream through).
    pub fn touches_body(&self) -> bool {
        self.steps.iter().any(|step| {
            matches!(
                step.op,
                StepOp::Walk { .. } | StepOp::Body { .. } | StepOp::Error { .. }
            )
        })
    }

    /// Migrates a request body and its parameters from the client's version up.
    ///
    /// # Errors
    ///
    /// When a jq expression or function fails; its message is meant for the client (a 400).
    pub fn migrate_request(
        &self,
        body: &mut Option<Value>,
        parameters: &mut Parameters,
    ) -> Result<()> {
        self.request_steps(body, parameters)
    }

    /// [`Plan::migrate_request`] on the JSON text of a body: the body is read into a tree that
    /// borrows from `body` and written back as text, without building a `serde_json::Value`.
    /// The result is the text of what [`Plan::migrate_request`] gives (numbers written as they
    /// came, see [`Plan::migrate_response_bytes`]).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidJson`] where `serde_json::from_slice` would fail, and the errors of
    /// [`Plan::migrate_request`].
    pub fn migrate_request_bytes(
        &self,
        body: Option<&[u8]>,
        parameters: &mut Parameters,
    ) -> Result<Option<Vec<u8>>> {
        let mut tree = body.map(parse).transpose()?;
        self.request_steps(&mut tree, parameters)?;
        Ok(tree.map(|tree| written(&tree, body.map_or(0, <[u8]>::len))))
    }

    fn request_steps<'k, V: Tree<'k>>(
        &'k self,
        body: &mut Option<V>,
        parameters: &mut Parameters,
    ) -> Result<()> {
        for segment in &self.segments {
            let step = match segment {
                Segment::Step(index) => &self.steps[*index],
                Segment::Walks(run) => {
                    let fused = run.request.and_then(|index| run.fused.get(index));
                    if let (Some(body), Some(fused)) = (body.as_mut(), fused) {
                        fused.run(body)?;
                    }
                    continue;
                }
            };
            match &step.op {
                StepOp::Walk { action, graphs, .. } => {
                    if let (Some(body), Some((_, graph))) = (body.as_mut(), graphs.first()) {
                        walk(graph, action, body)?;
                    }
                }
                StepOp::Body { transform, .. } => {
                    if let Some(value) = body.as_mut() {
                        value.transform(transform)?;
                    }
                }
                StepOp::Parameter(op) => apply_parameter(op, parameters),
                StepOp::Status { .. } | StepOp::Error { .. } => {}
            }
        }
        Ok(())
    }

    /// Migrates a response down to the client's version: status, body and error shape.
    ///
    /// # Errors
    ///
    /// When a jq expression or function fails (a server-side fault: a 500).
    pub fn migrate_response(&self, status: u16, body: Option<Value>) -> Result<MigratedResponse> {
        let (status, body, media_type) = self.response_steps(status, body)?;
        Ok(MigratedResponse {
            status,
            body,
            media_type,
        })
    }

    /// [`Plan::migrate_response`] on the JSON text of a body: the body is read into a tree that
    /// borrows from `body` (strings and property names are not copied, numbers keep their
    /// text) and written back as text, without building a `serde_json::Value`.
    ///
    /// The result reads as the same JSON as [`Plan::migrate_response`]'s body written by
    /// `serde_json`; the text differs only in numbers, which are written as they came where
    /// `serde_json` re-writes them (`1E2` stays `1E2`, not `100.0`; `-0` stays `-0`; an
    /// integer beyond 64 bits keeps its digits). Input that `serde_json::from_slice` refuses
    /// (including nesting deeper than its recursion limit and numbers beyond a float's range)
    /// is an [`Error::InvalidJson`].
    ///
    /// # Errors
    ///
    /// [`Error::InvalidJson`], and the errors of [`Plan::migrate_response`].
    pub fn migrate_response_bytes(
        &self,
        status: u16,
        body: Option<&[u8]>,
    ) -> Result<MigratedBytes> {
        if let Some(migrated) = body.and_then(|body| self.streamed_response(status, body)) {
            return Ok(migrated);
        }
        let tree = body.map(parse).transpose()?;
        let (status, tree, media_type) = self.response_steps(status, tree)?;
        let text = media_type
            .as_deref()
            .is_some_and(|media_type| media_type.starts_with("text/"));
        let body = tree.map(|tree| match tree.as_str() {
            Some(string) if text => string.as_bytes().to_vec(),
            _ => written(&tree, body.map_or(0, <[u8]>::len)),
        });
        Ok(MigratedBytes {
            status,
            body,
            media_type,
        })
    }

    /// [`Plan::migrate_response_bytes`] on the text as it is read, where every step that
    /// applies to the response can run there (`None` leaves it to the tree).
    fn streamed_response(&self, mut status: u16, body: &[u8]) -> Option<MigratedBytes> {
        let mut passes = Vec::new();
        for segment in &self.segments {
            match segment {
                Segment::Walks(run) => {
                    if let Some(fused) = run.for_status(status) {
                        passes.push(fused);
                    }
                }
                Segment::Step(index) => match &self.steps[*index].op {
                    StepOp::Status { from, to } if status == *from => status = *to,
                    StepOp::Body { status: only, .. }
                        if only.map_or(status < 400, |only| only == status) =>
                    {
                        return None;
                    }
                    StepOp::Error { declared, .. }
                        if status >= 400 && !declared.contains(&status) =>
                    {
                        return None;
                    }
                    _ => {}
                },
            }
        }
        let (first, rest) = passes.split_first()?;
        let mut text = first.run_text(body).ok()?;
        for pass in rest {
            text = pass.run_text(&text).ok()?;
        }
        Some(MigratedBytes {
            status,
            body: Some(text),
            media_type: None,
        })
    }

    fn response_steps<'k, V: Tree<'k>>(
        &'k self,
        mut status: u16,
        mut body: Option<V>,
    ) -> Result<(u16, Option<V>, Option<String>)> {
        let mut media_type = None;
        for segment in &self.segments {
            let step = match segment {
                Segment::Step(index) => &self.steps[*index],
                Segment::Walks(run) => {
                    let fused = run.for_status(status);
                    if let (Some(body), Some(fused)) = (body.as_mut(), fused) {
                        fused.run(body)?;
                    }
                    continue;
                }
            };
            let is_error = status >= 400;
            match &step.op {
                // A walk has graphs for declared statuses (errors too) and `None` for error bodies.
                StepOp::Walk {
                    action,
                    graphs,
                    declared,
                    ..
                } => {
                    let key = (!is_error || declared.contains(&status)).then_some(status);
                    let graph = graphs.iter().find(|(known, _)| *known == key);
                    if let (Some(body), Some((_, graph))) = (body.as_mut(), graph) {
                        walk(graph, action, body)?;
                    }
                }
                StepOp::Body {
                    transform,
                    status: only,
                } if only.map_or(!is_error, |only| only == status) => {
                    if let Some(value) = body.as_mut() {
                        value.transform(transform)?;
                    }
                }
                StepOp::Status { from, to } if status == *from => status = *to,
                StepOp::Error {
                    media_type: error_media_type,
                    transform,
                    declared,
                } if is_error && !declared.contains(&status) => {
                    if let (Some(transform), Some(value)) = (transform, body.as_mut()) {
                        value.transform(transform)?;
                    }
                    media_type = Some(error_media_type.clone());
                }
                _ => {}
            }
        }
        if let (Some(media_type), Some(body)) = (&media_type, &body)
            && media_type.starts_with("text/")
            && body.kind() != Kind::String
        {
            return Err(Error::ErrorNotText {
                media_type: media_type.clone(),
            });
        }
        Ok((status, body, media_type))
    }

    /// Migrates one value of a plan over a type ([`crate::Migrator::type_plan`]), up or down.
    ///
    /// On a plan of an endpoint it applies only a request plan's walks over the body: use
    /// [`Plan::migrate_request`] and [`Plan::migrate_response`] there.
    ///
    /// # Errors
    ///
    /// When a jq expression or function fails on the value.
    pub fn migrate_value(&self, mut value: Value) -> Result<Value> {
        for segment in &self.segments {
            let step = match segment {
                Segment::Step(index) => &self.steps[*index],
                Segment::Walks(run) => {
                    if let Some(fused) = run.value.and_then(|index| run.fused.get(index)) {
                        fused.run(&mut value)?;
                    }
                    continue;
                }
            };
            if let StepOp::Walk { action, graphs, .. } = &step.op
                && let Some((_, graph)) = graphs.iter().find(|(status, _)| status.is_none())
            {
                walk(graph, action, &mut value)?;
            }
        }
        Ok(value)
    }
}

/// The JSON text of `tree`, in a buffer about the size of the `input` it came from.
fn written(tree: &Node<'_>, input: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(input + input / 8 + 64);
    tree.write(&mut out);
    out
}

fn apply_parameter(op: &ParameterOp, parameters: &mut Parameters) {
    match op {
        ParameterOp::Rename { location, from, to } => {
            for (name, _) in parameters
                .at(*location)
                .iter_mut()
                .filter(|(name, _)| name == from)
            {
                name.clone_from(to);
            }
        }
        ParameterOp::Default {
            location,
            name,
            value,
        } => {
            let list = parameters.at(*location);
            if !list.iter().any(|(existing, _)| existing == name) {
                list.push((name.clone(), value.clone()));
            }
        }
        ParameterOp::Remove { location, name } => parameters
            .at(*location)
            .retain(|(existing, _)| existing != name),
    }
}

impl fmt::Display for Plan {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (from, to) = match self.direction {
            Direction::Request => (&self.version, &self.target),
            Direction::Response => (&self.target, &self.version),
        };
        if self.of_type {
            let way = match self.direction {
                Direction::Request => "up",
                Direction::Response => "down",
            };
            writeln!(
                f,
                "plan for type `{}` {way} from {from} to {to}: {} step(s)",
                self.endpoint,
                self.steps.len()
            )?;
        } else {
            writeln!(
                f,
                "plan for `{}` {} from {from} to {to}: {} step(s)",
                self.endpoint,
                self.direction,
                self.steps.len()
            )?;
        }
        if self.steps.is_empty() {
            writeln!(f, "  (empty: the payload passes through untouched)")?;
        }
        for (number, step) in self.steps.iter().enumerate() {
            write!(f, "  {}. [{}] ", number + 1, step.origin)?;
            match &step.op {
                StepOp::Walk {
                    type_name,
                    action,
                    graphs,
                    ..
                } => {
                    let places: Vec<String> = graphs
                        .iter()
                        .flat_map(|(status, graph)| {
                            let prefix = match (status, self.direction) {
                                (Some(status), _) => format!("{status} "),
                                (None, Direction::Response) => "errors ".to_owned(),
                                (None, Direction::Request) => String::new(),
                            };
                            graph
                                .places()
                                .into_iter()
                                .map(move |place| format!("{prefix}{place}"))
                        })
                        .collect();
                    writeln!(f, "`{type_name}` at {}: {action}", places.join(", "))?;
                }
                StepOp::Body { transform, status } => match status {
                    Some(status) => writeln!(f, "body of {status}: {transform}")?,
                    None => writeln!(f, "body: {transform}")?,
                },
                StepOp::Status { from, to } => writeln!(f, "status {from} becomes {to}")?,
                StepOp::Error {
                    media_type,
                    transform,
                    ..
                } => match transform {
                    Some(transform) => {
                        writeln!(f, "error bodies become `{media_type}` with {transform}")?
                    }
                    None => writeln!(f, "error bodies become `{media_type}`")?,
                },
                StepOp::Parameter(ParameterOp::Rename { location, from, to }) => {
                    writeln!(f, "{location} parameter `{from}` becomes `{to}`")?;
                }
                StepOp::Parameter(ParameterOp::Default {
                    location,
                    name,
                    value,
                }) => {
                    writeln!(f, "{location} parameter `{name}` defaults to `{value}`")?;
                }
                StepOp::Parameter(ParameterOp::Remove { location, name }) => {
                    writeln!(f, "{location} parameter `{name}` is dropped")?;
                }
            }
        }
        Ok(())
    }
}
