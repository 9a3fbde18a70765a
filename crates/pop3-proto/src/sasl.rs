//! RFC 5034 SASL responses for the PLAIN mechanism (RFC 4616).

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use vesontio_types::Secret;

/// Decoded RFC 4616 §2 message: `[authzid] NUL authcid NUL passwd`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlainCredentials {
    /// Authorization identity, `None` when empty.
    pub authzid: Option<String>,
    /// Authentication identity (the login).
    pub authcid: String,
    pub password: Secret<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum SaslError {
    /// RFC 5034 §4: a response that is not base64 rejects the AUTH command.
    #[error("invalid base64")]
    Base64,
    /// Not `[authzid] NUL authcid NUL passwd` in UTF-8.
    #[error("malformed PLAIN credentials")]
    Malformed,
}

/// Decodes one base64 client response for PLAIN. RFC 5034 §4: `=` is an
/// empty response, which PLAIN cannot use.
pub fn decode_plain(b64: &str) -> Result<PlainCredentials, SaslError> {
    let raw = if b64 == "=" {
        Vec::new()
    } else {
        STANDARD
            .decode(b64.as_bytes())
            .map_err(|_| SaslError::Base64)?
    };
    let mut parts = raw.split(|&b| b == 0);
    let (Some(authzid), Some(authcid), Some(passwd), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(SaslError::Malformed);
    };
    // RFC 4616 §2: authcid and passwd are 1 to 255 octets of UTF-8.
    if authcid.is_empty() || passwd.is_empty() || authcid.len() > 255 || passwd.len() > 255 {
        return Err(SaslError::Malformed);
    }
    let utf8 = |b: &[u8]| String::from_utf8(b.to_vec()).map_err(|_| SaslError::Malformed);
    Ok(PlainCredentials {
        authzid: if authzid.is_empty() {
            None
        } else {
            Some(utf8(authzid)?)
        },
        authcid: utf8(authcid)?,
        password: Secret::new(utf8(passwd)?),
    })
}
