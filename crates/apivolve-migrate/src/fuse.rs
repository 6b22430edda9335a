//! Fused walks: a run of consecutive type-level steps applied in one pass over the value.
//!
//! Run one after another, each step of a run walks the whole value with its own graph and applies
//! its action wherever its type occurs. The fused walk goes through the value once: where every
//! step's graph goes the same way (same properties, items and `allOf` parts), it descends once
//! for all; where the graphs part ways or a step has something to do, it hands the value over to
//! each step in turn (the step's own walk from there, or, at a place of the type with nothing of
//! it below, the action alone). The result is the one of the steps one after another:
//!
//! - a value where the walks descend together is never changed by an action (actions change the
//!   value of their type, and places of a type are handed over, never descended into), so every
//!   step makes the same choices there at any time;
//! - such a value is reached once (a node that leads on through two `allOf` parts, or through a
//!   part and a property, is handed over), so each place is handed over once;
//! - choices that read a value an action may change are left to the steps: a guard that compares
//!   values (`const`, `enum`, property constants), and any guard in front of a place of the type
//!   at the same value, make the node a hand-over;
//! - steps act on disjoint places, so step-major order (the steps one after another) and
//!   place-major order (the fused walk) give the same values; on failure the fused walk reports
//!   the error of the earliest failing step, the one the steps one after another stop at.

use std::collections::HashMap;
use std::sync::Arc;

use crate::action::{Action, MAX_VALUE_DEPTH, visit};
use crate::error::{Error, Result};
use crate::graph::{Graph, NodeId};
use crate::guard::Guard;
use crate::plan::{Step, StepOp};
use crate::stream::{Fallback, Stream};
use crate::tree::{Object, Tree};

/// The node that does nothing; every fused walk has it at index 0.
const SKIP: usize = 0;

/// In a tuple of graph nodes: the step has nothing to do in this part of the value (its walk
/// would return at once).
pub(crate) const INACTIVE: NodeId = NodeId::MAX;

#[derive(Clone, Debug)]
pub(crate) enum Node {
    /// No step's type occurs below.
    Skip,
    /// Each active step in turn walks the value from its own graph's node.
    Handoff(Vec<NodeId>),
    /// Each active step's node is its target type, with nothing of it below: each action in
    /// turn, where the value has the step's shape of the type.
    Places(Vec<NodeId>),
    /// Every step goes the same way: into the children, once for all.
    Descend {
        properties: Vec<(String, usize)>,
        items: Option<usize>,
        prefix_items: Vec<usize>,
        additional: Option<usize>,
        /// The one `allOf` part (no guard) or alternative (its guard) that leads on, at the same
        /// value; only on a node whose children lead nowhere.
        next: Option<(Option<Guard>, usize)>,
    },
}

/// Each walk's action and graph, in the order of the steps.
pub(crate) type Walks<'k> = Vec<(&'k Action, &'k Graph)>;

/// A run of walks fused for one choice of graphs (the walks whose step has no graph for the
/// payload are left out).
#[derive(Clone, Debug)]
pub(crate) struct Fused {
    /// The steps, in order, and the index of the graph each one uses.
    walks: Vec<(Arc<Step>, usize)>,
    nodes: Vec<Node>,
    root: usize,
    /// The same walk on the payload's text.
    stream: Stream,
}

/// Where a failing fused walk stands: the steps still running, and the earliest failure so far.
struct Progress {
    limit: usize,
    error: Option<Error>,
}

impl Progress {
    fn fail(&mut self, walk: usize, error: Error) {
        self.limit = walk;
        self.error = Some(error);
    }

    /// Stops the walk when the first step failed: nothing else is left to run.
    fn check(&mut self) -> Result<()> {
        match self.error.take() {
            Some(error) if self.limit == 0 => Err(error),
            error => {
                self.error = error;
                Ok(())
            }
        }
    }
}

fn walk_of(step: &Step, graph: usize) -> Option<(&Action, &Graph)> {
    match &step.op {
        StepOp::Walk { action, graphs, .. } => graphs.get(graph).map(|(_, graph)| (action, graph)),
        _ => None,
    }
}

