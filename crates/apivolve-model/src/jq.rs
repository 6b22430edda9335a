//! jq expressions in evolution files, compiled once with jaq and run on `serde_json` values.
//!
//! [`compile`] parses and compiles an expression against jq's standard library (jaq-core,
//! jaq-std and jaq-json definitions); a typo is a [`JqError`] with the byte offset of the
//! offending token. A [`JqProgram`] is `Send + Sync` and cheap to clone; [`JqProgram::run`] runs
//! it on a value and returns the first output, without recompiling anything.
//!
//! [`expressions`] lists the jq fields of a change with their pointers, so a loader can compile
//! each and report errors at the right place.

use std::fmt;
use std::sync::Arc;

use jaq_core::data::JustLut;
use jaq_core::load::{Arena, File, Loader, lex};
use jaq_core::{Compiler, Ctx, Filter, Vars, compile as jaq_compile};
use jaq_json::{Num, Rc, Val};
use serde_json::{Map, Number, Value};

use crate::change::{Change, Jq};

/// The data kind jaq runs our filters with: plain values and the look-up table.
type Data = JustLut<Val>;

/// A compiled jq expression.
#[derive(Clone)]
pub struct JqProgram {
    inner: Arc<Compiled>,
}

struct Compiled {
    source: String,
    filter: Filter<Data>,
}

/// A jq expression that does not compile, or fails when run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct JqError {
    /// What is wrong (`undefined function `lenght/0``).
    pub message: String,
    /// The byte offset in the expression of what is wrong, when known (compile errors).
    pub offset: Option<usize>,
}

impl JqError {
    fn new(message: impl Into<String>, offset: Option<usize>) -> Self {
        Self {
            message: message.into(),
            offset,
        }
    }
}

impl fmt::Display for JqError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)?;
        if let Some(offset) = self.offset {
            write!(f, " (at byte {offset})")?;
        }
        Ok(())
    }
}

impl std::error::Error for JqError {}

impl fmt::Debug for JqProgram {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("JqProgram")
            .field(&self.inner.source)
            .finish()
    }
}

/// Compiles a jq expression.
///
/// # Errors
///
/// When the expression does not parse (`expected term, found `)``) or names something that does
/// not exist (`undefined function `lenght/0``); the error carries the byte offset.
pub fn compile(expr: &str) -> Result<JqProgram, JqError> {
    let defs = jaq_core::defs()
        .chain(jaq_std::defs())
        .chain(jaq_json::defs());
    let funs = jaq_core::funs::<Data>()
        .chain(jaq_std::funs::<Data>())
        .chain(jaq_json::funs::<Data>());
    let arena = Arena::default();
    let modules = Loader::new(defs)
        .load(
            &arena,
            File {
                code: expr,
                path: (),
            },
        )
        .map_err(|errors| load_error(expr, errors))?;
    let filter = Compiler::default()
        .with_funs(funs)
        .compile(modules)
        .map_err(|errors| compile_error(expr, errors))?;
    Ok(JqProgram {
        inner: Arc::new(Compiled {
            source: expr.to_owned(),
            filter,
        }),
    })
}

impl JqProgram {
    /// The expression as written.
    pub fn source(&self) -> &str {
        &self.inner.source
    }

    /// Runs the program on `input` and returns its first output.
    ///
    /// # Errors
    ///
    /// When the program fails (`cannot use "a" as number`, `error("...")`), gives no output
    /// (`empty`), halts, or outputs something JSON cannot hold (an object with a non-string key).
    pub fn run(&self, input: Value) -> Result<Value, JqError> {
        let filter = &self.inner.filter;
        let ctx = Ctx::<Data>::new(&filter.lut, Vars::new([]));
        let mut outputs = filter.id.run((ctx, to_val(input)));
        match outputs.next() {
            Some(Ok(value)) => from_val(value),
            Some(Err(exception)) => Err(match exception.get_err() {
                Ok(error) => JqError::new(error_text(error), None),
                Err(other) => match other.get_halt() {
                    Ok(code) => JqError::new(
                        format!("the expression called `halt` (exit code {code})"),
                        None,
                    ),
                    Err(_) => JqError::new("the expression stopped without a value", None),
                },
            }),
            None => Err(JqError::new("the expression gave no output", None)),
        }
    }
}

/// The text of a run-time error: a string thrown by `error("...")` as is, anything else as jq
/// prints it.
fn error_text(error: jaq_core::Error<Val>) -> String {
    match error.into_val() {
        Val::TStr(bytes) | Val::BStr(bytes) => String::from_utf8_lossy(&bytes).into_owned(),
        other => other.to_string(),
    }
}

