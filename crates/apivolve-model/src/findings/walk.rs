//! The walk's state: where it is, which type pairs it has compared, and the findings so far.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::fmt::Write as _;

use serde_json::Value;

use super::{Direction, Finding, Location, Rule};
use crate::snapshot::{ParameterLocation, Snapshot};

/// How deep the structural comparison goes before it stops. It only matters for schemas that
/// recurse through `$ref` on one side while the other side is inline, which the type-pair memo
/// alone cannot cut short.
const MAX_DEPTH: usize = 64;

/// Which part of an endpoint a schema belongs to.
#[derive(Clone, Debug)]
pub(super) enum Part {
    /// A path, query or header parameter.
    Parameter {
        location: ParameterLocation,
        name: String,
    },
    /// The request body.
    RequestBody,
    /// The response body of one status.
    Response(u16),
    /// The error body.
    ErrorBody,
}

/// One part of one endpoint: the root of a structural comparison.
#[derive(Clone, Debug)]
pub(super) struct Site {
    pub endpoint: String,
    pub part: Part,
}

impl Site {
    pub(super) fn new(endpoint: &str, part: Part) -> Self {
        Self {
            endpoint: endpoint.to_owned(),
            part,
        }
    }

    pub(super) fn direction(&self) -> Direction {
        match self.part {
            Part::Parameter { .. } | Part::RequestBody => Direction::Request,
            Part::Response(_) | Part::ErrorBody => Direction::Response,
        }
    }

    /// `the response of `users.get` (200)`.
    pub(super) fn phrase(&self) -> String {
        let endpoint = &self.endpoint;
        match &self.part {
            Part::Parameter { location, name } => {
                format!("{location} parameter `{name}` of `{endpoint}`")
            }
            Part::RequestBody => format!("the request body of `{endpoint}`"),
            Part::Response(status) => format!("the response of `{endpoint}` ({status})"),
            Part::ErrorBody => format!("the error body of `{endpoint}`"),
        }
    }
}

/// Where one side of a comparison stands: inside a named type, or under the site's own
/// schema, and the data pointer from there.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub(super) struct Anchor {
    /// The named type (`None`: the site's inline schema).
    pub type_name: Option<String>,
    /// Data pointer from the type's (or the site's) root.
    pub pointer: String,
}

/// One side of a comparison.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(super) enum Side {
    Old,
    New,
}

/// A place in a schema being compared.
#[derive(Clone, Debug)]
pub(super) struct Cursor<'s> {
    pub site: &'s Site,
    /// Data pointer from the root of the body or parameter value.
    pub pointer: String,
    /// The innermost named type (on the new side when the sides differ).
    pub type_name: Option<String>,
    /// Data pointer from the root of `type_name`.
    pub in_type: String,
    /// The type pair whose comparison this is part of (`None`: the site itself).
    pub owner: Option<usize>,
    /// Where the old and the new side stand.
    anchors: [Anchor; 2],
    depth: usize,
}

impl<'s> Cursor<'s> {
    pub(super) fn root(site: &'s Site) -> Self {
        let anchor = Anchor {
            type_name: None,
            pointer: String::new(),
        };
        Self {
            site,
            pointer: String::new(),
            type_name: None,
            in_type: String::new(),
            owner: None,
            anchors: [anchor.clone(), anchor],
            depth: 0,
        }
    }

    pub(super) fn direction(&self) -> Direction {
        self.site.direction()
    }

    /// The request or the response variant of a rule, by this cursor's direction.
    pub(super) fn pick(&self, request: Rule, response: Rule) -> Rule {
        match self.direction() {
            Direction::Request => request,
            Direction::Response | Direction::Endpoint => response,
        }
    }

    /// One level down: a property (`token` is the raw name) or `*` for items and map values.
    pub(super) fn child(&self, token: &str) -> Self {
        let escaped = crate::yaml::escape(token);
        let mut child = self.clone();
        let [old_anchor, new_anchor] = &mut child.anchors;
        for text in [
            &mut child.pointer,
            &mut child.in_type,
            &mut old_anchor.pointer,
            &mut new_anchor.pointer,
        ] {
            text.push('/');
            text.push_str(&escaped);
        }
        child.depth += 1;
        child
    }

    /// Into a pair of named types (both sides references); `owner` is the pair's index.
    pub(super) fn pair(&self, old_name: &str, new_name: &str, owner: usize) -> Self {
        let mut inner = self.clone();
        inner.type_name = Some(new_name.to_owned());
        inner.in_type.clear();
        inner.owner = Some(owner);
        inner.anchors = [
            Anchor {
                type_name: Some(old_name.to_owned()),
                pointer: String::new(),
            },
            Anchor {
                type_name: Some(new_name.to_owned()),
                pointer: String::new(),
            },
        ];
        inner.depth += 1;
        inner
    }

