//! The shape of a payload at one step: a graph of schema nodes, one per named type.
//!
//! A type-level change applies wherever its type occurs in a payload. The places are found by
//! compiling the body's schema into a graph: named types are shared nodes (so recursive types are
//! cycles, not infinite trees), inline schemas are nodes of their own, `allOf` parts are variants
//! applied at the same value, and `anyOf`/`oneOf` alternatives are walked only where the value
//! fits their [`Guard`]. The graph is pruned to the nodes from which the change's target type can
//! be reached, so a payload is only walked where it matters.

use std::collections::HashMap;

use apivolve_model::{Schema, Snapshot};
use serde_json::Value;

use crate::guard::Guard;

/// Index of a node.
pub(crate) type NodeId = usize;

#[derive(Clone, Debug, Default)]
pub(crate) struct Node {
    /// The named type this node stands for.
    pub(crate) type_name: Option<String>,
    pub(crate) properties: Vec<(String, NodeId)>,
    pub(crate) items: Option<NodeId>,
    pub(crate) prefix_items: Vec<NodeId>,
    pub(crate) additional: Option<NodeId>,
    pub(crate) variants: Vec<NodeId>,
    /// `anyOf`/`oneOf` alternatives: walked where the value fits the guard.
    pub(crate) alternatives: Vec<(Guard, NodeId)>,
    /// For a named type: the JSON types its values have (a step skips other values).
    pub(crate) shape: Guard,
    /// The target type is reachable from here.
    pub(crate) relevant: bool,
}

/// A compiled body shape, pruned to where a target type can occur.
#[derive(Clone, Debug, Default)]
pub(crate) struct Graph {
    pub(crate) nodes: Vec<Node>,
    pub(crate) root: NodeId,
    target: String,
}

impl Graph {
    /// Compiles `schema` (with refs into `snapshot.types`) and marks the nodes that reach `target`.
    pub(crate) fn build(snapshot: &Snapshot, schema: &Schema, target: &str) -> Self {
        let mut builder = Builder {
            snapshot,
            nodes: Vec::new(),
            named: HashMap::new(),
        };
        let root = builder.node(schema, 0);
        let mut graph = Graph {
            nodes: builder.nodes,
            root,
            target: target.to_owned(),
        };
        graph.mark(target);
        graph
    }

    /// Whether node `id` is the target type itself.
    pub(crate) fn is_target(&self, id: NodeId) -> bool {
        self.nodes
            .get(id)
            .and_then(|node| node.type_name.as_deref())
            == Some(self.target.as_str())
    }

    /// Whether the target occurs anywhere in this shape.
    pub(crate) fn reaches_target(&self) -> bool {
        self.nodes.get(self.root).is_some_and(|node| node.relevant)
    }

    /// JSON pointers (with `*` for any item or value) of the places of the target, for people.
    pub(crate) fn places(&self) -> Vec<String> {
        let mut places = Vec::new();
        let mut on_path = vec![false; self.nodes.len()];
        self.collect(self.root, String::new(), &mut on_path, &mut places);
        places.sort();
        places.dedup();
        if places.is_empty() {
            places.push("/".to_owned());
        }
        places
    }

    fn collect(
        &self,
        id: NodeId,
        pointer: String,
        on_path: &mut Vec<bool>,
        places: &mut Vec<String>,
    ) {
        let Some(node) = self.nodes.get(id) else {
            return;
        };
        if !node.relevant || on_path[id] || places.len() >= 8 {
            return;
        }
        if self.is_target(id) {
            places.push(if pointer.is_empty() {
                "/".to_owned()
            } else {
                pointer.clone()
            });
        }
        on_path[id] = true;
        for (name, child) in &node.properties {
            self.collect(*child, format!("{pointer}/{name}"), on_path, places);
        }
        for child in node.items.iter().chain(node.additional.iter()) {
            self.collect(*child, format!("{pointer}/*"), on_path, places);
        }
        for (index, child) in node.prefix_items.iter().enumerate() {
            self.collect(*child, format!("{pointer}/{index}"), on_path, places);
        }
        let alternatives = node.alternatives.iter().map(|(_, child)| child);
        for child in node.variants.iter().chain(alternatives) {
            self.collect(*child, pointer.clone(), on_path, places);
        }
        on_path[id] = false;
    }

