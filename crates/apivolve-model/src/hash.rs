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

fn canonical(value: &Value) -> Vec<u8> {
    serde_json_canonicalizer::to_vec(value).unwrap_or_default()
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