    /// Into the named type `name` on one side only (the other side is inline here).
    pub(super) fn one_side(&self, side: Side, name: &str) -> Self {
        let mut inner = self.clone();
        inner.type_name = Some(name.to_owned());
        inner.in_type.clear();
        inner.anchors[side as usize] = Anchor {
            type_name: Some(name.to_owned()),
            pointer: String::new(),
        };
        inner.depth += 1;
        inner
    }

    /// Where the other side stands, when `side` crosses into a named type.
    pub(super) fn other_anchor(&self, side: Side) -> &Anchor {
        match side {
            Side::Old => &self.anchors[1],
            Side::New => &self.anchors[0],
        }
    }

    pub(super) fn too_deep(&self) -> bool {
        self.depth > MAX_DEPTH
    }

    /// The value at this cursor: `` `User` ``, `` `address/city` of `User` `` (a path inside the
    /// type), `` `/user/name` `` (a pointer into an inline body), `the body` or `the value`.
    pub(super) fn target(&self) -> String {
        match &self.type_name {
            Some(name) if self.in_type.is_empty() => format!("`{name}`"),
            Some(name) => format!(
                "`{}` of `{name}`",
                self.in_type.strip_prefix('/').unwrap_or(&self.in_type)
            ),
            None if !self.pointer.is_empty() => format!("`{}`", self.pointer),
            None => match self.site.part {
                Part::Parameter { .. } => "the value".to_owned(),
                Part::RequestBody | Part::Response(_) | Part::ErrorBody => "the body".to_owned(),
            },
        }
    }

    /// Property `name` of the object at this cursor: `` property `name` of `User` ``,
    /// `` property `address/city` of `User` ``, or `` property `address/city` `` inline.
    pub(super) fn property(&self, name: &str) -> String {
        let parent = if self.type_name.is_some() {
            &self.in_type
        } else {
            &self.pointer
        };
        let path = match parent.strip_prefix('/') {
            Some(parent) => format!("{parent}/{name}"),
            None => name.to_owned(),
        };
        match &self.type_name {
            Some(type_name) => format!("property `{path}` of `{type_name}`"),
            None => format!("property `{path}`"),
        }
    }
}

/// Who reaches a type pair: an endpoint directly, or another type pair.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Node {
    Endpoint(String),
    Pair(usize),
}

/// One side crossing into a named type against a fixed place on the other side.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
struct Crossing {
    side: Side,
    name: String,
    direction: Direction,
    other: Anchor,
    /// The site, when the other side stands in the site's inline schema.
    site: Option<String>,
}

/// A finding and the type pair it belongs to, before the "also in" note is added.
struct Raw {
    finding: Finding,
    owner: Option<usize>,
}

/// The state of one [`diff`](super::diff).
pub(super) struct Walker<'a> {
    pub old: &'a Snapshot,
    pub new: &'a Snapshot,
    pairs: HashMap<(String, String, Direction), usize>,
    crossings: HashSet<Crossing>,
    edges: BTreeSet<(Node, usize)>,
    raw: Vec<Raw>,
}

impl<'a> Walker<'a> {
    pub(super) fn new(old: &'a Snapshot, new: &'a Snapshot) -> Self {
        Self {
            old,
            new,
            pairs: HashMap::new(),
            crossings: HashSet::new(),
            edges: BTreeSet::new(),
            raw: Vec::new(),
        }
    }

    /// Records that `cursor` reaches the pair (`old_name`, `new_name`) and returns its index
    /// when it has not been compared yet.
    pub(super) fn enter_pair(
        &mut self,
        old_name: &str,
        new_name: &str,
        cursor: &Cursor<'_>,
    ) -> Option<usize> {
        let key = (old_name.to_owned(), new_name.to_owned(), cursor.direction());
        let next = self.pairs.len();
        let index = *self.pairs.entry(key).or_insert(next);
        let from = match cursor.owner {
            Some(owner) => Node::Pair(owner),
            None => Node::Endpoint(cursor.site.endpoint.clone()),
        };
        self.edges.insert((from, index));
        (index == next).then_some(index)
    }

    /// Records that one side crosses into the named type `name` while the other stands at
    /// its anchor; `false` when that very comparison was made before. Without this, two
    /// recursive types that never refer to themselves at the same depth would be unrolled
    /// against each other until the depth limit, along every branch.
    pub(super) fn enter_crossing(&mut self, side: Side, name: &str, cursor: &Cursor<'_>) -> bool {
        let other = cursor.other_anchor(side).clone();
        let site = match other.type_name {
            Some(_) => None,
            None => Some(format!("{} {:?}", cursor.site.endpoint, cursor.site.part)),
        };
        self.crossings.insert(Crossing {
            side,
            name: name.to_owned(),
            direction: cursor.direction(),
            other,
            site,
        })
    }

