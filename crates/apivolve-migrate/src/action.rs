//! What a step does to a value where its type occurs, and the walk that finds those places.

use std::fmt;

use serde_json::Value;

use crate::error::{Error, Result};
use crate::graph::{Graph, NodeId};
use crate::transform::Transform;
use crate::tree::{Object, Tree};

/// Payloads nested deeper than this are not walked further (the server refuses them before).
pub(crate) const MAX_VALUE_DEPTH: usize = 512;

/// One derived or authored transformation of the value of a type.
#[derive(Clone, Debug)]
pub(crate) enum Action {
    /// Rename a property (dotted path to its parent object, then the name).
    Rename {
        path: Vec<String>,
        from: String,
        to: String,
    },
    /// Insert a property when it is absent.
    Insert {
        path: Vec<String>,
        field: String,
        value: Value,
    },
    /// Remove a property.
    Remove { path: Vec<String>, field: String },
    /// Replace a property's value by a transform of it (when present).
    MapField {
        path: Vec<String>,
        field: String,
        transform: Transform,
    },
    /// Set a property from a transform of its containing object (when absent).
    Derive {
        path: Vec<String>,
        field: String,
        transform: Transform,
    },
    /// Replace one enum value by another, in a property or in the value itself (`field` None).
    MapEnum {
        path: Vec<String>,
        field: Option<String>,
        from: Value,
        to: Value,
    },
    /// Move a property from one dotted path to another.
    Move { from: Vec<String>, to: Vec<String> },
    /// Replace the value, or the object at dotted `path` in it, by a transform of it.
    Whole {
        path: Vec<String>,
        transform: Transform,
    },
}

impl Action {
    /// Applies the action to the value of its type.
    pub(crate) fn apply<'k, V: Tree<'k>>(&'k self, value: &mut V) -> Result<()> {
        match self {
            Self::Rename { path, from, to } => {
                if let Some(object) = object_at(value, path) {
                    object.rename(from, to);
                }
            }
            Self::Insert {
                path,
                field,
                value: inserted,
            } => {
                if let Some(object) = object_at(value, path)
                    && !object.contains_key(field)
                {
                    object.insert(field, V::copy_of(inserted));
                }
            }
            Self::Remove { path, field } => {
                if let Some(object) = object_at(value, path) {
                    object.remove(field);
                }
            }
            Self::MapField {
                path,
                field,
                transform,
            } => {
                if let Some(object) = object_at(value, path)
                    && let Some(slot) = object.get_mut(field)
                {
                    slot.transform(transform)?;
                }
            }
            Self::Derive {
                path,
                field,
                transform,
            } => {
                if let Some(object) = object_at(value, path)
                    && !object.contains_key(field)
                {
                    let derived = transform.run(V::object_value(object)?)?;
                    object.insert(field, V::from_output(derived));
                }
            }
            Self::MapEnum {
                path,
                field,
                from,
                to,
            } => match field {
                None if path.is_empty() => map_enum(value, from, to),
                _ => {
                    let name = field.as_deref().unwrap_or_default();
                    if let Some(object) = object_at(value, path)
                        && let Some(slot) = object.get_mut(name)
                    {
                        map_enum(slot, from, to);
                    }
                }
            },
            Self::Move { from, to } => {
                let Some((name, parent)) = from.split_last() else {
                    return Ok(());
                };
                let moved = object_at(value, parent).and_then(|object| object.remove(name));
                if let Some(moved) = moved {
                    prune_empty(value, parent);
                    if let Some((name, parent)) = to.split_last()
                        && let Some(object) = object_creating(value, parent)
                    {
                        object.insert(name, moved);
                    }
                }
            }
            Self::Whole { path, transform } => match path.split_last() {
                None => value.transform(transform)?,
                Some((name, parent)) => {
                    if let Some(object) = object_at(value, parent)
                        && let Some(slot) = object.get_mut(name)
                    {
                        slot.transform(transform)?;
                    }
                }
            },
        }
        Ok(())
    }
}

impl Action {
    /// The dotted paths (to objects inside the type's value) the action reads and writes.
    pub(crate) fn paths(&self) -> Vec<&[String]> {
        match self {
            Self::Rename { path, .. }
            | Self::Insert { path, .. }
            | Self::Remove { path, .. }
            | Self::MapField { path, .. }
            | Self::Derive { path, .. }
            | Self::MapEnum { path, .. }
            | Self::Whole { path, .. } => vec![path],
            Self::Move { from, to } => vec![parent(from), parent(to)],
        }
    }

