//! Authored transformations: jq expressions and Rust functions registered by the application.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;

use apivolve_model::JqProgram;
use serde_json::Value;

use crate::error::{Error, Result};

/// A Rust function that migrates a value; its error message reaches the client on requests.
pub type Converter = Arc<dyn Fn(Value) -> Result<Value, String> + Send + Sync>;

/// A Rust equivalent of a jq expression: `Ok` with jq's result (a value, or the message of jq's
/// error), or `Err` with the input back for jq to decide (an input the function does not
/// handle).
pub(crate) type JqEquivalent =
    Arc<dyn Fn(Value) -> Result<Result<Value, String>, Value> + Send + Sync>;

/// What an application registers: named Rust converters for `custom` changes (`up_fn`,
/// `down_fn`), and Rust equivalents of jq expressions.
#[derive(Clone, Default)]
pub struct Registry {
    functions: BTreeMap<String, Converter>,
    equivalents: BTreeMap<String, JqEquivalent>,
}

impl Registry {
    /// An empty registry.
    pub fn new() -> Self {
        Self::default()
    }

    /// Registers `function` under `name`.
    #[must_use]
    pub fn with(
        mut self,
        name: impl Into<String>,
        function: impl Fn(Value) -> Result<Value, String> + Send + Sync + 'static,
    ) -> Self {
        self.functions.insert(name.into(), Arc::new(function));
        self
    }

    /// Registers a Rust equivalent of the jq expression `source` (compared with the
    /// expression of an evolution file after trimming both): wherever the expression runs, the
    /// function runs instead, and jq only for the inputs it hands back.
    ///
    /// For a hot jq step of a released version, whose file cannot change (its hash is chained):
    /// jq stays the definition, so test the function against it (on the inputs the version
    /// validates and on the errors it raises). The plan shows the step as jq, marked `(native)`.
    #[must_use]
    pub fn with_jq_equivalent(
        mut self,
        source: &str,
        function: impl Fn(Value) -> Result<Result<Value, String>, Value> + Send + Sync + 'static,
    ) -> Self {
        self.equivalents
            .insert(source.trim().to_owned(), Arc::new(function));
        self
    }

    pub(crate) fn get(&self, name: &str) -> Option<&Converter> {
        self.functions.get(name)
    }

    pub(crate) fn jq_equivalent(&self, source: &str) -> Option<&JqEquivalent> {
        self.equivalents.get(source.trim())
    }

    /// The registered names.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.functions.keys().map(String::as_str)
    }
}

impl fmt::Debug for Registry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list()
            .entries(self.functions.keys())
            .entries(
                self.equivalents
                    .keys()
                    .map(|source| format!("jq `{source}`")),
            )
            .finish()
    }
}

/// A jq program or a registered function.
#[derive(Clone)]
pub(crate) enum Transform {
    Jq {
        source: String,
        program: JqProgram,
        /// The same conversion in Rust, for the inputs where it is exactly jq's.
        native: Option<Native>,
        /// The application's Rust equivalent, when it registered one.
        equivalent: Option<JqEquivalent>,
    },
    Function {
        name: String,
        function: Converter,
    },
}

impl Transform {
    /// A jq transform, with its native form when the expression is a plain scalar conversion,
    /// and the application's equivalent when `registry` has one.
    pub(crate) fn jq(source: String, program: JqProgram, registry: &Registry) -> Self {
        let native = Native::recognise(&source);
        let equivalent = registry.jq_equivalent(&source).cloned();
        Self::Jq {
            source,
            program,
            native,
            equivalent,
        }
    }

    /// The conversion in Rust this jq expression is, if any.
    pub(crate) fn native(&self) -> Option<Native> {
        match self {
            Self::Jq { native, .. } => *native,
            Self::Function { .. } => None,
        }
    }

    pub(crate) fn run(&self, value: Value) -> Result<Value> {
        match self {
            Self::Jq {
                source,
                program,
                native,
                equivalent,
            } => {
                let failed = |message| Error::Transform {
                    transform: format!("jq `{source}`"),
                    message,
                };
                let value = match native {
                    Some(native) => match native.run(value) {
                        Ok(converted) => return Ok(converted),
                        Err(value) => value,
                    },
                    None => value,
                };
                let value = match equivalent {
                    Some(equivalent) => match equivalent(value) {
                        Ok(answer) => return answer.map_err(failed),
                        Err(value) => value,
                    },
                    None => value,
                };
                program.run(value).map_err(|error| failed(error.message))
            }
            Self::Function { name, function } => {
                function(value).map_err(|message| Error::Transform {
                    transform: format!("function `{name}`"),
                    message,
                })
            }
        }
    }
}

impl fmt::Display for Transform {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Jq {
                source, equivalent, ..
            } => write!(
                f,
                "jq `{}`{}",
                source.split_whitespace().collect::<Vec<_>>().join(" "),
                if equivalent.is_some() {
                    " (native)"
                } else {
                    ""
                }
            ),
            Self::Function { name, .. } => write!(f, "function `{name}`"),
        }
    }
}

/// The largest integer magnitude the native conversions handle (2^53: exact in every number
/// representation jq uses).
const MAX_EXACT: i64 = 1 << 53;