    /// Reports a finding at a place in a schema.
    pub(super) fn report(&mut self, rule: Rule, cursor: &Cursor<'_>, message: String) {
        self.report_owned(rule, cursor, cursor.owner, message);
    }

    /// Reports a finding at a place in a schema, owned by the type pair `owner`.
    pub(super) fn report_owned(
        &mut self,
        rule: Rule,
        cursor: &Cursor<'_>,
        owner: Option<usize>,
        message: String,
    ) {
        let (status, parameter) = match &cursor.site.part {
            Part::Parameter { location, name } => (None, Some(format!("{location}:{name}"))),
            Part::Response(status) => (Some(*status), None),
            Part::RequestBody | Part::ErrorBody => (None, None),
        };
        let location = Location {
            endpoint: Some(cursor.site.endpoint.clone()),
            method: None,
            status,
            parameter,
            pointer: cursor.pointer.clone(),
            type_name: cursor.type_name.clone(),
        };
        self.push(rule, location, owner, message);
    }

    /// Reports a finding about an endpoint as a whole, or one of its methods.
    pub(super) fn report_endpoint(
        &mut self,
        rule: Rule,
        endpoint: &str,
        method: Option<&str>,
        message: String,
    ) {
        let location = Location {
            endpoint: Some(endpoint.to_owned()),
            method: method.map(str::to_owned),
            ..Location::default()
        };
        self.push(rule, location, None, message);
    }

    fn push(&mut self, rule: Rule, location: Location, owner: Option<usize>, message: String) {
        let finding = Finding {
            rule,
            level: rule.level(),
            direction: rule.direction(),
            location,
            message,
        };
        self.raw.push(Raw { finding, owner });
    }

    /// The findings, each inside a named type noting the other endpoints that reach it.
    pub(super) fn finish(self) -> Vec<Finding> {
        let reach = self.reach();
        self.raw
            .into_iter()
            .map(|Raw { mut finding, owner }| {
                let others: Vec<&String> = owner
                    .and_then(|owner| reach.get(&owner))
                    .into_iter()
                    .flatten()
                    .filter(|endpoint| finding.location.endpoint.as_ref() != Some(*endpoint))
                    .collect();
                if !others.is_empty() {
                    let plural = if others.len() == 1 { "" } else { "s" };
                    let names: Vec<String> =
                        others.iter().map(|name| format!("`{name}`")).collect();
                    let _ = write!(
                        finding.message,
                        " (also in {} other endpoint{plural}: {})",
                        others.len(),
                        names.join(", ")
                    );
                }
                finding
            })
            .collect()
    }

    /// For each type pair, the endpoints that reach it directly or through other pairs.
    fn reach(&self) -> BTreeMap<usize, BTreeSet<String>> {
        let mut next: BTreeMap<&Node, Vec<usize>> = BTreeMap::new();
        for (from, to) in &self.edges {
            next.entry(from).or_default().push(*to);
        }
        let mut reach: BTreeMap<usize, BTreeSet<String>> = BTreeMap::new();
        for (from, targets) in &next {
            let Node::Endpoint(endpoint) = from else {
                continue;
            };
            let mut seen = BTreeSet::new();
            let mut stack = targets.clone();
            while let Some(pair) = stack.pop() {
                if seen.insert(pair) {
                    reach.entry(pair).or_default().insert(endpoint.clone());
                    stack.extend(next.get(&Node::Pair(pair)).into_iter().flatten().copied());
                }
            }
        }
        reach
    }
}

/// A JSON value in backticks, for messages.
pub(super) fn code(value: &Value) -> String {
    format!("`{value}`")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn places_read_naturally() {
        let site = Site::new("users.get", Part::Response(200));
        let root = Cursor::root(&site);
        assert_eq!(root.target(), "the body");
        assert_eq!(root.property("id"), "property `id`");
        let inline = root.child("owner");
        assert_eq!(inline.target(), "`/owner`");
        assert_eq!(inline.property("name"), "property `owner/name`");
        let named = inline.pair("User", "Person", 0);
        assert_eq!(named.target(), "`Person`");
        assert_eq!(named.property("name"), "property `name` of `Person`");
        let nested = named.child("tags").child("*");
        assert_eq!(nested.target(), "`tags/*` of `Person`");
        assert_eq!(nested.pointer, "/owner/tags/*");
        assert_eq!(root.child("a/b~c").pointer, "/a~1b~0c");
        let parameter = Site::new(
            "users.list",
            Part::Parameter {
                location: ParameterLocation::Query,
                name: "limit".to_owned(),
            },
        );
        assert_eq!(Cursor::root(&parameter).target(), "the value");
        assert_eq!(
            parameter.phrase(),
            "query parameter `limit` of `users.list`"
        );
    }
}
