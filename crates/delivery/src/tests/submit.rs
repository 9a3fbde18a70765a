//! `submit`: local delivery and its rules.

use super::*;

#[tokio::test]
async fn plain_local_delivery_from_mx() {
    let e = setup().await;
    person(&e, "jean.dupont@ac-demo.fr").await;
    let raw = message(
        "a@example.org",
        "jean.dupont@ac-demo.fr",
        "Bonjour",
        "Salut",
    );
    let acc =
        e.d.submit(
            mx(),
            envelope(Some("a@example.org"), &["jean.dupont@ac-demo.fr"]),
            raw,
            NOW,
        )
        .await
        .expect("accepted");
    assert!(!acc.queue_id.is_empty());
    let inbox = inbox(&e, "jean.dupont@ac-demo.fr").await;
    assert_eq!(inbox.len(), 1);
    let t = text(&inbox[0]);
    assert!(
        t.starts_with(
            "Received: from mail.example.org ([192.0.2.7]) by mx.ac-demo.fr with ESMTPS id "
        ),
        "{t}"
    );
    assert!(t.contains("for <jean.dupont@ac-demo.fr>;"), "{t}");
    assert!(t.contains("\r\nSubject: Bonjour\r\n"));
    assert!(t.ends_with("\r\n\r\nSalut\r\n"));
    assert_eq!(acc.message_id, "m12@example.org");
}
