//! Splitting a streamed body into lines: NDJSON, or the elements of one JSON array.
//!
//! The body is read frame by frame; only the line being assembled is kept (at most
//! `max_line_bytes` of it: a longer line is skipped to its end and reported as too long). Every
//! byte read goes into a SHA-256 digest, which idempotency keys compare.

use std::collections::VecDeque;

use axum::body::{Body, BodyDataStream};
use bytes::{Bytes, BytesMut};
use futures::StreamExt;
use http::StatusCode;
use sha2::{Digest, Sha256};

use crate::problem::Problem;

/// How the lines are written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Format {
    /// `application/x-ndjson`: one JSON document per line; blank lines are ignored.
    Ndjson,
    /// `application/json`: one JSON array whose elements are the lines.
    Array,
}

/// One line of the body.
#[derive(Clone, Debug, PartialEq)]
pub(super) enum Piece {
    /// A complete line that is not blank, by its 1-based number (its line in NDJSON, its position
    /// in a JSON array).
    Line { number: u64, bytes: Bytes },
    /// A line longer than the limit; its bytes were dropped.
    TooLong { number: u64 },
}

impl Piece {
    pub(super) fn number(&self) -> u64 {
        match self {
            Self::Line { number, .. } | Self::TooLong { number } => *number,
        }
    }

    /// The bytes the line holds in memory.
    pub(super) fn len(&self) -> usize {
        match self {
            Self::Line { bytes, .. } => bytes.len(),
            Self::TooLong { .. } => 0,
        }
    }
}

/// Reads a body as lines, within the total and per-line limits.
pub(super) struct LineReader {
    body: BodyDataStream,
    splitter: Splitter,
    ready: VecDeque<Piece>,
    digest: Sha256,
    total: u64,
    max_total: u64,
    finished: bool,
}

impl LineReader {
    /// A reader of `body`; `context` (method and path) is hashed before the body.
    pub(super) fn new(
        body: Body,
        format: Format,
        max_line: usize,
        max_total: u64,
        context: &[u8],
    ) -> Self {
        let mut digest = Sha256::new();
        digest.update(context);
        Self {
            body: body.into_data_stream(),
            splitter: Splitter::new(format, max_line),
            ready: VecDeque::new(),
            digest,
            total: 0,
            max_total,
            finished: false,
        }
    }

    /// The next line, or `None` at the end of the body.
    ///
    /// # Errors
    ///
    /// 413 when the body passes the total limit, 400 when it cannot be read or a JSON array of
    /// lines is malformed. The reader stops there.
    pub(super) async fn next(&mut self) -> Result<Option<Piece>, Problem> {
        loop {
            if let Some(piece) = self.ready.pop_front() {
                return Ok(Some(piece));
            }
            if self.finished {
                return Ok(None);
            }
            match self.body.next().await {
                Some(Ok(chunk)) => {
                    self.total += chunk.len() as u64;
                    if self.total > self.max_total {
                        self.finished = true;
                        return Err(Problem::new(
                            StatusCode::PAYLOAD_TOO_LARGE,
                            format!(
                                "the bulk request is larger than the limit of {} bytes",
                                self.max_total
                            ),
                        )
                        .with_extension("limit_bytes", self.max_total));
                    }
                    self.digest.update(&chunk);
                    self.splitter.push(chunk, &mut self.ready)?;
                }
                Some(Err(error)) => {
                    self.finished = true;
                    return Err(Problem::bad_request("the request body could not be read")
                        .with_internal(error));
                }
                None => {
                    self.finished = true;
                    self.splitter.finish(&mut self.ready)?;
                }
            }
        }
    }

    /// Reads the rest of the body without keeping it (the digest still sees it).
    ///
    /// # Errors
    ///
    /// As [`next`](Self::next).
    pub(super) async fn drain(&mut self) -> Result<(), Problem> {
        while self.next().await?.is_some() {}
        Ok(())
    }

