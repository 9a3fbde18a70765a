//! R22: redirection, with and without copy, and its refusal for
//! functional mailboxes (directly or through an internal hop).

use super::*;

async fn send(e: &Env, to: &str) {
    e.d.submit(
        mx(),
        envelope(Some("a@example.org"), &[to]),
        message("a@example.org", to, "s", "b"),
        NOW,
    )
    .await
    .expect("accepted");
}

#[tokio::test]
async fn person_forward_without_copy() {
    let e = setup().await;
    let jean = person(&e, "jean.dupont@ac-demo.fr").await;
    set_forward(&e, &jean, "jean@perso.example", false).await;
    send(&e, "jean.dupont@ac-demo.fr").await;
    assert!(inbox(&e, "jean.dupont@ac-demo.fr").await.is_empty());
    let q = remote(&e).await;
    assert_eq!(q.len(), 1);
    // The redirecting account is the reverse path (no SRS): SPF checks our domain.
    assert_eq!(q[0].0.sender, "jean.dupont@ac-demo.fr");
    assert_eq!(q[0].0.recipients[0].address, "jean@perso.example");
    assert!(!q[0].1.contains("X-Vesontio-Functional"));
}

#[tokio::test]
async fn person_forward_with_copy() {
    let e = setup().await;
    let jean = person(&e, "jean.dupont@ac-demo.fr").await;
    set_forward(&e, &jean, "jean@perso.example", true).await;
    send(&e, "jean.dupont@ac-demo.fr").await;
    assert_eq!(inbox(&e, "jean.dupont@ac-demo.fr").await.len(), 1);
    assert_eq!(remote(&e).await.len(), 1);
}

#[tokio::test]
async fn functional_forward_outside_refused_and_kept() {
    let e = setup().await;
    let dsi = account(&e, "dsi@ac-demo.fr", AccountKind::Functional, 1 << 30).await;
    set_forward(&e, &dsi, "dsi@gmail.example", false).await;
    send(&e, "dsi@ac-demo.fr").await;
    assert!(remote(&e).await.is_empty(), "R22: never leaves");
    assert_eq!(inbox(&e, "dsi@ac-demo.fr").await.len(), 1, "kept locally");
    let a = e.store().audit_entries(0, NOW + 1).await.expect("audit");
    assert!(
        a[0].data
            .contains("redirection refused (R22): dsi@ac-demo.fr"),
        "{}",
        a[0].data
    );
}

#[tokio::test]
async fn functional_via_internal_hop_refused() {
    let e = setup().await;
    let dsi = account(&e, "dsi@ac-demo.fr", AccountKind::Functional, 1 << 30).await;
    let jean = person(&e, "jean.dupont@ac-demo.fr").await;
    set_forward(&e, &dsi, "jean.dupont@ac-demo.fr", false).await;
    set_forward(&e, &jean, "jean@perso.example", false).await;
    send(&e, "dsi@ac-demo.fr").await;
    assert!(
        remote(&e).await.is_empty(),
        "R22: not through a person either"
    );
    assert!(
        inbox(&e, "dsi@ac-demo.fr").await.is_empty(),
        "dsi keeps no copy"
    );
    assert_eq!(
        inbox(&e, "jean.dupont@ac-demo.fr").await.len(),
        1,
        "jean keeps it"
    );
    // Mail sent to jean directly still goes out.
    send(&e, "jean.dupont@ac-demo.fr").await;
    assert_eq!(remote(&e).await.len(), 1);
}

#[tokio::test]
async fn functional_mark_from_earlier_hop_is_kept() {
    let e = setup().await;
    let jean = person(&e, "jean.dupont@ac-demo.fr").await;
    set_forward(&e, &jean, "jean@perso.example", false).await;
    let raw = [
        b"X-Vesontio-Functional: yes\r\n".as_slice(),
        &message("a@example.org", "j", "s", "b"),
    ]
    .concat();
    e.d.submit(
        mx(),
        envelope(Some("a@example.org"), &["jean.dupont@ac-demo.fr"]),
        raw,
        NOW,
    )
    .await
    .expect("accepted");
    assert!(remote(&e).await.is_empty());
    assert_eq!(inbox(&e, "jean.dupont@ac-demo.fr").await.len(), 1);
}

#[tokio::test]
async fn forwarding_loop_ends_and_keeps_one_copy() {
    let e = setup().await;
    let a = person(&e, "alice.martin@ac-demo.fr").await;
    let b = person(&e, "bruno.petit@ac-demo.fr").await;
    set_forward(&e, &a, "bruno.petit@ac-demo.fr", false).await;
    set_forward(&e, &b, "alice.martin@ac-demo.fr", false).await;
    send(&e, "alice.martin@ac-demo.fr").await;
    let n = inbox(&e, "alice.martin@ac-demo.fr").await.len()
        + inbox(&e, "bruno.petit@ac-demo.fr").await.len();
    assert_eq!(n, 1, "the loop is cut and the message not lost");
    assert!(remote(&e).await.is_empty());
}

#[tokio::test]
async fn copies_leaving_after_a_functional_hop_carry_the_mark() {
    let e = setup().await;
    let dsi = account(&e, "dsi@ac-demo.fr", AccountKind::Functional, 1 << 30).await;
    let list = account(&e, "equipe@ac-demo.fr", AccountKind::List, 0).await;
    e.store()
        .add_list_member(list.id, "prestataire@example.org")
        .await
        .expect("m");
    set_forward(&e, &dsi, "equipe@ac-demo.fr", true).await;
    send(&e, "dsi@ac-demo.fr").await;
    assert_eq!(inbox(&e, "dsi@ac-demo.fr").await.len(), 1);
    let q = remote(&e).await;
    assert_eq!(q.len(), 1);
    assert_eq!(q[0].0.recipients[0].address, "prestataire@example.org");
    assert!(
        q[0].1.contains("X-Vesontio-Functional: yes\r\n"),
        "{}",
        q[0].1
    );
}