    /// The same action with the first `count` segments of its paths dropped: for the type that
    /// a dotted path reaches through a `$ref`.
    pub(crate) fn rebase(mut self, count: usize) -> Self {
        match &mut self {
            Self::Rename { path, .. }
            | Self::Insert { path, .. }
            | Self::Remove { path, .. }
            | Self::MapField { path, .. }
            | Self::Derive { path, .. }
            | Self::MapEnum { path, .. }
            | Self::Whole { path, .. } => {
                path.drain(..count.min(path.len()));
            }
            Self::Move { from, to } => {
                from.drain(..count.min(from.len()));
                to.drain(..count.min(to.len()));
            }
        }
        self
    }
}

/// The path without its last segment.
fn parent(path: &[String]) -> &[String] {
    path.split_last().map_or(&[], |(_, parent)| parent)
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let at = |path: &[String], field: &str| {
            if path.is_empty() {
                format!("`{field}`")
            } else {
                format!("`{}.{field}`", path.join("."))
            }
        };
        match self {
            Self::Rename { path, from, to } => write!(f, "rename {} to `{to}`", at(path, from)),
            Self::Insert { path, field, value } => {
                write!(f, "set {} to `{value}` when absent", at(path, field))
            }
            Self::Remove { path, field } => write!(f, "drop {}", at(path, field)),
            Self::MapField {
                path,
                field,
                transform,
            } => write!(f, "map {} with {transform}", at(path, field)),
            Self::Derive {
                path,
                field,
                transform,
            } => write!(
                f,
                "restore {} from the object with {transform}",
                at(path, field)
            ),
            Self::MapEnum {
                path,
                field: Some(field),
                from,
                to,
            } => write!(f, "map {} value `{from}` to `{to}`", at(path, field)),
            Self::MapEnum {
                field: None,
                from,
                to,
                ..
            } => write!(f, "map value `{from}` to `{to}`"),
            Self::Move { from, to } => write!(f, "move `{}` to `{}`", from.join("."), to.join(".")),
            Self::Whole { path, transform } if path.is_empty() => {
                write!(f, "transform the value with {transform}")
            }
            Self::Whole { path, transform } => {
                write!(f, "transform `{}` with {transform}", path.join("."))
            }
        }
    }
}

/// Replaces `from` by `to` in an enum value, or in each item of an array of enum values.
pub(crate) fn map_enum<'k, V: Tree<'k>>(slot: &mut V, from: &Value, to: &'k Value) {
    if slot.equals(from) {
        slot.assign(to);
    } else if let Some(items) = slot.as_array_mut() {
        for item in items.iter_mut().filter(|item| item.equals(from)) {
            item.assign(to);
        }
    }
}

fn object_at<'v, 'k, V: Tree<'k>>(value: &'v mut V, path: &[String]) -> Option<&'v mut V::Map> {
    let mut current = value;
    for segment in path {
        current = current.as_object_mut()?.get_mut(segment)?;
    }
    current.as_object_mut()
}

fn object_creating<'v, 'k, V: Tree<'k>>(
    value: &'v mut V,
    path: &'k [String],
) -> Option<&'v mut V::Map> {
    let mut current = value;
    for segment in path {
        current = current.as_object_mut()?.entry_object(segment);
    }
    current.as_object_mut()
}

/// Drops intermediate objects a move left empty (`content: {}` after `content.user` moved out).
fn prune_empty<'k, V: Tree<'k>>(value: &mut V, path: &[String]) {
    for depth in (1..=path.len()).rev() {
        let (parent, name) = (&path[..depth - 1], &path[depth - 1]);
        let Some(object) = object_at(value, parent) else {
            return;
        };
        if object
            .get(name)
            .and_then(Tree::as_object)
            .is_some_and(Object::is_empty)
        {
            object.remove(name);
        } else {
            return;
        }
    }
}

/// Applies `action` at every place of `graph`'s target type in `value`, innermost first.
pub(crate) fn walk<'k, V: Tree<'k>>(
    graph: &Graph,
    action: &'k Action,
    value: &mut V,
) -> Result<()> {
    visit(graph, graph.root, action, value, 0)
}

