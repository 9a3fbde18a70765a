//! R23: absence replies, once per sender per period, never to lists,
//! bulk or automatic mail.

use super::*;
use vesontio_store::Vacation;

async fn away(e: &Env, a: &Account) {
    e.store()
        .set_vacation(
            a.id,
            &Vacation {
                active: true,
                start_at: Some(NOW - 86_400),
                end_at: Some(NOW + 86_400),
                subject: "Absent".into(),
                body: "Je suis absent jusqu'à demain.".into(),
            },
        )
        .await
        .expect("vacation");
}

async fn send_raw(e: &Env, from: Option<&str>, to: &str, raw: Vec<u8>) {
    e.d.submit(mx(), envelope(from, &[to]), raw, NOW)
        .await
        .expect("accepted");
}

#[tokio::test]
async fn external_sender_answered_once() {
    let e = setup().await;
    let j = person(&e, "jean.dupont@ac-demo.fr").await;
    away(&e, &j).await;
    let to = "jean.dupont@ac-demo.fr";
    send_raw(
        &e,
        Some("a@example.org"),
        to,
        message("a@example.org", to, "Question", "b"),
    )
    .await;
    send_raw(
        &e,
        Some("a@example.org"),
        to,
        message("a@example.org", to, "Relance", "b"),
    )
    .await;
    assert_eq!(inbox(&e, to).await.len(), 2);
    let q = remote(&e).await;
    assert_eq!(q.len(), 1, "once per sender per period");
    let (entry, reply) = &q[0];
    assert_eq!(entry.sender, "", "null reverse path (RFC 3834 §3.3)");
    assert_eq!(entry.recipients[0].address, "a@example.org");
    assert!(reply.contains("Auto-Submitted: auto-replied"), "{reply}");
    assert!(reply.contains("Subject: Absent"), "{reply}");
    assert!(reply.contains("In-Reply-To: <m"), "{reply}");
    assert!(
        reply.contains("From: \"jean.dupont\" <jean.dupont@ac-demo.fr>"),
        "{reply}"
    );
}

#[tokio::test]
async fn local_sender_answered_locally() {
    let e = setup().await;
    let j = person(&e, "jean.dupont@ac-demo.fr").await;
    let m = person(&e, "marie.curie@ac-demo.fr").await;
    away(&e, &j).await;
    let to = "jean.dupont@ac-demo.fr";
    e.d.submit(
        sub(&m),
        envelope(Some("marie.curie@ac-demo.fr"), &[to]),
        message("marie.curie@ac-demo.fr", to, "Q", "b"),
        NOW,
    )
    .await
    .expect("accepted");
    assert!(remote(&e).await.is_empty());
    assert_eq!(subjects(&e, "marie.curie@ac-demo.fr").await, ["Absent"]);
}

#[tokio::test]
async fn no_reply_to_list_bulk_automatic_or_null_sender() {
    let e = setup().await;
    let j = person(&e, "jean.dupont@ac-demo.fr").await;
    away(&e, &j).await;
    let to = "jean.dupont@ac-demo.fr";
    let base = message("a@example.org", to, "s", "b");
    for (i, extra) in [
        "List-Id: <info.example.org>\r\n",
        "Precedence: bulk\r\n",
        "Auto-Submitted: auto-generated\r\n",
    ]
    .iter()
    .enumerate()
    {
        let raw = [extra.as_bytes(), &base].concat();
        send_raw(&e, Some(&format!("s{i}@example.org")), to, raw).await;
    }
    send_raw(&e, None, to, base.clone()).await;
    // Through an institutional list.
    let list = account(&e, "tous@ac-demo.fr", AccountKind::List, 0).await;
    e.store().add_list_member(list.id, to).await.expect("m");
    // R3: the gate checks the envelope at DATA too.
    e.store()
        .add_list_sender(list.id, "other@example.org")
        .await
        .expect("sender");
    send_raw(
        &e,
        Some("other@example.org"),
        "tous@ac-demo.fr",
        message("other@example.org", to, "s", "b"),
    )
    .await;
    assert_eq!(inbox(&e, to).await.len(), 5);
    assert!(remote(&e).await.is_empty(), "no absence reply at all");
}
