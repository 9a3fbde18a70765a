//! Address completion (`GET /api/addresses`): the directory's people and
//! functional mailboxes by address or name, the lists the person may post
//! to (R3) and not the others, never a departed account (R12) or oneself,
//! bounded, and only for a logged-in person.
#![allow(clippy::unwrap_used)]

mod common;

use axum::http::StatusCode;
use common::client::*;
use common::*;
use vesontio_store::{AccountUpdate, NewAccount};
use vesontio_types::{AccountKind, AccountStatus};

const JEANNE: &str = "jeanne.martin@ac-test.fr";

async fn list(e: &Env, address: &str, name: &str) -> vesontio_store::Account {
    e.store
        .create_account(NewAccount {
            address: address.into(),
            kind: AccountKind::List,
            display_name: name.into(),
            password_hash: None,
            must_change_password: false,
            manager: None,
            quota_bytes: 0,
            created_at: NOW,
        })
        .await
        .unwrap()
}

/// The suggestions' (email, kind) pairs for `q`.
async fn complete(c: &mut Client, q: &str) -> Vec<(String, String)> {
    let r = c.get(&format!("/api/addresses?q={}", urlencode(q))).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(
        r.header(axum::http::header::CONTENT_TYPE),
        "application/json"
    );
    let v: serde_json::Value = serde_json::from_str(&r.body).unwrap();
    assert_eq!(v["query"], q.trim());
    v["list"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["email"].as_str().unwrap().to_string(),
                s["kind"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[tokio::test]
async fn the_directory_completes_addresses_lists_only_where_one_may_post() {
    let e = env().await;
    let jeanne = person(&e, JEANNE, "Jeanne Martin", PASSWORD, false).await;
    person(&e, "paul.durand@ac-test.fr", "Paul Durand", PASSWORD, false).await;
    person(
        &e,
        "pauline.roux@ac-test.fr",
        "Pauline Roux",
        PASSWORD,
        false,
    )
    .await;
    let gone = person(&e, "paul.ancien@ac-test.fr", "Paul Ancien", PASSWORD, false).await;
    e.store
        .update_account(
            gone.id,
            AccountUpdate {
                status: Some(AccountStatus::Departed),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    functional(
        &e,
        "secretariat.paul-bert@ac-test.fr",
        "Secrétariat Paul Bert",
        &jeanne,
        "lrs",
    )
    .await;
    let open = list(&e, "profs.paul-bert@ac-test.fr", "Professeurs Paul Bert").await;
    e.store.add_list_sender(open.id, JEANNE).await.unwrap();
    list(&e, "direction.paul-bert@ac-test.fr", "Direction Paul Bert").await;

    let mut c = Client::new(&e);
    c.login(JEANNE, PASSWORD).await;
    let mut got = complete(&mut c, "paul").await;
    got.sort();
    assert_eq!(
        got,
        vec![
            ("paul.durand@ac-test.fr".to_string(), "person".to_string()),
            ("pauline.roux@ac-test.fr".into(), "person".into()),
            ("profs.paul-bert@ac-test.fr".into(), "list".into()),
            (
                "secretariat.paul-bert@ac-test.fr".into(),
                "functional".into()
            ),
        ],
        "people, the functional mailbox and the list Jeanne may post to; \
         not the departed account, not the closed list"
    );
    // By display name, case and accents of the address aside.
    assert_eq!(
        complete(&mut c, "ROUX").await,
        vec![("pauline.roux@ac-test.fr".to_string(), "person".to_string())]
    );
    // Oneself is not suggested; one letter is too little to ask.
    assert!(complete(&mut c, "jeanne").await.is_empty());
    assert!(complete(&mut c, "p").await.is_empty());
    // LIKE's wildcards are searched as text, not patterns.
    assert!(complete(&mut c, "%_%").await.is_empty());
    // A long query is cut, and answered.
    let long = "a".repeat(500);
    let r = c.get(&format!("/api/addresses?q={long}")).await;
    assert_eq!(r.status, StatusCode::OK);
    let v: serde_json::Value = serde_json::from_str(&r.body).unwrap();
    assert_eq!(v["query"].as_str().unwrap().len(), 64);
}

#[tokio::test]
async fn completion_needs_a_session_and_is_bounded() {
    let e = env().await;
    person(&e, JEANNE, "Jeanne Martin", PASSWORD, false).await;
    for i in 0..30 {
        person(
            &e,
            &format!("agent{i:02}@ac-test.fr"),
            &format!("Agent {i}"),
            PASSWORD,
            false,
        )
        .await;
    }
    let mut anonymous = Client::new(&e);
    let r = anonymous.get("/api/addresses?q=agent").await;
    assert!(
        r.status == StatusCode::SEE_OTHER || r.status == StatusCode::UNAUTHORIZED,
        "{}",
        r.status
    );
    assert!(!r.body.contains("agent0"), "nothing of the directory shown");
    let mut c = Client::new(&e);
    c.login(JEANNE, PASSWORD).await;
    assert_eq!(complete(&mut c, "agent").await.len(), 8, "at most eight");
}
