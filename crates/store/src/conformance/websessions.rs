//! Web sessions (migration v8): create, read, touch, delete, logout
//! everywhere and pruning, identical on both backends.

use super::*;

fn session(id: &str, account: AccountId, at: i64) -> WebSession {
    WebSession {
        id_hash: id.into(),
        account_id: account,
        created_at: at,
        last_seen_at: at,
        must_change_password: true,
        client: "192.0.2.1".into(),
    }
}

pub async fn web_sessions_lifecycle(s: Store) {
    let a = person(&s, "jeanne.martin@ac-test.fr", 1 << 20).await;
    let b = person(&s, "paul.durand@ac-test.fr", 1 << 20).await;
    s.web_session_create(&session("h1", a.id, NOW))
        .await
        .unwrap();
    s.web_session_create(&session("h2", a.id, NOW))
        .await
        .unwrap();
    s.web_session_create(&session("h3", b.id, NOW))
        .await
        .unwrap();
    // The same hash twice is refused (the primary key), never merged.
    assert!(
        s.web_session_create(&session("h1", b.id, NOW))
            .await
            .is_err()
    );

    let got = s.web_session("h1").await.unwrap().unwrap();
    assert_eq!(got, session("h1", a.id, NOW));
    assert!(s.web_session("nope").await.unwrap().is_none());

    s.web_session_touch("h1", NOW + 60).await.unwrap();
    s.web_session_password_changed("h1").await.unwrap();
    let got = s.web_session("h1").await.unwrap().unwrap();
    assert_eq!(
        (got.last_seen_at, got.must_change_password),
        (NOW + 60, false)
    );

    // Logout everywhere keeps the current session and other accounts'.
    assert_eq!(
        s.web_sessions_delete_account(a.id, Some("h1"))
            .await
            .unwrap(),
        1
    );
    assert!(s.web_session("h2").await.unwrap().is_none());
    assert!(s.web_session("h1").await.unwrap().is_some());
    assert!(s.web_session("h3").await.unwrap().is_some());

    assert!(s.web_session_delete("h1").await.unwrap());
    assert!(!s.web_session_delete("h1").await.unwrap());

    // Pruning by idle time and by age.
    s.web_session_create(&session("old", a.id, NOW - 100))
        .await
        .unwrap();
    s.web_session_touch("h3", NOW + 10).await.unwrap();
    assert_eq!(s.web_sessions_prune(NOW, NOW - 1000).await.unwrap(), 1);
    assert!(s.web_session("h3").await.unwrap().is_some());
    assert_eq!(
        s.web_sessions_prune(NOW + 100, NOW - 1000).await.unwrap(),
        1
    );

    // Deleting the account removes its sessions (ON DELETE CASCADE).
    s.web_session_create(&session("h4", b.id, NOW))
        .await
        .unwrap();
    s.delete_account(b.id).await.unwrap();
    assert!(s.web_session("h4").await.unwrap().is_none());
}

/// The webmail signature (migration v11): empty until set, replaced on
/// a second set, one per account, gone with the account.
pub async fn web_signature_per_account(s: Store) {
    let a = person(&s, "jeanne.martin@ac-test.fr", 1 << 20).await;
    let b = person(&s, "paul.durand@ac-test.fr", 1 << 20).await;
    assert_eq!(s.web_signature(a.id).await.unwrap(), "");
    s.set_web_signature(a.id, "Jeanne Martin\nCollège Victor-Hugo")
        .await
        .unwrap();
    s.set_web_signature(a.id, "Jeanne Martin\nLycée Pasteur")
        .await
        .unwrap();
    assert_eq!(
        s.web_signature(a.id).await.unwrap(),
        "Jeanne Martin\nLycée Pasteur"
    );
    assert_eq!(s.web_signature(b.id).await.unwrap(), "");
    s.delete_account(a.id).await.unwrap();
    assert_eq!(s.web_signature(a.id).await.unwrap(), "");
}

/// "Always show images for this sender" (migration v18): per account,
/// compared lowercase, set twice without error, cleared, gone with the
/// account.
pub async fn web_image_senders_per_account(s: Store) {
    let a = person(&s, "jeanne.martin@ac-test.fr", 1 << 20).await;
    let b = person(&s, "paul.durand@ac-test.fr", 1 << 20).await;
    assert!(
        !s.web_images_allowed(a.id, "lettre@mairie.fr")
            .await
            .unwrap()
    );
    s.set_web_images_allowed(a.id, "Lettre@Mairie.fr", true, 1)
        .await
        .unwrap();
    s.set_web_images_allowed(a.id, "lettre@mairie.fr", true, 2)
        .await
        .unwrap();
    s.set_web_images_allowed(a.id, "info@musee.fr", true, 3)
        .await
        .unwrap();
    assert!(
        s.web_images_allowed(a.id, "LETTRE@mairie.fr")
            .await
            .unwrap()
    );
    assert!(
        !s.web_images_allowed(b.id, "lettre@mairie.fr")
            .await
            .unwrap()
    );
    assert_eq!(
        s.web_image_senders(a.id).await.unwrap(),
        vec!["info@musee.fr".to_string(), "lettre@mairie.fr".to_string()]
    );
    s.set_web_images_allowed(a.id, "lettre@mairie.fr", false, 4)
        .await
        .unwrap();
    assert!(
        !s.web_images_allowed(a.id, "lettre@mairie.fr")
            .await
            .unwrap()
    );
    s.delete_account(a.id).await.unwrap();
    assert!(s.web_image_senders(a.id).await.unwrap().is_empty());
}
