//! Splits the input into lines without ever buffering more than `max_line`
//! octets (RFC 2449 §4).

use std::collections::VecDeque;

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Frame {
    /// A line without its LF or CRLF, and its length on the wire.
    Line(Vec<u8>, usize),
    /// A line longer than `max_line`; its bytes were dropped.
    TooLong,
}

#[derive(Debug)]
pub(crate) struct LineFramer {
    buf: Vec<u8>,
    /// Dropping an over-long line until its LF.
    skipping: bool,
    max: usize,
}

impl LineFramer {
    pub(crate) fn new(max_line: usize) -> Self {
        LineFramer {
            buf: Vec::new(),
            skipping: false,
            max: max_line.max(3),
        }
    }

    /// Appends complete lines of `data` to `frames`. Lines end with LF; a CR
    /// before it is removed (a lone LF is accepted from lenient clients).
    pub(crate) fn push(&mut self, mut data: &[u8], frames: &mut VecDeque<Frame>) {
        while !data.is_empty() {
            match data.iter().position(|&b| b == b'\n') {
                Some(p) => {
                    let part = &data[..p];
                    data = &data[p + 1..];
                    if self.skipping {
                        self.skipping = false;
                        frames.push_back(Frame::TooLong);
                    } else if self.buf.len() + part.len() + 1 > self.max {
                        self.buf.clear();
                        frames.push_back(Frame::TooLong);
                    } else {
                        self.buf.extend_from_slice(part);
                        let mut line = std::mem::take(&mut self.buf);
                        let wire_len = line.len() + 1;
                        if line.last() == Some(&b'\r') {
                            line.pop();
                        }
                        frames.push_back(Frame::Line(line, wire_len));
                    }
                }
                None => {
                    if !self.skipping {
                        // The LF still to come makes the line at least one longer.
                        if self.buf.len() + data.len() >= self.max {
                            self.skipping = true;
                            self.buf = Vec::new();
                        } else {
                            self.buf.extend_from_slice(data);
                        }
                    }
                    break;
                }
            }
        }
    }

    /// Forgets a partial line (RFC 2595 §4 STLS discard).
    pub(crate) fn clear(&mut self) {
        self.buf.clear();
        self.skipping = false;
    }
}
