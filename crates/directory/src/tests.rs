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
    setup_with(100).await
}

fn limits(max_accounts_per_address: u32) -> AuthLimits {
    AuthLimits {
        max_failures: 10,
        base_delay_secs: 1,
        max_delay_secs: 900,
        account_max_delay_secs: 60,
        max_accounts_per_address,
        cache_ttl_secs: 3600,
    }
}

async fn new_account(store: &Store, address: &str, password: &str) -> Account {
    let hash = password::hash_for_tests(&Secret::new(password.into())).unwrap();
    store
        .create_account(NewAccount {
            address: address.into(),
            kind: AccountKind::Person,
            display_name: "Jeanne Dupont".into(),
            password_hash: Some(hash),
            must_change_password: false,
            manager: None,
            quota_bytes: 1 << 30,
            created_at: 0,
        })
        .await
        .unwrap()
}

async fn setup_with(max_accounts_per_address: u32) -> (Directory, Account) {
    let dir = tempfile::tempdir().unwrap().keep();
    let store = Store::open(StoreConfig::Sqlite { dir }).await.unwrap();
    let acc = new_account(&store, JEANNE, "Tr0ub4dor&3x").await;
    let d = Directory::new(store, limits(max_accounts_per_address));
    (d, acc)
}

const JEANNE: &str = "jeanne.dupont@ac-demo.fr";
const IP: IpAddr = IpAddr::V4(Ipv4Addr::new(192, 0, 2, 7));
const HOME: IpAddr = IpAddr::V4(Ipv4Addr::new(198, 51, 100, 1));
const TRAIN: IpAddr = IpAddr::V4(Ipv4Addr::new(203, 0, 113, 9));

fn good() -> Secret<String> {
    Secret::new("Tr0ub4dor&3x".to_string())
}

fn bad() -> Secret<String> {
    Secret::new("wrong".to_string())
}

async fn login(
    d: &Directory,
    ip: IpAddr,
    pw: &Secret<String>,
    t: i64,
) -> Result<Account, AuthError> {
    d.authenticate(JEANNE, pw, ip, t).await
}

fn retry(r: Result<Account, AuthError>) -> i64 {
    match r {
        Err(AuthError::Locked { retry_after }) => retry_after,
        other => panic!("expected a hold, got {other:?}"),
    }
}

#[test]
fn delays_of_the_model() {
    let l = limits(100);
    assert_eq!(
        (0..=11).map(|n| l.pair_delay(n)).collect::<Vec<_>>(),
        vec![0, 0, 0, 1, 2, 4, 8, 16, 32, 64, 900, 900]
    );
    // Account-wide: delays only, capped at account_max_delay.
    assert_eq!(
        (0..=12).map(|n| l.account_delay(n)).collect::<Vec<_>>(),
        vec![0, 0, 0, 1, 2, 4, 8, 16, 32, 60, 60, 60, 60]
    );
    assert_eq!(l.account_delay(1000), 60);
}

/// One address: three free typos, doubling delays, the lock at 10; the
/// right password is refused while held; success clears the pair.
#[tokio::test]
async fn pair_delays_then_lock() {
    let (d, _) = setup().await;
    assert_eq!(login(&d, IP, &good(), 1000).await.unwrap().address, JEANNE);
    let (d2, _) = (d.clone(), ());
    assert_eq!(
        d2.authenticate("Jeanne.Dupont@AC-demo.fr", &good(), IP, 1000)
            .await
            .unwrap()
            .address,
        JEANNE,
        "logins are case-insensitive"
    );
    for t in 1001..1004 {
        assert!(matches!(
            login(&d, IP, &bad(), t).await,
            Err(AuthError::Invalid)
        ));
    }
    // 3 failures: 1 s, even for the right password.
    assert_eq!(retry(login(&d, IP, &good(), 1003).await), 1);
    let mut t = 1003;
    for _ in 0..7 {
        t += 1000;
        assert!(matches!(
            login(&d, IP, &bad(), t).await,
            Err(AuthError::Invalid)
        ));
    }
    // 10 failures: locked for max_delay at this address.
    assert_eq!(retry(login(&d, IP, &good(), t + 600).await), 300);
    assert!(login(&d, IP, &good(), t + 900).await.is_ok());
    // Cleared: a typo now is free again.
    assert!(matches!(
        login(&d, IP, &bad(), t + 901).await,
        Err(AuthError::Invalid)
    ));
    assert!(login(&d, IP, &good(), t + 901).await.is_ok());
}

