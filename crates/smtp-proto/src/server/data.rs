//! The DATA phase: RFC 5321 §4.1.1.4 end of data (`CRLF "." CRLF`) and
//! §4.5.2 transparency (dot-unstuffing), with a hard size bound.
//!
//! Invariants
//! - Only `CR LF "." CR LF` ends the data (the CR LF before the dot may be the
//!   one closing the DATA command line). `LF "." LF`, `CR "." LF`,
//!   `CR LF "." LF` and the like are content: treating them as the end is the
//!   "SMTP smuggling" flaw.
//! - At most `limit` bytes of body are kept; the rest is counted and dropped.

/// How bare CR and bare LF inside the data are treated (RFC 5321 §2.3.8).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LineEndings {
    /// A bare CR or bare LF is stored as CR LF. A dot just after such a line
    /// break is kept as content: it neither ends the data nor is unstuffed,
    /// so the break can never be mistaken for a real line start.
    Normalise,
    /// Any bare CR or LF makes the message refused (550 5.6.11) once its end
    /// has been read.
    Refuse,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// At the start of a line (after CR LF, or at the start of the data).
    LineStart,
    /// Inside a line.
    Mid,
    /// A CR inside a line, waiting for LF.
    Cr,
    /// A dot at the start of a line.
    Dot,
    /// `"." CR` at the start of a line: LF here ends the data.
    DotCr,
}

/// What the reader found when the end of data arrived.
#[derive(Debug, PartialEq, Eq)]
pub enum DataEnd {
    /// The complete, unstuffed body.
    Complete(Vec<u8>),
    /// The body went over the limit; `size` octets were seen in total.
    TooLarge { size: u64 },
    /// `LineEndings::Refuse` and a bare CR or LF was seen; `size` octets in all.
    BareLineEnding { size: u64 },
}

/// Accumulates one message body, fed in pieces.
#[derive(Debug)]
pub struct DataReader {
    state: State,
    body: Vec<u8>,
    size: u64,
    limit: u64,
    over: bool,
    bare: bool,
    endings: LineEndings,
}

impl DataReader {
    pub fn new(limit: u64, endings: LineEndings) -> Self {
        DataReader {
            state: State::LineStart,
            body: Vec::new(),
            size: 0,
            limit,
            over: false,
            bare: false,
            endings,
        }
    }

    /// Consumes bytes from `input` until the end of data. Returns the number
    /// of bytes consumed and, when the end was reached, the result; the bytes
    /// after it are the next commands (RFC 2920 pipelining).
    pub fn feed(&mut self, input: &[u8]) -> (usize, Option<DataEnd>) {
        for (i, &b) in input.iter().enumerate() {
            if self.step(b) {
                return (i + 1, Some(self.finish()));
            }
        }
        (input.len(), None)
    }

    /// Bytes of body held in memory (never more than the limit).
    #[cfg(test)]
    pub fn buffered(&self) -> usize {
        self.body.len()
    }

    fn finish(&mut self) -> DataEnd {
        if self.bare && self.endings == LineEndings::Refuse {
            DataEnd::BareLineEnding { size: self.size }
        } else if self.over {
            DataEnd::TooLarge { size: self.size }
        } else {
            DataEnd::Complete(std::mem::take(&mut self.body))
        }
    }

    fn emit(&mut self, bytes: &[u8]) {
        self.size = self.size.saturating_add(bytes.len() as u64);
        if self.size > self.limit {
            if !self.over {
                self.over = true;
                self.body = Vec::new();
            }
        } else {
            self.body.extend_from_slice(bytes);
        }
    }

    /// A CR or LF that is not part of a CR LF pair (RFC 5321 §2.3.8).
    fn bare_break(&mut self, raw: &[u8]) {
        self.bare = true;
        match self.endings {
            LineEndings::Normalise => self.emit(b"\r\n"),
            LineEndings::Refuse => self.emit(raw),
        }
        self.state = State::Mid;
    }

    /// One byte; returns true at the end of data.
    fn step(&mut self, b: u8) -> bool {
        match (self.state, b) {
            (State::LineStart, b'.') => self.state = State::Dot,
            (State::LineStart | State::Mid, b'\r') => self.state = State::Cr,
            (State::LineStart | State::Mid, b'\n') => self.bare_break(b"\n"),
            (State::LineStart | State::Mid, _) => {
                self.emit(&[b]);
                self.state = State::Mid;
            }
            (State::Cr, b'\n') => {
                self.emit(b"\r\n");
                self.state = State::LineStart;
            }
            (State::Cr, _) => {
                self.bare_break(b"\r");
                return self.step(b);
            }
            // RFC 5321 §4.5.2: a line starting with a dot has that dot removed.
            (State::Dot, b'\r') => self.state = State::DotCr,
            (State::Dot, b'\n') => {
                self.emit(b".");
                self.bare_break(b"\n");
            }
            (State::Dot, _) => {
                self.state = State::Mid;
                return self.step(b);
            }
            (State::DotCr, b'\n') => return true,
            (State::DotCr, _) => {
                self.emit(b".");
                self.bare_break(b"\r");
                return self.step(b);
            }
        }
        false
    }
}
