//! Streaming migration: a fused walk applied to JSON text while it is read, without a tree.
//!
//! A migrated response is most often a list of objects that each get a few property-level
//! changes: renames, defaults, dropped fields, enum values, field conversions. Reading such a
//! payload into a tree, walking it and writing it back costs far more than the changes do. A
//! [`Stream`] reads the text once and writes the result as it goes:
//!
//! - a part of the payload no step reaches is checked and copied as it is (or written anew
//!   where its text is not the one the tree path would write: whitespace, escapes);
//! - where the steps descend, objects and arrays are read and written member by member;
//! - an object of a step's type is read one level deep into slots (each name, and the text of
//!   its value), the actions run on the slots, each name found once through a table of the names
//!   the actions mention, and only the values an action reads or changes become trees.
//!
//! Where the fused walk does more than that (it hands a value over to each step's own graph,
//! follows an `allOf` part at the same value, or has actions on nested paths, moves, derived
//! fields or whole-value transforms), that value alone is read into a tree, the fused walk runs
//! on it from its node, and the tree is written.
//!
//! The text it gives is the one the tree path gives ([`crate::node::Node::write`] of the
//! migrated tree), byte for byte. Where it cannot tell, [`Stream::run`] gives up with
//! [`Fallback`] (text the tree parser refuses, a name given twice in an object the walk reads,
//! an action that fails), and the caller takes the tree path, which gives the same result, or
//! the error to report.

use std::borrow::Cow;

use serde_json::Value;

use crate::action::{Action, map_enum, visit};
use crate::error::Error;
use crate::fuse::{self, Fused, Walks};
use crate::graph::NodeId;
use crate::guard::Guard;
use crate::node::{Node, text, write_string};
use crate::parse::{Parser, name_hash64, parse};
use crate::transform::Transform;
use crate::tree::Tree;

/// The part at index 0 copies its value: as in [`fuse`], where node 0 does nothing.
const SKIP: usize = 0;

/// No slot: a name the object does not have (now).
const NONE: usize = usize::MAX;

/// The walk could not stream this text: the tree path decides.
#[derive(Debug)]
pub(crate) struct Fallback;

impl From<Error> for Fallback {
    fn from(_: Error) -> Self {
        Fallback
    }
}

/// A fused walk, compiled to run on the text of a value.
#[derive(Clone, Debug)]
pub(crate) struct Stream {
    parts: Vec<Part>,
    root: usize,
}

/// What happens at a value, one for each node of the fused walk.
#[derive(Clone, Debug)]
enum Part {
    /// Copied.
    Skip,
    /// Members and items read and written one by one, each by its part.
    Descend {
        properties: Vec<(String, usize)>,
        items: Option<usize>,
        prefix_items: Vec<usize>,
        additional: Option<usize>,
    },
    /// The value of the steps' types.
    Places(Places),
    /// What another part does: a node that only leads on to the `allOf` part of the value's
    /// own type (a `$ref` to it, say).
    Same(usize),
    /// Read into a tree, walked from this node of the fused walk, written.
    Tree(usize),
}

/// The actions at the places of the steps' types.
#[derive(Clone, Debug)]
struct Places {
    /// The names the operations mention, by index.
    names: Names,
    /// What the actions do to an object, in order, on slots.
    ops: Vec<Op>,
    /// The actions with the shape of their step's type, for a value that is not an object.
    actions: Vec<(Action, Guard)>,
}

/// An action on an object, its names given by their index in [`Places::names`].
#[derive(Clone, Debug)]
enum Op {
    Rename {
        from: usize,
        to: usize,
    },
    Insert {
        name: usize,
        value: Value,
    },
    Remove {
        name: usize,
    },
    MapField {
        name: usize,
        transform: Transform,
    },
    MapEnum {
        name: usize,
        map: EnumMap,
    },
    /// A step whose type is below: its walk from `node` of its graph on the member's value.
    Visit {
        name: usize,
        walk: usize,
        node: NodeId,
    },
}

/// A set of names with an open-addressing table of their hashes.
#[derive(Clone, Debug, Default)]
struct Names {
    names: Vec<String>,
    /// `(hash, index + 1)`; 0 is an empty entry.
    table: Vec<(u64, usize)>,
}