/// `tostring` and `tonumber` in Rust: a jq call costs a couple of microseconds, and a change of
/// a field's type runs one per value of the field in the payload. Only integers and the strings
/// of integers are converted natively (where the result cannot differ from jq's); every other
/// input goes to jq.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Native {
    ToString,
    ToNumber,
}

impl Native {
    fn recognise(source: &str) -> Option<Self> {
        match source.trim() {
            "tostring" => Some(Self::ToString),
            "tonumber" => Some(Self::ToNumber),
            _ => None,
        }
    }

    /// The converted value, or the input back when jq must decide.
    fn run(self, value: Value) -> Result<Value, Value> {
        match (self, value) {
            (Self::ToString, Value::String(text)) => Ok(Value::String(text)),
            (Self::ToString, Value::Number(number)) => match exact_integer(&number) {
                Some(integer) => Ok(Value::String(integer.to_string())),
                None => Err(Value::Number(number)),
            },
            (Self::ToNumber, Value::Number(number)) if exact_integer(&number).is_some() => {
                Ok(Value::Number(number))
            }
            (Self::ToNumber, Value::String(text)) => match integer_text(&text) {
                Some(integer) => Ok(Value::from(integer)),
                None => Err(Value::String(text)),
            },
            (_, other) => Err(other),
        }
    }
}

fn exact_integer(number: &serde_json::Number) -> Option<i64> {
    number
        .as_i64()
        .filter(|integer| integer.unsigned_abs() <= MAX_EXACT.unsigned_abs())
}

/// `123` or `-45`: digits without a leading zero (or `0` itself), not `-0`, within 2^53.
pub(crate) fn integer_text(text: &str) -> Option<i64> {
    let digits = text.strip_prefix('-').unwrap_or(text);
    let canonical = !digits.is_empty()
        && digits.len() <= 15
        && digits.bytes().all(|byte| byte.is_ascii_digit())
        && (digits == "0" || !digits.starts_with('0'))
        && !(text.starts_with('-') && digits == "0");
    if !canonical {
        return None;
    }
    text.parse::<i64>()
        .ok()
        .filter(|integer| integer.unsigned_abs() <= MAX_EXACT.unsigned_abs())
}

impl fmt::Debug for Transform {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn jq(source: &str) -> Transform {
        jq_with(source, &Registry::new())
    }

    fn jq_with(source: &str, registry: &Registry) -> Transform {
        Transform::jq(
            source.to_owned(),
            apivolve_model::compile_jq(source).unwrap(),
            registry,
        )
    }

    /// A registered equivalent runs instead of jq; jq runs for what it hands back, and its
    /// error message is jq's error.
    #[test]
    fn a_registered_jq_equivalent_runs_instead_of_jq() {
        let source = "if .n < 0 then error(\"negative\") else .n * 2 end";
        let registry = Registry::new().with_jq_equivalent(&format!("  {source}\n"), |value| {
            match value["n"].as_i64() {
                Some(n) if n < 0 => Ok(Err("negative".to_owned())),
                // Marked, to tell it from jq's answer.
                Some(n) => Ok(Ok(json!({"doubled": n * 2}))),
                None => Err(value),
            }
        });
        let transform = jq_with(source, &registry);
        assert_eq!(
            transform.run(json!({"n": 2})).unwrap(),
            json!({"doubled": 4})
        );
        assert_eq!(transform.run(json!({"n": 1.5})).unwrap(), json!(3.0));
        let error = transform.run(json!({"n": -1})).unwrap_err().to_string();
        assert!(error.contains("negative"), "{error}");
        assert!(transform.to_string().ends_with("(native)"), "{transform}");
        assert!(!jq(source).to_string().contains("native"));
    }

    #[test]
    fn native_conversions_agree_with_jq() {
        let inputs = [
            json!(0),
            json!(-7),
            json!(42),
            json!(9_007_199_254_740_992_i64),
            json!(9_007_199_254_740_993_i64),
            json!(u64::MAX),
            json!(1.5),
            json!(-0.0),
            json!("0"),
            json!("-0"),
            json!("12"),
            json!("-12"),
            json!("007"),
            json!("1e3"),
            json!(" 5"),
            json!("999999999999999"),
            json!("9999999999999999"),
            json!("abc"),
            json!(""),
            json!(true),
            json!(null),
            json!([1]),
        ];
        for source in ["tostring", "tonumber", " tostring "] {
            let fast = jq(source);
            let slow = Transform::Jq {
                source: source.to_owned(),
                program: apivolve_model::compile_jq(source).unwrap(),
                native: None,
                equivalent: None,
            };
            assert!(matches!(
                fast,
                Transform::Jq {
                    native: Some(_),
                    ..
                }
            ));
            for input in &inputs {
                let expected = slow.run(input.clone()).map_err(|error| error.to_string());
                let actual = fast.run(input.clone()).map_err(|error| error.to_string());
                assert_eq!(actual, expected, "{source} on {input}");
            }
        }
        assert!(matches!(
            jq("tostring | ."),
            Transform::Jq { native: None, .. }
        ));
    }
}
