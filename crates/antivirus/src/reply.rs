//! clamd's one-line answers, read as typed results.
//!
//! clamd answers `stream: OK`, `stream: <signature> FOUND` or
//! `<text> ERROR` (clamd's own `docs/man/clamd.8`, section "COMMANDS").
//! In an IDSESSION every answer is prefixed with the command's number and
//! `": "`. Anything else is a protocol error: an answer we cannot read is
//! never taken for clean (R9).

use crate::{ClamdError, Scan};

/// Reads one answer (its terminating NUL or newline already removed or not).
pub(crate) fn parse(raw: &[u8]) -> Result<Scan, ClamdError> {
    let text = String::from_utf8_lossy(raw);
    let text = text.trim_end_matches(['\0', '\n', '\r']).trim();
    let text = strip_session_id(text);
    if text == "stream: OK" {
        return Ok(Scan::Clean);
    }
    if let Some(rest) = text.strip_prefix("stream: ")
        && let Some(signature) = rest.strip_suffix(" FOUND")
    {
        let signature = signature.trim();
        if signature.is_empty() {
            return Err(ClamdError::Protocol(text.to_string()));
        }
        return Ok(Scan::Infected {
            signature: signature.to_string(),
        });
    }
    // "INSTREAM size limit exceeded. ERROR": clamd stopped reading at its
    // StreamMaxLength. The message was not scanned, so it is not clean.
    if text.contains("size limit exceeded") {
        return Err(ClamdError::SizeLimit);
    }
    Err(ClamdError::Protocol(cut(text)))
}

/// `"12: stream: OK"` → `"stream: OK"`; text without a numeric prefix unchanged.
fn strip_session_id(text: &str) -> &str {
    match text.split_once(": ") {
        Some((id, rest)) if !id.is_empty() && id.bytes().all(|b| b.is_ascii_digit()) => rest,
        _ => text,
    }
}

/// Keeps error texts short: they end up in logs.
fn cut(text: &str) -> String {
    text.chars().take(200).collect()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn answers() {
        assert_eq!(parse(b"stream: OK\0").unwrap(), Scan::Clean);
        assert_eq!(parse(b"3: stream: OK\0").unwrap(), Scan::Clean);
        assert_eq!(
            parse(b"stream: Eicar-Test-Signature FOUND\0").unwrap(),
            Scan::Infected {
                signature: "Eicar-Test-Signature".into()
            }
        );
        assert_eq!(
            parse(b"17: stream: Win.Test.EICAR_HDB-1 FOUND\0").unwrap(),
            Scan::Infected {
                signature: "Win.Test.EICAR_HDB-1".into()
            }
        );
        assert!(matches!(
            parse(b"INSTREAM size limit exceeded. ERROR\0"),
            Err(ClamdError::SizeLimit)
        ));
        assert!(matches!(
            parse(b"2: INSTREAM size limit exceeded. ERROR\0"),
            Err(ClamdError::SizeLimit)
        ));
        assert!(matches!(
            parse(b"stream:  FOUND"),
            Err(ClamdError::Protocol(_))
        ));
        assert!(matches!(parse(b""), Err(ClamdError::Protocol(_))));
        assert!(matches!(
            parse(b"UNKNOWN COMMAND\0"),
            Err(ClamdError::Protocol(_))
        ));
        // Bad bytes never panic and are never clean.
        assert!(parse(&[0xff, 0xfe, 0]).is_err());
    }
}
