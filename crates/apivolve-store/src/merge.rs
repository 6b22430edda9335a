//! RFC 7396 JSON merge patch.

use serde_json::{Map, Value};

/// Apply an RFC 7396 JSON merge patch to `target` in place.
///
/// An object patch merges member by member: a `null` member deletes, an object member merges
/// recursively, anything else replaces. A patch that is not an object replaces the target whole.
///
/// ```
/// use serde_json::json;
///
/// let mut document = json!({"name": "a", "tags": ["x"], "meta": {"keep": 1, "drop": 2}});
/// apivolve_store::merge_patch(&mut document, &json!({"tags": null, "meta": {"drop": null}}));
/// assert_eq!(document, json!({"name": "a", "meta": {"keep": 1}}));
/// ```
pub fn merge_patch(target: &mut Value, patch: &Value) {
    let Value::Object(members) = patch else {
        *target = patch.clone();
        return;
    };
    if !target.is_object() {
        *target = Value::Object(Map::new());
    }
    let Value::Object(target) = target else {
        unreachable!("target was made an object above");
    };
    for (name, member) in members {
        if member.is_null() {
            target.remove(name);
        } else {
            merge_patch(target.entry(name.clone()).or_insert(Value::Null), member);
        }
    }
}

/// The document that results from applying `patch` to `target`, or to nothing when `None`.
pub(crate) fn merged(target: Option<&Value>, patch: &Value) -> Value {
    let mut value = target.cloned().unwrap_or(Value::Null);
    merge_patch(&mut value, patch);
    value
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// The examples of RFC 7396, appendix A.
    #[test]
    fn rfc_7396_appendix_a() {
        let cases = [
            (json!({"a":"b"}), json!({"a":"c"}), json!({"a":"c"})),
            (json!({"a":"b"}), json!({"b":"c"}), json!({"a":"b","b":"c"})),
            (json!({"a":"b"}), json!({"a":null}), json!({})),
            (
                json!({"a":"b","b":"c"}),
                json!({"a":null}),
                json!({"b":"c"}),
            ),
            (json!({"a":["b"]}), json!({"a":"c"}), json!({"a":"c"})),
            (json!({"a":"c"}), json!({"a":["b"]}), json!({"a":["b"]})),
            (
                json!({"a":{"b":"c"}}),
                json!({"a":{"b":"d","c":null}}),
                json!({"a":{"b":"d"}}),
            ),
            (json!({"a":[{"b":"c"}]}), json!({"a":[1]}), json!({"a":[1]})),
            (json!(["a", "b"]), json!(["c", "d"]), json!(["c", "d"])),
            (json!({"a":"b"}), json!(["c"]), json!(["c"])),
            (json!({"a":"foo"}), json!(null), json!(null)),
            (json!({"a":"foo"}), json!("bar"), json!("bar")),
            (json!({"e":null}), json!({"a":1}), json!({"e":null,"a":1})),
            (json!([1, 2]), json!({"a":"b","c":null}), json!({"a":"b"})),
            (
                json!({}),
                json!({"a":{"bb":{"ccc":null}}}),
                json!({"a":{"bb":{}}}),
            ),
        ];
        for (target, patch, expected) in cases {
            let mut value = target.clone();
            merge_patch(&mut value, &patch);
            assert_eq!(value, expected, "target {target} patch {patch}");
        }
    }

    #[test]
    fn merged_onto_nothing_drops_nulls() {
        assert_eq!(merged(None, &json!({"a": 1, "b": null})), json!({"a": 1}));
    }

    proptest::proptest! {
        /// Applying the same patch twice changes nothing more (RFC 7396 patches are idempotent).
        #[test]
        fn patches_are_idempotent(a in 0i64..3, b in proptest::option::of(0i64..3), c in proptest::bool::ANY) {
            let target = json!({"a": a, "nested": {"x": 1}});
            let patch = json!({"a": b, "nested": if c { json!(null) } else { json!({"y": a}) }});
            let once = merged(Some(&target), &patch);
            let twice = merged(Some(&once), &patch);
            proptest::prop_assert_eq!(once, twice);
        }
    }
}
