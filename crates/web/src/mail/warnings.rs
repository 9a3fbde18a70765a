//! What the reading page warns about: the filters' `X-Vesontio-Warning`
//! header (R25; design.md: a reason code, then a sentence) and mail from
//! outside the installation's domains.
//!
//! The header's own sentence is never shown: only its reason code is
//! read, and the page says the catalogue's sentence for it (a generic one
//! for codes it does not know). A sender who forges the header can then
//! only make their message look more suspicious, never put their words
//! in a banner that looks like the académie's.

/// Warnings read from one message: a hostile one cannot flood the page.
pub const MAX_WARNINGS: usize = 5;
/// Header bytes looked at: the header section is bounded anyway (R6),
/// this keeps the scan small on a huge one.
const HEAD_MAX: usize = 256 * 1024;

/// A reason of the filters, known to the catalogue or not.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reason {
    /// The message imitates an internal sender or service.
    Impersonation,
    /// A domain that looks like the institution's.
    LookalikeDomain,
    /// The message asks for a password or other credentials.
    Credentials,
    Other,
}

impl Reason {
    fn of(code: &str) -> Reason {
        match code {
            "impersonation" => Reason::Impersonation,
            "lookalike-domain" | "lookalike" => Reason::LookalikeDomain,
            "credentials" => Reason::Credentials,
            _ => Reason::Other,
        }
    }

    /// The sentence shown for this reason.
    pub fn text(&self, t: &crate::i18n::T) -> String {
        t.get(match self {
            Reason::Impersonation => "warning.impersonation",
            Reason::LookalikeDomain => "warning.lookalike_domain",
            Reason::Credentials => "warning.credentials",
            Reason::Other => "warning.other",
        })
        .to_string()
    }
}

/// The reasons of every `X-Vesontio-Warning` field of the header section
/// (RFC 5322 §2.2.3 unfolding), in order, without repeats.
pub fn reasons(raw: &[u8]) -> Vec<Reason> {
    let head = &raw[..raw.len().min(HEAD_MAX)];
    let end = find(head, b"\r\n\r\n")
        .or_else(|| find(head, b"\n\n"))
        .unwrap_or(head.len());
    let text = String::from_utf8_lossy(&head[..end]);
    let mut out: Vec<Reason> = Vec::new();
    let mut fields: Vec<String> = Vec::new();
    for line in text.split('\n') {
        let line = line.trim_end_matches('\r');
        match (line.starts_with([' ', '\t']), fields.last_mut()) {
            (true, Some(last)) => last.push_str(line),
            _ => fields.push(line.to_string()),
        }
    }
    for f in fields {
        let Some((name, value)) = f.split_once(':') else {
            continue;
        };
        if !name.trim().eq_ignore_ascii_case("x-vesontio-warning") {
            continue;
        }
        let code = value
            .split_whitespace()
            .next()
            .unwrap_or("")
            .to_ascii_lowercase();
        let r = Reason::of(code.trim_end_matches([':', ';', ',']));
        if !out.contains(&r) {
            out.push(r);
        }
        if out.len() == MAX_WARNINGS {
            break;
        }
    }
    out
}

fn find(h: &[u8], needle: &[u8]) -> Option<usize> {
    h.windows(needle.len()).position(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_read_unfolded_deduplicated_and_only_from_the_header() {
        let raw = b"From: a@example.org\r\n\
X-Vesontio-Warning: lookalike-domain Ce message vient d'un domaine\r\n \
qui ressemble au n\xc3\xb4tre\r\n\
x-vesontio-warning:   CREDENTIALS demande un mot de passe\r\n\
X-Vesontio-Warning: lookalike-domain encore\r\n\
X-Vesontio-Warning: made-up Ce message est certifi\xc3\xa9 par l'acad\xc3\xa9mie\r\n\
Subject: x\r\n\r\n\
X-Vesontio-Warning: impersonation (in the body: not a header)\r\n";
        assert_eq!(
            reasons(raw),
            vec![Reason::LookalikeDomain, Reason::Credentials, Reason::Other]
        );
        assert!(reasons(b"Subject: rien\r\n\r\ncorps").is_empty());
        assert!(reasons(b"").is_empty());
        assert!(reasons(b"X-Vesontio-Warning:").len() == 1);
        let many: String = (0..50)
            .map(|i| {
                format!("X-Vesontio-Warning: code{i}\r\nX-Vesontio-Warning: impersonation\r\n")
            })
            .collect();
        assert!(reasons(many.as_bytes()).len() <= MAX_WARNINGS);
    }
}
