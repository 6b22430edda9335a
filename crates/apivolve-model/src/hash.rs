//! Content hashes: what a version is, independent of formatting and prose.
//!
//! A file's hash is SHA-256 over the RFC 8785 canonical JSON of its evolution with descriptions,
//! titles, comments and examples left out. A version's hash chains its files' hashes to its
//! parent's hash, so editing any released file, or re-parenting a version, changes every hash after it.

use std::collections::BTreeMap;

use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::change::EvolutionFile;
use crate::project::Evolution;

/// Keys whose children are names, not schema keywords (a property may be called `description`).
const NAME_MAPS: &[&str] = &[
    "properties",
    "patternProperties",
    "$defs",
    "definitions",
    "dependentSchemas",
    "responses",
];
/// Keys whose values are data, never walked.
const DATA_KEYS: &[&str] = &["enum", "const", "default", "value", "down_map", "up_map"];
/// Keys that are documentation.
const DOC_KEYS: &[&str] = &[
    "description",
    "title",
    "examples",
    "example",
    "$comment",
    "reason",
    "x-notes",
];

/// The hash of one evolution file's content.
pub fn file_hash(file: &EvolutionFile) -> String {
    // Serialising the typed file normalises spelling (`required: false` written or not).
    let mut value = serde_json::to_value(file).unwrap_or(Value::Null);
    strip_docs(&mut value);
    sha256_hex(&canonical(&value))
}

/// The hash of a version: its files' hashes chained to the parent's hash.
pub fn version_hash(
    version: &semver::Version,
    parent_hash: Option<&str>,
    files: &BTreeMap<String, String>,
) -> String {
    let value = json!({
        "version": version.to_string(),
        "parent_hash": parent_hash,
        "files": files,
    });
    sha256_hex(&canonical(&value))
}

/// The hashes of a list of evolutions, by file name.
pub fn file_hashes(evolutions: &[Evolution]) -> BTreeMap<String, String> {
    evolutions
        .iter()
        .map(|evolution| (evolution.file_name(), file_hash(&evolution.file)))
        .collect()
}

/// RFC 8785 canonical JSON: object keys sorted by their UTF-16 code units, no whitespace,
/// strings escaped as JSON requires and nothing more, numbers as ECMAScript prints them.
fn canonical(value: &Value) -> Vec<u8> {
    let mut out = Vec::with_capacity(1024);
    if write_canonical(value, &mut out).is_err() {
        out.clear();
    }
    out
}

/// Writes `value` canonically. Numbers go through `serde_json_canonicalizer` (they are rare in
/// evolution files, and its formatting is the reference); the rest is written here, which
/// spares a buffer and a re-parsed sort key per object member.
fn write_canonical(value: &Value, out: &mut Vec<u8>) -> serde_json::Result<()> {
    match value {
        Value::Null | Value::Bool(_) | Value::String(_) => serde_json::to_writer(&mut *out, value),
        Value::Number(_) => serde_json_canonicalizer::to_writer(value, out),
        Value::Array(items) => {
            out.push(b'[');
            for (index, item) in items.iter().enumerate() {
                if index > 0 {
                    out.push(b',');
                }
                write_canonical(item, out)?;
            }
            out.push(b']');
            Ok(())
        }
        Value::Object(map) => {
            let mut members: Vec<(&String, &Value)> = map.iter().collect();
            members.sort_by(|(a, _), (b, _)| a.encode_utf16().cmp(b.encode_utf16()));
            out.push(b'{');
            for (index, (key, member)) in members.into_iter().enumerate() {
                if index > 0 {
                    out.push(b',');
                }
                serde_json::to_writer(&mut *out, key)?;
                out.push(b':');
                write_canonical(member, out)?;
            }
            out.push(b'}');
            Ok(())
        }
    }
}

fn sha256_hex(bytes: &[u8]) -> String {
    let digest = Sha256::digest(bytes);
    digest.iter().map(|byte| format!("{byte:02x}")).collect()
}