/// The byte offset of `part` in `whole`, when `part` is a slice of it.
fn offset_in(whole: &str, part: &str) -> Option<usize> {
    let start = (part.as_ptr() as usize).checked_sub(whole.as_ptr() as usize)?;
    (start <= whole.len()).then_some(start)
}

/// What the token at the start of `rest` is, for messages.
fn found(rest: &str) -> String {
    let token: String = rest
        .trim_start()
        .chars()
        .take_while(|c| !c.is_whitespace())
        .take(12)
        .collect();
    if token.is_empty() {
        "end of input".to_owned()
    } else {
        format!("`{token}`")
    }
}

fn load_error(expr: &str, errors: jaq_core::load::Errors<&str, ()>) -> JqError {
    let mut messages = Vec::new();
    let mut offset = None;
    for (_, error) in errors {
        match error {
            jaq_core::load::Error::Io(imports) => {
                for (path, _) in imports {
                    messages.push(format!(
                        "cannot import module `{path}`: expressions are self-contained"
                    ));
                    offset = offset.or_else(|| offset_in(expr, path));
                }
            }
            jaq_core::load::Error::Lex(lex_errors) => {
                for (expected, rest) in lex_errors {
                    messages.push(lex_message(&expected, rest));
                    offset = offset.or_else(|| offset_in(expr, rest));
                }
            }
            jaq_core::load::Error::Parse(parse_errors) => {
                for (expected, rest) in parse_errors {
                    messages.push(format!(
                        "expected {}, found {}",
                        expected.as_str(),
                        found(rest)
                    ));
                    offset = offset.or_else(|| offset_in(expr, rest));
                }
            }
        }
    }
    joined(messages, offset)
}

fn lex_message(expected: &lex::Expect<&str>, rest: &str) -> String {
    match expected {
        lex::Expect::Digit => format!("expected a digit, found {}", found(rest)),
        lex::Expect::Ident => format!("expected a name, found {}", found(rest)),
        lex::Expect::Delim(open) => {
            let close = match *open {
                "(" => ")",
                "[" => "]",
                "{" => "}",
                "\"" => "\"",
                _ => "closing delimiter",
            };
            format!(
                "`{open}` is never closed: expected `{close}`, found {}",
                found(rest)
            )
        }
        lex::Expect::Escape => format!("invalid escape sequence at {}", found(rest)),
        lex::Expect::Unicode => format!("invalid unicode escape at {}", found(rest)),
        _ => match rest.chars().next() {
            Some(c) => format!("unexpected character `{c}`"),
            None => "unexpected end of input".to_owned(),
        },
    }
}

fn compile_error(expr: &str, errors: jaq_compile::Errors<&str, ()>) -> JqError {
    let mut messages = Vec::new();
    let mut offset = None;
    for (_, undefined) in errors {
        for (name, kind) in undefined {
            messages.push(match kind {
                jaq_compile::Undefined::Filter(arity) => {
                    format!("undefined function `{name}/{arity}`")
                }
                jaq_compile::Undefined::Var => format!("undefined variable `{name}`"),
                jaq_compile::Undefined::Mod => format!("undefined module `{name}`"),
                jaq_compile::Undefined::Label => format!("undefined label `{name}`"),
                _ => format!("undefined `{name}`"),
            });
            offset = offset.or_else(|| offset_in(expr, name));
        }
    }
    joined(messages, offset)
}

fn joined(mut messages: Vec<String>, offset: Option<usize>) -> JqError {
    messages.dedup();
    if messages.is_empty() {
        messages.push("the expression does not compile".to_owned());
    }
    JqError::new(messages.join("; "), offset)
}

/// A `serde_json` value as a jaq value (integers stay integers, however big; key order stays).
fn to_val(value: Value) -> Val {
    match value {
        Value::Null => Val::Null,
        Value::Bool(flag) => Val::Bool(flag),
        Value::Number(number) => Val::Num(to_num(&number)),
        Value::String(text) => Val::utf8_str(text.into_bytes()),
        Value::Array(items) => items.into_iter().map(to_val).collect(),
        Value::Object(map) => Val::obj(
            map.into_iter()
                .map(|(key, value)| (Val::utf8_str(key.into_bytes()), to_val(value)))
                .collect(),
        ),
    }
}

fn to_num(number: &Number) -> Num {
    if let Some(int) = number.as_i64() {
        Num::from_integral(int)
    } else if let Some(int) = number.as_u64() {
        Num::from_integral(int)
    } else if number.is_f64() {
        Num::Float(number.as_f64().unwrap_or(f64::NAN))
    } else {
        // An arbitrary-precision number (serde_json's `arbitrary_precision`): keep its text.
        match <Val as jaq_core::ValT>::from_num(&number.to_string()) {
            Ok(Val::Num(num)) => num,
            _ => Num::Float(number.as_f64().unwrap_or(f64::NAN)),
        }
    }
}

