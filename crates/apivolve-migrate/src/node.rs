//! The migration's JSON tree: strings and property names borrowed from the payload's bytes (or
//! from the plan), numbers kept as their text, objects as lists of properties.
//!
//! Building `serde_json::Value` from a payload costs an allocation per property name and per
//! string and a hash per name; this tree costs one allocation per object and array, and writing
//! it back copies the borrowed text as it was. A borrowed string is one that needs no escape
//! (no `"`, `\` or control character), so it is written between quotes unchanged; a string that
//! had or needs escapes is owned and escaped as `serde_json` escapes it.
//!
//! Numbers are written as they came: where `serde_json` would have re-written one (`1E2` as
//! `100.0`, `-0` as `-0.0`, an integer beyond 64 bits as a float), the text differs, but it
//! reads as the same number.

use std::borrow::Cow;

use serde_json::Value;

use crate::error::{Error, Result};
use crate::transform::{Native, Transform, integer_text};
use crate::tree::{Kind, Object, Tree};

/// A JSON value that borrows from the text it was read from.
#[derive(Clone, Debug)]
pub(crate) enum Node<'a> {
    Null,
    Bool(bool),
    /// The number's JSON text.
    Number(Cow<'a, str>),
    /// Borrowed: needs no escape. Owned: escaped when written.
    String(Cow<'a, str>),
    Array(Vec<Node<'a>>),
    Object(Members<'a>),
}

/// The properties of an object, in order, names unique.
#[derive(Clone, Debug, Default)]
pub(crate) struct Members<'a> {
    pub(crate) entries: Vec<(Cow<'a, str>, Node<'a>)>,
}

impl<'a> Members<'a> {
    fn position(&self, key: &str) -> Option<usize> {
        self.entries.iter().position(|(name, _)| is_name(name, key))
    }
}

/// `name == key`, told apart by length and first and last bytes before the bytes are compared
/// (a lookup compares a name with most of an object's names: most differ there).
#[inline]
fn is_name(name: &str, key: &str) -> bool {
    let (name, key) = (name.as_bytes(), key.as_bytes());
    name.len() == key.len()
        && name.first() == key.first()
        && name.last() == key.last()
        && name == key
}

/// Whether `text` must be escaped in JSON (`"`, `\`, control characters).
fn needs_escape(text: &str) -> bool {
    text.bytes()
        .any(|byte| byte == b'"' || byte == b'\\' || byte < 0x20)
}

/// `text` as a tree string: borrowed when it needs no escape.
pub(crate) fn text(text: &str) -> Cow<'_, str> {
    if needs_escape(text) {
        Cow::Owned(text.to_owned())
    } else {
        Cow::Borrowed(text)
    }
}

impl<'a> Node<'a> {
    /// A tree of `value`, borrowing its strings.
    pub(crate) fn of(value: &'a Value) -> Self {
        match value {
            Value::Null => Self::Null,
            Value::Bool(flag) => Self::Bool(*flag),
            Value::Number(number) => Self::Number(Cow::Owned(number.to_string())),
            Value::String(string) => Self::String(text(string)),
            Value::Array(items) => Self::Array(items.iter().map(Self::of).collect()),
            Value::Object(map) => Self::Object(Members {
                entries: map
                    .iter()
                    .map(|(name, value)| (text(name), Self::of(value)))
                    .collect(),
            }),
        }
    }

    /// A tree of `value`, owning it.
    pub(crate) fn owned(value: Value) -> Self {
        match value {
            Value::Null => Self::Null,
            Value::Bool(flag) => Self::Bool(flag),
            Value::Number(number) => Self::Number(Cow::Owned(number.to_string())),
            Value::String(string) => Self::String(Cow::Owned(string)),
            Value::Array(items) => Self::Array(items.into_iter().map(Self::owned).collect()),
            Value::Object(map) => Self::Object(Members {
                entries: map
                    .into_iter()
                    .map(|(name, value)| (Cow::Owned(name), Self::owned(value)))
                    .collect(),
            }),
        }
    }

    /// The `serde_json` value of the tree (numbers read as `serde_json` reads them).
    pub(crate) fn to_value(&self) -> Result<Value> {
        Ok(match self {
            Self::Null => Value::Null,
            Self::Bool(flag) => Value::Bool(*flag),
            Self::Number(raw) => Value::Number(number(raw)?),
            Self::String(string) => Value::String(string.as_ref().to_owned()),
            Self::Array(items) => {
                Value::Array(items.iter().map(Self::to_value).collect::<Result<_>>()?)
            }
            Self::Object(members) => Value::Object(members_value(members)?),
        })
    }

    /// The text of a string.
    pub(crate) fn as_str(&self) -> Option<&str> {
        match self {
            Self::String(string) => Some(string),
            _ => None,
        }
    }

    /// Appends the JSON text of the tree to `out`.
    pub(crate) fn write(&self, out: &mut Vec<u8>) {
        match self {
            Self::Null => out.extend_from_slice(b"null"),
            Self::Bool(true) => out.extend_from_slice(b"true"),
            Self::Bool(false) => out.extend_from_slice(b"false"),
            Self::Number(raw) => out.extend_from_slice(raw.as_bytes()),
            Self::String(string) => write_string(string, out),
            Self::Array(items) => {
                out.push(b'[');
                for (index, item) in items.iter().enumerate() {
                    if index > 0 {
                        out.push(b',');
                    }
                    item.write(out);
                }
                out.push(b']');
            }
            Self::Object(members) => {
                out.push(b'{');
                for (index, (name, value)) in members.entries.iter().enumerate() {
                    if index > 0 {
                        out.push(b',');
                    }
                    write_string(name, out);
                    out.push(b':');
                    value.write(out);
                }
                out.push(b'}');
            }
        }
    }
}

fn members_value(members: &Members<'_>) -> Result<serde_json::Map<String, Value>> {
    members
        .entries
        .iter()
        .map(|(name, value)| Ok((name.as_ref().to_owned(), value.to_value()?)))
        .collect()
}

/// A number's text as `serde_json` reads it.
fn number(raw: &str) -> Result<serde_json::Number> {
    serde_json::from_str(raw).map_err(|error| Error::InvalidJson {
        message: format!("the number `{raw}` cannot be read: {error}"),
    })
}

/// A string as `serde_json` writes it: borrowed text as it is, owned text escaped.
#[allow(clippy::ptr_arg)] // Whether it is borrowed is what matters.
pub(crate) fn write_string(string: &Cow<'_, str>, out: &mut Vec<u8>) {
    out.push(b'"');
    match string {
        Cow::Borrowed(text) => out.extend_from_slice(text.as_bytes()),
        Cow::Owned(text) => escape(text, out),
    }
    out.push(b'"');
}

/// `serde_json`'s escapes: `\"`, `\\`, `\b`, `\f`, `\n`, `\r`, `\t`, other control characters
/// as `\u00xx`.
pub(crate) fn escape(text: &str, out: &mut Vec<u8>) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let bytes = text.as_bytes();
    let mut start = 0;
    for (index, &byte) in bytes.iter().enumerate() {
        let escaped: &[u8] = match byte {
            b'"' => b"\\\"",
            b'\\' => b"\\\\",
            0x08 => b"\\b",
            0x0C => b"\\f",
            b'\n' => b"\\n",
            b'\r' => b"\\r",
            b'\t' => b"\\t",
            0..0x20 => &[
                b'\\',
                b'u',
                b'0',
                b'0',
                HEX[usize::from(byte >> 4)],
                HEX[usize::from(byte & 0xF)],
            ],
            _ => continue,
        };
        out.extend_from_slice(&bytes[start..index]);
        out.extend_from_slice(escaped);
        start = index + 1;
    }
    out.extend_from_slice(&bytes[start..]);
}

