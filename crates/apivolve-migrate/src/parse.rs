//! Reads JSON text into a [`Node`] tree that borrows from it.
//!
//! It accepts what `serde_json::from_slice` accepts, and nothing else: UTF-8, RFC 8259's grammar,
//! no lone surrogates in `\u` escapes, numbers a 64-bit float holds (an integer beyond 64 bits
//! reads as a float there, `1e400` is an error), at most [`MAX_DEPTH`] nested arrays and objects
//! (`serde_json`'s recursion limit). A property given twice keeps the last value at the first
//! position, as in `serde_json`'s order-preserving map.

use std::borrow::Cow;
use std::hash::BuildHasher as _;

use crate::error::{Error, Result};
use crate::node::{Members, Node};

/// How deeply arrays and objects may nest: `serde_json`'s default recursion limit refuses the
/// 128th level.
pub(crate) const MAX_DEPTH: usize = 127;

/// The tree of the JSON text `bytes`.
pub(crate) fn parse(bytes: &[u8]) -> Result<Node<'_>> {
    let mut parser = Parser::new(bytes)?;
    parser.whitespace();
    let node = parser.value()?;
    parser.end()?;
    Ok(node)
}

/// A 64-bit hash of a property name's text, to tell names apart without comparing them.
pub(crate) fn name_hash64(name: &[u8]) -> u64 {
    foldhash::fast::FixedState::with_seed(0x5eed).hash_one(name)
}

/// The names of one object being read ([`Parser::note_name`]): where they start on the
/// parser's stack of names, and one bit per name by its hash.
pub(crate) struct ObjectNames {
    mark: usize,
    seen: u128,
}

/// Reads JSON text: into a [`Node`] tree ([`Parser::value`]), or past a value without building
/// it ([`Parser::skip`]), for a reader that builds only the parts it needs.
pub(crate) struct Parser<'a> {
    text: &'a str,
    bytes: &'a [u8],
    at: usize,
    depth: usize,
    /// The items of the arrays being read, innermost last: each array is allocated once, at its
    /// end, at its size.
    items: Vec<Node<'a>>,
    /// The same for the properties of objects.
    members: Vec<(Cow<'a, str>, Node<'a>)>,
    /// The name hashes of the objects being read, innermost last.
    names: Vec<u64>,
}

impl<'a> Parser<'a> {
    /// A reader at the start of `bytes`, which must be UTF-8.
    pub(crate) fn new(bytes: &'a [u8]) -> Result<Self> {
        let text = std::str::from_utf8(bytes).map_err(|error| Error::InvalidJson {
            message: format!("not valid UTF-8 at byte {}", error.valid_up_to()),
        })?;
        Ok(Self {
            text,
            bytes,
            at: 0,
            depth: 0,
            items: Vec::new(),
            members: Vec::new(),
            names: Vec::new(),
        })
    }

    /// The position, in bytes.
    pub(crate) fn at(&self) -> usize {
        self.at
    }