impl Names {
    /// The index of `name`, added when new.
    fn id(&mut self, name: &str) -> usize {
        match self.names.iter().position(|known| known == name) {
            Some(index) => index,
            None => {
                self.names.push(name.to_owned());
                self.names.len() - 1
            }
        }
    }

    /// Fills the table, at least twice as large as the set.
    fn seal(&mut self) {
        let size = (self.names.len() * 2).next_power_of_two().max(8);
        self.table = vec![(0, 0); size];
        for (index, name) in self.names.iter().enumerate() {
            let hash = name_hash64(name.as_bytes());
            let mut at = hash as usize & (size - 1);
            while self.table[at].1 != 0 {
                at = (at + 1) & (size - 1);
            }
            self.table[at] = (hash, index + 1);
        }
    }

    fn find(&self, hash: u64, name: &str) -> Option<usize> {
        let mask = self.table.len() - 1;
        let mut at = hash as usize & mask;
        loop {
            let (known, entry) = self.table[at];
            if entry == 0 {
                return None;
            }
            if known == hash && self.names[entry - 1] == name {
                return Some(entry - 1);
            }
            at = (at + 1) & mask;
        }
    }
}

impl Stream {
    /// The stream of a fused walk: its nodes, the steps' actions and graphs.
    pub(crate) fn new(nodes: &[fuse::Node], root: usize, walks: &Walks<'_>) -> Self {
        let parts = nodes
            .iter()
            .enumerate()
            .map(|(id, node)| match node {
                fuse::Node::Skip => Part::Skip,
                fuse::Node::Places(ids) | fuse::Node::Handoff(ids) => {
                    places(ids, walks).map_or(Part::Tree(id), Part::Places)
                }
                fuse::Node::Descend {
                    properties,
                    items,
                    prefix_items,
                    additional,
                    next: None,
                } => Part::Descend {
                    properties: properties.clone(),
                    items: *items,
                    prefix_items: prefix_items.clone(),
                    additional: *additional,
                },
                fuse::Node::Descend {
                    properties,
                    items,
                    prefix_items,
                    additional,
                    next: Some((None, next)),
                } if properties.iter().all(|(_, child)| *child == SKIP)
                    && prefix_items.iter().all(|child| *child == SKIP)
                    && items.is_none_or(|child| child == SKIP)
                    && additional.is_none_or(|child| child == SKIP) =>
                {
                    Part::Same(*next)
                }
                fuse::Node::Descend { next: Some(_), .. } => Part::Tree(id),
            })
            .collect();
        Self { parts, root }
    }

    /// The migrated text of the JSON text `input`, for `fused`, the walk of this stream.
    pub(crate) fn run(&self, fused: &Fused, input: &[u8]) -> Result<Vec<u8>, Fallback> {
        let mut parser = Parser::new(input)?;
        let mut out = Vec::with_capacity(input.len() + input.len() / 8 + 64);
        let mut scratch = Scratch {
            walks: fused.walks(),
            slots: Vec::new(),
            present: Vec::new(),
            moved: Vec::new(),
        };
        parser.whitespace();
        self.value(fused, self.root, &mut parser, &mut out, &mut scratch)?;
        parser.end()?;
        Ok(out)
    }

