//! TLS configuration for every vesontio listener and for the outbound SMTP
//! client: rustls with the **ring** provider only, TLS 1.2 minimum, keys and
//! certificates from PEM (parsed with `rustls-pki-types`), or a self-signed
//! certificate for `vesontio demo` and tests.
//!
//! RFCs and documents implemented (through rustls):
//! - RFC 8446 (TLS 1.3) and RFC 5246 (TLS 1.2); RFC 8996 forbids TLS 1.0/1.1,
//!   and rustls does not even implement them.
//! - RFC 8314 (implicit TLS for submission, IMAP, POP3) and RFC 3207/2595
//!   (STARTTLS/STLS) are the callers' business; this crate gives them configs.
//! - RFC 7435 (opportunistic security): [`dangerous_client_config_no_verify`]
//!   for STARTTLS to MX hosts, which RFC 7435 §1 says need not authenticate.
//! - RFC 7468 (PEM textual encoding).
//!
//! Invariants
//! - Every config is built with `builder_with_provider(ring)`: nothing here
//!   depends on a process-default provider, so the library never panics for
//!   lack of one.
//! - Only TLS 1.3 and TLS 1.2 are ever enabled.
//! - No file I/O: callers (the `app` crate) read PEM files and pass bytes.

use std::sync::Arc;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::CryptoProvider;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName, UnixTime};
use rustls::{ClientConfig, DigitallySignedStruct, RootCertStore, ServerConfig, SignatureScheme};

pub use rustls;
pub use tokio_rustls;

/// The protocol versions vesontio speaks: TLS 1.3 first, TLS 1.2 as the
/// minimum (the design's "TLS 1.2 minimum"; RFC 8996 deprecates 1.0 and 1.1).
pub static PROTOCOL_VERSIONS: &[&rustls::SupportedProtocolVersion] =
    &[&rustls::version::TLS13, &rustls::version::TLS12];

/// Everything that can go wrong while building a TLS configuration.
#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    /// The certificate PEM could not be decoded.
    #[error("certificate PEM is not valid: {0}")]
    CertificatePem(String),
    /// The certificate PEM decoded but held no `CERTIFICATE` block.
    #[error("certificate PEM contains no CERTIFICATE block")]
    NoCertificate,
    /// The private key PEM could not be decoded or held no key.
    #[error(
        "private key PEM is not valid (expected a PRIVATE KEY, RSA PRIVATE KEY or EC PRIVATE KEY block): {0}"
    )]
    PrivateKeyPem(String),
    /// rustls refused the certificate or key (e.g. key does not match, unsupported algorithm).
    #[error("TLS configuration rejected: {0}")]
    Rustls(#[from] rustls::Error),
    /// The self-signed certificate could not be generated.
    #[error("could not generate a self-signed certificate: {0}")]
    Generate(#[from] rcgen::Error),
    /// `self_signed` was called without any host name.
    #[error("a self-signed certificate needs at least one host name")]
    NoHostname,
}

/// The ring crypto provider, as an `Arc` for the config builders.
pub fn provider() -> Arc<CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

/// Installs ring as the process-wide default rustls provider. Call it first
/// thing in `main`, so that any dependency that builds a rustls config without
/// naming a provider (sqlx, hickory, …) finds ring. Idempotent: returns `true`
/// if this call installed it, `false` if a default was already installed.
pub fn install_default_provider() -> bool {
    rustls::crypto::ring::default_provider()
        .install_default()
        .is_ok()
}

/// Decodes every `CERTIFICATE` block of a PEM file (leaf first, then chain).
pub fn parse_certificates(cert_pem: &[u8]) -> Result<Vec<CertificateDer<'static>>, TlsError> {
    let certs = CertificateDer::pem_slice_iter(cert_pem)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| TlsError::CertificatePem(e.to_string()))?;
    if certs.is_empty() {
        return Err(TlsError::NoCertificate);
    }
    Ok(certs)
}

/// Decodes the first private key (PKCS#8, PKCS#1 or SEC1) of a PEM file.
pub fn parse_private_key(key_pem: &[u8]) -> Result<PrivateKeyDer<'static>, TlsError> {
    PrivateKeyDer::from_pem_slice(key_pem).map_err(|e| TlsError::PrivateKeyPem(e.to_string()))
}

