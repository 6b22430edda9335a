//! The operation lines of a request, counted against the declared count and the line limit.

use super::configure::too_many_lines;
use super::reader::{LineReader, Piece};
use crate::problem::Problem;

/// One operation line, or the line that broke a count.
#[derive(Clone, Debug)]
pub(super) enum Input {
    Piece(Piece),
    /// A line past the declared count or the limit: it is answered with this problem, and
    /// nothing after it is read.
    Refused {
        number: u64,
        problem: Problem,
    },
}

impl Input {
    fn len(&self) -> usize {
        match self {
            Self::Piece(piece) => piece.len(),
            Self::Refused { .. } => 0,
        }
    }
}

/// Reads operation lines until the body ends, a limit is passed or a count breaks.
pub(super) struct Source {
    reader: LineReader,
    /// A line read before the rows started (the first line, when it was not `configure`).
    first: Option<Piece>,
    declared: Option<u64>,
    max_lines: usize,
    count: u64,
    ended: bool,
    problem: Option<Problem>,
}

impl Source {
    pub(super) fn new(
        reader: LineReader,
        first: Option<Piece>,
        declared: Option<u64>,
        max_lines: usize,
    ) -> Self {
        Self {
            reader,
            first,
            declared,
            max_lines,
            count: 0,
            ended: false,
            problem: None,
        }
    }

    /// The next line, or `None` once reading ended (see [`take_problem`](Self::take_problem)).
    pub(super) async fn next(&mut self) -> Option<Input> {
        if self.ended {
            return None;
        }
        let piece = match self.first.take() {
            Some(piece) => piece,
            None => match self.reader.next().await {
                Ok(Some(piece)) => piece,
                Ok(None) => {
                    self.ended = true;
                    if let Some(declared) = self.declared.filter(|declared| self.count < *declared)
                    {
                        self.problem = Some(
                            Problem::bad_request(format!(
                                "the request declared {declared} lines but sent {}",
                                self.count
                            ))
                            .with_extension("declared_lines", declared)
                            .with_extension("lines", self.count),
                        );
                    }
                    return None;
                }
                Err(problem) => {
                    self.ended = true;
                    self.problem = Some(problem);
                    return None;
                }
            },
        };
        self.count += 1;
        let number = piece.number();
        let refusal = match self.declared {
            Some(declared) if self.count > declared => Some(
                Problem::bad_request(format!(
                    "the request declared {declared} lines and sent more"
                ))
                .with_extension("declared_lines", declared),
            ),
            _ if self.count > self.max_lines as u64 => Some(too_many_lines(self.max_lines)),
            _ => None,
        };
        match refusal {
            Some(problem) => {
                self.ended = true;
                self.problem = Some(problem.clone());
                Some(Input::Refused { number, problem })
            }
            None => Some(Input::Piece(piece)),
        }
    }

    /// Up to `max_lines` lines holding up to about `max_bytes`; whether reading ended.
    pub(super) async fn take(&mut self, max_lines: usize, max_bytes: usize) -> (Vec<Input>, bool) {
        let mut inputs = Vec::new();
        let mut bytes = 0;
        while inputs.len() < max_lines && bytes <= max_bytes {
            match self.next().await {
                Some(input) => {
                    bytes += input.len();
                    inputs.push(input);
                }
                None => return (inputs, true),
            }
        }
        (inputs, self.ended)
    }

    /// What ended reading early or late: a limit, a broken count, a bad body.
    pub(super) fn take_problem(&mut self) -> Option<Problem> {
        self.problem.take()
    }

    pub(super) fn reader(&self) -> &LineReader {
        &self.reader
    }
}