    fn value<'a>(
        &'a self,
        fused: &'a Fused,
        part: usize,
        parser: &mut Parser<'a>,
        out: &mut Vec<u8>,
        scratch: &mut Scratch<'a>,
    ) -> Result<(), Fallback> {
        match (&self.parts[part], parser.peek()) {
            (
                Part::Descend {
                    properties,
                    additional,
                    ..
                },
                Some(b'{'),
            ) => self.object(fused, properties, *additional, parser, out, scratch),
            (
                Part::Descend {
                    items,
                    prefix_items,
                    ..
                },
                Some(b'['),
            ) => self.array(fused, *items, prefix_items, parser, out, scratch),
            (Part::Places(places), Some(b'{')) => places.object(parser, out, scratch),
            (Part::Places(places), _) => {
                let mut value = parser.value()?;
                for (action, shape) in &places.actions {
                    if shape.admits(&value) {
                        action.apply(&mut value)?;
                    }
                }
                value.write(out);
                Ok(())
            }
            (Part::Same(next), _) => self.value(fused, *next, parser, out, scratch),
            (Part::Tree(id), _) => {
                let mut value = parser.value()?;
                fused.visit_at(&scratch.walks, *id, &mut value)?;
                value.write(out);
                Ok(())
            }
            _ => copy(parser, out),
        }
    }

    /// At `{`: the members, each by the part of its property.
    fn object<'a>(
        &'a self,
        fused: &'a Fused,
        properties: &[(String, usize)],
        additional: Option<usize>,
        parser: &mut Parser<'a>,
        out: &mut Vec<u8>,
        scratch: &mut Scratch<'a>,
    ) -> Result<(), Fallback> {
        out.push(b'{');
        let mut names = parser.object_names();
        let mut first = true;
        let read = members(parser, |parser, name, hash| {
            if !parser.note_name(&mut names, hash) {
                return Err(Fallback);
            }
            if !first {
                out.push(b',');
            }
            first = false;
            write_string(&name, out);
            out.push(b':');
            let part = match properties.iter().find(|(property, _)| *property == name) {
                Some((_, part)) => *part,
                None => additional.unwrap_or(SKIP),
            };
            self.value(fused, part, parser, out, scratch)
        });
        parser.end_names(names);
        read?;
        out.push(b'}');
        Ok(())
    }

    /// At `[`: the items, each by its part.
    fn array<'a>(
        &'a self,
        fused: &'a Fused,
        items: Option<usize>,
        prefix_items: &[usize],
        parser: &mut Parser<'a>,
        out: &mut Vec<u8>,
        scratch: &mut Scratch<'a>,
    ) -> Result<(), Fallback> {
        parser.enter()?;
        out.push(b'[');
        parser.whitespace();
        if parser.peek() == Some(b']') {
            parser.expect(b']')?;
        } else {
            for index in 0.. {
                parser.whitespace();
                if index > 0 {
                    out.push(b',');
                }
                let part = prefix_items.get(index).copied().or(items).unwrap_or(SKIP);
                self.value(fused, part, parser, out, scratch)?;
                if !next(parser, b']')? {
                    break;
                }
            }
        }
        parser.leave();
        out.push(b']');
        Ok(())
    }
}

/// At `{`: each member's name (and its hash) to `each`, which reads the value, up to the `}`.
fn members<'a>(
    parser: &mut Parser<'a>,
    mut each: impl FnMut(&mut Parser<'a>, Cow<'a, str>, u64) -> Result<(), Fallback>,
) -> Result<(), Fallback> {
    parser.enter()?;
    parser.whitespace();
    if parser.peek() == Some(b'}') {
        parser.expect(b'}')?;
    } else {
        loop {
            parser.whitespace();
            parser.expect(b'"')?;
            let name = parser.string()?;
            let hash = name_hash64(name.as_bytes());
            parser.whitespace();
            parser.expect(b':')?;
            parser.whitespace();
            each(parser, name, hash)?;
            if !next(parser, b'}')? {
                break;
            }
        }
    }
    parser.leave();
    Ok(())
}

/// After a member or an item: past the `,` (true) or the closing `close` (false).
fn next(parser: &mut Parser<'_>, close: u8) -> Result<bool, Fallback> {
    parser.whitespace();
    match parser.peek() {
        Some(b',') => {
            parser.expect(b',')?;
            Ok(true)
        }
        Some(byte) if byte == close => {
            parser.expect(close)?;
            Ok(false)
        }
        _ => Err(Fallback),
    }
}

/// A value no step reaches: its text, or the tree's where they differ.
fn copy(parser: &mut Parser<'_>, out: &mut Vec<u8>) -> Result<(), Fallback> {
    let start = parser.at();
    if parser.skip()? {
        out.extend_from_slice(parser.since(start).as_bytes());
    } else {
        parse(parser.since(start).as_bytes())?.write(out);
    }
    Ok(())
}