/// The integer of a number's text, when `serde_json` reads it as one (`-0` is a float there).
fn integer_number(raw: &str) -> Option<i64> {
    let digits = raw.strip_prefix('-').unwrap_or(raw);
    if digits.is_empty() || !digits.bytes().all(|byte| byte.is_ascii_digit()) || raw == "-0" {
        return None;
    }
    raw.parse().ok()
}

/// The native conversions of [`Native`] on the tree: `None` where jq must decide, `Some(None)`
/// where the value stays as it is. A canonical integer (what both conversions accept) has the
/// same text as a string and as a number, so the text moves over as it is.
fn native<'k>(native: Native, node: &Node<'k>) -> Option<Option<Node<'k>>> {
    const MAX_EXACT: u64 = 1 << 53;
    let exact =
        |raw: &str| integer_number(raw).is_some_and(|integer| integer.unsigned_abs() <= MAX_EXACT);
    match (native, node) {
        (Native::ToString, Node::String(_)) => Some(None),
        (Native::ToNumber, Node::Number(raw)) if exact(raw) => Some(None),
        (Native::ToString, Node::Number(raw)) if exact(raw) => {
            Some(Some(Node::String(raw.clone())))
        }
        (Native::ToNumber, Node::String(text)) if integer_text(text).is_some() => {
            Some(Some(Node::Number(text.clone())))
        }
        _ => None,
    }
}