    /// Whether the whole body was read.
    pub(super) fn is_complete(&self) -> bool {
        self.finished && self.ready.is_empty()
    }

    /// The hex SHA-256 of the context and every byte read.
    pub(super) fn digest(&self) -> String {
        hex(&self.digest.clone().finalize())
    }
}

/// Lower-case hex of `bytes`.
pub(super) fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    bytes.iter().fold(String::new(), |mut text, byte| {
        let _ = write!(text, "{byte:02x}");
        text
    })
}

/// The synchronous core: bytes in, lines out.
pub(super) struct Splitter {
    format: Format,
    max_line: usize,
    /// The line being assembled.
    buffer: BytesMut,
    /// The line being assembled passed the limit: drop it to its end.
    overflow: bool,
    /// Lines (NDJSON) or elements (array) seen so far.
    count: u64,
    /// Bytes seen so far, for error positions.
    offset: u64,
    array: ArrayState,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Expect {
    /// Before the opening `[`.
    Open,
    /// After `[`: an element or `]`.
    FirstElement,
    /// After `,`: an element.
    Element,
    /// After an element: `,` or `]`.
    Separator,
    /// After the closing `]`: only white space.
    End,
}

#[derive(Clone, Copy, Debug)]
struct ArrayState {
    expect: Expect,
    in_element: bool,
    depth: usize,
    in_string: bool,
    escaped: bool,
}

impl Splitter {
    pub(super) fn new(format: Format, max_line: usize) -> Self {
        Self {
            format,
            max_line,
            buffer: BytesMut::new(),
            overflow: false,
            count: 0,
            offset: 0,
            array: ArrayState {
                expect: Expect::Open,
                in_element: false,
                depth: 0,
                in_string: false,
                escaped: false,
            },
        }
    }

    /// Splits `chunk`, appending complete lines to `out`.
    pub(super) fn push(&mut self, chunk: Bytes, out: &mut VecDeque<Piece>) -> Result<(), Problem> {
        match self.format {
            Format::Ndjson => {
                self.push_ndjson(chunk, out);
                Ok(())
            }
            Format::Array => self.push_array(&chunk, out),
        }
    }

    /// The end of the body: the last line, or an error when an array is not closed.
    pub(super) fn finish(&mut self, out: &mut VecDeque<Piece>) -> Result<(), Problem> {
        match self.format {
            Format::Ndjson => {
                if self.overflow || !self.buffer.is_empty() {
                    self.count += 1;
                    self.complete(Bytes::new(), out);
                }
                Ok(())
            }
            Format::Array if self.array.expect == Expect::End => Ok(()),
            Format::Array => Err(self.malformed("the array is not closed with `]`")),
        }
    }

    fn push_ndjson(&mut self, chunk: Bytes, out: &mut VecDeque<Piece>) {
        let mut start = 0;
        while let Some(position) = chunk[start..].iter().position(|byte| *byte == b'\n') {
            let end = start + position;
            self.count += 1;
            self.complete(chunk.slice(start..end), out);
            start = end + 1;
        }
        self.offset += chunk.len() as u64;
        self.append(&chunk[start..]);
    }

    /// Adds `bytes` to the line being assembled, or drops the line when it gets too long.
    fn append(&mut self, bytes: &[u8]) {
        if self.overflow {
            return;
        }
        if self.buffer.len() + bytes.len() > self.max_line {
            self.overflow = true;
            self.buffer.clear();
        } else {
            self.buffer.extend_from_slice(bytes);
        }
    }