impl Fused {
    /// Fuses `walks` (steps of kind walk, each with the index of its graph).
    pub(crate) fn new(walks: Vec<(Arc<Step>, usize)>) -> Self {
        let graphs: Vec<&Graph> = walks
            .iter()
            .filter_map(|(step, graph)| walk_of(step, *graph).map(|(_, graph)| graph))
            .collect();
        let (nodes, root) = if graphs.len() == walks.len() {
            let mut builder = Builder {
                graphs: &graphs,
                nodes: vec![Node::Skip],
                memo: HashMap::new(),
                done: vec![true],
            };
            let root = builder.node(graphs.iter().map(|graph| graph.root).collect());
            (builder.nodes, root)
        } else {
            (vec![Node::Skip], SKIP)
        };
        let actions = walks
            .iter()
            .filter_map(|(step, graph)| walk_of(step, *graph))
            .collect();
        let stream = Stream::new(&nodes, root, &actions);
        Self {
            walks,
            nodes,
            root,
            stream,
        }
    }

    /// Each walk's action and graph.
    pub(crate) fn walks(&self) -> Walks<'_> {
        self.walks
            .iter()
            .filter_map(|(step, graph)| walk_of(step, *graph))
            .collect()
    }

    /// Applies the steps to the JSON text `input`, as [`Fused::run`] on its tree would, and
    /// gives the text of the result; [`Fallback`] where the tree path must decide.
    pub(crate) fn run_text(&self, input: &[u8]) -> Result<Vec<u8>, Fallback> {
        self.stream.run(self, input)
    }

    /// [`Fused::run`] from node `id` on `value`, a value of the payload there.
    pub(crate) fn visit_at<'k, V: Tree<'k>>(
        &self,
        walks: &Walks<'k>,
        id: usize,
        value: &mut V,
    ) -> Result<()> {
        let mut progress = Progress {
            limit: walks.len(),
            error: None,
        };
        self.visit(walks, id, value, 0, &mut progress)?;
        match progress.error {
            Some(error) => Err(error),
            None => Ok(()),
        }
    }

    /// Applies every step of the run to `value`, as the steps one after another would.
    pub(crate) fn run<'k, V: Tree<'k>>(&'k self, value: &mut V) -> Result<()> {
        self.visit_at(&self.walks(), self.root, value)
    }

    fn visit<'k, V: Tree<'k>>(
        &self,
        walks: &[(&'k Action, &'k Graph)],
        id: usize,
        value: &mut V,
        depth: usize,
        progress: &mut Progress,
    ) -> Result<()> {
        match &self.nodes[id] {
            Node::Skip => Ok(()),
            Node::Handoff(nodes) => {
                for (index, ((action, graph), node)) in walks.iter().zip(nodes).enumerate() {
                    if index >= progress.limit {
                        break;
                    }
                    if *node == INACTIVE {
                        continue;
                    }
                    if let Err(error) = visit(graph, *node, action, value, depth) {
                        progress.fail(index, error);
                    }
                }
                progress.check()
            }
            Node::Places(nodes) => {
                if depth > MAX_VALUE_DEPTH {
                    return Err(Error::TooDeep);
                }
                for (index, ((action, graph), node)) in walks.iter().zip(nodes).enumerate() {
                    if index >= progress.limit {
                        break;
                    }
                    if *node == INACTIVE {
                        continue;
                    }
                    let admits = graph
                        .nodes
                        .get(*node)
                        .is_some_and(|node| node.shape.admits(value));
                    if admits && let Err(error) = action.apply(value) {
                        progress.fail(index, error);
                    }
                }
                progress.check()
            }
            Node::Descend {
                properties,
                items,
                prefix_items,
                additional,
                next,
            } => {
                if depth > MAX_VALUE_DEPTH {
                    return Err(Error::TooDeep);
                }
                let next = next
                    .as_ref()
                    .filter(|(guard, _)| guard.as_ref().is_none_or(|guard| guard.admits(value)));
                if let Some(object) = value.as_object_mut() {
                    for (name, child) in properties {
                        if *child != SKIP
                            && let Some(inner) = object.get_mut(name)
                        {
                            self.visit(walks, *child, inner, depth + 1, progress)?;
                        }
                    }
                    if let Some(additional) = additional {
                        for (name, inner) in object.iter_mut() {
                            if !properties.iter().any(|(property, _)| property == name) {
                                self.visit(walks, *additional, inner, depth + 1, progress)?;
                            }
                        }
                    }
                } else if let Some(values) = value.as_array_mut() {
                    for (index, inner) in values.iter_mut().enumerate() {
                        match prefix_items.get(index) {
                            Some(child) => {
                                self.visit(walks, *child, inner, depth + 1, progress)?;
                            }
                            None => {
                                if let Some(child) = items {
                                    self.visit(walks, *child, inner, depth + 1, progress)?;
                                }
                            }
                        }
                    }
                }
                if let Some((_, child)) = next {
                    self.visit(walks, *child, value, depth + 1, progress)?;
                }
                Ok(())
            }
        }
    }
}

