//! A copy-on-write view of a snapshot.
//!
//! A change reads the snapshot through the draft and writes only to the draft's overlay; the
//! first write to a type or an endpoint copies it. [`apply`](super::apply) commits the overlay
//! when the change succeeds and drops it otherwise, which makes every change transactional
//! without copying the whole snapshot.

use std::collections::BTreeMap;

use super::copies::Copies;
use crate::snapshot::{Endpoint, Schema, Snapshot};

/// The snapshot as a change sees it while it is being applied.
pub(crate) struct Draft<'a> {
    base: &'a Snapshot,
    /// Edits committed by earlier changes, between the base and this draft's own edits.
    under: Option<&'a Edits>,
    /// Copies of the base's types made ahead of need, taken instead of cloning.
    copies: Option<&'a Copies<'a>>,
    /// The number of types in `base` with `under` applied.
    type_len: usize,
    /// Edited types: `Some` replaces or adds, `None` removes.
    types: BTreeMap<String, Option<Schema>>,
    /// Edited endpoints: `Some` replaces or adds, `None` removes.
    endpoints: BTreeMap<String, Option<Endpoint>>,
}

/// The edits of a successful change, ready to commit.
pub(crate) struct Edits {
    types: BTreeMap<String, Option<Schema>>,
    endpoints: BTreeMap<String, Option<Endpoint>>,
}

impl<'a> Draft<'a> {
    /// A draft with no edits yet.
    pub(crate) fn new(base: &'a Snapshot) -> Self {
        Self {
            base,
            under: None,
            copies: None,
            type_len: base.types.len(),
            types: BTreeMap::new(),
            endpoints: BTreeMap::new(),
        }
    }

    /// The schema of a named type.
    pub(crate) fn type_schema(&self, name: &str) -> Option<&Schema> {
        match self.types.get(name) {
            Some(edit) => edit.as_ref(),
            None => self.committed_type(name),
        }
    }

    /// A type as the earlier changes left it.
    fn committed_type(&self, name: &str) -> Option<&'a Schema> {
        match self.under.and_then(|under| under.types.get(name)) {
            Some(edit) => edit.as_ref(),
            None => self.base.types.get(name),
        }
    }

    /// An endpoint as the earlier changes left it.
    fn committed_endpoint(&self, id: &str) -> Option<&'a Endpoint> {
        match self.under.and_then(|under| under.endpoints.get(id)) {
            Some(edit) => edit.as_ref(),
            None => self.base.endpoints.get(id),
        }
    }

    /// Whether the type exists.
    pub(crate) fn has_type(&self, name: &str) -> bool {
        self.type_schema(name).is_some()
    }

    /// Every type, by name.
    pub(crate) fn types(&self) -> Vec<(&str, &Schema)> {
        merged(
            &self.base.types,
            self.under.map(|under| &under.types),
            &self.types,
        )
    }

    /// An upper bound of the number of types (cheap: for loop bounds).
    pub(crate) fn type_count(&self) -> usize {
        self.type_len + self.types.len()
    }

    /// Every type name, sorted.
    pub(crate) fn type_names(&self) -> Vec<&str> {
        self.types().into_iter().map(|(name, _)| name).collect()
    }

    /// The schema of a named type, for editing (copied on first write).
    pub(crate) fn type_mut(&mut self, name: &str) -> Option<&mut Schema> {
        if !self.types.contains_key(name) {
            let schema = match self.under.and_then(|under| under.types.get(name)) {
                Some(edit) => edit.as_ref()?.clone(),
                None => base_copy(self.base, self.copies, name)?,
            };
            self.types.insert(name.to_owned(), Some(schema));
        }
        self.types.get_mut(name)?.as_mut()
    }

    /// Adds or replaces a type.
    pub(crate) fn set_type(&mut self, name: &str, schema: Schema) {
        self.types.insert(name.to_owned(), Some(schema));
    }

    /// Removes a type.
    pub(crate) fn remove_type(&mut self, name: &str) {
        self.types.insert(name.to_owned(), None);
    }

    /// An endpoint by id.
    pub(crate) fn endpoint(&self, id: &str) -> Option<&Endpoint> {
        match self.endpoints.get(id) {
            Some(edit) => edit.as_ref(),
            None => self.committed_endpoint(id),
        }
    }

    /// Every endpoint, by id.
    pub(crate) fn endpoints(&self) -> Vec<(&str, &Endpoint)> {
        merged(
            &self.base.endpoints,
            self.under.map(|under| &under.endpoints),
            &self.endpoints,
        )
    }

    /// Every endpoint id, sorted.
    pub(crate) fn endpoint_ids(&self) -> Vec<&str> {
        self.endpoints().into_iter().map(|(id, _)| id).collect()
    }

    /// An endpoint, for editing (copied on first write).
    pub(crate) fn endpoint_mut(&mut self, id: &str) -> Option<&mut Endpoint> {
        if !self.endpoints.contains_key(id) {
            let endpoint = self.committed_endpoint(id)?.clone();
            self.endpoints.insert(id.to_owned(), Some(endpoint));
        }
        self.endpoints.get_mut(id)?.as_mut()
    }

    /// Adds or replaces an endpoint.
    pub(crate) fn set_endpoint(&mut self, endpoint: Endpoint) {
        self.endpoints.insert(endpoint.id.clone(), Some(endpoint));
    }

    /// Removes an endpoint.
    pub(crate) fn remove_endpoint(&mut self, id: &str) {
        self.endpoints.insert(id.to_owned(), None);
    }

    /// Follows `$ref`s to named types until a schema that is not a bare reference (cycle safe).
    pub(crate) fn resolve<'s>(&'s self, mut schema: &'s Schema) -> &'s Schema {
        for _ in 0..=self.type_count() {
            match Snapshot::ref_name(schema).and_then(|name| self.type_schema(name)) {
                Some(target) => schema = target,
                None => break,
            }
        }
        schema
    }

    /// The edits made so far.
    pub(crate) fn finish(self) -> Edits {
        Edits {
            types: self.types,
            endpoints: self.endpoints,
        }
    }
}

