#![allow(clippy::unwrap_used)]
use super::*;
use std::net::Ipv4Addr;
use vesontio_store::{NewAccount, StoreConfig};

#[test]
fn fold_known_answers() {
    for (input, want) in [
        ("Jérôme", "jerome"),
        ("François", "francois"),
        ("Jean-Pierre", "jean-pierre"),
        ("D'Ornano", "dornano"),
        ("Le Goff", "le-goff"),
        ("ŒUVRE", "oeuvre"),
        ("Ünal", "unal"),
        ("  Zoë  ", "zoe"),
        ("!!!", ""),
    ] {
        assert_eq!(address::fold(input), want, "{input}");
    }
}

#[test]
fn propose_numbers_homonyms() {
    let existing = vec![
        "jeanne.dupont@ac-demo.fr".to_string(),
        "JEANNE.DUPONT2@ac-demo.fr".to_string(),
    ];
    assert_eq!(
        address::propose("Jeanne", "Dupont", "AC-Demo.fr", &[]).unwrap(),
        "jeanne.dupont@ac-demo.fr"
    );
    assert_eq!(
        address::propose("Jeanne", "Dupont", "ac-demo.fr", &existing[..1]).unwrap(),
        "jeanne.dupont2@ac-demo.fr"
    );
    assert_eq!(
        address::propose("Jeanne", "Dupont", "ac-demo.fr", &existing).unwrap(),
        "jeanne.dupont3@ac-demo.fr"
    );
    assert_eq!(
        address::propose("Élodie", "Lefèvre", "ac-demo.fr", &[]).unwrap(),
        "elodie.lefevre@ac-demo.fr"
    );
    assert!(address::propose("", "Dupont", "ac-demo.fr", &[]).is_none());
}

#[test]
fn nominative_shape() {
    assert!(address::check_nominative("jeanne.dupont@ac-demo.fr").is_ok());
    assert!(address::check_nominative("jeanne.dupont2@ac-demo.fr").is_ok());
    assert!(address::check_nominative("jean-pierre.le-goff@ac-demo.fr").is_ok());
    for bad in [
        "Jeanne.Dupont@ac-demo.fr",
        "jeanne@ac-demo.fr",
        "jérôme.x@ac-demo.fr",
        "a.b.c@ac-demo.fr",
        "jeanne.@x.fr",
    ] {
        assert!(address::check_nominative(bad).is_err(), "{bad}");
    }
}

#[test]
fn cnil_strength() {
    // Accepted: 12 chars of 4 classes, 14 of 3 classes, a long passphrase.
    for good in [
        "Tr0ub4dor&3x",
        "Kx9mPq2vLr7tWz",
        "cheval agrafe batterie correcte lune",
    ] {
        assert!(
            password::check_strength(good, "jeanne.dupont@ac-demo.fr", "Jeanne Dupont").is_ok(),
            "{good}"
        );
    }
    for (bad, why) in [
        ("password", "too easy"),
        ("Azerty123!", "too easy"),
        ("abcdefghijklmnopq", "too easy"),
        ("aaaaaaaaaaaaaaaaaaaa", "too easy"),
        ("Dupont2026!Xyz", "your name"),
        ("Ab1!", "too short"),
    ] {
        let e =
            password::check_strength(bad, "jeanne.dupont@ac-demo.fr", "Jeanne Dupont").unwrap_err();
        assert!(e.reason.contains(why), "{bad}: {e}");
        assert!(
            e.advice.contains("12 characters"),
            "refusals say how to do better"
        );
    }
}

#[test]
fn hash_and_verify() {
    let h = password::hash(&Secret::new("Tr0ub4dor&3x".into())).unwrap();
    assert!(h.starts_with("$argon2id$"), "{h}");
    assert!(password::verify(
        &Secret::new("Tr0ub4dor&3x".into()),
        Some(&h)
    ));
    assert!(!password::verify(
        &Secret::new("tr0ub4dor&3x".into()),
        Some(&h)
    ));
    assert!(!password::verify(&Secret::new("x".into()), None));
    assert!(!password::verify(
        &Secret::new("x".into()),
        Some("not a phc string")
    ));
}

async fn setup() -> (Directory, Account) {
    let dir = tempfile::tempdir().unwrap().keep();
    let store = Store::open(StoreConfig::Sqlite { dir }).await.unwrap();
    let hash = password::hash(&Secret::new("Tr0ub4dor&3x".into())).unwrap();
    let acc = store
        .create_account(NewAccount {
            address: "jeanne.dupont@ac-demo.fr".into(),
            kind: AccountKind::Person,
            display_name: "Jeanne Dupont".into(),
            password_hash: Some(hash),
            must_change_password: false,
            manager: None,
            quota_bytes: 1 << 30,
            created_at: 0,
        })
        .await
        .unwrap();
    let d = Directory::new(
        store,
        AuthLimits {
            max_failures: 10,
            base_delay_secs: 1,
            max_delay_secs: 900,
            cache_ttl_secs: 3600,
        },
    );
    (d, acc)
}

const IP: IpAddr = IpAddr::V4(Ipv4Addr::new(192, 0, 2, 7));