pub(crate) fn visit<'k, V: Tree<'k>>(
    graph: &Graph,
    id: NodeId,
    action: &'k Action,
    value: &mut V,
    depth: usize,
) -> Result<()> {
    let Some(node) = graph.nodes.get(id) else {
        return Ok(());
    };
    if !node.relevant {
        return Ok(());
    }
    if depth > MAX_VALUE_DEPTH {
        return Err(Error::TooDeep);
    }
    // Which alternatives the value fits is decided before any step changes it.
    let alternatives: Vec<NodeId> = node
        .alternatives
        .iter()
        .filter(|(guard, _)| guard.admits(value))
        .map(|(_, child)| *child)
        .collect();
    if let Some(object) = value.as_object_mut() {
        for (name, child) in &node.properties {
            if let Some(inner) = object.get_mut(name) {
                visit(graph, *child, action, inner, depth + 1)?;
            }
        }
        if let Some(additional) = node.additional {
            for (name, inner) in object.iter_mut() {
                if !node.properties.iter().any(|(property, _)| property == name) {
                    visit(graph, additional, action, inner, depth + 1)?;
                }
            }
        }
    } else if let Some(items) = value.as_array_mut() {
        for (index, inner) in items.iter_mut().enumerate() {
            match node.prefix_items.get(index) {
                Some(child) => visit(graph, *child, action, inner, depth + 1)?,
                None => {
                    if let Some(child) = node.items {
                        visit(graph, child, action, inner, depth + 1)?;
                    }
                }
            }
        }
    }
    for variant in node.variants.iter().chain(&alternatives) {
        visit(graph, *variant, action, value, depth + 1)?;
    }
    if node.type_name.is_some() && graph.is_target(id) && node.shape.admits(value) {
        action.apply(value)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn path(text: &str) -> Vec<String> {
        text.split('.')
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect()
    }

    #[test]
    fn rename_keeps_the_value() {
        let mut value = json!({"name": "Ada", "id": 1});
        Action::Rename {
            path: vec![],
            from: "name".into(),
            to: "full_name".into(),
        }
        .apply(&mut value)
        .unwrap();
        assert_eq!(value, json!({"id": 1, "full_name": "Ada"}));
    }

    #[test]
    fn move_creates_and_prunes_intermediate_objects() {
        let mut value = json!({"appId": "a", "content": {"user": "ada"}});
        Action::Move {
            from: path("content.user"),
            to: path("user"),
        }
        .apply(&mut value)
        .unwrap();
        assert_eq!(value, json!({"appId": "a", "user": "ada"}));
        Action::Move {
            from: path("user"),
            to: path("content.user"),
        }
        .apply(&mut value)
        .unwrap();
        assert_eq!(value, json!({"appId": "a", "content": {"user": "ada"}}));
    }

    #[test]
    fn enum_values_map_in_fields_and_in_place() {
        let mut value = json!({"status": "on_hold"});
        Action::MapEnum {
            path: vec![],
            field: Some("status".into()),
            from: json!("on_hold"),
            to: json!("pending"),
        }
        .apply(&mut value)
        .unwrap();
        assert_eq!(value, json!({"status": "pending"}));
        let mut value = json!("b");
        Action::MapEnum {
            path: vec![],
            field: None,
            from: json!("b"),
            to: json!("a"),
        }
        .apply(&mut value)
        .unwrap();
        assert_eq!(value, json!("a"));
    }

    #[test]
    fn enum_values_map_in_arrays_of_enum_values() {
        let mut value = json!({"labels": ["hot", "sale", "hot"]});
        Action::MapEnum {
            path: vec![],
            field: Some("labels".into()),
            from: json!("hot"),
            to: json!("new"),
        }
        .apply(&mut value)
        .unwrap();
        assert_eq!(value, json!({"labels": ["new", "sale", "new"]}));
    }

    #[test]
    fn insert_only_fills_absent_fields() {
        let mut value = json!({"a": 1});
        let action = Action::Insert {
            path: vec![],
            field: "a".into(),
            value: json!(2),
        };
        action.apply(&mut value).unwrap();
        assert_eq!(value, json!({"a": 1}));
        let action = Action::Insert {
            path: vec![],
            field: "b".into(),
            value: json!(2),
        };
        action.apply(&mut value).unwrap();
        assert_eq!(value, json!({"a": 1, "b": 2}));
    }
}
