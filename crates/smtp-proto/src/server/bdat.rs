//! RFC 3030 CHUNKING: `BDAT size [LAST]` followed by exactly `size` octets.
//!
//! Invariants
//! - The octets announced by a syntactically valid BDAT are always read,
//!   even when the command is refused, so message data is never taken for
//!   commands (RFC 3030 §2: chunks already pipelined after a failure are
//!   accepted and discarded).
//! - At most `size_limit` bytes of body are kept.

use super::{Event, Input, Pending, Refusal, ServerSession, Transaction, data::LineEndings, ec};
use crate::reply::Reply;

/// The chunks of one transaction gathered so far.
#[derive(Debug, Default)]
pub(super) struct Chunks {
    body: Vec<u8>,
    size: u64,
    over: bool,
}

impl ServerSession {
    pub(super) fn bdat_command(&mut self, size: u64, last: bool) {
        let verdict = match &self.tx {
            None => Some(Reply::new(503, ec(5, 5, 1), "Need MAIL command")),
            // RFC 3030 §2 with RFC 2920 §3.1: no valid recipients.
            Some(tx) if tx.recipients == 0 => {
                Some(Reply::new(554, ec(5, 5, 1), "No valid recipients"))
            }
            Some(_) => None,
        };
        self.input = Input::Bdat {
            remaining: size,
            last,
            verdict,
        };
    }

    /// Reads chunk octets; returns false when more input is needed.
    pub(super) fn bdat_step(&mut self) -> bool {
        let Input::Bdat {
            remaining,
            last,
            verdict,
        } = &mut self.input
        else {
            return false;
        };
        let n = usize::try_from(*remaining)
            .unwrap_or(usize::MAX)
            .min(self.inbuf.len());
        if n == 0 && *remaining > 0 {
            return false;
        }
        *remaining -= n as u64;
        let done = *remaining == 0;
        let last = *last;
        let refused = verdict.is_some();
        if !refused && let Some(tx) = self.tx.as_mut() {
            let chunks = tx.chunks.get_or_insert_with(Chunks::default);
            chunks.size = chunks.size.saturating_add(n as u64);
            if chunks.size > self.cfg.size_limit {
                chunks.over = true;
                chunks.body = Vec::new();
            } else {
                chunks.body.extend_from_slice(&self.inbuf[..n]);
            }
        }
        self.inbuf.drain(..n);
        if !done {
            return true;
        }
        let Input::Bdat { verdict, .. } = std::mem::replace(&mut self.input, Input::Command) else {
            return true;
        };
        if let Some(r) = verdict {
            self.error(r);
            return true;
        }
        let Some(tx) = self.tx.as_mut() else {
            return true;
        };
        let chunks = tx.chunks.get_or_insert_with(Chunks::default);
        if chunks.over {
            let size = chunks.size;
            self.tx = None;
            // RFC 1870 §6.3 applied per chunk: refuse as soon as it is read.
            let r = Reply::new(552, ec(5, 3, 4), self.cfg.size_limit_text.clone());
            self.reply(r);
            self.events.push_back(Event::MessageRefused {
                reason: Refusal::TooLarge,
                size,
            });
        } else if last {
            let body = std::mem::take(&mut chunks.body);
            self.bdat_last(body);
        } else {
            let size = chunks.size;
            self.reply(Reply::new(
                250,
                ec(2, 0, 0),
                format!("{size} octets received"),
            ));
        }
        true
    }

    fn bdat_last(&mut self, body: Vec<u8>) {
        let size = body.len() as u64;
        let (body, bare) = normalise(body);
        if bare && self.cfg.data_line_endings == LineEndings::Refuse {
            self.tx = None;
            self.reply(Reply::new(
                550,
                ec(5, 6, 11),
                "Bare CR or LF not allowed in message data, lines must end with CRLF",
            ));
            self.events.push_back(Event::MessageRefused {
                reason: Refusal::BareLineEnding,
                size,
            });
            return;
        }
        self.pending = Some(Pending::Data);
        self.events.push_back(Event::Data(body));
    }
}

impl Transaction {
    /// True once a BDAT chunk was received: DATA may not follow
    /// (RFC 3030 §2).
    pub(super) fn chunking(&self) -> bool {
        self.chunks.is_some()
    }
}

/// Makes every line ending CRLF (RFC 5321 §2.3.8); reports whether a bare
/// CR or LF was seen. BINARYMIME is not offered, so chunks carry text.
fn normalise(body: Vec<u8>) -> (Vec<u8>, bool) {
    let mut bare = false;
    let mut out = Vec::with_capacity(body.len());
    let mut i = 0;
    while i < body.len() {
        match body[i] {
            b'\r' if body.get(i + 1) == Some(&b'\n') => {
                out.extend_from_slice(b"\r\n");
                i += 1;
            }
            b'\r' | b'\n' => {
                bare = true;
                out.extend_from_slice(b"\r\n");
            }
            b => out.push(b),
        }
        i += 1;
    }
    (out, bare)
}