    fn mark(&mut self, target: &str) {
        for node in &mut self.nodes {
            node.relevant = node.type_name.as_deref() == Some(target);
        }
        // Fixpoint: a node is relevant when a child is (cycles converge because flags only rise).
        loop {
            let mut changed = false;
            for index in 0..self.nodes.len() {
                if self.nodes[index].relevant {
                    continue;
                }
                let node = &self.nodes[index];
                let children = node
                    .properties
                    .iter()
                    .map(|(_, child)| *child)
                    .chain(node.items)
                    .chain(node.prefix_items.iter().copied())
                    .chain(node.additional)
                    .chain(node.variants.iter().copied())
                    .chain(node.alternatives.iter().map(|(_, child)| *child));
                let relevant = children
                    .into_iter()
                    .any(|child| self.nodes.get(child).is_some_and(|n| n.relevant));
                if relevant {
                    self.nodes[index].relevant = true;
                    changed = true;
                }
            }
            if !changed {
                break;
            }
        }
    }
}

struct Builder<'a> {
    snapshot: &'a Snapshot,
    nodes: Vec<Node>,
    named: HashMap<String, NodeId>,
}

/// Schemas nested deeper than this are not walked (a schema, not a payload, limit).
const MAX_SCHEMA_DEPTH: usize = 256;

impl Builder<'_> {
    fn push(&mut self, node: Node) -> NodeId {
        self.nodes.push(node);
        self.nodes.len() - 1
    }

    fn node(&mut self, schema: &Schema, depth: usize) -> NodeId {
        if let Some(name) = Snapshot::ref_name(schema) {
            return self.named(name, depth);
        }
        let id = self.push(Node::default());
        if depth > MAX_SCHEMA_DEPTH {
            return id;
        }
        let Value::Object(map) = schema else {
            return id;
        };
        let mut node = Node::default();
        if let Some(Value::Object(properties)) = map.get("properties") {
            for (name, child) in properties {
                let child = self.node(child, depth + 1);
                node.properties.push((name.clone(), child));
            }
        }
        if let Some(items) = map.get("items").filter(|items| items.is_object()) {
            node.items = Some(self.node(items, depth + 1));
        }
        if let Some(Value::Array(prefix)) = map.get("prefixItems") {
            node.prefix_items = prefix
                .iter()
                .map(|child| self.node(child, depth + 1))
                .collect();
        }
        if let Some(additional) = map.get("additionalProperties").filter(|a| a.is_object()) {
            node.additional = Some(self.node(additional, depth + 1));
        }
        if let Some(Value::Array(parts)) = map.get("allOf") {
            for part in parts {
                let child = self.node(part, depth + 1);
                node.variants.push(child);
            }
        }
        for keyword in ["anyOf", "oneOf"] {
            if let Some(Value::Array(alternatives)) = map.get(keyword) {
                for alternative in alternatives {
                    let child = self.node(alternative, depth + 1);
                    let guard = Guard::of(self.snapshot, alternative);
                    node.alternatives.push((guard, child));
                }
            }
        }
        if let Some(reference) = map.get("$ref").and_then(Value::as_str)
            && let Some(name) = reference.strip_prefix(apivolve_model::TYPE_REF_PREFIX)
        {
            let child = self.named(name, depth);
            node.variants.push(child);
        }
        self.nodes[id] = node;
        id
    }

    fn named(&mut self, name: &str, depth: usize) -> NodeId {
        if let Some(id) = self.named.get(name) {
            return *id;
        }
        let id = self.push(Node {
            type_name: Some(name.to_owned()),
            ..Node::default()
        });
        self.named.insert(name.to_owned(), id);
        if let Some(schema) = self.snapshot.types.get(name) {
            let inner = self.node(schema, depth + 1);
            self.nodes[id].variants.push(inner);
            self.nodes[id].shape = Guard::shape(self.snapshot, schema);
        }
        id
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn snapshot() -> Snapshot {
        let mut snapshot = Snapshot::default();
        snapshot.types.insert(
            "Tree".into(),
            json!({"type": "object", "properties": {"leaf": {"$ref": "#/types/Leaf"}, "children": {"type": "array", "items": {"$ref": "#/types/Tree"}}}}),
        );
        snapshot.types.insert(
            "Leaf".into(),
            json!({"type": "object", "properties": {"name": {"type": "string"}}}),
        );
        snapshot
            .types
            .insert("Other".into(), json!({"type": "object"}));
        snapshot
    }

    #[test]
    fn recursive_types_are_cycles() {
        let graph = Graph::build(&snapshot(), &json!({"$ref": "#/types/Tree"}), "Leaf");
        assert!(graph.reaches_target());
        assert!(graph.nodes.len() < 12, "{}", graph.nodes.len());
    }

    #[test]
    fn unrelated_shapes_are_pruned() {
        let graph = Graph::build(&snapshot(), &json!({"$ref": "#/types/Tree"}), "Other");
        assert!(!graph.reaches_target());
    }
}