/// Builds the fused nodes from the tuples of the steps' graph nodes at the same place.
struct Builder<'a> {
    graphs: &'a [&'a Graph],
    nodes: Vec<Node>,
    memo: HashMap<Vec<NodeId>, usize>,
    /// Whether a node is final (a node in progress stays a hand-over until its children are).
    done: Vec<bool>,
}

/// What a tuple of graph nodes becomes, before its children are built.
enum Kind {
    Skip,
    Handoff,
    Places,
    Descend,
}

impl<'a> Builder<'a> {
    fn push(&mut self, node: Node, done: bool) -> usize {
        self.nodes.push(node);
        self.done.push(done);
        self.nodes.len() - 1
    }

    fn node(&mut self, mut tuple: Vec<NodeId>) -> usize {
        for (walk, id) in tuple.iter_mut().enumerate() {
            if *id != INACTIVE && !self.is_relevant(walk, *id) {
                *id = INACTIVE;
            }
        }
        if tuple.iter().all(|id| *id == INACTIVE) {
            return SKIP;
        }
        if let Some(id) = self.memo.get(&tuple) {
            return *id;
        }
        let id = match self.kind(&tuple) {
            Kind::Skip => SKIP,
            Kind::Handoff => self.push(Node::Handoff(tuple.clone()), true),
            Kind::Places => self.push(Node::Places(tuple.clone()), true),
            Kind::Descend => {
                // A hand-over until the children are built (a cycle back here sees that).
                let id = self.push(Node::Handoff(tuple.clone()), false);
                self.memo.insert(tuple.clone(), id);
                self.nodes[id] = self.descend(&tuple);
                self.done[id] = true;
                return id;
            }
        };
        self.memo.insert(tuple, id);
        id
    }

    /// The graph nodes of the active steps, with the steps' indices.
    fn graph_nodes(&self, tuple: &[NodeId]) -> Vec<(usize, &'a crate::graph::Node)> {
        tuple
            .iter()
            .enumerate()
            .filter_map(|(walk, id)| Some((walk, self.graphs[walk].nodes.get(*id)?)))
            .collect()
    }

    fn is_relevant(&self, walk: usize, id: NodeId) -> bool {
        self.graphs[walk]
            .nodes
            .get(id)
            .is_some_and(|node| node.relevant)
    }

    fn kind(&self, tuple: &[NodeId]) -> Kind {
        // Only active steps are left in the tuple: their nodes exist and are relevant.
        let nodes = self.graph_nodes(tuple);
        let targets = nodes
            .iter()
            .filter(|(walk, _)| self.graphs[*walk].is_target(tuple[*walk]))
            .count();
        if targets > 0 {
            let places = targets == nodes.len()
                && nodes.iter().all(|(walk, node)| {
                    node.type_name.is_some()
                        && children(node).all(|child| !self.is_relevant(*walk, child))
                });
            return if places { Kind::Places } else { Kind::Handoff };
        }
        let Some((_, first)) = nodes.first().copied() else {
            return Kind::Skip;
        };
        let same_shape = nodes.iter().all(|(_, node)| {
            node.properties.len() == first.properties.len()
                && node
                    .properties
                    .iter()
                    .zip(&first.properties)
                    .all(|((a, _), (b, _))| a == b)
                && node.items.is_some() == first.items.is_some()
                && node.prefix_items.len() == first.prefix_items.len()
                && node.additional.is_some() == first.additional.is_some()
                && node.variants.len() == first.variants.len()
                && node.alternatives.len() == first.alternatives.len()
        });
        if !same_shape {
            return Kind::Handoff;
        }
        let relevant_anywhere = |pick: &dyn Fn(&crate::graph::Node) -> Option<NodeId>| {
            nodes
                .iter()
                .any(|(walk, node)| pick(node).is_some_and(|id| self.is_relevant(*walk, id)))
        };
        let value_children = (0..first.properties.len())
            .any(|index| relevant_anywhere(&|node| node.properties.get(index).map(|(_, id)| *id)))
            || relevant_anywhere(&|node| node.items)
            || relevant_anywhere(&|node| node.additional)
            || (0..first.prefix_items.len())
                .any(|index| relevant_anywhere(&|node| node.prefix_items.get(index).copied()));
        let variants: Vec<usize> = (0..first.variants.len())
            .filter(|index| relevant_anywhere(&|node| node.variants.get(*index).copied()))
            .collect();
        let alternatives: Vec<usize> = (0..first.alternatives.len())
            .filter(|index| {
                relevant_anywhere(&|node| node.alternatives.get(*index).map(|(_, id)| *id))
            })
            .collect();
        match (variants.len() + alternatives.len(), value_children) {
            (0, _) => Kind::Descend,
            (1, false) => {
                let guards_agree = alternatives.first().is_none_or(|index| {
                    let guard = &first.alternatives[*index].0;
                    !guard.reads_values()
                        && nodes
                            .iter()
                            .all(|(_, node)| &node.alternatives[*index].0 == guard)
                });
                if guards_agree {
                    Kind::Descend
                } else {
                    Kind::Handoff
                }
            }
            _ => Kind::Handoff,
        }
    }