    /// Ends the line being assembled with `tail` (its last bytes in the current chunk).
    fn complete(&mut self, tail: Bytes, out: &mut VecDeque<Piece>) {
        let number = self.count;
        let bytes = if self.buffer.is_empty() {
            tail
        } else {
            self.append(&tail);
            self.buffer.split().freeze()
        };
        if std::mem::take(&mut self.overflow) || bytes.len() > self.max_line {
            self.buffer.clear();
            out.push_back(Piece::TooLong { number });
            return;
        }
        if !bytes.iter().all(u8::is_ascii_whitespace) {
            let trimmed = match bytes.last() {
                Some(b'\r') => bytes.slice(..bytes.len() - 1),
                _ => bytes,
            };
            out.push_back(Piece::Line {
                number,
                bytes: trimmed,
            });
        }
    }

    fn push_array(&mut self, chunk: &Bytes, out: &mut VecDeque<Piece>) -> Result<(), Problem> {
        let mut segment = self.array.in_element.then_some(0);
        for (index, &byte) in chunk.iter().enumerate() {
            let state = &mut self.array;
            if state.in_element {
                if state.in_string {
                    match byte {
                        _ if state.escaped => state.escaped = false,
                        b'\\' => state.escaped = true,
                        b'"' => state.in_string = false,
                        _ => {}
                    }
                    continue;
                }
                match byte {
                    b'"' => state.in_string = true,
                    b'[' | b'{' => state.depth += 1,
                    b']' | b'}' if state.depth > 0 => {
                        state.depth -= 1;
                        if state.depth == 0 {
                            self.end_element(chunk, segment.take(), index + 1, out);
                        }
                    }
                    b',' | b']' | b'}' | b' ' | b'\t' | b'\r' | b'\n' if state.depth == 0 => {
                        self.end_element(chunk, segment.take(), index, out);
                        self.array_structure(byte, index)?;
                    }
                    _ => {}
                }
                continue;
            }
            if matches!(byte, b' ' | b'\t' | b'\r' | b'\n') {
                continue;
            }
            match (state.expect, byte) {
                (Expect::FirstElement | Expect::Element, b'[' | b'{' | b'"') => {
                    self.start_element(byte);
                    segment = Some(index);
                }
                (Expect::FirstElement | Expect::Element, b',' | b']' | b'}') => {
                    if !(state.expect == Expect::FirstElement && byte == b']') {
                        return Err(self.malformed_at(index, "expected a line"));
                    }
                    state.expect = Expect::End;
                }
                (Expect::FirstElement | Expect::Element, _) => {
                    self.start_element(byte);
                    segment = Some(index);
                }
                _ => self.array_structure(byte, index)?,
            }
        }
        if let Some(start) = segment {
            self.append(&chunk[start..]);
        }
        self.offset += chunk.len() as u64;
        Ok(())
    }

    fn start_element(&mut self, first: u8) {
        self.count += 1;
        let state = &mut self.array;
        state.in_element = true;
        state.in_string = first == b'"';
        state.escaped = false;
        state.depth = usize::from(matches!(first, b'[' | b'{'));
    }

    /// The element that started at `start` in this chunk (or in an earlier one) ends before `end`.
    fn end_element(
        &mut self,
        chunk: &Bytes,
        start: Option<usize>,
        end: usize,
        out: &mut VecDeque<Piece>,
    ) {
        self.array.in_element = false;
        self.array.expect = Expect::Separator;
        let tail = chunk.slice(start.unwrap_or(0)..end);
        self.complete(tail, out);
    }

    /// A structural byte outside any element.
    fn array_structure(&mut self, byte: u8, index: usize) -> Result<(), Problem> {
        let state = &mut self.array;
        match (state.expect, byte) {
            (_, b' ' | b'\t' | b'\r' | b'\n') => {}
            (Expect::Open, b'[') => state.expect = Expect::FirstElement,
            (Expect::Open, _) => {
                return Err(self.malformed_at(index, "expected `[` to open the array of lines"));
            }
            (Expect::Separator, b',') => state.expect = Expect::Element,
            (Expect::Separator, b']') => state.expect = Expect::End,
            (Expect::Separator, _) => {
                return Err(self.malformed_at(index, "expected `,` or `]` after a line"));
            }
            (Expect::End, _) => {
                return Err(self.malformed_at(index, "unexpected content after the array"));
            }
            (Expect::FirstElement | Expect::Element, _) => {
                return Err(self.malformed_at(index, "expected a line"));
            }
        }
        Ok(())
    }

