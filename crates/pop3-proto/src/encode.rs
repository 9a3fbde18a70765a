//! RFC 1939 §3 multi-line responses for RETR and TOP: every line ends in
//! CRLF, lines beginning with "." are byte-stuffed, and `.CRLF` ends the
//! response.
//!
//! Normalisation: CRLF stays, a bare LF or a bare CR becomes CRLF, and a
//! final CRLF is added to a message whose last line has none.

/// Streaming encoder: feed the raw message in chunks of any size (a CR at
/// the end of one chunk and an LF at the start of the next are one line
/// end), then `finish`.
#[derive(Debug, Clone)]
pub struct MessageEncoder {
    /// TOP's body line count; `None` for RETR.
    top: Option<u32>,
    /// Body lines still to send (TOP only).
    body_left: u32,
    /// Still in the header (TOP only): ends at the first empty line.
    in_header: bool,
    /// Nothing of the current line has been written yet.
    at_line_start: bool,
    /// The previous byte was a CR already turned into CRLF: swallow an LF.
    after_cr: bool,
    /// TOP has sent all it should: ignore the rest.
    done: bool,
}

impl MessageEncoder {
    /// `top = Some(m)`: send the header, the empty line and `m` body lines
    /// (RFC 1939 §7 TOP); `None`: send everything (RETR).
    pub fn new(top: Option<u32>) -> Self {
        MessageEncoder {
            top,
            body_left: top.unwrap_or(0),
            in_header: true,
            at_line_start: true,
            after_cr: false,
            done: false,
        }
    }

    /// Encodes the next chunk of the raw message into `out`.
    pub fn encode(&mut self, chunk: &[u8], out: &mut Vec<u8>) {
        let start = self.encode_clean_prefix(chunk, out);
        self.encode_lines(&chunk[start..], out);
    }

    /// Fast path for RETR of the common message, already in CRLF form:
    /// copies the longest prefix of `chunk` made of whole CRLF lines with no
    /// bare CR or LF, stuffing the lines that start with a dot, and returns
    /// its length (0 when the path does not apply). Vector scans instead of
    /// a walk line by line.
    fn encode_clean_prefix(&mut self, chunk: &[u8], out: &mut Vec<u8>) -> usize {
        if self.top.is_some() || !self.at_line_start || self.after_cr || self.done {
            return 0;
        }
        let Some(last_lf) = memchr::memrchr(b'\n', chunk) else {
            return 0;
        };
        let prefix = &chunk[..=last_lf];
        if prefix.len() < 2 || prefix[prefix.len() - 2] != b'\r' {
            return 0;
        }
        let crs = memchr::memchr_iter(b'\r', prefix).count();
        let lfs = memchr::memchr_iter(b'\n', prefix).count();
        // Equal counts and every LF after a CR: every CR is followed by an LF.
        if crs != lfs
            || memchr::memchr_iter(b'\n', prefix).any(|p| p == 0 || prefix[p - 1] != b'\r')
        {
            return 0;
        }
        out.reserve(prefix.len() + 16);
        if prefix[0] == b'.' {
            out.push(b'.');
        }
        let mut from = 0;
        for p in memchr::memmem::find_iter(prefix, b"\n.") {
            // RFC 1939 §3 byte-stuffing of a line starting with ".".
            out.extend_from_slice(&prefix[from..=p]);
            out.push(b'.');
            from = p + 1;
        }
        out.extend_from_slice(&prefix[from..]);
        // `at_line_start` stays true: the prefix ended with CRLF.
        prefix.len()
    }

    /// The general path: any line endings, TOP's line counting.
    fn encode_lines(&mut self, chunk: &[u8], out: &mut Vec<u8>) {
        let mut i = 0;
        while i < chunk.len() && !self.done {
            match chunk[i] {
                b'\r' => {
                    self.end_line(out);
                    self.after_cr = true;
                    i += 1;
                }
                b'\n' => {
                    if !self.after_cr {
                        self.end_line(out);
                    }
                    self.after_cr = false;
                    i += 1;
                }
                first => {
                    self.after_cr = false;
                    // memchr2 scans a word or a vector at a time: this loop
                    // is the hot path of every RETR.
                    let end =
                        memchr::memchr2(b'\r', b'\n', &chunk[i..]).map_or(chunk.len(), |p| i + p);
                    if self.at_line_start {
                        // RFC 1939 §3: "If any line begins with the termination
                        // octet, the line is 'byte-stuffed' by pre-pending the
                        // termination octet to that line."
                        if first == b'.' {
                            out.push(b'.');
                        }
                        self.at_line_start = false;
                    }
                    out.extend_from_slice(&chunk[i..end]);
                    i = end;
                }
            }
        }
    }

    /// Ends the last line if needed and writes the terminating `.CRLF`.
    pub fn finish(self, out: &mut Vec<u8>) {
        if !self.done && !self.at_line_start {
            out.extend_from_slice(b"\r\n");
        }
        out.extend_from_slice(b".\r\n");
    }

    fn end_line(&mut self, out: &mut Vec<u8>) {
        out.extend_from_slice(b"\r\n");
        let was_empty = self.at_line_start;
        self.at_line_start = true;
        if self.top.is_none() {
            return;
        }
        if self.in_header {
            // RFC 1939 §7 TOP: the headers, "the blank line separating the
            // headers from the body", then the body lines.
            if was_empty {
                self.in_header = false;
                self.done = self.body_left == 0;
            }
        } else {
            self.body_left = self.body_left.saturating_sub(1);
            self.done = self.body_left == 0;
        }
    }
}

/// Encodes a whole message (RETR when `top` is `None`, TOP otherwise),
/// terminator included, into `out`. The `+OK` status line is not written.
pub fn encode_message(raw: &[u8], top: Option<u32>, out: &mut Vec<u8>) {
    out.reserve(raw.len() + raw.len() / 32 + 5);
    let mut enc = MessageEncoder::new(top);
    enc.encode(raw, out);
    enc.finish(out);
}

/// RFC 1939 §11 size of a message as the client receives it: CRLF
/// normalised with a final CRLF added if missing, byte-stuffing and the
/// `.CRLF` terminator not counted. This is what [`crate::MessageInfo::size`]
/// must hold.
pub fn octet_size(raw: &[u8]) -> u64 {
    let mut size: u64 = 0;
    let mut after_cr = false;
    let mut at_line_start = true;
    for &b in raw {
        match b {
            b'\r' => {
                size += 2;
                after_cr = true;
                at_line_start = true;
            }
            b'\n' => {
                if !after_cr {
                    size += 2;
                }
                after_cr = false;
                at_line_start = true;
            }
            _ => {
                size += 1;
                after_cr = false;
                at_line_start = false;
            }
        }
    }
    if !at_line_start {
        size += 2;
    }
    size
}
