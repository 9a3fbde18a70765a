#![allow(clippy::unwrap_used)]
use super::*;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

async fn echo_server(security: Security) -> (SocketAddr, CancellationToken, TaskTracker) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let token = CancellationToken::new();
    let tracker = TaskTracker::new();
    let (t, tr) = (token.clone(), tracker.clone());
    tokio::spawn(serve(
        listener,
        security,
        t,
        tr,
        |mut s: Stream, _peer| async move {
            let mut buf = [0u8; 64];
            let n = s.read(&mut buf).await.unwrap();
            if &buf[..n] == b"panic" {
                panic!("handler panics on purpose");
            }
            let tag: &[u8] = if s.is_tls() { b"tls:" } else { b"plain:" };
            s.write_all(&[tag, &buf[..n]].concat()).await.unwrap();
            s.shutdown().await.unwrap();
        },
    ));
    (addr, token, tracker)
}

#[tokio::test]
async fn plain_and_panic_isolation() {
    let (addr, token, tracker) = echo_server(Security::Plain).await;
    let mut c = TcpStream::connect(addr).await.unwrap();
    c.write_all(b"panic").await.unwrap();
    let mut out = Vec::new();
    c.read_to_end(&mut out).await.unwrap();
    assert!(out.is_empty(), "the panicking connection is closed");
    let mut c = TcpStream::connect(addr).await.unwrap();
    c.write_all(b"hello").await.unwrap();
    let mut out = Vec::new();
    c.read_to_end(&mut out).await.unwrap();
    assert_eq!(out, b"plain:hello", "the listener survived the panic");
    token.cancel();
    tracker.close();
    tracker.wait().await;
    // The accept loop has returned: nothing answers on the port any more.
    let refused = tokio::time::timeout(Duration::from_secs(2), async {
        let mut c = TcpStream::connect(addr).await?;
        let mut b = [0u8; 1];
        c.write_all(b"x").await?;
        c.read(&mut b).await
    })
    .await;
    assert!(!matches!(refused, Ok(Ok(n)) if n > 0));
}

#[tokio::test]
async fn implicit_tls() {
    vesontio_tls::install_default_provider();
    let (cert, key) = vesontio_tls::self_signed(&["localhost".into()]).unwrap();
    let acceptor = vesontio_tls::acceptor(cert.as_bytes(), key.as_bytes()).unwrap();
    let (addr, token, _) = echo_server(Security::Implicit(acceptor)).await;
    let client = vesontio_tls::client_config_trusting(cert.as_bytes()).unwrap();
    let connector = tokio_rustls::TlsConnector::from(client);
    let tcp = TcpStream::connect(addr).await.unwrap();
    let name = rustls_pki_types::ServerName::try_from("localhost").unwrap();
    let mut tls = connector.connect(name, tcp).await.unwrap();
    tls.write_all(b"secret").await.unwrap();
    let mut out = Vec::new();
    tls.read_to_end(&mut out).await.unwrap();
    assert_eq!(out, b"tls:secret");
    token.cancel();
}
