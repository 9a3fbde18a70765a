use super::*;

use tokio::io::{AsyncReadExt, AsyncWriteExt};

fn names(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| s.to_string()).collect()
}

/// Runs one handshake over an in-memory duplex pipe, exchanges a line each
/// way, and returns the negotiated protocol version seen by the client.
async fn handshake(
    server: Arc<ServerConfig>,
    client: Arc<ClientConfig>,
    server_name: &str,
) -> Result<rustls::ProtocolVersion, std::io::Error> {
    let (client_io, server_io) = tokio::io::duplex(64 * 1024);
    let acceptor = tokio_rustls::TlsAcceptor::from(server);
    let connector = tokio_rustls::TlsConnector::from(client);
    let name = ServerName::try_from(server_name.to_string()).expect("valid test name");

    let server_task = tokio::spawn(async move {
        let mut tls = acceptor.accept(server_io).await?;
        let mut buf = [0u8; 6];
        tls.read_exact(&mut buf).await?;
        assert_eq!(&buf, b"HELLO\n");
        tls.write_all(b"WORLD\n").await?;
        tls.flush().await?;
        tls.shutdown().await?;
        Ok::<_, std::io::Error>(())
    });

    let mut tls = connector.connect(name, client_io).await?;
    tls.write_all(b"HELLO\n").await?;
    tls.flush().await?;
    let mut buf = [0u8; 6];
    tls.read_exact(&mut buf).await?;
    assert_eq!(&buf, b"WORLD\n");
    let version = tls
        .get_ref()
        .1
        .protocol_version()
        .expect("handshake complete");
    // A server-side failure would surface here; a client failure already did.
    let _ = server_task.await.expect("server task did not panic");
    Ok(version)
}

#[tokio::test]
async fn self_signed_handshake_with_trusting_client() {
    let (cert, key) = self_signed(&names(&["mail.ac-demo.fr", "127.0.0.1"])).unwrap();
    assert!(cert.starts_with("-----BEGIN CERTIFICATE-----"));
    assert!(key.contains("PRIVATE KEY-----"));
    let server = server_config(cert.as_bytes(), key.as_bytes()).unwrap();
    let client = client_config_trusting(cert.as_bytes()).unwrap();
    let version = handshake(server.clone(), client.clone(), "mail.ac-demo.fr")
        .await
        .unwrap();
    // Both sides prefer TLS 1.3.
    assert_eq!(version, rustls::ProtocolVersion::TLSv1_3);
    // The IP address SAN is usable too.
    handshake(server, client, "127.0.0.1").await.unwrap();
}

#[tokio::test]
async fn trusting_client_rejects_wrong_name_and_unknown_certificate() {
    let (cert, key) = self_signed(&names(&["mail.ac-demo.fr"])).unwrap();
    let server = server_config(cert.as_bytes(), key.as_bytes()).unwrap();
    let client = client_config_trusting(cert.as_bytes()).unwrap();
    let err = handshake(server.clone(), client, "other.example.org")
        .await
        .unwrap_err();
    assert!(err.to_string().contains("certificate"), "{err}");

    // A client trusting a different self-signed certificate refuses this one.
    let (other_cert, _) = self_signed(&names(&["mail.ac-demo.fr"])).unwrap();
    let stranger = client_config_trusting(other_cert.as_bytes()).unwrap();
    let err = handshake(server, stranger, "mail.ac-demo.fr")
        .await
        .unwrap_err();
    assert!(err.to_string().contains("certificate"), "{err}");
}

#[tokio::test]
async fn tls12_only_client_is_accepted() {
    let (cert, key) = self_signed(&names(&["mail.ac-demo.fr"])).unwrap();
    let server = server_config(cert.as_bytes(), key.as_bytes()).unwrap();
    let mut roots = RootCertStore::empty();
    roots
        .add(parse_certificates(cert.as_bytes()).unwrap().remove(0))
        .unwrap();
    let client = ClientConfig::builder_with_provider(provider())
        .with_protocol_versions(&[&rustls::version::TLS12])
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth();
    let version = handshake(server, Arc::new(client), "mail.ac-demo.fr")
        .await
        .unwrap();
    assert_eq!(version, rustls::ProtocolVersion::TLSv1_2);
}

#[tokio::test]
async fn opportunistic_client_accepts_unknown_certificate() {
    let (cert, key) = self_signed(&names(&["mx.elsewhere.example"])).unwrap();
    let server = server_config(cert.as_bytes(), key.as_bytes()).unwrap();
    let client = dangerous_client_config_no_verify().unwrap();
    // Neither the name nor the issuer is checked (RFC 7435).
    let version = handshake(server, client, "mx.ac-demo.fr").await.unwrap();
    assert_eq!(version, rustls::ProtocolVersion::TLSv1_3);
}

