//! Constraint keywords: lengths, patterns, formats, numeric bounds, `multipleOf`, array sizes,
//! `uniqueItems`, `additionalProperties`, `readOnly`/`writeOnly` and `default`.

use std::fmt;

use serde_json::Value;

use super::Rule;
use super::walk::{Cursor, Walker, code};

/// A count keyword (`minLength`, `maxItems`, ...) and its rules.
struct Count {
    keyword: &'static str,
    /// `true` for lower limits (absent means 0), `false` for upper ones (absent means none).
    lower: bool,
    /// Request and response rules for a stricter limit.
    narrowed: [Rule; 2],
    /// Request and response rules for a looser limit.
    widened: [Rule; 2],
}

const COUNTS: &[Count] = &[
    Count {
        keyword: "minLength",
        lower: true,
        narrowed: [
            Rule::RequestMinLengthIncreased,
            Rule::ResponseMinLengthIncreased,
        ],
        widened: [
            Rule::RequestMinLengthDecreased,
            Rule::ResponseMinLengthDecreased,
        ],
    },
    Count {
        keyword: "maxLength",
        lower: false,
        narrowed: [
            Rule::RequestMaxLengthDecreased,
            Rule::ResponseMaxLengthDecreased,
        ],
        widened: [
            Rule::RequestMaxLengthIncreased,
            Rule::ResponseMaxLengthIncreased,
        ],
    },
    Count {
        keyword: "minItems",
        lower: true,
        narrowed: [
            Rule::RequestMinItemsIncreased,
            Rule::ResponseMinItemsIncreased,
        ],
        widened: [
            Rule::RequestMinItemsDecreased,
            Rule::ResponseMinItemsDecreased,
        ],
    },
    Count {
        keyword: "maxItems",
        lower: false,
        narrowed: [
            Rule::RequestMaxItemsDecreased,
            Rule::ResponseMaxItemsDecreased,
        ],
        widened: [
            Rule::RequestMaxItemsIncreased,
            Rule::ResponseMaxItemsIncreased,
        ],
    },
];

/// A string keyword (`pattern`, `format`) and its added, removed and changed rules.
struct Text {
    keyword: &'static str,
    added: [Rule; 2],
    removed: [Rule; 2],
    changed: [Rule; 2],
}

const TEXTS: &[Text] = &[
    Text {
        keyword: "pattern",
        added: [Rule::RequestPatternAdded, Rule::ResponsePatternAdded],
        removed: [Rule::RequestPatternRemoved, Rule::ResponsePatternRemoved],
        changed: [Rule::RequestPatternChanged, Rule::ResponsePatternChanged],
    },
    Text {
        keyword: "format",
        added: [Rule::RequestFormatAdded, Rule::ResponseFormatAdded],
        removed: [Rule::RequestFormatRemoved, Rule::ResponseFormatRemoved],
        changed: [Rule::RequestFormatChanged, Rule::ResponseFormatChanged],
    },
];

/// A boolean keyword (`uniqueItems`, `readOnly`, `writeOnly`), its rules and phrases.
struct Flag {
    keyword: &'static str,
    set: [Rule; 2],
    unset: [Rule; 2],
    set_phrase: &'static str,
    unset_phrase: &'static str,
}

const FLAGS: &[Flag] = &[
    Flag {
        keyword: "uniqueItems",
        set: [
            Rule::RequestUniqueItemsAdded,
            Rule::ResponseUniqueItemsAdded,
        ],
        unset: [
            Rule::RequestUniqueItemsRemoved,
            Rule::ResponseUniqueItemsRemoved,
        ],
        set_phrase: "must hold unique items",
        unset_phrase: "may hold duplicate items",
    },
    Flag {
        keyword: "readOnly",
        set: [Rule::RequestReadOnlyAdded, Rule::ResponseReadOnlyAdded],
        unset: [Rule::RequestReadOnlyRemoved, Rule::ResponseReadOnlyRemoved],
        set_phrase: "became `readOnly`",
        unset_phrase: "is no longer `readOnly`",
    },
    Flag {
        keyword: "writeOnly",
        set: [Rule::RequestWriteOnlyAdded, Rule::ResponseWriteOnlyAdded],
        unset: [
            Rule::RequestWriteOnlyRemoved,
            Rule::ResponseWriteOnlyRemoved,
        ],
        set_phrase: "became `writeOnly`",
        unset_phrase: "is no longer `writeOnly`",
    },
];