impl Edits {
    /// Writes the edits into the snapshot.
    pub(crate) fn commit(self, snapshot: &mut Snapshot) {
        for (name, edit) in self.types {
            match edit {
                Some(schema) => snapshot.types.insert(name, schema),
                None => snapshot.types.remove(&name),
            };
        }
        for (id, edit) in self.endpoints {
            match edit {
                Some(endpoint) => snapshot.endpoints.insert(id, endpoint),
                None => snapshot.endpoints.remove(&id),
            };
        }
    }
}

/// The base entries with the committed edits (`under`) and the overlay's edits applied, sorted
/// by key.
fn merged<'m, T>(
    base: &'m BTreeMap<String, T>,
    under: Option<&'m BTreeMap<String, Option<T>>>,
    overlay: &'m BTreeMap<String, Option<T>>,
) -> Vec<(&'m str, &'m T)> {
    let kept = base.iter().filter(|(key, _)| {
        !overlay.contains_key(*key) && !under.is_some_and(|under| under.contains_key(*key))
    });
    let committed = under
        .into_iter()
        .flatten()
        .filter(|(key, _)| !overlay.contains_key(*key))
        .filter_map(|(key, value)| value.as_ref().map(|value| (key, value)));
    let edited = overlay
        .iter()
        .filter_map(|(key, value)| value.as_ref().map(|value| (key, value)));
    let mut all: Vec<(&str, &T)> = kept
        .chain(committed)
        .chain(edited)
        .map(|(key, value)| (key.as_str(), value))
        .collect();
    all.sort_by(|a, b| a.0.cmp(b.0));
    all
}

/// A snapshot being built change by change on top of a base that is only read: the edits of
/// the changes applied so far, each type and endpoint copied from the base at most once until
/// [`Layer::finish`] copies the untouched rest.
pub(crate) struct Layer<'a> {
    base: &'a Snapshot,
    /// Copies of the base's types made on a second thread, if one helps.
    copies: Option<&'a Copies<'a>>,
    edits: Edits,
    /// The number of types in `base` with `edits` applied.
    type_len: usize,
}

impl<'a> Layer<'a> {
    /// No change applied yet; the base's types are copied by [`Copies`] when given.
    pub(crate) fn new(base: &'a Snapshot, copies: Option<&'a Copies<'a>>) -> Self {
        Self {
            base,
            copies,
            edits: Edits {
                types: BTreeMap::new(),
                endpoints: BTreeMap::new(),
            },
            type_len: base.types.len(),
        }
    }