/// A TLS 1.1 ClientHello (RFC 4346 §7.4.1.2: legacy version 3.2, no
/// supported_versions extension), as sent by an old client that also knows
/// the TLS 1.2 signature_algorithms extension (RFC 5246 §7.4.1.4.1), which
/// rustls requires before it looks at the version.
fn tls11_client_hello() -> Vec<u8> {
    let mut body = vec![0x03, 0x02]; // client_version = TLS 1.1
    body.extend_from_slice(&[0x42; 32]); // random
    body.push(0); // session_id length
    body.extend_from_slice(&[0x00, 0x04, 0x00, 0x2f, 0xc0, 0x13]); // cipher suites
    body.extend_from_slice(&[0x01, 0x00]); // compression: null
    // extensions: signature_algorithms = ecdsa_secp256r1_sha256, rsa_pkcs1_sha256
    body.extend_from_slice(&[
        0x00, 0x0a, 0x00, 0x0d, 0x00, 0x06, 0x00, 0x04, 0x04, 0x03, 0x04, 0x01,
    ]);
    let mut handshake = vec![0x01, 0, 0, body.len() as u8]; // ClientHello
    handshake.extend_from_slice(&body);
    let mut record = vec![0x16, 0x03, 0x01, 0, handshake.len() as u8];
    record.extend_from_slice(&handshake);
    record
}

#[test]
fn tls11_client_hello_is_refused_with_protocol_version_alert() {
    let (cert, key) = self_signed(&names(&["mail.ac-demo.fr"])).unwrap();
    let server = server_config(cert.as_bytes(), key.as_bytes()).unwrap();
    let mut conn = rustls::ServerConnection::new(server).unwrap();
    let hello = tls11_client_hello();
    let mut input: &[u8] = &hello;
    conn.read_tls(&mut input).unwrap();
    let err = conn.process_new_packets().unwrap_err();
    assert_eq!(
        err,
        rustls::Error::PeerIncompatible(rustls::PeerIncompatible::Tls12NotOffered)
    );
    // The server answers with a fatal protocol_version alert (RFC 5246 §7.2.2).
    let mut out = Vec::new();
    conn.write_tls(&mut out).unwrap();
    assert_eq!(out[0], 0x15, "alert record");
    assert_eq!(&out[out.len() - 2..], &[2, 70], "fatal protocol_version");
}

#[test]
fn server_config_uses_ring_and_modern_suites_only() {
    let (cert, key) = self_signed(&names(&["mail.ac-demo.fr"])).unwrap();
    let server = server_config(cert.as_bytes(), key.as_bytes()).unwrap();
    let expected = rustls::crypto::ring::default_provider();
    let suites: Vec<_> = server
        .crypto_provider()
        .cipher_suites
        .iter()
        .map(|s| s.suite())
        .collect();
    let ring_suites: Vec<_> = expected.cipher_suites.iter().map(|s| s.suite()).collect();
    assert_eq!(suites, ring_suites);
    for suite in server.crypto_provider().cipher_suites.iter() {
        let v = suite.version().version;
        assert!(
            v == rustls::ProtocolVersion::TLSv1_3 || v == rustls::ProtocolVersion::TLSv1_2,
            "{v:?}"
        );
    }
}

#[test]
fn bad_pem_gives_clear_errors() {
    let (cert, key) = self_signed(&names(&["mail.ac-demo.fr"])).unwrap();

    let err = server_config(b"not a pem file", key.as_bytes()).unwrap_err();
    assert!(matches!(err, TlsError::NoCertificate), "{err:?}");
    assert_eq!(
        err.to_string(),
        "certificate PEM contains no CERTIFICATE block"
    );

    let truncated = &cert[..cert.len() / 2];
    let err = server_config(truncated.as_bytes(), key.as_bytes()).unwrap_err();
    assert!(matches!(err, TlsError::CertificatePem(_)), "{err:?}");

    let err = server_config(cert.as_bytes(), b"").unwrap_err();
    assert!(matches!(err, TlsError::PrivateKeyPem(_)), "{err:?}");
    assert!(err.to_string().starts_with("private key PEM is not valid"));

    // The certificate given as key: no key block inside.
    let err = server_config(cert.as_bytes(), cert.as_bytes()).unwrap_err();
    assert!(matches!(err, TlsError::PrivateKeyPem(_)), "{err:?}");

    // A key that does not belong to the certificate.
    let (_, other_key) = self_signed(&names(&["mail.ac-demo.fr"])).unwrap();
    let err = server_config(cert.as_bytes(), other_key.as_bytes()).unwrap_err();
    assert!(matches!(err, TlsError::Rustls(_)), "{err:?}");

    assert!(matches!(self_signed(&[]), Err(TlsError::NoHostname)));
    assert!(matches!(
        client_config_trusting(b""),
        Err(TlsError::NoCertificate)
    ));
}

#[test]
fn install_default_provider_is_idempotent() {
    install_default_provider();
    assert!(!install_default_provider());
    assert!(CryptoProvider::get_default().is_some());
}

#[test]
fn acceptor_builds() {
    let (cert, key) = self_signed(&names(&["mail.ac-demo.fr"])).unwrap();
    let acceptor = acceptor(cert.as_bytes(), key.as_bytes()).unwrap();
    assert!(acceptor.config().alpn_protocols.is_empty());
}
