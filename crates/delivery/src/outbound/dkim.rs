//! DKIM signing of outgoing mail (RFC 6376 §5) with mail-auth on ring:
//! Ed25519-SHA256 (RFC 8463) or RSA-SHA256, relaxed/relaxed
//! canonicalization (RFC 6376 §3.4.2, §3.4.4).

use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use mail_auth::common::crypto::{Ed25519Key, RsaKey, Sha256};
use mail_auth::common::headers::HeaderWriter;
use mail_auth::dkim::{Canonicalization, DkimSigner, Done};
use rustls_pki_types::PrivateKeyDer;
use rustls_pki_types::pem::PemObject;

/// RFC 6376 §5.4.1: the fields worth signing. `From` is required; the rest
/// are signed when present (absent ones are signed as empty, which is
/// harmless for relaxed canonicalization).
const SIGNED_HEADERS: &[&str] = &[
    "From",
    "Reply-To",
    "Subject",
    "Date",
    "To",
    "Cc",
    "Message-ID",
    "In-Reply-To",
    "References",
    "MIME-Version",
    "Content-Type",
    "Content-Transfer-Encoding",
];

#[derive(Debug, thiserror::Error)]
pub enum DkimError {
    #[error("no private key in the PEM text")]
    NoKey,
    #[error("unsupported or invalid DKIM key: {0}")]
    BadKey(String),
    #[error("signing failed: {0}")]
    Sign(String),
}

enum Key {
    Ed25519(DkimSigner<Ed25519Key, Done>, Vec<u8>),
    Rsa(DkimSigner<RsaKey<Sha256>, Done>, Vec<u8>),
}

/// Signs mail of one domain with one selector.
pub struct Signer {
    domain: String,
    selector: String,
    key: Key,
}

impl std::fmt::Debug for Signer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Signer")
            .field("domain", &self.domain)
            .field("selector", &self.selector)
            .finish_non_exhaustive()
    }
}

fn build<T: mail_auth::common::crypto::SigningKey>(
    key: T,
    domain: &str,
    selector: &str,
) -> DkimSigner<T, Done> {
    DkimSigner::from_key(key)
        .domain(domain)
        .selector(selector)
        .headers(SIGNED_HEADERS.iter().copied())
        .header_canonicalization(Canonicalization::Relaxed)
        .body_canonicalization(Canonicalization::Relaxed)
}

impl Signer {
    /// Reads a PEM private key: PKCS#8 Ed25519 (`BEGIN PRIVATE KEY`, as
    /// [`generate_ed25519_pem`] or `openssl genpkey -algorithm ed25519`
    /// write it), PKCS#8 RSA, or PKCS#1 RSA (`BEGIN RSA PRIVATE KEY`).
    pub fn from_pem(domain: &str, selector: &str, pem: &str) -> Result<Signer, DkimError> {
        let der = PrivateKeyDer::from_pem_slice(pem.as_bytes()).map_err(|_| DkimError::NoKey)?;
        let domain = domain.trim_end_matches('.').to_ascii_lowercase();
        let key = match &der {
            PrivateKeyDer::Pkcs8(p8) => {
                match Ed25519Key::from_pkcs8_maybe_unchecked_der(p8.secret_pkcs8_der()) {
                    Ok(k) => {
                        let public = k.public_key();
                        Key::Ed25519(build(k, &domain, selector), public)
                    }
                    Err(_) => {
                        let k = RsaKey::<Sha256>::from_key_der(der.clone_key())
                            .map_err(|e| DkimError::BadKey(e.to_string()))?;
                        let public = k.public_key();
                        Key::Rsa(build(k, &domain, selector), public)
                    }
                }
            }
            _ => {
                let k = RsaKey::<Sha256>::from_key_der(der.clone_key())
                    .map_err(|e| DkimError::BadKey(e.to_string()))?;
                let public = k.public_key();
                Key::Rsa(build(k, &domain, selector), public)
            }
        };
        Ok(Signer {
            domain,
            selector: selector.to_string(),
            key,
        })
    }

