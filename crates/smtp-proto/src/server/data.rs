//! The DATA phase: RFC 5321 §4.1.1.4 end of data (`CRLF "." CRLF`) and
//! §4.5.2 transparency (dot-unstuffing), with a hard size bound.
//!
//! Invariants
//! - Only `CR LF "." CR LF` ends the data (the CR LF before the dot may be the
//!   one closing the DATA command line). `LF "." LF`, `CR "." LF`,
//!   `CR LF "." LF` and the like are content: treating them as the end is the
//!   "SMTP smuggling" flaw.
//! - At most `limit` bytes of body are kept; the rest is counted and dropped.
//!   Once the message is known to be refused (over the limit, or a line over
//!   `max_line`), nothing more is kept at all.
//! - With a part size, at most about that many bytes are held: the rest has
//!   been handed to the server in parts ([`DataReader::take_part`]).

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
    /// A line was longer than `max_line` octets with its CRLF (RFC 5321
    /// §4.5.3.1.6); `size` octets in all.
    LineTooLong { size: u64 },
}

/// How one message body is read: the limits of [`DataReader::new`].
#[derive(Debug, Clone, Copy)]
pub struct DataLimits {
    /// Largest body in octets (RFC 1870 SIZE).
    pub size: u64,
    /// Longest line in octets, CRLF included (RFC 5321 §4.5.3.1.6: at
    /// least 1000).
    pub line: usize,
    /// Hand the body out in parts of about this many octets instead of
    /// holding it whole; `None` keeps it all for the end.
    pub part: Option<usize>,
    pub endings: LineEndings,
}

/// Accumulates one message body, fed in pieces.
#[derive(Debug)]
pub struct DataReader {
    state: State,
    body: Vec<u8>,
    size: u64,
    limits: DataLimits,
    /// Octets of the current line so far, its line break excluded.
    line: usize,
    over: bool,
    long_line: bool,
    bare: bool,
}

impl DataReader {
    pub fn new(limits: DataLimits) -> Self {
        DataReader {
            state: State::LineStart,
            body: Vec::new(),
            size: 0,
            limits,
            line: 0,
            over: false,
            long_line: false,
            bare: false,
        }
    }

    /// Consumes bytes from `input` until the end of data, or until a part is
    /// ready ([`DataReader::part_ready`]). Returns the number of bytes
    /// consumed and, when the end was reached, the result; the bytes after
    /// it are the next commands (RFC 2920 pipelining).
    pub fn feed(&mut self, input: &[u8]) -> (usize, Option<DataEnd>) {
        let mut i = 0;
        while let Some(rest) = input.get(i..).filter(|r| !r.is_empty()) {
            let run = self.plain_run(rest);
            if run > 0 {
                self.emit(&rest[..run]);
                i += run;
            } else {
                i += 1;
                if self.step(rest[0]) {
                    return (i, Some(self.finish()));
                }
            }
            if self.part_ready() {
                return (i, None);
            }
        }
        (input.len(), None)
    }

    /// Inside a line, the octets before the next CR or LF are plain content
    /// whatever they are: taken in one piece (at most what the current part
    /// has room for) instead of octet by octet.
    fn plain_run(&self, rest: &[u8]) -> usize {
        if self.state != State::Mid {
            return 0;
        }
        let run = rest
            .iter()
            .position(|&b| b == b'\r' || b == b'\n')
            .unwrap_or(rest.len());
        match self.limits.part {
            Some(p) => run.min(p.saturating_sub(self.body.len()).max(1)),
            None => run,
        }
    }

    /// A part of the body is ready to be taken.
    pub fn part_ready(&self) -> bool {
        self.limits.part.is_some_and(|p| self.body.len() >= p)
    }

    /// The body octets read since the last part. The next part gets its
    /// full size at once: growing it by doubling every time would churn
    /// the allocator for each part of a large message.
    pub fn take_part(&mut self) -> Vec<u8> {
        let next = match self.limits.part {
            // A part ends at most one CR LF past its size.
            Some(p) if !self.doomed() => Vec::with_capacity(p.saturating_add(2)),
            _ => Vec::new(),
        };
        std::mem::replace(&mut self.body, next)
    }

    /// Bytes of body held in memory (never more than the limit).
    #[cfg(test)]
    pub fn buffered(&self) -> usize {
        self.body.len()
    }

    fn finish(&mut self) -> DataEnd {
        if self.bare && self.limits.endings == LineEndings::Refuse {
            DataEnd::BareLineEnding { size: self.size }
        } else if self.over {
            DataEnd::TooLarge { size: self.size }
        } else if self.long_line {
            DataEnd::LineTooLong { size: self.size }
        } else {
            DataEnd::Complete(std::mem::take(&mut self.body))
        }
    }

    /// The message is refused whatever comes next: keep nothing more.
    fn doomed(&self) -> bool {
        self.over || self.long_line
    }

    fn emit(&mut self, bytes: &[u8]) {
        self.size = self.size.saturating_add(bytes.len() as u64);
        if bytes == b"\r\n" {
            self.line = 0;
        } else {
            self.line = self.line.saturating_add(bytes.len());
            // RFC 5321 §4.5.3.1.6: the limit counts the CRLF.
            if self.line.saturating_add(2) > self.limits.line {
                self.long_line = true;
            }
        }
        if self.size > self.limits.size {
            self.over = true;
        }
        if self.doomed() {
            self.body = Vec::new();
        } else {
            self.body.extend_from_slice(bytes);
        }
    }

    /// A CR or LF that is not part of a CR LF pair (RFC 5321 §2.3.8).
    fn bare_break(&mut self, raw: &[u8]) {
        self.bare = true;
        match self.limits.endings {
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