    /// A draft for the next change.
    pub(crate) fn draft(&self) -> Draft<'_> {
        Draft {
            base: self.base,
            under: Some(&self.edits),
            copies: self.copies,
            type_len: self.type_len,
            types: BTreeMap::new(),
            endpoints: BTreeMap::new(),
        }
    }

    /// Adds the edits of a successful change.
    pub(crate) fn commit(&mut self, edits: Edits) {
        for (name, edit) in edits.types {
            let existed = match self.edits.types.get(&name) {
                Some(committed) => committed.is_some(),
                None => self.base.types.contains_key(&name),
            };
            match (existed, edit.is_some()) {
                (false, true) => self.type_len += 1,
                (true, false) => self.type_len -= 1,
                _ => {}
            }
            self.edits.types.insert(name, edit);
        }
        self.edits.endpoints.extend(edits.endpoints);
    }

    /// The snapshot: the base with every committed edit applied.
    pub(crate) fn finish(self) -> Snapshot {
        let Edits { types, endpoints } = self.edits;
        let copies = self.copies;
        Snapshot {
            types: rebuilt(&self.base.types, types, |name, schema| {
                base_copy(self.base, copies, name).unwrap_or_else(|| schema.clone())
            }),
            endpoints: rebuilt(&self.base.endpoints, endpoints, |_, endpoint| {
                endpoint.clone()
            }),
        }
    }
}

/// A copy of the base's type `name`: the helper's when it made one, otherwise a clone (also
/// when a change that failed took the helper's copy).
fn base_copy(base: &Snapshot, copies: Option<&Copies<'_>>, name: &str) -> Option<Schema> {
    copies
        .and_then(|copies| copies.take(name))
        .or_else(|| base.types.get(name).cloned())
}

/// `base` with `edits` applied, copying (with `copy`) only the entries the edits leave alone.
fn rebuilt<T>(
    base: &BTreeMap<String, T>,
    edits: BTreeMap<String, Option<T>>,
    copy: impl Fn(&str, &T) -> T,
) -> BTreeMap<String, T> {
    let mut result: BTreeMap<String, T> = base
        .iter()
        .filter(|(key, _)| !edits.contains_key(*key))
        .map(|(key, value)| (key.clone(), copy(key, value)))
        .collect();
    result.extend(
        edits
            .into_iter()
            .filter_map(|(key, value)| value.map(|value| (key, value))),
    );
    result
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::apply::testing::sample;

    #[test]
    fn reads_see_edits_and_commit_writes_them() {
        let base = sample();
        let mut draft = Draft::new(&base);
        draft.set_type("Tag", json!({"type": "string"}));
        draft.remove_type("Role");
        if let Some(schema) = draft.type_mut("Order") {
            schema["title"] = json!("an order");
        }
        assert_eq!(draft.type_names(), ["Order", "Tag", "User"]);
        assert!(!draft.has_type("Role"));
        assert_eq!(
            base.types["Order"].get("title"),
            None,
            "the base is untouched"
        );

        let edits = draft.finish();
        let mut snapshot = base.clone();
        edits.commit(&mut snapshot);
        assert_eq!(
            snapshot.types.keys().collect::<Vec<_>>(),
            ["Order", "Tag", "User"]
        );
        assert_eq!(snapshot.types["Order"]["title"], "an order");
    }

    #[test]
    fn endpoints_follow_the_same_rules() {
        let base = sample();
        let mut draft = Draft::new(&base);
        draft.remove_endpoint("orders.list");
        if let Some(endpoint) = draft.endpoint_mut("users.get") {
            endpoint.path = "/people/{id}".to_owned();
        }
        assert_eq!(draft.endpoint_ids(), ["users.create", "users.get"]);
        assert_eq!(
            draft.endpoint("users.get").map(|e| e.path.as_str()),
            Some("/people/{id}")
        );
        assert!(draft.endpoint_mut("nope").is_none());
    }

    #[test]
    fn resolve_is_cycle_safe() {
        let mut base = sample();
        base.types
            .insert("A".to_owned(), json!({"$ref": "#/types/B"}));
        base.types
            .insert("B".to_owned(), json!({"$ref": "#/types/A"}));
        let draft = Draft::new(&base);
        let a = json!({"$ref": "#/types/A"});
        assert!(Snapshot::ref_name(draft.resolve(&a)).is_some());
    }
}
