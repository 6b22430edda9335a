//! Named types under their exported names: where `#/types/Name` points in each export.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use crate::export::walk::{for_each_schema, for_each_schema_mut, translate_nullable};
use crate::snapshot::{Schema, Snapshot, TYPE_REF_PREFIX};

/// The snapshot's named types, the names they take in one export and the prefix of refs to them.
#[derive(Clone, Debug)]
pub(crate) struct Names {
    /// `#/$defs/` or `#/components/schemas/`.
    prefix: &'static str,
    /// Snapshot name to exported name.
    exported: BTreeMap<String, String>,
}

impl Names {
    /// Every type keeps its name (JSON Schema `$defs` take any name).
    pub(crate) fn identity(snapshot: &Snapshot, prefix: &'static str) -> Self {
        let exported = snapshot
            .types
            .keys()
            .map(|name| (name.clone(), name.clone()))
            .collect();
        Self { prefix, exported }
    }

    /// Names limited to `[A-Za-z0-9._-]` (OpenAPI component names): other characters become
    /// `_`, and a clash gets a numeric suffix. Names that were already valid keep them.
    pub(crate) fn sanitized(snapshot: &Snapshot, prefix: &'static str) -> Self {
        let (valid, invalid): (Vec<&String>, Vec<&String>) = snapshot
            .types
            .keys()
            .partition(|name| is_component_name(name));
        let mut names = Self {
            prefix,
            exported: BTreeMap::new(),
        };
        for name in valid {
            names.exported.insert(name.clone(), name.clone());
        }
        for name in invalid {
            let wanted: String = name
                .chars()
                .map(|c| if is_component_char(c) { c } else { '_' })
                .collect();
            let free = names.free_name(&wanted);
            names.exported.insert(name.clone(), free);
        }
        names
    }

    /// `wanted`, or `wanted` with the smallest suffix `_2`, `_3`, ... that no type is exported as.
    pub(crate) fn free_name(&self, wanted: &str) -> String {
        let taken: BTreeSet<&str> = self.exported.values().map(String::as_str).collect();
        let wanted = if wanted.is_empty() { "_" } else { wanted };
        if !taken.contains(wanted) {
            return wanted.to_owned();
        }
        (2..)
            .map(|n| format!("{wanted}_{n}"))
            .find(|name| !taken.contains(name.as_str()))
            .unwrap_or_default()
    }

    /// The exported name of a snapshot type.
    pub(crate) fn exported(&self, name: &str) -> Option<&str> {
        self.exported.get(name).map(String::as_str)
    }

    /// Every snapshot type with its exported name.
    pub(crate) fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.exported
            .iter()
            .map(|(name, exported)| (name.as_str(), exported.as_str()))
    }

    /// A `$ref` (URI fragment) to the exported name `exported`.
    pub(crate) fn reference(&self, exported: &str) -> String {
        format!("{}{}", self.prefix, fragment_escape(exported))
    }

    /// The snapshot type a `#/types/...` reference names, and the rest of its pointer.
    fn split<'r>(&self, reference: &'r str) -> Option<(&'r str, &'r str)> {
        let rest = reference.strip_prefix(TYPE_REF_PREFIX)?;
        if self.exported.contains_key(rest) {
            return Some((rest, ""));
        }
        Some(
            rest.find('/')
                .map_or((rest, ""), |slash| rest.split_at(slash)),
        )
    }

    /// The reference rewritten to the exported name; `None` when it is not a `#/types/` one.
    /// A reference to an unknown type keeps its name, so the export shows the dangling ref.
    fn rewrite(&self, reference: &str) -> Option<String> {
        let (name, tail) = self.split(reference)?;
        let exported = self.exported(name).unwrap_or(name);
        Some(format!("{}{tail}", self.reference(exported)))
    }

    /// A schema as the export holds it: refs rewritten, `nullable: true` translated.
    pub(crate) fn export(&self, schema: &Schema) -> Value {
        let mut schema = schema.clone();
        for_each_schema_mut(&mut schema, &mut |object| {
            translate_nullable(object);
            if let Some(Value::String(reference)) = object.get_mut("$ref")
                && let Some(rewritten) = self.rewrite(reference)
            {
                *reference = rewritten;
            }
        });
        schema
    }

    /// The snapshot types that `root` reaches through refs, transitively (cycle safe).
    pub(crate) fn reachable<'s>(&self, snapshot: &'s Snapshot, root: &Schema) -> BTreeSet<&'s str> {
        let mut reached = BTreeSet::new();
        let mut queue = Vec::new();
        self.push_referenced(snapshot, root, &mut reached, &mut queue);
        while let Some(schema) = queue.pop() {
            self.push_referenced(snapshot, schema, &mut reached, &mut queue);
        }
        reached
    }

    /// Adds the types `schema` refers to that are not yet reached, and queues their schemas.
    fn push_referenced<'s>(
        &self,
        snapshot: &'s Snapshot,
        schema: &Schema,
        reached: &mut BTreeSet<&'s str>,
        queue: &mut Vec<&'s Schema>,
    ) {
        for_each_schema(schema, &mut |object| {
            let Some(Value::String(reference)) = object.get("$ref") else {
                return;
            };
            let Some((name, _)) = self.split(reference) else {
                return;
            };
            if let Some((name, target)) = snapshot.types.get_key_value(name)
                && reached.insert(name.as_str())
            {
                queue.push(target);
            }
        });
    }
}

