//! `check_sender` (R2) and `check_recipient` (unknown, relay, R3, R5).

use super::*;

#[tokio::test]
async fn unknown_local_user_is_550_511() {
    let e = setup().await;
    let r =
        e.d.check_recipient(
            &mx(),
            Some(&addr("a@example.org")),
            &addr("nobody@ac-demo.fr"),
            0,
            NOW,
        )
        .await
        .unwrap_err();
    assert_eq!((r.code, r.enhanced.as_str()), (550, "5.1.1"));
    assert!(
        r.text.contains("<nobody@ac-demo.fr>: no such mailbox here"),
        "{}",
        r.text
    );
}

#[tokio::test]
async fn known_local_user_accepted_on_mx() {
    let e = setup().await;
    person(&e, "jean.dupont@ac-demo.fr").await;
    e.d.check_recipient(
        &mx(),
        Some(&addr("a@example.org")),
        &addr("Jean.Dupont@AC-demo.fr"),
        0,
        NOW,
    )
    .await
    .expect("accepted");
}