    fn malformed_at(&self, index: usize, reason: &str) -> Problem {
        let offset = self.offset + index as u64;
        Problem::bad_request(format!(
            "the JSON array of lines is malformed at byte {offset}: {reason}"
        ))
        .with_extension("offset", offset)
    }

    fn malformed(&self, reason: &str) -> Problem {
        Problem::bad_request(format!("the JSON array of lines is malformed: {reason}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn split(format: Format, max_line: usize, chunks: &[&str]) -> Result<Vec<Piece>, Problem> {
        let mut splitter = Splitter::new(format, max_line);
        let mut out = VecDeque::new();
        for chunk in chunks {
            splitter.push(Bytes::copy_from_slice(chunk.as_bytes()), &mut out)?;
        }
        splitter.finish(&mut out)?;
        Ok(out.into_iter().collect())
    }

    fn line(number: u64, text: &str) -> Piece {
        Piece::Line {
            number,
            bytes: Bytes::copy_from_slice(text.as_bytes()),
        }
    }

    #[test]
    fn ndjson_lines_split_across_chunks_keep_their_numbers() {
        let pieces = split(Format::Ndjson, 100, &["[1]\n[2", "2]\r\n\n  \n[3]"]).unwrap();
        assert_eq!(pieces, [line(1, "[1]"), line(2, "[22]"), line(5, "[3]")]);
    }

    #[test]
    fn a_long_ndjson_line_is_dropped_and_reported() {
        let pieces = split(Format::Ndjson, 4, &["[1]\n[12", "345]\n[6]\n"]).unwrap();
        assert_eq!(
            pieces,
            [line(1, "[1]"), Piece::TooLong { number: 2 }, line(3, "[6]")]
        );
        let last = split(Format::Ndjson, 4, &["[1]\n[12345]"]).unwrap();
        assert_eq!(last, [line(1, "[1]"), Piece::TooLong { number: 2 }]);
    }

    #[test]
    fn array_elements_are_lines() {
        let pieces = split(
            Format::Array,
            100,
            &[
                " [[\"a\", {\"b\": \"]\\\"\"}]",
                " ,\n[\"c\"] , 7 ,\"x]\"]  ",
            ],
        )
        .unwrap();
        assert_eq!(
            pieces,
            [
                line(1, "[\"a\", {\"b\": \"]\\\"\"}]"),
                line(2, "[\"c\"]"),
                line(3, "7"),
                line(4, "\"x]\""),
            ]
        );
        assert_eq!(split(Format::Array, 100, &["[]"]).unwrap(), []);
    }

    #[test]
    fn malformed_arrays_are_refused_with_a_position() {
        for (body, expected) in [
            ("{}", "at byte 0: expected `[`"),
            ("[[1] [2]]", "at byte 5: expected `,` or `]`"),
            ("[[1],]", "at byte 5: expected a line"),
            ("[[1]] x", "at byte 6: unexpected content"),
            ("[[1]", "not closed"),
        ] {
            let problem = split(Format::Array, 100, &[body]).unwrap_err();
            assert!(
                problem.detail.contains(expected),
                "{body}: {}",
                problem.detail
            );
        }
    }

    #[test]
    fn a_long_array_element_is_dropped_and_reported() {
        let pieces = split(Format::Array, 5, &["[[1],[123", "456],[2]]"]).unwrap();
        assert_eq!(
            pieces,
            [line(1, "[1]"), Piece::TooLong { number: 2 }, line(3, "[2]")]
        );
    }

    #[test]
    fn hex_is_lower_case() {
        assert_eq!(hex(&[0, 15, 255]), "000fff");
    }
}
