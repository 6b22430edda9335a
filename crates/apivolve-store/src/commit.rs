//! The backend-independent half of a commit: check every write against the current state and
//! decide what to apply. Backends fetch the current state and apply the effects.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use serde_json::Value;

use crate::merge::merged;
use crate::{Error, Result, Write};

/// The state of one stored document as a commit sees it.
#[derive(Debug)]
pub(crate) struct Current {
    pub(crate) version: u64,
    /// The value, which backends must provide for keys the commit merges into.
    pub(crate) value: Option<Value>,
}

/// What one write does once its condition holds.
#[derive(Debug, PartialEq)]
pub(crate) enum Effect {
    /// Store `value` under `key`, creating the row when `create`. The value is shared with what a
    /// backend remembers of the commit (the SQLite cache), not copied.
    Put {
        key: String,
        value: Arc<Value>,
        create: bool,
    },
    /// Remove `key`.
    Delete { key: String },
    /// Nothing to do (delete of an absent key).
    Nothing,
}

/// Reject a commit that names a key twice; return the distinct keys in commit order.
pub(crate) fn distinct_keys(writes: &[Write]) -> Result<Vec<String>> {
    let mut seen = HashSet::with_capacity(writes.len());
    for write in writes {
        if !seen.insert(write.key()) {
            return Err(Error::DuplicateKey {
                key: write.key().to_owned(),
            });
        }
    }
    Ok(writes.iter().map(|write| write.key().to_owned()).collect())
}

/// The keys of the writes that need the current value (merges into an existing document).
pub(crate) fn merge_keys(writes: &[Write]) -> Vec<String> {
    writes
        .iter()
        .filter_map(|write| match write {
            Write::Merge {
                key,
                expected_version: Some(_),
                ..
            } => Some(key.clone()),
            _ => None,
        })
        .collect()
}

/// Check every write against `current` (keyed by document key; absent keys are missing).
///
/// Returns the effects in write order, or every key whose condition failed.
pub(crate) fn plan(
    writes: Vec<Write>,
    current: &HashMap<String, Current>,
) -> Result<Vec<Effect>, Vec<String>> {
    let mut conflicts = Vec::new();
    let mut effects = Vec::with_capacity(writes.len());
    for write in writes {
        let found = current.get(write.key());
        let effect = match (write, found) {
            (Write::Insert { key, value }, None) => Some(Effect::Put {
                key,
                value: Arc::new(value),
                create: true,
            }),
            (
                Write::Replace {
                    key,
                    value,
                    expected_version,
                },
                Some(found),
            ) if found.version == expected_version => Some(Effect::Put {
                key,
                value: Arc::new(value),
                create: false,
            }),
            (
                Write::Merge {
                    key,
                    patch,
                    expected_version: None,
                },
                None,
            ) => Some(Effect::Put {
                key,
                value: Arc::new(merged(None, &patch)),
                create: true,
            }),
            (
                Write::Merge {
                    key,
                    patch,
                    expected_version: Some(expected),
                },
                Some(found),
            ) if found.version == expected => {
                debug_assert!(found.value.is_some(), "backends fetch merge bases");
                Some(Effect::Put {
                    key,
                    value: Arc::new(merged(found.value.as_ref(), &patch)),
                    create: false,
                })
            }
            (
                Write::Delete {
                    expected_version: None,
                    ..
                },
                None,
            ) => Some(Effect::Nothing),
            (
                Write::Delete {
                    key,
                    expected_version: None,
                },
                Some(_),
            ) => Some(Effect::Delete { key }),
            (
                Write::Delete {
                    key,
                    expected_version: Some(expected),
                },
                Some(found),
            ) if found.version == expected => Some(Effect::Delete { key }),
            (write, _) => {
                conflicts.push(write.key().to_owned());
                None
            }
        };
        effects.extend(effect);
    }
    if conflicts.is_empty() {
        Ok(effects)
    } else {
        Err(conflicts)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn state(entries: &[(&str, u64, Value)]) -> HashMap<String, Current> {
        entries
            .iter()
            .map(|(key, version, value)| {
                (
                    (*key).to_owned(),
                    Current {
                        version: *version,
                        value: Some(value.clone()),
                    },
                )
            })
            .collect()
    }

    #[test]
    fn all_conflicts_are_reported() {
        let current = state(&[("a", 1, json!(1)), ("b", 2, json!(2))]);
        let writes = vec![
            Write::Insert {
                key: "a".into(),
                value: json!(0),
            },
            Write::Replace {
                key: "b".into(),
                value: json!(0),
                expected_version: 2,
            },
            Write::Delete {
                key: "c".into(),
                expected_version: Some(1),
            },
        ];
        assert_eq!(plan(writes, &current), Err(vec!["a".into(), "c".into()]));
    }

    #[test]
    fn merges_apply_to_current_value() {
        let current = state(&[("a", 7, json!({"x": 1, "y": 2}))]);
        let writes = vec![
            Write::Merge {
                key: "a".into(),
                patch: json!({"y": null}),
                expected_version: Some(7),
            },
            Write::Merge {
                key: "b".into(),
                patch: json!({"z": null, "w": 1}),
                expected_version: None,
            },
            Write::Delete {
                key: "gone".into(),
                expected_version: None,
            },
        ];
        let effects = plan(writes, &current).expect("no conflict");
        assert_eq!(
            effects,
            [
                Effect::Put {
                    key: "a".into(),
                    value: Arc::new(json!({"x": 1})),
                    create: false
                },
                Effect::Put {
                    key: "b".into(),
                    value: Arc::new(json!({"w": 1})),
                    create: true
                },
                Effect::Nothing,
            ]
        );
    }

    #[test]
    fn duplicate_keys_are_rejected() {
        let write = Write::Delete {
            key: "a".into(),
            expected_version: None,
        };
        let error = distinct_keys(&[write.clone(), write]).expect_err("duplicate");
        assert!(matches!(error, Error::DuplicateKey { key } if key == "a"));
    }
}