/// A jaq value as a `serde_json` value.
fn from_val(value: Val) -> Result<Value, JqError> {
    Ok(match value {
        Val::Null => Value::Null,
        Val::Bool(flag) => Value::Bool(flag),
        Val::Num(number) => from_num(&number),
        Val::TStr(bytes) | Val::BStr(bytes) => {
            Value::String(String::from_utf8_lossy(&bytes).into_owned())
        }
        Val::Arr(items) => {
            let items = Rc::try_unwrap(items).unwrap_or_else(|shared| (*shared).clone());
            Value::Array(items.into_iter().map(from_val).collect::<Result<_, _>>()?)
        }
        Val::Obj(map) => {
            let map = Rc::try_unwrap(map).unwrap_or_else(|shared| (*shared).clone());
            let mut object = Map::with_capacity(map.len());
            for (key, value) in map {
                let key = match key {
                    Val::TStr(bytes) | Val::BStr(bytes) => {
                        String::from_utf8_lossy(&bytes).into_owned()
                    }
                    other => {
                        return Err(JqError::new(
                            format!("the output has an object key `{other}` that is not a string"),
                            None,
                        ));
                    }
                };
                object.insert(key, from_val(value)?);
            }
            Value::Object(object)
        }
    })
}

fn from_num(number: &Num) -> Value {
    match number {
        Num::Int(int) => {
            i64::try_from(*int).map_or_else(|_| parse_number(&int.to_string()), Value::from)
        }
        Num::Float(float) => float_value(*float),
        // Big integers and decimals as written: exact when they fit, else the nearest float.
        other => parse_number(&other.to_string()),
    }
}

fn parse_number(text: &str) -> Value {
    serde_json::from_str::<Number>(text)
        .map(Value::Number)
        .unwrap_or_else(|_| float_value(text.parse().unwrap_or(f64::NAN)))
}

/// A float as JSON: NaN is `null` and infinities are the largest finite floats, as jq prints them.
fn float_value(float: f64) -> Value {
    let finite = if float.is_infinite() {
        f64::MAX.copysign(float)
    } else {
        float
    };
    Number::from_f64(finite).map_or(Value::Null, Value::Number)
}