    /// The text from `from` to the position.
    pub(crate) fn since(&self, from: usize) -> &'a str {
        self.text.get(from..self.at).unwrap_or_default()
    }

    /// Whitespace, then the end of the text.
    pub(crate) fn end(&mut self) -> Result<()> {
        self.whitespace();
        if self.at < self.bytes.len() {
            return Err(self.error("trailing characters"));
        }
        Ok(())
    }

    /// Past `byte`, which must come next.
    pub(crate) fn expect(&mut self, byte: u8) -> Result<()> {
        if self.peek() == Some(byte) {
            self.at += 1;
            Ok(())
        } else {
            Err(self.error("unexpected input"))
        }
    }

    /// Past the `{` or `[` that comes next, one level deeper.
    pub(crate) fn enter(&mut self) -> Result<()> {
        if self.depth >= MAX_DEPTH {
            return Err(self.error("nested too deeply"));
        }
        self.depth += 1;
        self.at += 1;
        Ok(())
    }

    /// Back out of a level [`Parser::enter`] went into.
    pub(crate) fn leave(&mut self) {
        self.depth -= 1;
    }

    /// Reads past one value, checked as [`Parser::value`] checks it, without building it:
    /// whether its text is the one [`Node::write`] gives for it (no whitespace, no escape, no
    /// name given twice in an object).
    pub(crate) fn skip(&mut self) -> Result<bool> {
        match self.peek() {
            Some(b'{') => {
                self.enter()?;
                let canonical = self.skip_object();
                self.leave();
                canonical
            }
            Some(b'[') => {
                self.enter()?;
                let canonical = self.skip_array();
                self.leave();
                canonical
            }
            Some(b'"') => {
                self.at += 1;
                self.skip_string()
            }
            Some(b'n') => self.literal(b"null", Node::Null).map(|_| true),
            Some(b't') => self.literal(b"true", Node::Bool(true)).map(|_| true),
            Some(b'f') => self.literal(b"false", Node::Bool(false)).map(|_| true),
            Some(b'-' | b'0'..=b'9') => self.number().map(|_| true),
            Some(_) => Err(self.error("expected a value")),
            None => Err(self.error("unexpected end of input")),
        }
    }

    /// After the opening `"`: past the string; whether it has no escape.
    pub(crate) fn skip_string(&mut self) -> Result<bool> {
        let rest = self.bytes.get(self.at..).unwrap_or_default();
        match rest
            .iter()
            .position(|&byte| byte == b'"' || byte == b'\\' || byte < 0x20)
        {
            Some(end) if rest[end] == b'"' => {
                self.at += end + 1;
                Ok(true)
            }
            _ => self.string().map(|_| false),
        }
    }

    /// After `[`.
    fn skip_array(&mut self) -> Result<bool> {
        let mut canonical = !self.whitespace();
        if self.peek() == Some(b']') {
            self.at += 1;
            return Ok(canonical);
        }
        loop {
            canonical &= !self.whitespace();
            canonical &= self.skip()?;
            canonical &= !self.whitespace();
            match self.peek() {
                Some(b',') => self.at += 1,
                Some(b']') => {
                    self.at += 1;
                    return Ok(canonical);
                }
                None => return Err(self.error("unexpected end of input")),
                Some(_) => return Err(self.error("expected `,` or `]`")),
            }
        }
    }

    /// After `{`.
    fn skip_object(&mut self) -> Result<bool> {
        let canonical = !self.whitespace();
        if self.peek() == Some(b'}') {
            self.at += 1;
            return Ok(canonical);
        }
        let mut names = self.object_names();
        let result = self.skip_members(&mut names, canonical);
        self.end_names(names);
        result
    }

    /// The members of an object after `{`, up to its `}`.
    fn skip_members(&mut self, names: &mut ObjectNames, mut canonical: bool) -> Result<bool> {
        loop {
            canonical &= !self.whitespace();
            self.expect(b'"')?;
            let start = self.at;
            canonical &= self.skip_string()?;
            // A name given twice (or two names of one hash): the tree's text differs, or may.
            canonical &= self.note_name(names, name_hash64(self.since(start).as_bytes()));
            canonical &= !self.whitespace();
            self.expect(b':')?;
            canonical &= !self.whitespace();
            canonical &= self.skip()?;
            canonical &= !self.whitespace();
            match self.peek() {
                Some(b',') => self.at += 1,
                Some(b'}') => {
                    self.at += 1;
                    return Ok(canonical);
                }
                None => return Err(self.error("unexpected end of input")),
                Some(_) => return Err(self.error("expected `,` or `}`")),
            }
        }
    }

    /// The names of an object about to be read, for [`Parser::note_name`].
    pub(crate) fn object_names(&self) -> ObjectNames {
        ObjectNames {
            mark: self.names.len(),
            seen: 0,
        }
    }

    /// Notes the name of `hash` in the object of `names`: whether it is new there (not for a
    /// name given twice, nor for the second of two names of one hash).
    pub(crate) fn note_name(&mut self, names: &mut ObjectNames, hash: u64) -> bool {
        // One bit per name seen, by its hash: a name whose bit is clear is new without a search.
        let bit = 1u128 << (hash % 128);
        let new = names.seen & bit == 0 || !self.names[names.mark..].contains(&hash);
        names.seen |= bit;
        self.names.push(hash);
        new
    }

    /// Forgets the names of an object read.
    pub(crate) fn end_names(&mut self, names: ObjectNames) {
        self.names.truncate(names.mark);
    }

    fn error(&self, what: &str) -> Error {
        Error::InvalidJson {
            message: format!("{what} at byte {}", self.at),
        }
    }

    pub(crate) fn peek(&self) -> Option<u8> {
        self.bytes.get(self.at).copied()
    }

    /// Past any whitespace; whether there was some.
    pub(crate) fn whitespace(&mut self) -> bool {
        let start = self.at;
        while let Some(b' ' | b'\n' | b'\t' | b'\r') = self.peek() {
            self.at += 1;
        }
        self.at > start
    }

    /// The text between two positions at ASCII bytes (always char boundaries).
    fn slice(&self, from: usize, to: usize) -> Result<&'a str> {
        self.text
            .get(from..to)
            .ok_or_else(|| self.error("a broken character"))
    }

    fn literal(&mut self, word: &[u8], node: Node<'a>) -> Result<Node<'a>> {
        if self.bytes.get(self.at..self.at + word.len()) == Some(word) {
            self.at += word.len();
            Ok(node)
        } else {
            Err(self.error("expected a value"))
        }
    }

    pub(crate) fn value(&mut self) -> Result<Node<'a>> {
        match self.peek() {
            None => Err(self.error("unexpected end of input")),
            Some(b'{') => self.nested(Self::object),
            Some(b'[') => self.nested(Self::array),
            Some(b'"') => {
                self.at += 1;
                Ok(Node::String(self.string()?))
            }
            Some(b'n') => self.literal(b"null", Node::Null),
            Some(b't') => self.literal(b"true", Node::Bool(true)),
            Some(b'f') => self.literal(b"false", Node::Bool(false)),
            Some(b'-' | b'0'..=b'9') => self.number(),
            Some(_) => Err(self.error("expected a value")),
        }
    }

    fn nested(&mut self, read: fn(&mut Self) -> Result<Node<'a>>) -> Result<Node<'a>> {
        if self.depth >= MAX_DEPTH {
            return Err(self.error("nested too deeply"));
        }
        self.depth += 1;
        self.at += 1;
        let node = read(self);
        self.depth -= 1;
        node
    }

    /// After `[`.
    fn array(&mut self) -> Result<Node<'a>> {
        self.whitespace();
        if self.peek() == Some(b']') {
            self.at += 1;
            return Ok(Node::Array(Vec::new()));
        }
        let start = self.items.len();
        loop {
            self.whitespace();
            let item = self.value()?;
            self.items.push(item);
            self.whitespace();
            match self.peek() {
                Some(b',') => self.at += 1,
                Some(b']') => {
                    self.at += 1;
                    return Ok(Node::Array(self.items.drain(start..).collect()));
                }
                None => return Err(self.error("unexpected end of input")),
                Some(_) => return Err(self.error("expected `,` or `]`")),
            }
        }
    }

    /// After `{`.
    fn object(&mut self) -> Result<Node<'a>> {
        // One bit per name seen, by a cheap hash of the name: a name whose bit is clear is new
        // without a search.
        let mut seen: u128 = 0;
        self.whitespace();
        if self.peek() == Some(b'}') {
            self.at += 1;
            return Ok(Node::Object(Members::default()));
        }
        let start = self.members.len();
        loop {
            self.whitespace();
            match self.peek() {
                Some(b'"') => self.at += 1,
                None => return Err(self.error("unexpected end of input")),
                Some(_) => return Err(self.error("expected a property name")),
            }
            let name = self.string()?;
            self.whitespace();
            match self.peek() {
                Some(b':') => self.at += 1,
                None => return Err(self.error("unexpected end of input")),
                Some(_) => return Err(self.error("expected `:`")),
            }
            self.whitespace();
            let value = self.value()?;
            let bit = 1u128 << (name_hash(&name) % 128);
            let known = if seen & bit == 0 {
                None
            } else {
                self.members[start..]
                    .iter_mut()
                    .find(|(known, _)| *known == name)
            };
            match known {
                Some((_, slot)) => *slot = value,
                None => self.members.push((name, value)),
            }
            seen |= bit;
            self.whitespace();
            match self.peek() {
                Some(b',') => self.at += 1,
                Some(b'}') => {
                    self.at += 1;
                    return Ok(Node::Object(Members {
                        entries: self.members.drain(start..).collect(),
                    }));
                }
                None => return Err(self.error("unexpected end of input")),
                Some(_) => return Err(self.error("expected `,` or `}`")),
            }
        }
    }

    /// After the opening `"`: the string, borrowed when it has no escape.
    pub(crate) fn string(&mut self) -> Result<Cow<'a, str>> {
        let start = self.at;
        // To the first byte that ends or escapes the string, or must not be in it.
        let rest = self.bytes.get(start..).unwrap_or_default();
        self.at += rest
            .iter()
            .position(|&byte| byte == b'"' || byte == b'\\' || byte < 0x20)
            .unwrap_or(rest.len());
        loop {
            match self.peek() {
                Some(b'"') => {
                    let text = self.slice(start, self.at)?;
                    self.at += 1;
                    return Ok(Cow::Borrowed(text));
                }
                Some(b'\\') => {
                    let mut owned = self.slice(start, self.at)?.to_owned();
                    self.escaped(&mut owned)?;
                    return Ok(Cow::Owned(owned));
                }
                Some(0..0x20) => return Err(self.error("a control character in a string")),
                Some(_) => self.at += 1,
                None => return Err(self.error("unexpected end of input in a string")),
            }
        }
    }

    /// The rest of a string from its first `\`, decoded into `owned`.
    fn escaped(&mut self, owned: &mut String) -> Result<()> {
        loop {
            let start = self.at;
            while let Some(byte) = self.peek()
                && byte != b'"'
                && byte != b'\\'
                && byte >= 0x20
            {
                self.at += 1;
            }
            owned.push_str(self.slice(start, self.at)?);
            match self.peek() {
                Some(b'"') => {
                    self.at += 1;
                    return Ok(());
                }
                Some(b'\\') => {
                    self.at += 1;
                    self.escape(owned)?;
                }
                Some(_) => return Err(self.error("a control character in a string")),
                None => return Err(self.error("unexpected end of input in a string")),
            }
        }
    }

    /// After a `\`.
    fn escape(&mut self, owned: &mut String) -> Result<()> {
        let Some(byte) = self.peek() else {
            return Err(self.error("unexpected end of input in a string"));
        };
        self.at += 1;
        let decoded = match byte {
            b'"' => '"',
            b'\\' => '\\',
            b'/' => '/',
            b'b' => '\u{8}',
            b'f' => '\u{c}',
            b'n' => '\n',
            b'r' => '\r',
            b't' => '\t',
            b'u' => self.unicode()?,
            _ => return Err(self.error("an invalid escape")),
        };
        owned.push(decoded);
        Ok(())
    }

    /// After `\u`: a character, from a surrogate pair where it takes two escapes.
    fn unicode(&mut self) -> Result<char> {
        let first = self.hex()?;
        let code = match first {
            0xDC00..=0xDFFF => return Err(self.error("a lone surrogate in an escape")),
            0xD800..=0xDBFF => {
                if self.bytes.get(self.at..self.at + 2) != Some(b"\\u") {
                    return Err(self.error("a lone surrogate in an escape"));
                }
                self.at += 2;
                let second = self.hex()?;
                if !(0xDC00..=0xDFFF).contains(&second) {
                    return Err(self.error("a lone surrogate in an escape"));
                }
                0x10000 + ((u32::from(first) - 0xD800) << 10) + (u32::from(second) - 0xDC00)
            }
            _ => u32::from(first),
        };
        char::from_u32(code).ok_or_else(|| self.error("an invalid escape"))
    }

    fn hex(&mut self) -> Result<u16> {
        let mut code = 0u16;
        for _ in 0..4 {
            let digit = self
                .peek()
                .and_then(|byte| char::from(byte).to_digit(16))
                .ok_or_else(|| self.error("an invalid `\\u` escape"))?;
            self.at += 1;
            code = (code << 4) | digit as u16;
        }
        Ok(code)
    }

    fn digits(&mut self) -> usize {
        let start = self.at;
        while let Some(b'0'..=b'9') = self.peek() {
            self.at += 1;
        }
        self.at - start
    }

    fn number(&mut self) -> Result<Node<'a>> {
        let start = self.at;
        if self.peek() == Some(b'-') {
            self.at += 1;
        }
        match self.peek() {
            Some(b'0') => self.at += 1,
            Some(b'1'..=b'9') => {
                self.digits();
            }
            _ => return Err(self.error("an invalid number")),
        }
        let mut float = false;
        if self.peek() == Some(b'.') {
            self.at += 1;
            float = true;
            if self.digits() == 0 {
                return Err(self.error("an invalid number"));
            }
        }
        if let Some(b'e' | b'E') = self.peek() {
            self.at += 1;
            float = true;
            if let Some(b'+' | b'-') = self.peek() {
                self.at += 1;
            }
            if self.digits() == 0 {
                return Err(self.error("an invalid number"));
            }
        }
        let raw = self.slice(start, self.at)?;
        // Only a float, or an integer of hundreds of digits, can be out of a float's range.
        if (float || raw.len() > 300) && !raw.parse::<f64>().is_ok_and(f64::is_finite) {
            return Err(Error::InvalidJson {
                message: format!("number out of range at byte {start}"),
            });
        }
        Ok(Node::Number(Cow::Borrowed(raw)))
    }
}

