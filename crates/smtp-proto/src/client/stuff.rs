//! RFC 5321 §4.5.2 transparency for sending: dot-stuffing and the end of
//! data line.

/// Returns the message as sent after `354`: every line ending made CRLF
/// (a bare CR or LF would let a peer see a different end of data, the
/// "SMTP smuggling" flaw), a dot doubled at the start of each line, a final
/// CRLF added if missing, then `.` CRLF.
pub fn dot_stuff(message: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(message.len() + message.len() / 64 + 5);
    let mut line_start = true;
    let mut i = 0;
    while i < message.len() {
        let b = message[i];
        match b {
            b'\r' | b'\n' => {
                out.extend_from_slice(b"\r\n");
                // CR LF counts as one line break.
                if b == b'\r' && message.get(i + 1) == Some(&b'\n') {
                    i += 1;
                }
                line_start = true;
            }
            _ => {
                if line_start && b == b'.' {
                    out.push(b'.');
                }
                out.push(b);
                line_start = false;
            }
        }
        i += 1;
    }
    if !line_start {
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(b".\r\n");
    out
}