    /// The node of a tuple whose nodes all go the same way.
    fn descend(&mut self, tuple: &[NodeId]) -> Node {
        let handoff = Node::Handoff(tuple.to_vec());
        let nodes: Vec<Option<&crate::graph::Node>> = tuple
            .iter()
            .zip(self.graphs)
            .map(|(id, graph)| graph.nodes.get(*id))
            .collect();
        let Some(first) = nodes.iter().flatten().next().map(|node| (*node).clone()) else {
            return handoff;
        };
        // Inactive steps stay inactive below.
        let column = |pick: &dyn Fn(&crate::graph::Node) -> NodeId| -> Vec<NodeId> {
            nodes
                .iter()
                .map(|node| node.map_or(INACTIVE, pick))
                .collect()
        };
        let mut property_tuples = Vec::new();
        for (index, (name, _)) in first.properties.iter().enumerate() {
            property_tuples.push((name.clone(), column(&|node| node.properties[index].1)));
        }
        let items = first
            .items
            .map(|_| column(&|node| node.items.unwrap_or_default()));
        let prefix_tuples: Vec<Vec<NodeId>> = (0..first.prefix_items.len())
            .map(|index| column(&|node| node.prefix_items[index]))
            .collect();
        let additional = first
            .additional
            .map(|_| column(&|node| node.additional.unwrap_or_default()));
        let leads = |tuple: &[NodeId]| {
            tuple
                .iter()
                .enumerate()
                .any(|(walk, id)| self.is_relevant(walk, *id))
        };
        let next_variant = (0..first.variants.len())
            .map(|index| column(&|node| node.variants[index]))
            .find(|tuple| leads(tuple));
        let next_alternative = (0..first.alternatives.len())
            .map(|index| (index, column(&|node| node.alternatives[index].1)))
            .find(|(_, tuple)| leads(tuple));
        let next = match (next_variant, next_alternative) {
            (Some(tuple), _) => Some((None, tuple)),
            (None, Some((index, tuple))) => {
                Some((Some(first.alternatives[index].0.clone()), tuple))
            }
            (None, None) => None,
        };

        let properties = property_tuples
            .into_iter()
            .map(|(name, tuple)| (name, self.node(tuple)))
            .collect();
        let items = items.map(|tuple| self.node(tuple));
        let prefix_items = prefix_tuples
            .into_iter()
            .map(|tuple| self.node(tuple))
            .collect();
        let additional = additional.map(|tuple| self.node(tuple));
        let next = match next {
            Some((guard, tuple)) => {
                let child = self.node(tuple);
                // At the same value, only a node that descends, or places reached without a
                // guard, may follow: a guard in front of a place reads what the actions change.
                let fits = self.done[child]
                    && match &self.nodes[child] {
                        Node::Descend { .. } => true,
                        Node::Places(_) => guard.is_none(),
                        Node::Skip | Node::Handoff(_) => false,
                    };
                if !fits {
                    return handoff;
                }
                Some((guard, child))
            }
            None => None,
        };
        Node::Descend {
            properties,
            items,
            prefix_items,
            additional,
            next,
        }
    }
}

/// Every child of a graph node.
fn children(node: &crate::graph::Node) -> impl Iterator<Item = NodeId> + '_ {
    node.properties
        .iter()
        .map(|(_, id)| *id)
        .chain(node.items)
        .chain(node.prefix_items.iter().copied())
        .chain(node.additional)
        .chain(node.variants.iter().copied())
        .chain(node.alternatives.iter().map(|(_, id)| *id))
}