fn is_component_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-')
}

fn is_component_name(name: &str) -> bool {
    !name.is_empty() && name.chars().all(is_component_char)
}

/// A name as one segment of a JSON pointer inside a URI fragment: `~` and `/` escaped per
/// RFC 6901, then whatever a fragment may not hold percent-encoded per RFC 3986.
pub(crate) fn fragment_escape(name: &str) -> String {
    let pointer = name.replace('~', "~0").replace('/', "~1");
    let mut escaped = String::with_capacity(pointer.len());
    for c in pointer.chars() {
        if c.is_ascii_alphanumeric() || "-._~!$&'()*+,;=:@/?".contains(c) {
            escaped.push(c);
        } else {
            let mut buffer = [0; 4];
            for byte in c.encode_utf8(&mut buffer).bytes() {
                escaped.push_str(&format!("%{byte:02X}"));
            }
        }
    }
    escaped
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn snapshot(types: Value) -> Snapshot {
        serde_json::from_value(json!({"types": types, "endpoints": {}})).unwrap()
    }

    #[test]
    fn refs_follow_the_exported_names_and_keep_their_tail() {
        let snapshot = snapshot(json!({"A": {}, "Bad Name": {}, "Bad_Name": {}}));
        let names = Names::sanitized(&snapshot, "#/components/schemas/");
        assert_eq!(names.exported("Bad Name"), Some("Bad_Name_2"));
        let schema = json!({"allOf": [
            {"$ref": "#/types/Bad Name"},
            {"$ref": "#/types/A/properties/x"},
            {"$ref": "#/types/Missing"},
            {"$ref": "https://example.com/other"},
        ]});
        let expected = json!({"allOf": [
            {"$ref": "#/components/schemas/Bad_Name_2"},
            {"$ref": "#/components/schemas/A/properties/x"},
            {"$ref": "#/components/schemas/Missing"},
            {"$ref": "https://example.com/other"},
        ]});
        assert_eq!(names.export(&schema), expected);
    }

    #[test]
    fn identity_names_are_escaped_in_fragments() {
        let snapshot = snapshot(json!({"a/b c": {}}));
        let names = Names::identity(&snapshot, "#/$defs/");
        assert_eq!(
            names.export(&json!({"$ref": "#/types/a/b c"})),
            json!({"$ref": "#/$defs/a~1b%20c"})
        );
        assert_eq!(fragment_escape("é~"), "%C3%A9~0");
    }

    #[test]
    fn reachable_follows_refs_through_cycles() {
        let snapshot = snapshot(json!({
            "Node": {"properties": {"children": {"items": {"$ref": "#/types/Node"}}, "tag": {"$ref": "#/types/Tag"}}},
            "Tag": {"type": "string"},
            "Unused": {"type": "integer"},
        }));
        let names = Names::identity(&snapshot, "#/$defs/");
        let root = json!({"$ref": "#/types/Node"});
        let reached: Vec<&str> = names.reachable(&snapshot, &root).into_iter().collect();
        assert_eq!(reached, ["Node", "Tag"]);
    }

    #[test]
    fn free_names_skip_taken_ones() {
        let snapshot = snapshot(json!({"Problem": {}, "Problem_2": {}}));
        let names = Names::sanitized(&snapshot, "#/components/schemas/");
        assert_eq!(names.free_name("Problem"), "Problem_3");
        assert_eq!(names.free_name("Error"), "Error");
    }
}
