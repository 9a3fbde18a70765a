//! Header sections that readers would read differently ("headers that
//! lie"), found before anything is stored.
//!
//! A bare CR or LF inside a header line is a line break to some readers
//! and not to others: `Subject: hello\rFrom: <recteur@ac-demo.fr>` hides a
//! second `From:` from one and shows it to another (RFC 5322 §2.2 allows
//! CR and LF only together). A NUL ends a C string in the middle of a
//! field. And where RFC 5322 §3.6 allows a field once, two copies let the
//! DMARC check read one and the mail client show the other. The platform
//! refuses all three rather than choose a reading for everybody
//! ([`header_defect`]); bodies are not concerned (their NULs are kept).

/// What makes a header section read differently by different readers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HeaderDefect {
    /// A CR not followed by LF, or an LF not preceded by CR, in the header
    /// section (RFC 5322 §2.2, §2.3).
    BareLineBreak,
    /// A NUL byte in the header section (RFC 5322 §2.2: printable
    /// characters and WSP only; RFC 6532 adds UTF-8, never NUL).
    Nul,
    /// A field that RFC 5322 §3.6 allows at most once appears again; the
    /// field's name as RFC 5322 writes it.
    Repeated(&'static str),
}

/// The identity fields RFC 5322 §3.6 allows once (table in §3.6): who
/// wrote (`From`, the one DMARC checks), who sent (`Sender`) and where
/// replies go (`Reply-To`). Other single fields (`Subject`, `To`, …) are
/// seen twice in real mail from broken software, and lie about nobody.
const ONCE: [&str; 3] = ["From", "Sender", "Reply-To"];

/// The first defect of the header section of `raw` (everything before the
/// first empty line, CRLF CRLF), or `None` when every reader reads it alike.
pub fn header_defect(raw: &[u8]) -> Option<HeaderDefect> {
    let mut counts = [0usize; ONCE.len()];
    let mut i = 0;
    let mut line_start = 0;
    while i < raw.len() {
        match raw[i] {
            b'\r' if raw.get(i + 1) == Some(&b'\n') => {
                let line = &raw[line_start..i];
                if line.is_empty() {
                    return None; // The empty line: the body starts.
                }
                if let Some(d) = count_field(line, &mut counts) {
                    return Some(d);
                }
                i += 2;
                line_start = i;
            }
            b'\r' | b'\n' => return Some(HeaderDefect::BareLineBreak),
            0 => return Some(HeaderDefect::Nul),
            _ => i += 1,
        }
    }
    // No body: the last line is a field too.
    count_field(&raw[line_start..], &mut counts)
}

fn count_field(line: &[u8], counts: &mut [usize; ONCE.len()]) -> Option<HeaderDefect> {
    if line.first().is_none_or(|&b| b == b' ' || b == b'\t') {
        return None; // A continuation line (RFC 5322 §2.2.3).
    }
    let colon = line.iter().position(|&b| b == b':')?;
    // RFC 5322 §4.5: obsolete syntax allows blanks before the colon.
    let name = line[..colon].trim_ascii_end();
    let k = ONCE
        .iter()
        .position(|n| name.eq_ignore_ascii_case(n.as_bytes()))?;
    counts[k] += 1;
    (counts[k] > 1).then_some(HeaderDefect::Repeated(ONCE[k]))
}