/// The operations and actions at a value where each active step (its node of its graph in
/// `ids`) either has its type, with nothing of it below, or reaches its type below through
/// properties only: a place of the fused walk, or a hand-over of that kind.
fn places(ids: &[usize], walks: &Walks<'_>) -> Option<Places> {
    let mut names = Names::default();
    let mut ops = Vec::new();
    let mut actions = Vec::new();
    for (walk, ((action, graph), id)) in walks.iter().zip(ids).enumerate() {
        if *id == fuse::INACTIVE {
            continue;
        }
        let node = graph.nodes.get(*id)?;
        let relevant = |child: &NodeId| graph.nodes.get(*child).is_some_and(|node| node.relevant);
        let below = node
            .items
            .iter()
            .chain(&node.prefix_items)
            .chain(&node.additional);
        let beside = node
            .variants
            .iter()
            .chain(node.alternatives.iter().map(|(_, id)| id));
        if below.chain(beside).any(relevant) {
            return None;
        }
        if !graph.is_target(*id) {
            for (name, child) in node.properties.iter().filter(|(_, child)| relevant(child)) {
                ops.push(Op::Visit {
                    name: names.id(name),
                    walk,
                    node: *child,
                });
            }
            continue;
        }
        if node.properties.iter().any(|(_, child)| relevant(child)) {
            return None;
        }
        let shape = &node.shape;
        if !shape.is_shape() {
            return None;
        }
        actions.push(((*action).clone(), shape.clone()));
        if !shape.admits_objects() {
            continue;
        }
        let op = match action {
            Action::Rename { path, from, to } if path.is_empty() => Op::Rename {
                from: names.id(from),
                to: names.id(to),
            },
            Action::Insert { path, field, value } if path.is_empty() => Op::Insert {
                name: names.id(field),
                value: value.clone(),
            },
            Action::Remove { path, field } if path.is_empty() => Op::Remove {
                name: names.id(field),
            },
            Action::MapField {
                path,
                field,
                transform,
            } if path.is_empty() => Op::MapField {
                name: names.id(field),
                transform: transform.clone(),
            },
            Action::MapEnum {
                path,
                field: Some(field),
                from,
                to,
            } if path.is_empty() => Op::MapEnum {
                name: names.id(field),
                map: EnumMap::new(from, to),
            },
            // An object is no scalar enum value, and no array of them.
            Action::MapEnum {
                path,
                field: None,
                from,
                ..
            } if path.is_empty() && !from.is_object() => continue,
            _ => return None,
        };
        match (
            &op,
            ops.iter_mut()
                .rev()
                .find(|earlier| earlier.mentions(op.name())),
        ) {
            // The ops between act on other members: the two mappings may run as one.
            (Op::MapEnum { map, .. }, Some(Op::MapEnum { map: earlier, .. }))
                if map.scalar && earlier.scalar =>
            {
                earlier.then(map)
            }
            _ => ops.push(op),
        }
    }
    names.seal();
    Some(Places {
        names,
        ops,
        actions,
    })
}

impl Op {
    /// The member it acts on (`to` for a rename: it mentions `from` too).
    fn name(&self) -> usize {
        match self {
            Self::Rename { to: name, .. }
            | Self::Insert { name, .. }
            | Self::Remove { name }
            | Self::MapField { name, .. }
            | Self::MapEnum { name, .. }
            | Self::Visit { name, .. } => *name,
        }
    }

    fn mentions(&self, name: usize) -> bool {
        match self {
            Self::Rename { from, to } => *from == name || *to == name,
            _ => self.name() == name,
        }
    }
}

/// Enum mappings of one member, one after another, as one: each value they map, and what it
/// ends as.
#[derive(Clone, Debug)]
struct EnumMap {
    /// The values mapped, none equal to another, with their final values.
    pairs: Vec<(Value, Value)>,
    /// The strings among them, by text: their index in `pairs`.
    strings: foldhash::HashMap<Box<[u8]>, usize>,
    /// Whether every value it maps, and maps to, is a scalar: then it maps an array item by
    /// item, never the array itself, and a value it maps is never an array it would go into.
    scalar: bool,
}

impl EnumMap {
    fn new(from: &Value, to: &Value) -> Self {
        let mut map = Self {
            pairs: Vec::new(),
            strings: foldhash::HashMap::default(),
            scalar: true,
        };
        map.add(from.clone(), to.clone());
        map
    }

    fn add(&mut self, from: Value, to: Value) {
        if let Value::String(text) = &from {
            self.strings
                .insert(text.as_bytes().into(), self.pairs.len());
        }
        let scalar = |value: &Value| !value.is_array() && !value.is_object();
        self.scalar &= scalar(&from) && scalar(&to);
        self.pairs.push((from, to));
    }

