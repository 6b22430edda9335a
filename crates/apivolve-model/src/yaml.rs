//! YAML to JSON with positions: every node's JSON pointer maps to its line and column.
//!
//! One pass over the parser's events builds the `serde_json::Value` and the position table, so
//! a problem found long after parsing (a rename of a missing field, a bad jq expression) is
//! still reported at the right place in the file.

use std::collections::HashMap;

use serde_json::{Map, Number, Value};
use yaml_rust2::parser::{Event, MarkedEventReceiver, Parser};
use yaml_rust2::scanner::{Marker, TScalarStyle};

/// Where a node starts in a source file (1-based line and column, byte offset).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default, serde::Serialize)]
pub struct Position {
    /// 1-based line.
    pub line: usize,
    /// 1-based column.
    pub column: usize,
    /// Byte offset from the start of the file.
    pub offset: usize,
}

/// The positions of the nodes of one parsed document, keyed by JSON pointer.
#[derive(Clone, Debug, Default)]
pub struct SourceMap {
    positions: HashMap<String, Position>,
}

impl SourceMap {
    /// The position of `pointer`, or of its nearest ancestor that has one.
    pub fn locate(&self, pointer: &str) -> Position {
        let mut pointer = pointer;
        loop {
            if let Some(position) = self.positions.get(pointer) {
                return *position;
            }
            match pointer.rfind('/') {
                Some(index) => pointer = &pointer[..index],
                None => return Position::default(),
            }
        }
    }
}

/// A YAML syntax error with its position.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct SyntaxError {
    /// What went wrong.
    pub message: String,
    /// Where.
    pub position: Position,
}

/// Parses one YAML document into JSON and its source map.
pub(crate) fn parse(text: &str) -> Result<(Value, SourceMap), SyntaxError> {
    let mut builder = Builder::default();
    let mut parser = Parser::new_from_str(text);
    parser
        .load(&mut builder, false)
        .map_err(|error| SyntaxError {
            message: error.info().to_owned(),
            position: within(text, position(*error.marker())),
        })?;
    if let Some(error) = builder.error {
        return Err(error);
    }
    let value = builder.root.unwrap_or(Value::Null);
    Ok((value, builder.map))
}

/// An error past the end of the text (an unclosed bracket) is reported at its last character.
fn within(text: &str, position: Position) -> Position {
    let trimmed = text.trim_end();
    if position.offset < trimmed.len() || trimmed.is_empty() {
        return position;
    }
    let offset = trimmed.char_indices().last().map_or(0, |(index, _)| index);
    let before = &text[..offset];
    Position {
        line: before.matches('\n').count() + 1,
        column: before
            .rsplit('\n')
            .next()
            .map_or(0, |line| line.chars().count())
            + 1,
        offset,
    }
}

fn position(marker: Marker) -> Position {
    Position {
        line: marker.line(),
        column: marker.col() + 1,
        offset: marker.index(),
    }
}

enum Frame {
    Sequence {
        pointer: String,
        anchor: usize,
        items: Vec<Value>,
    },
    Mapping {
        pointer: String,
        anchor: usize,
        entries: Map<String, Value>,
        key: Option<String>,
    },
}

#[derive(Default)]
struct Builder {
    stack: Vec<Frame>,
    root: Option<Value>,
    map: SourceMap,
    anchors: HashMap<usize, Value>,
    error: Option<SyntaxError>,
}

impl Builder {
    /// The pointer of the node that the next event starts, or `None` when the next scalar is a key.
    fn next_pointer(&self) -> Option<String> {
        match self.stack.last() {
            None => Some(String::new()),
            Some(Frame::Sequence { pointer, items, .. }) => {
                Some(format!("{pointer}/{}", items.len()))
            }
            Some(Frame::Mapping {
                pointer,
                key: Some(key),
                ..
            }) => Some(format!("{pointer}/{}", escape(key))),
            Some(Frame::Mapping { key: None, .. }) => None,
        }
    }

    fn fail(&mut self, message: String, mark: Marker) {
        if self.error.is_none() {
            self.error = Some(SyntaxError {
                message,
                position: position(mark),
            });
        }
    }

    fn push_value(&mut self, value: Value, anchor: usize, mark: Marker) {
        if anchor > 0 {
            self.anchors.insert(anchor, value.clone());
        }
        match self.stack.last_mut() {
            None => self.root = Some(value),
            Some(Frame::Sequence { items, .. }) => items.push(value),
            Some(Frame::Mapping { entries, key, .. }) => match key.take() {
                Some(key) => {
                    entries.insert(key, value);
                }
                None => match value {
                    Value::String(text) => {
                        if entries.contains_key(&text) {
                            self.fail(format!("duplicate key `{text}`"), mark);
                        }
                        if let Some(Frame::Mapping { key, .. }) = self.stack.last_mut() {
                            *key = Some(text);
                        }
                    }
                    other => {
                        let text = match &other {
                            Value::Number(number) => number.to_string(),
                            Value::Bool(flag) => flag.to_string(),
                            Value::Null => "null".to_owned(),
                            _ => {
                                self.fail("mapping keys must be scalars".to_owned(), mark);
                                return;
                            }
                        };
                        if let Some(Frame::Mapping { key, .. }) = self.stack.last_mut() {
                            *key = Some(text);
                        }
                    }
                },
            },
        }
    }
}