/// A cheap hash of a property name (its length and its first and last bytes).
fn name_hash(name: &str) -> u32 {
    let bytes = name.as_bytes();
    let first = bytes.first().copied().unwrap_or_default();
    let last = bytes.last().copied().unwrap_or_default();
    (bytes.len() as u32)
        .wrapping_mul(31)
        .wrapping_add(u32::from(first).wrapping_mul(7))
        .wrapping_add(u32::from(last))
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;
    use serde_json::{Value, json};

    use super::*;

    fn value(text: &str) -> Value {
        parse(text.as_bytes()).unwrap().to_value().unwrap()
    }

    fn written(text: &str) -> String {
        let mut out = Vec::new();
        parse(text.as_bytes()).unwrap().write(&mut out);
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn strings_without_escapes_are_borrowed() {
        let node = parse(br#"{"name": "Ada", "note": "a\nb"}"#).unwrap();
        let Node::Object(members) = node else {
            panic!("not an object");
        };
        assert!(matches!(members.entries[0].0, Cow::Borrowed("name")));
        assert!(matches!(
            members.entries[0].1,
            Node::String(Cow::Borrowed("Ada"))
        ));
        assert!(matches!(&members.entries[1].1, Node::String(Cow::Owned(text)) if text == "a\nb"));
    }

    #[test]
    fn escapes_decode_and_write_back_as_serde_json_writes_them() {
        let text = r#""\" \\ \/ \b \f \n \r \t \u0041 \u00e9 \u20AC \ud83d\ude00 \u0001""#;
        assert_eq!(value(text), serde_json::from_str::<Value>(text).unwrap());
        let expected =
            serde_json::to_string(&serde_json::from_str::<Value>(text).unwrap()).unwrap();
        assert_eq!(written(text), expected);
        assert_eq!(value(r#""é€😀""#), json!("é€😀"));
    }

    #[test]
    fn lone_surrogates_and_bad_escapes_are_errors() {
        for text in [
            r#""\ud83d""#,
            r#""\ud83dx""#,
            r#""\ud83d\u0041""#,
            r#""\ude00""#,
            r#""\x""#,
            r#""\u12""#,
            r#""\u12g4""#,
            "\"a\u{1}b\"",
            r#""abc"#,
        ] {
            assert!(parse(text.as_bytes()).is_err(), "{text}");
            assert!(serde_json::from_str::<Value>(text).is_err(), "{text}");
        }
    }

    #[test]
    fn numbers_keep_their_text() {
        for text in [
            "0",
            "-0",
            "12",
            "-7",
            "1.5",
            "1E2",
            "1e-2",
            "2.50",
            "18446744073709551616",
        ] {
            assert_eq!(written(text), text);
            assert_eq!(
                value(text),
                serde_json::from_str::<Value>(text).unwrap(),
                "{text}"
            );
        }
        for text in [
            "01", "1.", ".5", "-", "1e", "1e+", "+1", "1e400", "-1e400", "0x1",
        ] {
            assert!(parse(text.as_bytes()).is_err(), "{text}");
            assert!(serde_json::from_str::<Value>(text).is_err(), "{text}");
        }
        let huge = "9".repeat(400);
        assert!(parse(huge.as_bytes()).is_err());
        assert!(serde_json::from_str::<Value>(&huge).is_err());
        assert_eq!(value("1e-400"), json!(0.0));
    }

    #[test]
    fn a_repeated_name_keeps_the_last_value_at_the_first_position() {
        let text = r#"{"a": 1, "b": 2, "a": 3}"#;
        assert_eq!(written(text), r#"{"a":3,"b":2}"#);
        assert_eq!(
            written(text),
            serde_json::to_string(&serde_json::from_str::<Value>(text).unwrap()).unwrap()
        );
        // Many names (the bits of the name hash collide): still one property per name.
        let pairs: Vec<String> = (0..300).map(|i| format!("\"k{}\": {i}", i % 150)).collect();
        let text = format!("{{{}}}", pairs.join(","));
        assert_eq!(
            written(&text),
            serde_json::to_string(&serde_json::from_str::<Value>(&text).unwrap()).unwrap()
        );
    }

    #[test]
    fn nesting_stops_where_serde_json_stops() {
        for depth in [MAX_DEPTH, MAX_DEPTH + 1, 100_000] {
            let text = format!("{}{}", "[".repeat(depth), "]".repeat(depth));
            assert_eq!(
                parse(text.as_bytes()).is_ok(),
                serde_json::from_str::<Value>(&text).is_ok(),
                "depth {depth}"
            );
        }
        let deep = format!("{}1{}", "{\"a\":".repeat(100_000), "}".repeat(100_000));
        assert!(parse(deep.as_bytes()).is_err());
    }

    #[test]
    fn invalid_input_is_an_error() {
        for text in [
            "",
            " ",
            "nul",
            "tru",
            "[1,]",
            "[1 2]",
            "{\"a\" 1}",
            "{\"a\":1,}",
            "{1:2}",
            "[",
            "{",
            "1 2",
            "\"a\" x",
            "[}",
            "{]",
        ] {
            assert!(parse(text.as_bytes()).is_err(), "{text:?}");
            assert!(serde_json::from_str::<Value>(text).is_err(), "{text:?}");
        }
        assert!(parse(b"\"\xff\"").is_err());
        assert!(parse(b" [1, {\"a\": null}] \n").is_ok());
    }

    /// Text made of JSON's own pieces, mostly broken.
    fn jsonish() -> impl Strategy<Value = String> {
        let pieces = prop_oneof![
            Just("{"),
            Just("}"),
            Just("["),
            Just("]"),
            Just(","),
            Just(":"),
            Just("\""),
            Just("\\"),
            Just("\\u"),
            Just("d83d"),
            Just("de00"),
            Just("00e9"),
            Just("n"),
            Just("\\n"),
            Just("a"),
            Just("é"),
            Just("0"),
            Just("1"),
            Just("-"),
            Just("."),
            Just("e"),
            Just("+"),
            Just("null"),
            Just("true"),
            Just("false"),
            Just(" "),
            Just("\"k\""),
            Just("\"v\":"),
            Just("1e400"),
            Just("\t"),
            Just("\u{1}"),
        ];
        proptest::collection::vec(pieces, 0..24).prop_map(|pieces| pieces.concat())
    }

    /// Valid JSON from values.
    fn values() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            any::<i64>().prop_map(Value::from),
            any::<u64>().prop_map(Value::from),
            any::<f64>().prop_map(|float| json!(float)),
            any::<String>().prop_map(Value::String),
            "[a-c\"\\\\\u{1}\u{7f}é]{0,4}".prop_map(Value::String),
        ];
        leaf.prop_recursive(4, 48, 5, |inner| {
            prop_oneof![
                proptest::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
                proptest::collection::vec(("[a-c\"\\\\]{0,2}", inner), 0..5)
                    .prop_map(|pairs| Value::Object(pairs.into_iter().collect())),
            ]
        })
    }

    proptest! {
        #[test]
        fn agrees_with_serde_json_on_any_text(text in jsonish()) {
            let ours = parse(text.as_bytes());
            let theirs = serde_json::from_str::<Value>(&text);
            prop_assert_eq!(ours.is_ok(), theirs.is_ok(), "{:?}", text);
            if let (Ok(node), Ok(expected)) = (ours, theirs) {
                prop_assert_eq!(node.to_value().unwrap(), expected.clone());
                let mut out = Vec::new();
                node.write(&mut out);
                prop_assert_eq!(serde_json::from_slice::<Value>(&out).unwrap(), expected);
            }
        }

        #[test]
        fn writes_serde_json_text_back_as_it_was(value in values()) {
            let text = serde_json::to_vec(&value).unwrap();
            let node = parse(&text).unwrap();
            prop_assert_eq!(node.to_value().unwrap(), value.clone());
            let mut out = Vec::new();
            node.write(&mut out);
            prop_assert_eq!(&out, &text);
            // A tree made from the value writes the same text.
            let mut from_value = Vec::new();
            Node::of(&value).write(&mut from_value);
            prop_assert_eq!(&from_value, &text);
            let mut owned = Vec::new();
            Node::owned(value).write(&mut owned);
            prop_assert_eq!(&owned, &text);
        }
    }
}