    /// This mapping, then `next`.
    fn then(&mut self, next: &Self) {
        for (_, to) in &mut self.pairs {
            if let Some((_, last)) = next.pairs.iter().find(|(from, _)| from == to) {
                *to = last.clone();
            }
        }
        for (from, to) in &next.pairs {
            if !self.pairs.iter().any(|(known, _)| known == from) {
                self.add(from.clone(), to.clone());
            }
        }
    }

    /// The final value of a value it maps.
    fn find(&self, value: &Node<'_>) -> Option<&Value> {
        let index = match value {
            Node::String(text) => self.strings.get(text.as_bytes()).copied(),
            _ => self.pairs.iter().position(|(from, _)| value.equals(from)),
        };
        index.map(|index| &self.pairs[index].1)
    }

    /// As the mappings one after another ([`map_enum`] each), on a scalar mapping.
    fn apply<'a>(&'a self, value: &mut Text<'a>) -> Result<(), Fallback> {
        // A string without escapes: found by its text.
        if let Text::Raw {
            text,
            canonical: true,
        } = value
            && let Some(inner) = text.strip_prefix('"')
        {
            if let Some(&index) = self.strings.get(&inner.as_bytes()[..inner.len() - 1]) {
                *value = Text::Tree(Node::of(&self.pairs[index].1));
            }
            return Ok(());
        }
        let node = value.tree()?;
        if let Some(to) = self.find(node) {
            *node = Node::of(to);
        } else if let Node::Array(items) = node {
            for item in items {
                if let Some(to) = self.find(item) {
                    *item = Node::of(to);
                }
            }
        }
        Ok(())
    }
}

/// A member of an object at a place.
struct Slot<'a> {
    name: Cow<'a, str>,
    value: Text<'a>,
    /// Its position among the members: its own index, or after them all once moved there.
    order: usize,
    live: bool,
}

/// A member's value.
enum Text<'a> {
    /// As read: its text, and whether that is the text the tree writes.
    Raw {
        text: &'a str,
        canonical: bool,
    },
    Tree(Node<'a>),
}

impl<'a> Text<'a> {
    /// The value as a tree, read now if it was not (a scalar as the tree writes it is one
    /// already: its text is its string's, or its number's).
    fn tree(&mut self) -> Result<&mut Node<'a>, Fallback> {
        if let Self::Raw { text, canonical } = *self {
            let node = match text.as_bytes().first() {
                Some(b'"') if canonical => Node::String(Cow::Borrowed(&text[1..text.len() - 1])),
                Some(b'-' | b'0'..=b'9') => Node::Number(Cow::Borrowed(text)),
                Some(b'n') => Node::Null,
                Some(b't') => Node::Bool(true),
                Some(b'f') => Node::Bool(false),
                _ => parse(text.as_bytes())?,
            };
            *self = Self::Tree(node);
        }
        match self {
            Self::Tree(node) => Ok(node),
            Self::Raw { .. } => Err(Fallback),
        }
    }

    fn write(&self, out: &mut Vec<u8>) -> Result<(), Fallback> {
        match self {
            Self::Raw {
                text,
                canonical: true,
            } => out.extend_from_slice(text.as_bytes()),
            Self::Raw { text, .. } => parse(text.as_bytes())?.write(out),
            Self::Tree(node) => node.write(out),
        }
        Ok(())
    }
}

/// What a run keeps from one value to the next.
struct Scratch<'a> {
    /// The steps' actions and graphs, for the parts walked on a tree.
    walks: Walks<'a>,
    slots: Vec<Slot<'a>>,
    /// For each name of the place, its slot (or [`NONE`]).
    present: Vec<usize>,
    /// Slots moved or added after the members, in that order.
    moved: Vec<usize>,
}