impl MarkedEventReceiver for Builder {
    fn on_event(&mut self, event: Event, mark: Marker) {
        if self.error.is_some() {
            return;
        }
        match event {
            Event::Scalar(text, style, anchor, tag) => {
                match self.next_pointer() {
                    Some(pointer) => {
                        self.map.positions.insert(pointer, position(mark));
                    }
                    // A key: a block mapping's own mark can be at its first `:`; the mapping
                    // starts at its first key.
                    None => {
                        if let Some(Frame::Mapping {
                            pointer, entries, ..
                        }) = self.stack.last()
                        {
                            let here = position(mark);
                            let start = self.map.positions.entry(pointer.clone()).or_insert(here);
                            if entries.is_empty() && here.offset < start.offset {
                                *start = here;
                            }
                        }
                    }
                }
                let value = scalar(text, style, tag.as_ref().map(|tag| tag.suffix.as_str()));
                self.push_value(value, anchor, mark);
            }
            Event::SequenceStart(anchor, _) => {
                let Some(pointer) = self.next_pointer() else {
                    return self.fail("mapping keys must be scalars".to_owned(), mark);
                };
                self.map.positions.insert(pointer.clone(), position(mark));
                self.stack.push(Frame::Sequence {
                    pointer,
                    anchor,
                    items: Vec::new(),
                });
            }
            Event::MappingStart(anchor, _) => {
                let Some(pointer) = self.next_pointer() else {
                    return self.fail("mapping keys must be scalars".to_owned(), mark);
                };
                self.map.positions.insert(pointer.clone(), position(mark));
                self.stack.push(Frame::Mapping {
                    pointer,
                    anchor,
                    entries: Map::new(),
                    key: None,
                });
            }
            Event::SequenceEnd => {
                if let Some(Frame::Sequence { anchor, items, .. }) = self.stack.pop() {
                    self.push_value(Value::Array(items), anchor, mark);
                }
            }
            Event::MappingEnd => {
                if let Some(Frame::Mapping {
                    anchor, entries, ..
                }) = self.stack.pop()
                {
                    self.push_value(Value::Object(entries), anchor, mark);
                }
            }
            Event::Alias(anchor) => match self.anchors.get(&anchor).cloned() {
                Some(value) => self.push_value(value, 0, mark),
                None => self.fail("unknown alias".to_owned(), mark),
            },
            Event::Nothing
            | Event::StreamStart
            | Event::StreamEnd
            | Event::DocumentStart
            | Event::DocumentEnd => {}
        }
    }
}

/// Resolves a scalar by the YAML 1.2 core schema; quoted scalars are always strings.
fn scalar(text: String, style: TScalarStyle, tag: Option<&str>) -> Value {
    if style != TScalarStyle::Plain || tag == Some("str") {
        return Value::String(text);
    }
    match text.as_str() {
        "" | "~" | "null" | "Null" | "NULL" => return Value::Null,
        "true" | "True" | "TRUE" => return Value::Bool(true),
        "false" | "False" | "FALSE" => return Value::Bool(false),
        _ => {}
    }
    if let Ok(integer) = text.parse::<i64>() {
        return Value::Number(integer.into());
    }
    if let Ok(integer) = text.parse::<u64>() {
        return Value::Number(integer.into());
    }
    let looks_numeric = text
        .trim_start_matches(['-', '+'])
        .starts_with(|c: char| c.is_ascii_digit() || c == '.');
    if looks_numeric
        && let Ok(float) = text.parse::<f64>()
        && let Some(number) = Number::from_f64(float)
    {
        return Value::Number(number);
    }
    Value::String(text)
}

/// Escapes a key for use in a JSON pointer (RFC 6901).
pub(crate) fn escape(key: &str) -> String {
    key.replace('~', "~0").replace('/', "~1")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn parses_values_and_positions() {
        let text = "a: 1\nb:\n  - x\n  - 'true'\n  - true\nc: {d: 2.5, e: ~}\n";
        let (value, map) = parse(text).unwrap();
        assert_eq!(
            value,
            json!({"a": 1, "b": ["x", "true", true], "c": {"d": 2.5, "e": null}})
        );
        assert_eq!(map.locate("/b/1").line, 4);
        assert_eq!(map.locate("/b/1").column, 5);
        assert_eq!(map.locate("/c/d").line, 6);
        assert_eq!(map.locate("/c/missing/deeper").line, 6);
    }

    #[test]
    fn mappings_start_at_their_first_key() {
        let (_, map) = parse("changes:\n  - renam_field: {type: A}\n").unwrap();
        assert_eq!(
            (
                map.locate("/changes/0").line,
                map.locate("/changes/0").column
            ),
            (2, 5)
        );
    }

    #[test]
    fn errors_at_the_end_stay_inside_the_text() {
        let text = "a: [1, 2\n";
        let error = parse(text).unwrap_err();
        assert!(error.position.offset < text.len(), "{error:?}");
        assert_eq!(error.position.line, 1);
    }

    #[test]
    fn duplicate_keys_are_errors() {
        let error = parse("a: 1\na: 2\n").unwrap_err();
        assert!(error.message.contains("duplicate key `a`"), "{error:?}");
        assert_eq!(error.position.line, 2);
    }

    #[test]
    fn syntax_errors_have_positions() {
        let error = parse("a: [1, 2\nb: 3\n").unwrap_err();
        assert!(error.position.line >= 1);
    }

    #[test]
    fn anchors_and_aliases_resolve() {
        let (value, _) = parse("a: &x {k: 1}\nb: *x\n").unwrap();
        assert_eq!(value, json!({"a": {"k": 1}, "b": {"k": 1}}));
    }
}