/// An effective numeric bound folded from `minimum`/`exclusiveMinimum` (or the maximum pair).
#[derive(Clone, Copy, Debug, PartialEq)]
struct Bound {
    value: f64,
    exclusive: bool,
    lower: bool,
}

impl Bound {
    /// Whether `self` admits fewer numbers than `other` (same side).
    fn stricter_than(&self, other: &Bound) -> bool {
        let tighter = if self.lower {
            self.value > other.value
        } else {
            self.value < other.value
        };
        tighter || (self.value == other.value && self.exclusive && !other.exclusive)
    }
}

impl fmt::Display for Bound {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let operator = match (self.lower, self.exclusive) {
            (true, false) => ">=",
            (true, true) => ">",
            (false, false) => "<=",
            (false, true) => "<",
        };
        write!(f, "`{operator} {}`", self.value)
    }
}

/// The effective lower (or upper) bound of a schema.
fn bound(schema: &Value, lower: bool) -> Option<Bound> {
    let (inclusive_keyword, exclusive_keyword) = if lower {
        ("minimum", "exclusiveMinimum")
    } else {
        ("maximum", "exclusiveMaximum")
    };
    let mut result = schema
        .get(inclusive_keyword)
        .and_then(Value::as_f64)
        .map(|value| Bound {
            value,
            exclusive: false,
            lower,
        });
    match schema.get(exclusive_keyword) {
        Some(Value::Number(number)) => {
            if let Some(value) = number.as_f64() {
                let exclusive = Bound {
                    value,
                    exclusive: true,
                    lower,
                };
                if result.is_none_or(|inclusive| exclusive.stricter_than(&inclusive)) {
                    result = Some(exclusive);
                }
            }
        }
        Some(Value::Bool(true)) => {
            if let Some(inclusive) = &mut result {
                inclusive.exclusive = true;
            }
        }
        _ => {}
    }
    result
}

/// How `additionalProperties` constrains an object.
#[derive(Clone, Copy, Debug)]
enum Extra<'v> {
    Allowed,
    Forbidden,
    Schema(&'v Value),
}

impl Extra<'_> {
    fn of(schema: &Value) -> Extra<'_> {
        match schema.get("additionalProperties") {
            None | Some(Value::Bool(true)) => Extra::Allowed,
            Some(Value::Object(object)) if object.is_empty() => Extra::Allowed,
            Some(Value::Bool(false)) => Extra::Forbidden,
            Some(schema) => Extra::Schema(schema),
        }
    }

    fn phrase(&self) -> &'static str {
        match self {
            Extra::Allowed => "allowed",
            Extra::Forbidden => "forbidden",
            Extra::Schema(_) => "restricted to a schema",
        }
    }
}