#[tokio::test]
async fn login_and_lockout() {
    let (d, _) = setup().await;
    let good = Secret::new("Tr0ub4dor&3x".to_string());
    let bad = Secret::new("wrong".to_string());
    assert_eq!(
        d.authenticate("Jeanne.Dupont@ac-demo.fr", &good, IP, 1000)
            .await
            .unwrap()
            .address,
        "jeanne.dupont@ac-demo.fr"
    );
    assert!(matches!(
        d.authenticate("nobody@ac-demo.fr", &good, IP, 1000).await,
        Err(AuthError::Invalid)
    ));
    // Failures 2 and 3 (the unknown account counted for this IP).
    for _ in 0..2 {
        assert!(matches!(
            d.authenticate("jeanne.dupont@ac-demo.fr", &bad, IP, 1000)
                .await,
            Err(AuthError::Invalid)
        ));
    }
    // The IP has 3 failures: a 1 s delay, even for the right password.
    assert!(matches!(
        d.authenticate("jeanne.dupont@ac-demo.fr", &good, IP, 1000)
            .await,
        Err(AuthError::Locked { retry_after: 1 })
    ));
    // Growing delays up to a lockout after 10 failures.
    let mut t = 1000;
    for _ in 0..8 {
        t += 10_000;
        assert!(matches!(
            d.authenticate("jeanne.dupont@ac-demo.fr", &bad, IP, t)
                .await,
            Err(AuthError::Invalid)
        ));
    }
    match d
        .authenticate("jeanne.dupont@ac-demo.fr", &good, IP, t + 600)
        .await
    {
        Err(AuthError::Locked { retry_after }) => assert_eq!(retry_after, 300),
        other => panic!("{other:?}"),
    }
    // From another address the account itself is locked too.
    let other_ip = IpAddr::V4(Ipv4Addr::new(198, 51, 100, 1));
    assert!(matches!(
        d.authenticate("jeanne.dupont@ac-demo.fr", &good, other_ip, t + 600)
            .await,
        Err(AuthError::Locked { .. })
    ));
    // After the lockout, success clears both counters.
    assert!(
        d.authenticate("jeanne.dupont@ac-demo.fr", &good, IP, t + 900)
            .await
            .is_ok()
    );
    assert!(
        d.authenticate("jeanne.dupont@ac-demo.fr", &good, other_ip, t + 901)
            .await
            .is_ok()
    );
    assert_eq!(d.delay_after(3), 1);
    assert_eq!(d.delay_after(5), 4);
    assert_eq!(d.delay_after(10), 900);
}

#[tokio::test]
async fn initial_password_must_be_changed() {
    let (d, acc) = setup().await;
    let initial = Secret::new("Bienvenue-2026-Xq!".to_string());
    assert!(matches!(
        d.set_password(&acc, &Secret::new("weak".into()), true)
            .await,
        Err(PasswordChangeError::Weak(_))
    ));
    d.set_password(&acc, &initial, true).await.unwrap();
    let err = d
        .authenticate("jeanne.dupont@ac-demo.fr", &initial, IP, 5)
        .await
        .unwrap_err();
    let AuthError::MustChangePassword(acc) = err else {
        panic!("{err:?}")
    };
    let new = Secret::new("Kx9mPq2vLr7tWz".to_string());
    assert!(matches!(
        d.change_password(&acc, &Secret::new("nope".into()), &new, &new)
            .await,
        Err(PasswordChangeError::WrongCurrent)
    ));
    assert!(matches!(
        d.change_password(&acc, &initial, &new, &Secret::new("Kx9mPq2vLr7tWy".into()))
            .await,
        Err(PasswordChangeError::Mismatch)
    ));
    assert!(matches!(
        d.change_password(&acc, &initial, &initial, &initial).await,
        Err(PasswordChangeError::Unchanged)
    ));
    let changed = d.change_password(&acc, &initial, &new, &new).await.unwrap();
    assert!(!changed.must_change_password);
    assert!(
        d.authenticate("jeanne.dupont@ac-demo.fr", &new, IP, 6)
            .await
            .is_ok()
    );
}

/// The login cache never lets an old or wrong password through.
#[tokio::test]
async fn login_cache_is_invalidated_by_a_password_change() {
    let (d, acc) = setup().await;
    let old = Secret::new("Tr0ub4dor&3x".to_string());
    assert!(
        d.authenticate("jeanne.dupont@ac-demo.fr", &old, IP, 10)
            .await
            .is_ok()
    );
    // Cached now: the same password is accepted again, a wrong one is not.
    assert!(
        d.authenticate("jeanne.dupont@ac-demo.fr", &old, IP, 11)
            .await
            .is_ok()
    );
    assert!(matches!(
        d.authenticate(
            "jeanne.dupont@ac-demo.fr",
            &Secret::new("Tr0ub4dor&3y".into()),
            IP,
            12
        )
        .await,
        Err(AuthError::Invalid)
    ));
    let new = Secret::new("Kx9mPq2vLr7tWz".to_string());
    d.change_password(&acc, &old, &new, &new).await.unwrap();
    assert!(
        matches!(
            d.authenticate("jeanne.dupont@ac-demo.fr", &old, IP, 13)
                .await,
            Err(AuthError::Invalid)
        ),
        "old password refused after the change"
    );
    assert!(
        d.authenticate("jeanne.dupont@ac-demo.fr", &new, IP, 14)
            .await
            .is_ok()
    );
}