    pub fn domain(&self) -> &str {
        &self.domain
    }

    pub fn selector(&self) -> &str {
        &self.selector
    }

    /// The name of the TXT record: `selector._domainkey.domain`.
    pub fn dns_name(&self) -> String {
        format!("{}._domainkey.{}", self.selector, self.domain)
    }

    /// The TXT record to publish at [`Signer::dns_name`] (RFC 6376 §3.6.1).
    pub fn dns_txt_record(&self) -> String {
        match &self.key {
            Key::Ed25519(_, public) => {
                format!("v=DKIM1; k=ed25519; p={}", B64.encode(public))
            }
            Key::Rsa(_, public) => {
                format!("v=DKIM1; k=rsa; p={}", B64.encode(rsa_spki(public)))
            }
        }
    }

    /// The `DKIM-Signature: ...` field with its final CRLF, to prepend to
    /// `raw` (RFC 6376 §5.6).
    pub fn sign(&self, raw: &[u8]) -> Result<String, DkimError> {
        let sig = match &self.key {
            Key::Ed25519(s, _) => s.sign(raw),
            Key::Rsa(s, _) => s.sign(raw),
        }
        .map_err(|e| DkimError::Sign(e.to_string()))?;
        Ok(sig.to_header())
    }

    /// `raw` with the signature field prepended.
    pub fn sign_message(&self, raw: &[u8]) -> Result<Vec<u8>, DkimError> {
        let header = self.sign(raw)?;
        let mut out = Vec::with_capacity(header.len() + raw.len());
        out.extend_from_slice(header.as_bytes());
        out.extend_from_slice(raw);
        Ok(out)
    }
}

/// A new Ed25519 key for `vesontio demo`: the PKCS#8 PEM private key, and
/// the TXT record value to publish (`v=DKIM1; k=ed25519; p=...`, RFC 8463 §4).
pub fn generate_ed25519_pem() -> Result<(String, String), DkimError> {
    let der = Ed25519Key::generate_pkcs8().map_err(|e| DkimError::BadKey(e.to_string()))?;
    let key = Ed25519Key::from_pkcs8_der(&der).map_err(|e| DkimError::BadKey(e.to_string()))?;
    let txt = format!("v=DKIM1; k=ed25519; p={}", B64.encode(key.public_key()));
    Ok((pem("PRIVATE KEY", &der), txt))
}

/// RFC 7468 §2 textual encoding.
fn pem(label: &str, der: &[u8]) -> String {
    let b64 = B64.encode(der);
    let mut out = format!("-----BEGIN {label}-----\n");
    for chunk in b64.as_bytes().chunks(64) {
        out.push_str(&String::from_utf8_lossy(chunk));
        out.push('\n');
    }
    out.push_str(&format!("-----END {label}-----\n"));
    out
}

/// Wraps a PKCS#1 `RSAPublicKey` in a `SubjectPublicKeyInfo` (RFC 5280
/// §4.1), the form DKIM records carry (RFC 6376 §3.6.1).
fn rsa_spki(pkcs1: &[u8]) -> Vec<u8> {
    fn tlv(tag: u8, body: &[u8]) -> Vec<u8> {
        let mut v = vec![tag];
        let n = body.len();
        if n < 0x80 {
            v.push(n as u8);
        } else {
            let bytes: Vec<u8> = n
                .to_be_bytes()
                .into_iter()
                .skip_while(|b| *b == 0)
                .collect();
            v.push(0x80 | bytes.len() as u8);
            v.extend(bytes);
        }
        v.extend_from_slice(body);
        v
    }
    // AlgorithmIdentifier { rsaEncryption (1.2.840.113549.1.1.1), NULL }
    let alg: &[u8] = &[
        0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01, 0x05, 0x00,
    ];
    let mut bits = vec![0u8];
    bits.extend_from_slice(pkcs1);
    let mut body = alg.to_vec();
    body.extend(tlv(0x03, &bits));
    tlv(0x30, &body)
}