impl Walker<'_> {
    pub(super) fn compare_constraints(&mut self, old: &Value, new: &Value, cursor: &Cursor<'_>) {
        for count in COUNTS {
            self.compare_count(old, new, cursor, count);
        }
        for text in TEXTS {
            self.compare_text(old, new, cursor, text);
        }
        for flag in FLAGS {
            self.compare_flag(old, new, cursor, flag);
        }
        self.compare_bound(old, new, cursor, true);
        self.compare_bound(old, new, cursor, false);
        self.compare_multiple_of(old, new, cursor);
        self.compare_additional_properties(old, new, cursor);
        if old.get("default") != new.get("default") {
            let show = |value: Option<&Value>| value.map_or_else(|| "none".to_owned(), code);
            let rule = cursor.pick(Rule::RequestDefaultChanged, Rule::ResponseDefaultChanged);
            let message = format!(
                "default of {} changed from {} to {} in {}",
                cursor.target(),
                show(old.get("default")),
                show(new.get("default")),
                cursor.site.phrase()
            );
            self.report(rule, cursor, message);
        }
    }

    fn compare_count(&mut self, old: &Value, new: &Value, cursor: &Cursor<'_>, count: &Count) {
        let keyword = count.keyword;
        let (old_raw, new_raw) = (old.get(keyword), new.get(keyword));
        let limit = |raw: Option<&Value>| match raw.and_then(Value::as_f64) {
            Some(value) => value,
            None if count.lower => 0.0,
            None => f64::INFINITY,
        };
        let (old_limit, new_limit) = (limit(old_raw), limit(new_raw));
        if old_limit == new_limit {
            return;
        }
        let stricter = if count.lower {
            new_limit > old_limit
        } else {
            new_limit < old_limit
        };
        let [request, response] = if stricter {
            count.narrowed
        } else {
            count.widened
        };
        let (target, site) = (cursor.target(), cursor.site.phrase());
        let message = match (old_raw, new_raw) {
            (Some(old_value), Some(new_value)) => {
                let verb = if new_limit > old_limit {
                    "increased"
                } else {
                    "decreased"
                };
                format!(
                    "`{keyword}` of {target} {verb} from {} to {} in {site}",
                    code(old_value),
                    code(new_value)
                )
            }
            (None, Some(new_value)) => format!(
                "`{keyword}` of {target} was set to {} in {site}",
                code(new_value)
            ),
            (Some(old_value), None) => format!(
                "`{keyword}` {} of {target} was removed in {site}",
                code(old_value)
            ),
            (None, None) => return,
        };
        self.report(cursor.pick(request, response), cursor, message);
    }

    fn compare_text(&mut self, old: &Value, new: &Value, cursor: &Cursor<'_>, text: &Text) {
        let keyword = text.keyword;
        let (old_value, new_value) = (old.get(keyword), new.get(keyword));
        let (target, site) = (cursor.target(), cursor.site.phrase());
        let (rules, message) = match (old_value, new_value) {
            (None, Some(value)) => (
                text.added,
                format!(
                    "`{keyword}` {} was added to {target} in {site}",
                    code(value)
                ),
            ),
            (Some(value), None) => (
                text.removed,
                format!(
                    "`{keyword}` {} was removed from {target} in {site}",
                    code(value)
                ),
            ),
            (Some(before), Some(after)) if before != after => (
                text.changed,
                format!(
                    "`{keyword}` of {target} changed from {} to {} in {site}",
                    code(before),
                    code(after)
                ),
            ),
            _ => return,
        };
        let [request, response] = rules;
        self.report(cursor.pick(request, response), cursor, message);
    }

    fn compare_flag(&mut self, old: &Value, new: &Value, cursor: &Cursor<'_>, flag: &Flag) {
        let is_set = |schema: &Value| schema.get(flag.keyword) == Some(&Value::Bool(true));
        let ([request, response], phrase) = match (is_set(old), is_set(new)) {
            (false, true) => (flag.set, flag.set_phrase),
            (true, false) => (flag.unset, flag.unset_phrase),
            _ => return,
        };
        let message = format!("{} {phrase} in {}", cursor.target(), cursor.site.phrase());
        self.report(cursor.pick(request, response), cursor, message);
    }

    fn compare_bound(&mut self, old: &Value, new: &Value, cursor: &Cursor<'_>, lower: bool) {
        let [
            narrowed_request,
            narrowed_response,
            widened_request,
            widened_response,
        ] = if lower {
            [
                Rule::RequestMinimumIncreased,
                Rule::ResponseMinimumIncreased,
                Rule::RequestMinimumDecreased,
                Rule::ResponseMinimumDecreased,
            ]
        } else {
            [
                Rule::RequestMaximumDecreased,
                Rule::ResponseMaximumDecreased,
                Rule::RequestMaximumIncreased,
                Rule::ResponseMaximumIncreased,
            ]
        };
        let side = if lower { "lower" } else { "upper" };
        let (target, site) = (cursor.target(), cursor.site.phrase());
        let (narrowed, message) = match (bound(old, lower), bound(new, lower)) {
            (None, Some(after)) => (
                true,
                format!("{side} bound {after} was set on {target} in {site}"),
            ),
            (Some(before), None) => (
                false,
                format!("{side} bound {before} of {target} was removed in {site}"),
            ),
            (Some(before), Some(after))
                if after.stricter_than(&before) || before.stricter_than(&after) =>
            {
                let narrowed = after.stricter_than(&before);
                (
                    narrowed,
                    format!("{side} bound of {target} changed from {before} to {after} in {site}"),
                )
            }
            _ => return,
        };
        let rule = if narrowed {
            cursor.pick(narrowed_request, narrowed_response)
        } else {
            cursor.pick(widened_request, widened_response)
        };
        self.report(rule, cursor, message);
    }

    fn compare_multiple_of(&mut self, old: &Value, new: &Value, cursor: &Cursor<'_>) {
        let (old_raw, new_raw) = (old.get("multipleOf"), new.get("multipleOf"));
        let (old_value, new_value) = (
            old_raw.and_then(Value::as_f64),
            new_raw.and_then(Value::as_f64),
        );
        if old_value == new_value {
            return;
        }
        let divides = |divisor: f64, dividend: f64| {
            let ratio = dividend / divisor;
            divisor > 0.0 && ratio.is_finite() && (ratio - ratio.round()).abs() < 1e-9
        };
        let (narrowed, widened, changed) = (
            cursor.pick(
                Rule::RequestMultipleOfNarrowed,
                Rule::ResponseMultipleOfNarrowed,
            ),
            cursor.pick(
                Rule::RequestMultipleOfWidened,
                Rule::ResponseMultipleOfWidened,
            ),
            cursor.pick(
                Rule::RequestMultipleOfChanged,
                Rule::ResponseMultipleOfChanged,
            ),
        );
        let rule = match (old_value, new_value) {
            (None, Some(_)) => narrowed,
            (Some(_), None) => widened,
            (Some(before), Some(after)) if divides(before, after) => narrowed,
            (Some(before), Some(after)) if divides(after, before) => widened,
            _ => changed,
        };
        let show = |value: Option<&Value>| value.map_or_else(|| "none".to_owned(), code);
        let message = format!(
            "`multipleOf` of {} changed from {} to {} in {}",
            cursor.target(),
            show(old_raw),
            show(new_raw),
            cursor.site.phrase()
        );
        self.report(rule, cursor, message);
    }

    fn compare_additional_properties(&mut self, old: &Value, new: &Value, cursor: &Cursor<'_>) {
        let (before, after) = (Extra::of(old), Extra::of(new));
        let narrowed = match (before, after) {
            (Extra::Allowed, Extra::Allowed) | (Extra::Forbidden, Extra::Forbidden) => return,
            (Extra::Schema(old_schema), Extra::Schema(new_schema)) => {
                return self.compare(old_schema, new_schema, &cursor.child("*"));
            }
            (Extra::Allowed, _) | (Extra::Schema(_), Extra::Forbidden) => true,
            (Extra::Forbidden, _) | (Extra::Schema(_), Extra::Allowed) => false,
        };
        let rule = if narrowed {
            cursor.pick(
                Rule::RequestAdditionalPropertiesNarrowed,
                Rule::ResponseAdditionalPropertiesNarrowed,
            )
        } else {
            cursor.pick(
                Rule::RequestAdditionalPropertiesWidened,
                Rule::ResponseAdditionalPropertiesWidened,
            )
        };
        let message = format!(
            "additional properties of {} went from {} to {} in {}",
            cursor.target(),
            before.phrase(),
            after.phrase(),
            cursor.site.phrase()
        );
        self.report(rule, cursor, message);
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn bounds_fold_both_spellings_of_exclusive() {
        let lower = |schema: Value| bound(&schema, true);
        let openapi_30 = lower(json!({"minimum": 0, "exclusiveMinimum": true}));
        let json_schema = lower(json!({"exclusiveMinimum": 0}));
        assert_eq!(openapi_30, json_schema);
        assert_eq!(
            json_schema,
            Some(Bound {
                value: 0.0,
                exclusive: true,
                lower: true
            })
        );
        // The stricter of two lower bounds wins.
        assert_eq!(
            lower(json!({"minimum": 5, "exclusiveMinimum": 3})).map(|b| b.value),
            Some(5.0)
        );
        assert_eq!(
            lower(json!({"minimum": 3, "exclusiveMinimum": 3})).map(|b| b.exclusive),
            Some(true)
        );
        assert_eq!(lower(json!({"exclusiveMinimum": true})), None);
        let upper = bound(&json!({"maximum": 10, "exclusiveMaximum": 8}), false);
        assert_eq!(
            upper,
            Some(Bound {
                value: 8.0,
                exclusive: true,
                lower: false
            })
        );
        assert_eq!(upper.map(|b| b.to_string()), Some("`< 8`".to_owned()));
    }

    #[test]
    fn strictness_compares_value_then_exclusiveness() {
        let at = |value, exclusive, lower| Bound {
            value,
            exclusive,
            lower,
        };
        assert!(at(1.0, false, true).stricter_than(&at(0.0, false, true)));
        assert!(at(0.0, true, true).stricter_than(&at(0.0, false, true)));
        assert!(!at(0.0, false, true).stricter_than(&at(0.0, false, true)));
        assert!(at(9.0, false, false).stricter_than(&at(10.0, false, false)));
        assert!(at(10.0, true, false).stricter_than(&at(10.0, false, false)));
    }
}
