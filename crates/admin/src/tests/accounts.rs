//! Accounts: R1 shapes and homonyms, R26 passwords, quota, departure,
//! suspension, R22, the console's pages, the audit trail.

use super::*;
use crate::accounts::*;
use vesontio_types::{AccountKind, AccountStatus};

fn person(address: &str, password: PasswordChoice) -> NewAccountInput {
    NewAccountInput {
        address: address.into(),
        kind: AccountKind::Person,
        display_name: None,
        quota_bytes: None,
        manager: None,
        password,
        first_login: FirstLogin::MustChange,
        address_rule: AddressRule::Nominative,
    }
}

#[tokio::test]
async fn create_person_with_initial_password_and_audit() {
    let a = admin().await;
    let c = a
        .create_account(
            &actor(),
            person("Jeanne.Dupont@AC-Demo.fr", PasswordChoice::Generate),
        )
        .await
        .unwrap();
    assert_eq!(c.account.address, "jeanne.dupont@ac-demo.fr");
    assert_eq!(c.account.display_name, "Jeanne Dupont");
    assert_eq!(c.account.quota_bytes, 1 << 30);
    assert!(
        c.account.must_change_password,
        "R26: changed at first login"
    );
    let pw = c
        .initial_password
        .expect("a generated password is returned once");
    assert!(vesontio_directory::password::check_strength(pw.expose(), "x@y", "").is_ok());
    let stored = a
        .store()
        .account_by_address("jeanne.dupont@ac-demo.fr")
        .await
        .unwrap()
        .unwrap();
    assert!(vesontio_directory::password::verify(
        &pw,
        stored.password_hash.as_deref()
    ));
    let audit = audit_entries(&a).await;
    assert_eq!(audit.len(), 1);
    assert_eq!(audit[0]["action"], "account_add");
    assert_eq!(audit[0]["by"], "root");
    assert_eq!(audit[0]["via"], "cli");
    assert!(
        !audit[0].to_string().contains(pw.expose().as_str()),
        "no password in the audit log"
    );
}

#[tokio::test]
async fn r1_shapes_homonyms_and_domains() {
    let a = admin().await;
    let err = a
        .create_account(
            &actor(),
            person("jeanne@ac-demo.fr", PasswordChoice::Generate),
        )
        .await
        .unwrap_err();
    assert!(matches!(err, AdminError::NotNominative { .. }), "{err}");
    assert!(err.fr().contains("prenom.nom@domaine") && err.en().contains("first.last@domain"));
    let mut legacy = person("jeanne@ac-demo.fr", PasswordChoice::Generate);
    legacy.address_rule = AddressRule::Legacy;
    a.create_account(&actor(), legacy).await.unwrap();

    a.create_account(
        &actor(),
        person("jeanne.dupont@ac-demo.fr", PasswordChoice::Generate),
    )
    .await
    .unwrap();
    let dup = a
        .create_account(
            &actor(),
            person("jeanne.dupont@ac-demo.fr", PasswordChoice::Generate),
        )
        .await
        .unwrap_err();
    match &dup {
        AdminError::Exists { suggestion, .. } => {
            assert_eq!(suggestion.as_deref(), Some("jeanne.dupont2@ac-demo.fr"))
        }
        e => panic!("{e}"),
    }
    let foreign = a
        .create_account(
            &actor(),
            person("a.b@example.org", PasswordChoice::Generate),
        )
        .await
        .unwrap_err();
    assert!(
        matches!(foreign, AdminError::NotLocalDomain { .. }),
        "{foreign}"
    );
    assert!(foreign.en().contains("not a local domain"));
}

#[tokio::test]
async fn r26_weak_password_refused_in_both_languages() {
    let a = admin().await;
    let err = a
        .create_account(
            &actor(),
            person(
                "jeanne.dupont@ac-demo.fr",
                PasswordChoice::Given(Secret::new("password123".into())),
            ),
        )
        .await
        .unwrap_err();
    assert!(matches!(err, AdminError::WeakPassword(_)), "{err}");
    assert!(err.fr().contains("CNIL") && err.en().contains("too easy to guess"));
    assert!(
        a.store()
            .account_by_address("jeanne.dupont@ac-demo.fr")
            .await
            .unwrap()
            .is_none()
    );
}