impl<'k> Tree<'k> for Node<'k> {
    type Map = Members<'k>;

    fn kind(&self) -> Kind {
        match self {
            Self::Null => Kind::Null,
            Self::Bool(_) => Kind::Bool,
            Self::Number(_) => Kind::Number,
            Self::String(_) => Kind::String,
            Self::Array(_) => Kind::Array,
            Self::Object(_) => Kind::Object,
        }
    }

    fn is_integer(&self) -> bool {
        match self {
            Self::Number(raw) => {
                !raw.contains(['.', 'e', 'E'])
                    || raw.parse::<f64>().is_ok_and(|float| float.fract() == 0.0)
            }
            _ => false,
        }
    }

    fn as_object(&self) -> Option<&Self::Map> {
        match self {
            Self::Object(members) => Some(members),
            _ => None,
        }
    }

    fn as_object_mut(&mut self) -> Option<&mut Self::Map> {
        match self {
            Self::Object(members) => Some(members),
            _ => None,
        }
    }

    fn as_array_mut(&mut self) -> Option<&mut Vec<Self>> {
        match self {
            Self::Array(items) => Some(items),
            _ => None,
        }
    }

    fn equals(&self, other: &Value) -> bool {
        match (self, other) {
            (Self::Null, Value::Null) => true,
            (Self::Bool(a), Value::Bool(b)) => a == b,
            (Self::Number(raw), Value::Number(number)) => {
                serde_json::from_str::<serde_json::Number>(raw).is_ok_and(|own| own == *number)
            }
            (Self::String(a), Value::String(b)) => a == b,
            (Self::Array(items), Value::Array(others)) => {
                items.len() == others.len()
                    && items
                        .iter()
                        .zip(others)
                        .all(|(item, other)| item.equals(other))
            }
            (Self::Object(members), Value::Object(map)) => {
                members.entries.len() == map.len()
                    && members.entries.iter().all(|(name, value)| {
                        map.get(name.as_ref())
                            .is_some_and(|other| value.equals(other))
                    })
            }
            _ => false,
        }
    }

    fn assign(&mut self, value: &'k Value) {
        *self = Node::of(value);
    }

    fn copy_of(value: &'k Value) -> Self {
        Node::of(value)
    }

    fn empty_object() -> Self {
        Self::Object(Members::default())
    }

    fn transform(&mut self, transform: &Transform) -> Result<()> {
        if let Some(kind) = transform.native()
            && let Some(converted) = native(kind, self)
        {
            if let Some(converted) = converted {
                *self = converted;
            }
            return Ok(());
        }
        let output = transform.run(self.to_value()?)?;
        *self = Node::owned(output);
        Ok(())
    }

    fn object_value(object: &Self::Map) -> Result<Value> {
        Ok(Value::Object(members_value(object)?))
    }

    fn from_output(value: Value) -> Self {
        Node::owned(value)
    }
}

impl<'k> Object<'k, Node<'k>> for Members<'k> {
    fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    fn get(&self, key: &str) -> Option<&Node<'k>> {
        self.entries
            .iter()
            .find(|(name, _)| is_name(name, key))
            .map(|(_, value)| value)
    }

    fn get_mut(&mut self, key: &str) -> Option<&mut Node<'k>> {
        self.entries
            .iter_mut()
            .find(|(name, _)| is_name(name, key))
            .map(|(_, value)| value)
    }

    fn remove(&mut self, key: &str) -> Option<Node<'k>> {
        let index = self.position(key)?;
        Some(self.entries.remove(index).1)
    }

    fn rename(&mut self, from: &str, to: &'k str) {
        let Some(index) = self.position(from) else {
            return;
        };
        match self.position(to).filter(|other| *other != index) {
            // `to` exists: its value is replaced in place, `from` goes.
            Some(_) => {
                let (_, value) = self.entries.remove(index);
                self.insert(to, value);
            }
            // Removed and inserted anew: last.
            None => {
                self.entries[index..].rotate_left(1);
                if let Some(last) = self.entries.last_mut() {
                    last.0 = text(to);
                }
            }
        }
    }

    fn insert(&mut self, key: &'k str, value: Node<'k>) {
        match self.position(key) {
            Some(index) => self.entries[index].1 = value,
            None => self.entries.push((text(key), value)),
        }
    }

    fn entry_object(&mut self, key: &'k str) -> &mut Node<'k> {
        let index = match self.position(key) {
            Some(index) => index,
            None => {
                self.entries.push((text(key), Node::empty_object()));
                self.entries.len() - 1
            }
        };
        &mut self.entries[index].1
    }

    fn keys(&self) -> impl Iterator<Item = &str> {
        self.entries.iter().map(|(name, _)| name.as_ref())
    }

    fn iter_mut<'a>(&'a mut self) -> impl Iterator<Item = (&'a str, &'a mut Node<'k>)>
    where
        Node<'k>: 'a,
    {
        self.entries.iter_mut().map(|(name, value)| {
            let name: &Cow<'k, str> = name;
            (name.as_ref(), value)
        })
    }
}