/// A server configuration from a PEM certificate chain and its private key.
///
/// No client authentication. ALPN is left empty; a caller that needs it
/// (the web server: `h2`, `http/1.1`) clones the config and sets
/// `alpn_protocols`.
pub fn server_config(cert_pem: &[u8], key_pem: &[u8]) -> Result<Arc<ServerConfig>, TlsError> {
    let certs = parse_certificates(cert_pem)?;
    let key = parse_private_key(key_pem)?;
    let config = ServerConfig::builder_with_provider(provider())
        .with_protocol_versions(PROTOCOL_VERSIONS)?
        .with_no_client_auth()
        .with_single_cert(certs, key)?;
    Ok(Arc::new(config))
}

/// [`server_config`] wrapped in a `tokio_rustls::TlsAcceptor`, ready for
/// `acceptor.accept(tcp_stream).await` (implicit TLS) or after a STARTTLS reply.
pub fn acceptor(cert_pem: &[u8], key_pem: &[u8]) -> Result<tokio_rustls::TlsAcceptor, TlsError> {
    Ok(tokio_rustls::TlsAcceptor::from(server_config(
        cert_pem, key_pem,
    )?))
}

/// A self-signed certificate for `hostnames` (DNS names or IP addresses; the
/// first one is also the subject CN), returned as `(certificate PEM, private
/// key PEM)`. The key is ECDSA P-256. For `vesontio demo` and tests only.
pub fn self_signed(hostnames: &[String]) -> Result<(String, String), TlsError> {
    let first = hostnames.first().ok_or(TlsError::NoHostname)?;
    let mut params = rcgen::CertificateParams::new(hostnames.to_vec())?;
    let mut dn = rcgen::DistinguishedName::new();
    dn.push(rcgen::DnType::CommonName, first.clone());
    dn.push(rcgen::DnType::OrganizationName, "vesontio self-signed");
    params.distinguished_name = dn;
    let key = rcgen::KeyPair::generate()?;
    let cert = params.self_signed(&key)?;
    Ok((cert.pem(), key.serialize_pem()))
}

/// A client configuration that trusts exactly the certificates in `cert_pem`
/// (a self-signed server certificate, or a private CA). Used by tests and by
/// the outbound SMTP client towards a configured relay.
pub fn client_config_trusting(cert_pem: &[u8]) -> Result<Arc<ClientConfig>, TlsError> {
    let mut roots = RootCertStore::empty();
    for cert in parse_certificates(cert_pem)? {
        roots.add(cert)?;
    }
    let config = ClientConfig::builder_with_provider(provider())
        .with_protocol_versions(PROTOCOL_VERSIONS)?
        .with_root_certificates(roots)
        .with_no_client_auth();
    Ok(Arc::new(config))
}

/// **Dangerous**: a client configuration that accepts *any* server
/// certificate — expired, self-signed, for another name.
///
/// It exists for one purpose: opportunistic STARTTLS when relaying to MX
/// hosts. RFC 7435 §1 and RFC 3207 §4.1 accept unauthenticated encryption
/// there, because the alternative in practice is plain text; the handshake
/// signatures are still verified, so the session is encrypted to whoever
/// holds the presented certificate's key. Never use it for submission to a
/// smarthost, for logins, or anywhere a password crosses the connection.
pub fn dangerous_client_config_no_verify() -> Result<Arc<ClientConfig>, TlsError> {
    let provider = provider();
    let verifier = Arc::new(OpportunisticVerifier {
        provider: provider.clone(),
    });
    let config = ClientConfig::builder_with_provider(provider)
        .with_protocol_versions(PROTOCOL_VERSIONS)?
        .dangerous()
        .with_custom_certificate_verifier(verifier)
        .with_no_client_auth();
    Ok(Arc::new(config))
}

/// Accepts any certificate chain, but still checks the handshake signatures
/// with the ring algorithms (so the peer must own the presented key).
#[derive(Debug)]
struct OpportunisticVerifier {
    provider: Arc<CryptoProvider>,
}

impl ServerCertVerifier for OpportunisticVerifier {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        // RFC 7435 §1: opportunistic security does not authenticate the peer.
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.provider
            .signature_verification_algorithms
            .supported_schemes()
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests;