#[tokio::test]
async fn quota_suspend_departure_reset_and_show() {
    let a = admin().await;
    a.create_account(
        &actor(),
        person("paul.martin@ac-demo.fr", PasswordChoice::Generate),
    )
    .await
    .unwrap();
    let v = a
        .set_quota(&actor(), "paul.martin@ac-demo.fr", 2 << 30)
        .await
        .unwrap();
    assert_eq!(v.quota_bytes, 2 << 30);
    let v = a.suspend(&actor(), "paul.martin@ac-demo.fr").await.unwrap();
    assert_eq!(v.status, AccountStatus::Disabled);
    let date = chrono::NaiveDate::from_ymd_opt(2026, 7, 1).unwrap();
    let v = a
        .set_departure(&actor(), "paul.martin@ac-demo.fr", Some(date))
        .await
        .unwrap();
    assert_eq!(v.status, AccountStatus::Departed);
    assert_eq!(v.departure_at, Some(1_782_864_000));
    let shown = a
        .reset_password(
            &actor(),
            "paul.martin@ac-demo.fr",
            PasswordChoice::Generate,
            FirstLogin::MustChange,
        )
        .await
        .unwrap();
    assert!(shown.is_some());
    a.store()
        .login_succeeded(
            "paul.martin@ac-demo.fr",
            "192.0.2.1",
            1_700_000_000,
            false,
            true,
        )
        .await
        .unwrap();
    let v = a.show_account("Paul.Martin@ac-demo.fr").await.unwrap();
    assert_eq!(v.last_login_at, Some(1_700_000_000));
    assert!(v.must_change_password);
    let actions: Vec<_> = audit_entries(&a)
        .await
        .iter()
        .map(|e| e["action"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(
        actions,
        [
            "account_add",
            "account_set",
            "account_set",
            "account_set",
            "account_passwd"
        ]
    );
    let missing = a.show_account("nobody.here@ac-demo.fr").await.unwrap_err();
    assert!(matches!(missing, AdminError::NotFound { .. }));
}

#[tokio::test]
async fn r22_functional_mailbox_cannot_be_redirected() {
    let a = admin().await;
    let mut dsi = person("dsi@ac-demo.fr", PasswordChoice::Generate);
    dsi.kind = AccountKind::Functional;
    let c = a.create_account(&actor(), dsi).await.unwrap();
    assert!(
        c.initial_password.is_none(),
        "a functional mailbox has no password"
    );
    let err = a
        .update_account(
            &actor(),
            "dsi@ac-demo.fr",
            AccountChanges {
                forward: Some(Forward::To("x@example.org".into())),
                ..Default::default()
            },
        )
        .await
        .unwrap_err();
    assert!(matches!(err, AdminError::ForwardRefused { .. }), "{err}");
    assert!(err.fr().contains("R22") && err.en().contains("R22"));
}

#[tokio::test]
async fn pages_cover_every_account_once() {
    let a = admin().await;
    for i in 0..25 {
        let mut p = person(&format!("u{i:02}@ac-demo.fr"), PasswordChoice::Generate);
        p.address_rule = AddressRule::Legacy;
        p.kind = AccountKind::Functional; // no hashing: the test is about pages
        a.create_account(&actor(), p).await.unwrap();
    }
    let mut seen = Vec::new();
    let mut q = AccountQuery {
        limit: 10,
        ..Default::default()
    };
    loop {
        let page = a.list_accounts(&q).await.unwrap();
        assert!(page.items.len() <= 10);
        seen.extend(page.items.into_iter().map(|s| s.address));
        match page.next {
            Some(n) => q.after = Some(n),
            None => break,
        }
    }
    let want: Vec<_> = (0..25).map(|i| format!("u{i:02}@ac-demo.fr")).collect();
    assert_eq!(seen, want);
    let found = a
        .list_accounts(&AccountQuery {
            search: Some("u1".into()),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(found.items.len(), 10);
    assert_eq!(found.next, None);
}