impl Places {
    /// At `{`: the object read into slots, the operations run on them, the result written.
    fn object<'a>(
        &'a self,
        parser: &mut Parser<'a>,
        out: &mut Vec<u8>,
        scratch: &mut Scratch<'a>,
    ) -> Result<(), Fallback> {
        scratch.slots.clear();
        scratch.moved.clear();
        scratch.present.clear();
        scratch.present.resize(self.names.names.len(), NONE);
        let mut names = parser.object_names();
        let read = members(parser, |parser, name, hash| {
            match self.names.find(hash, &name) {
                Some(id) if scratch.present[id] != NONE => return Err(Fallback),
                Some(id) => scratch.present[id] = scratch.slots.len(),
                None if !parser.note_name(&mut names, hash) => return Err(Fallback),
                None => {}
            }
            let start = parser.at();
            let canonical = parser.skip()?;
            let order = scratch.slots.len();
            scratch.slots.push(Slot {
                name,
                value: Text::Raw {
                    text: parser.since(start),
                    canonical,
                },
                order,
                live: true,
            });
            Ok(())
        });
        parser.end_names(names);
        read?;
        let members = scratch.slots.len();
        for op in &self.ops {
            self.apply(op, members, scratch)?;
        }
        out.push(b'{');
        let mut first = true;
        let Scratch { slots, moved, .. } = scratch;
        let kept = slots
            .iter()
            .take(members)
            .enumerate()
            .filter(|(index, slot)| slot.order == *index);
        let moved = moved
            .iter()
            .enumerate()
            .map(|(index, slot)| (members + index, &slots[*slot]))
            .filter(|(order, slot)| slot.order == *order);
        for (_, slot) in kept.chain(moved) {
            if !slot.live {
                continue;
            }
            if !first {
                out.push(b',');
            }
            first = false;
            write_string(&slot.name, out);
            out.push(b':');
            slot.value.write(out)?;
        }
        out.push(b'}');
        Ok(())
    }

    /// One operation on the slots of an object of `members` members, as
    /// [`Action::apply`] on the tree's object.
    fn apply<'a>(
        &'a self,
        op: &'a Op,
        members: usize,
        scratch: &mut Scratch<'a>,
    ) -> Result<(), Fallback> {
        let slot = |scratch: &Scratch<'a>, name: usize| {
            Some(scratch.present[name]).filter(|slot| *slot != NONE)
        };
        match op {
            Op::Rename { from, to } => {
                let Some(index) = slot(scratch, *from) else {
                    return Ok(());
                };
                scratch.present[*from] = NONE;
                match slot(scratch, *to).filter(|other| *other != index) {
                    // `to` exists: its value is replaced in place, `from` goes.
                    Some(target) => {
                        let value = std::mem::replace(
                            &mut scratch.slots[index].value,
                            Text::Tree(Node::Null),
                        );
                        scratch.slots[index].live = false;
                        scratch.slots[target].value = value;
                    }
                    // Removed and added anew: last.
                    None => {
                        scratch.present[*to] = index;
                        scratch.slots[index].name = text(&self.names.names[*to]);
                        scratch.slots[index].order = members + scratch.moved.len();
                        scratch.moved.push(index);
                    }
                }
            }
            Op::Insert { name, value } => {
                if slot(scratch, *name).is_none() {
                    let index = scratch.slots.len();
                    scratch.slots.push(Slot {
                        name: text(&self.names.names[*name]),
                        value: Text::Tree(Node::of(value)),
                        order: members + scratch.moved.len(),
                        live: true,
                    });
                    scratch.present[*name] = index;
                    scratch.moved.push(index);
                }
            }
            Op::Remove { name } => {
                if let Some(index) = slot(scratch, *name) {
                    scratch.slots[index].live = false;
                    scratch.present[*name] = NONE;
                }
            }
            Op::MapField { name, transform } => {
                if let Some(index) = slot(scratch, *name) {
                    scratch.slots[index].value.tree()?.transform(transform)?;
                }
            }
            Op::MapEnum { name, map } => {
                if let Some(index) = slot(scratch, *name) {
                    let value = &mut scratch.slots[index].value;
                    match (map.scalar, &map.pairs[..]) {
                        (true, _) => map.apply(value)?,
                        (false, [(from, to)]) => map_enum(value.tree()?, from, to),
                        (false, _) => return Err(Fallback),
                    }
                }
            }
            Op::Visit { name, walk, node } => {
                if let Some(index) = slot(scratch, *name) {
                    let (action, graph) = scratch.walks[*walk];
                    visit(graph, *node, action, scratch.slots[index].value.tree()?, 0)?;
                }
            }
        }
        Ok(())
    }
}