/// The jq fields of a change, each with its pointer in the change's body (`/up`).
pub fn expressions(change: &Change) -> Vec<(String, &Jq)> {
    let fields: Vec<(&str, Option<&Jq>)> = match change {
        Change::RemoveField(change) => vec![("/down", change.down.as_ref())],
        Change::ChangeField(change) => {
            vec![("/up", change.up.as_ref()), ("/down", change.down.as_ref())]
        }
        Change::SplitField(change) => {
            vec![("/up", Some(&change.up)), ("/down", Some(&change.down))]
        }
        Change::MergeFields(change) => {
            vec![("/up", Some(&change.up)), ("/down", Some(&change.down))]
        }
        Change::SetRequest(change) => vec![("/up", change.up.as_ref())],
        Change::SetResponse(change) => vec![("/down", change.down.as_ref())],
        Change::ChangeError(change) => vec![("/down", change.down.as_ref())],
        Change::Custom(change) => {
            vec![("/up", change.up.as_ref()), ("/down", change.down.as_ref())]
        }
        Change::AddType(_)
        | Change::RemoveType(_)
        | Change::RenameType(_)
        | Change::AddField(_)
        | Change::RenameField(_)
        | Change::MakeRequired(_)
        | Change::MakeOptional(_)
        | Change::AddEnumValue(_)
        | Change::RemoveEnumValue(_)
        | Change::MoveField(_)
        | Change::AddEndpoint(_)
        | Change::RemoveEndpoint(_)
        | Change::ChangePath(_)
        | Change::ChangeMethod(_)
        | Change::AddMethod(_)
        | Change::RemoveMethod(_)
        | Change::AddParam(_)
        | Change::RemoveParam(_)
        | Change::RenameParam(_)
        | Change::RemoveResponse(_)
        | Change::ChangeStatus(_)
        | Change::SetLifecycle(_) => Vec::new(),
    };
    fields
        .into_iter()
        .filter_map(|(pointer, jq)| jq.map(|jq| (pointer.to_owned(), jq)))
        .collect()
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn run(expr: &str, input: Value) -> Result<Value, JqError> {
        compile(expr)?.run(input)
    }

    #[test]
    fn programs_are_send_sync_and_cheap_to_clone() {
        fn assert_send_sync<T: Send + Sync + Clone>() {}
        assert_send_sync::<JqProgram>();
        let program = compile(".a").unwrap();
        let copy = program.clone();
        assert!(Arc::ptr_eq(&program.inner, &copy.inner));
        assert_eq!(copy.source(), ".a");
    }

    #[test]
    fn undefined_names_are_reported_with_their_offset() {
        let error = compile(".name | lenght").unwrap_err();
        assert_eq!(error.message, "undefined function `lenght/0`");
        assert_eq!(error.offset, Some(8));
        let error = compile("$nope").unwrap_err();
        assert_eq!(
            (error.message.as_str(), error.offset),
            ("undefined variable `$nope`", Some(0))
        );
    }

    #[test]
    fn syntax_errors_say_what_was_expected() {
        let error = compile(".a | )").unwrap_err();
        assert_eq!(error.message, "unexpected character `)`");
        assert_eq!(error.offset, Some(5));
        let error = compile("if . then 1").unwrap_err();
        assert_eq!(error.message, "expected else or end, found end of input");
        let error = compile("(.a").unwrap_err();
        assert!(error.message.contains("`(` is never closed"), "{error}");
        let error = compile(".a |").unwrap_err();
        assert_eq!(error.message, "expected term, found end of input");
        assert!(compile("import \"x\" as x; .").is_err());
    }

    #[test]
    fn runtime_errors_and_empty_output_are_errors() {
        let error = run(". + 1", json!("a")).unwrap_err();
        assert!(error.message.contains("cannot"), "{error}");
        assert_eq!(error.offset, None);
        assert_eq!(
            run("error(\"no way\")", json!(null)).unwrap_err().message,
            "no way"
        );
        assert_eq!(
            run("empty", json!(1)).unwrap_err().message,
            "the expression gave no output"
        );
        assert!(run("halt", json!(1)).unwrap_err().message.contains("halt"));
        assert!(
            run("{(1): 2}", json!(null))
                .unwrap_err()
                .message
                .contains("not a string")
        );
    }

    #[test]
    fn the_first_output_is_the_result() {
        assert_eq!(run(".[]", json!([3, 4])).unwrap(), json!(3));
    }

    #[test]
    fn design_examples_run() {
        assert_eq!(
            run("(. * 100 | round | tostring)", json!(12.34)).unwrap(),
            json!("1234")
        );
        assert_eq!(
            run("(tonumber / 100)", json!("1234")).unwrap(),
            json!(12.34)
        );
        let ranges = json!({"ranges": [{"from": 5, "to": 9}, {"from": 1, "to": 3}]});
        assert_eq!(
            run(".ranges |= sort_by(.from)", ranges).unwrap(),
            json!({"ranges": [{"from": 1, "to": 3}, {"from": 5, "to": 9}]})
        );
        let user = json!({"first": "Ada", "last": "Lovelace", "id": 7});
        assert_eq!(
            run("{id, name: \"\\(.first) \\(.last)\"}", user).unwrap(),
            json!({"id": 7, "name": "Ada Lovelace"})
        );
        assert_eq!(run("tonumber", json!("42")).unwrap(), json!(42));
        assert!(run("tonumber", json!("forty-two")).is_err());
    }

    #[test]
    fn values_survive_the_round_trip() {
        let value = json!({
            "z": 1, "a": [true, null, "text"], "m": {"y": 2, "b": 3},
            "big": 18_446_744_073_709_551_615_u64, "small": -9_223_372_036_854_775_808_i64,
            "float": 0.1, "exp": 1.5e300
        });
        let out = run(".", value.clone()).unwrap();
        assert_eq!(out, value);
        let keys: Vec<&String> = out
            .as_object()
            .map(|map| map.keys().collect())
            .unwrap_or_default();
        assert_eq!(
            keys,
            ["z", "a", "m", "big", "small", "float", "exp"],
            "key order is kept"
        );
        assert_eq!(
            run(".big + 0", value.clone()).unwrap(),
            json!(18_446_744_073_709_551_615_u64)
        );
        assert_eq!(
            run(".small - 1", value).unwrap(),
            json!(-9_223_372_036_854_775_809.0)
        );
        assert_eq!(run("infinite", json!(null)).unwrap(), json!(f64::MAX));
        assert_eq!(run("nan", json!(null)).unwrap(), Value::Null);
    }

    #[test]
    fn expressions_lists_the_jq_fields_of_a_change() {
        let change: Change = serde_json::from_value(json!({"change_field": {
            "type": "Order", "field": "amount", "schema": {}, "up": ". * 100", "down": ". / 100"
        }}))
        .unwrap();
        let found: Vec<(String, &str)> = expressions(&change)
            .into_iter()
            .map(|(p, jq)| (p, jq.0.as_str()))
            .collect();
        assert_eq!(
            found,
            [
                ("/up".to_owned(), ". * 100"),
                ("/down".to_owned(), ". / 100")
            ]
        );
        let change: Change =
            serde_json::from_value(json!({"rename_field": {"type": "A", "from": "a", "to": "b"}}))
                .unwrap();
        assert!(expressions(&change).is_empty());
    }
}