/// Issue 11: an attacker's ten failures from one address lock that address
/// out of the account, never the owner logging in from an address used
/// before; from a new address the owner is only delayed (never locked).
#[tokio::test]
async fn attacker_cannot_lock_the_owner_out() {
    let (d, _) = setup().await;
    assert!(login(&d, HOME, &good(), 1000).await.is_ok());
    // Ten failures, 100 s apart (past every pair delay).
    let mut last = 0;
    for i in 0..10 {
        last = 2000 + 100 * i;
        assert!(matches!(
            login(&d, IP, &bad(), last).await,
            Err(AuthError::Invalid)
        ));
    }
    // The attacker's address is locked, even with the right password.
    let t = last + 1;
    assert_eq!(retry(login(&d, IP, &good(), t).await), 899);
    // The owner, from home, is neither locked nor delayed.
    assert!(login(&d, HOME, &good(), t).await.is_ok());
    // From an address never used, a delay of at most account_max_delay.
    let wait = retry(login(&d, TRAIN, &good(), t).await);
    assert_eq!(wait, 59);
    assert!(login(&d, TRAIN, &good(), t + wait).await.is_ok());
    // The attacker is still locked out; the owner's logins changed nothing.
    assert_eq!(retry(login(&d, IP, &good(), t + wait).await), 899 - wait);
}

/// Issue 11: 200 users behind one NAT address log in, some after a typo:
/// nobody is held.
#[tokio::test]
async fn nat_address_with_200_users_is_not_limited() {
    let (d, _) = setup().await;
    let nat = IpAddr::V4(Ipv4Addr::new(192, 0, 2, 200));
    let mut users = Vec::new();
    for i in 0..200 {
        let a = format!("eleve.numero{i}@ac-demo.fr");
        new_account(d.store(), &a, "Tr0ub4dor&3x").await;
        users.push(a);
    }
    for (i, a) in users.iter().enumerate() {
        let t = 1000 + i as i64;
        if i % 4 == 0 {
            assert!(matches!(
                d.authenticate(a, &bad(), nat, t).await,
                Err(AuthError::Invalid)
            ));
        }
        let r = d.authenticate(a, &good(), nat, t).await;
        assert_eq!(
            r.map(|acc| acc.address).ok().as_deref(),
            Some(a.as_str()),
            "{a}"
        );
    }
}

/// Password spraying: one address failing on many accounts is refused for
/// the accounts it never logged into, not for those it did.
#[tokio::test]
async fn spraying_from_one_address_is_stopped() {
    let (d, _) = setup_with(5).await;
    let s = IpAddr::V4(Ipv4Addr::new(192, 0, 2, 66));
    assert!(
        login(&d, s, &good(), 100).await.is_ok(),
        "jeanne is known at s"
    );
    for i in 0..5 {
        let a = format!("cible.numero{i}@ac-demo.fr");
        new_account(d.store(), &a, "Tr0ub4dor&3x").await;
        assert!(matches!(
            d.authenticate(&a, &bad(), s, 1000 + i).await,
            Err(AuthError::Invalid)
        ));
    }
    let a = "cible.numero9@ac-demo.fr";
    new_account(d.store(), a, "Tr0ub4dor&3x").await;
    assert_eq!(retry(d.authenticate(a, &good(), s, 1010).await), 900 - 6);
    // Jeanne, known at this address, is not held.
    assert!(login(&d, s, &good(), 1010).await.is_ok());
    // From elsewhere the account is free, and the hold ends with max_delay.
    assert!(d.authenticate(a, &good(), HOME, 1010).await.is_ok());
    assert!(d.authenticate(a, &good(), s, 1004 + 900).await.is_ok());
}

/// IPv6 clients count by /64: changing the low bits does not escape.
#[tokio::test]
async fn ipv6_counts_by_64() {
    let (d, _) = setup().await;
    for i in 0..10u16 {
        let ip = IpAddr::V6(std::net::Ipv6Addr::new(0x2001, 0xdb8, 1, 2, i, 0, 0, 1));
        assert!(matches!(
            login(&d, ip, &bad(), 1000 + 1000 * i64::from(i)).await,
            Err(AuthError::Invalid)
        ));
    }
    let other = IpAddr::V6(std::net::Ipv6Addr::new(0x2001, 0xdb8, 1, 2, 99, 0, 0, 7));
    assert!(matches!(
        login(&d, other, &good(), 10_500).await,
        Err(AuthError::Locked { .. })
    ));
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