fn strip_docs(value: &mut Value) {
    match value {
        Value::Object(map) => {
            map.retain(|key, _| !DOC_KEYS.contains(&key.as_str()));
            for (key, child) in map.iter_mut() {
                if DATA_KEYS.contains(&key.as_str()) {
                    continue;
                }
                if NAME_MAPS.contains(&key.as_str())
                    && let Value::Object(names) = child
                {
                    names.values_mut().for_each(strip_docs);
                    continue;
                }
                strip_docs(child);
            }
        }
        Value::Array(items) => items.iter_mut().for_each(strip_docs),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;
    use crate::project::parse_evolution;

    fn hash(text: &str) -> String {
        file_hash(&parse_evolution(Path::new("x.yaml"), text).unwrap().file)
    }

    const BASE: &str = "description: first\nchanges:\n  - add_type:\n      name: User\n      schema:\n        type: object\n        description: a user\n        properties:\n          description: {type: string, description: the bio}\n";

    #[test]
    fn reformatting_and_prose_keep_the_hash() {
        let reformatted = "description: 'another text'\nchanges: [{add_type: {name: User, schema: {type: object, description: someone, properties: {description: {type: string}}}}}]\n";
        assert_eq!(hash(BASE), hash(reformatted));
    }

    #[test]
    fn a_property_named_description_is_not_prose() {
        let renamed = BASE.replace(
            "          description: {type: string",
            "          bio: {type: string",
        );
        assert_ne!(hash(BASE), hash(&renamed));
    }

    #[test]
    fn schema_changes_change_the_hash() {
        let changed = BASE.replace("{type: string, description: the bio}", "{type: integer}");
        assert_ne!(hash(BASE), hash(&changed));
    }

    proptest::proptest! {
        #[test]
        fn canonical_json_is_the_reference_canonicalisation(value in json_values()) {
            let reference = serde_json_canonicalizer::to_vec(&value).unwrap_or_default();
            proptest::prop_assert_eq!(canonical(&value), reference);
        }
    }

    /// Keys and strings mix ASCII, controls, escapes, non-ASCII below and above U+FFFF (whose
    /// UTF-16 order differs from their UTF-8 order); numbers are integers, large and small
    /// floats.
    fn json_values() -> impl proptest::strategy::Strategy<Value = Value> {
        use proptest::prelude::*;
        let text = "[a-c\\\\\"/\u{0}-\u{1f}\u{7f}é\u{e000}\u{ffff}\u{10000}\u{1f600}]{0,4}";
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            any::<i64>().prop_map(Value::from),
            any::<u64>().prop_map(Value::from),
            any::<f64>().prop_map(Value::from),
            (-1e25f64..1e25).prop_map(Value::from),
            text.prop_map(Value::String),
        ];
        leaf.prop_recursive(4, 64, 6, move |inner| {
            prop_oneof![
                proptest::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
                proptest::collection::vec((text, inner), 0..6)
                    .prop_map(|members| Value::Object(members.into_iter().collect())),
            ]
        })
    }

    #[test]
    fn canonical_json_of_a_typical_file() {
        let value = json!({
            "changes": [{"add_field": {"type": "T1", "field": "f2", "schema": {"type": "string", "maxLength": 10}}}],
            "suppress": [{"rule": "x", "reason": "y"}],
            "b": 1.5e300, "a": -0.0, "é": "\u{1}\"", "\u{1f600}": [], "\u{e000}": {}
        });
        assert_eq!(
            canonical(&value),
            serde_json_canonicalizer::to_vec(&value).unwrap_or_default()
        );
    }

    #[test]
    fn versions_chain_to_their_parent() {
        let files = BTreeMap::from([("0001-a.yaml".to_owned(), "ab".to_owned())]);
        let version = semver::Version::new(1, 0, 0);
        assert_ne!(
            version_hash(&version, Some("x"), &files),
            version_hash(&version, Some("y"), &files)
        );
        assert_eq!(
            version_hash(&version, None, &files),
            version_hash(&version, None, &files)
        );
    }
}
