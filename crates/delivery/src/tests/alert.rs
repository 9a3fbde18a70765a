//! R8's stage: an active security alert holds matching messages in the
//! quarantine (accepted, not delivered, not bounced), through every door;
//! lifted or expired alerts hold nothing more.
#![allow(clippy::unwrap_used)]

use std::sync::Arc;
use std::time::Duration;

use super::*;
use crate::{AlertStage, FilterSettings, Filters, Stage};
use vesontio_store::{AlertKind, NewAlert};

async fn with_alerts() -> Env {
    let e = setup().await;
    let stage: Arc<dyn Stage> = Arc::new(AlertStage::with_ttl(e.store().clone(), Duration::ZERO));
    let d = Delivery::with_filters(
        DeliveryConfig {
            recipients_per_hour: 100,
            ..config()
        },
        e.store().clone(),
        Filters::new(FilterSettings::with_junk(5.0), vec![stage]),
    );
    let e = Env { _dir: e._dir, d };
    person(&e, "jean.dupont@ac-demo.fr").await;
    person(&e, "paul.durand@ac-demo.fr").await;
    e
}

async fn alert(e: &Env, kind: AlertKind, value: &str, expires_at: i64) -> vesontio_store::Alert {
    e.store()
        .alert_add(NewAlert {
            kind,
            value: value.into(),
            note: "test".into(),
            created_at: NOW,
            created_by: "admin".into(),
            expires_at,
        })
        .await
        .unwrap()
}

async fn held(e: &Env, rule: &str) -> Vec<vesontio_store::QuarantineEntry> {
    e.store()
        .quarantine_list()
        .await
        .unwrap()
        .into_iter()
        .filter(|q| q.rule.as_deref() == Some(rule))
        .collect()
}

const JEAN: &str = "jean.dupont@ac-demo.fr";

#[tokio::test]
async fn each_kind_of_alert_holds_what_it_names_and_nothing_else() {
    let e = with_alerts().await;
    let odt = alert(&e, AlertKind::Extension, "odt", NOW + 3600).await;
    let ty = alert(&e, AlertKind::ContentType, "application/pdf", NOW + 3600).await;
    let phrase = alert(&e, AlertKind::Content, "Facture impayée n°", NOW + 3600).await;
    let dom = alert(&e, AlertKind::SenderDomain, "evil.example", NOW + 3600).await;
    let one = alert(&e, AlertKind::Sender, "x@bad.example", NOW + 3600).await;

    let cases: Vec<(Vec<u8>, &str, String)> = vec![
        (
            with_attachment(
                "a@example.org",
                JEAN,
                "Doc",
                "cours.odt",
                "application/octet-stream",
                b"PK",
            ),
            "a@example.org",
            odt.rule(),
        ),
        (
            with_attachment(
                "a@example.org",
                JEAN,
                "Doc",
                "scan",
                "application/pdf",
                b"%PDF-1.4",
            ),
            "a@example.org",
            ty.rule(),
        ),
        (
            message(
                "a@example.org",
                JEAN,
                "Relance",
                "Votre FACTURE IMPAYEE n° 1234 est jointe.",
            ),
            "a@example.org",
            phrase.rule(),
        ),
        (
            message("a@mail.evil.example", JEAN, "Bonjour", "Texte."),
            "a@mail.evil.example",
            dom.rule(),
        ),
        (
            message("x@bad.example", JEAN, "Bonjour", "Texte."),
            "x@bad.example",
            one.rule(),
        ),
    ];
    for (raw, from, rule) in cases {
        let r =
            e.d.submit(mx(), envelope(Some(from), &[JEAN]), raw, NOW)
                .await;
        assert!(r.is_ok(), "accepted, not refused nor bounced: {r:?}");
        let q = held(&e, &rule).await;
        assert_eq!(q.len(), 1, "{rule}");
        assert_eq!(q[0].recipients, vec![JEAN.to_string()]);
        assert!(q[0].reason.contains("security alert"), "{}", q[0].reason);
    }
    assert!(inbox(&e, JEAN).await.is_empty(), "nothing delivered");
    // A message matching none of them is delivered.
    let raw = message("b@example.org", JEAN, "Conseil", "Le conseil a lieu jeudi.");
    e.d.submit(mx(), envelope(Some("b@example.org"), &[JEAN]), raw, NOW)
        .await
        .unwrap();
    assert_eq!(inbox(&e, JEAN).await.len(), 1);
}

#[tokio::test]
async fn alerts_apply_to_local_senders_and_stop_when_lifted_or_expired() {
    let e = with_alerts().await;
    let paul = e
        .store()
        .account_by_address("paul.durand@ac-demo.fr")
        .await
        .unwrap()
        .unwrap();
    let a = alert(&e, AlertKind::Content, "lien de connexion", NOW + 3600).await;
    let send = |n: u32| {
        message(
            "paul.durand@ac-demo.fr",
            JEAN,
            &format!("Urgent {n}"),
            "Voici le lien de connexion.",
        )
    };
    // A compromised account spreading a campaign inside: held too.
    e.d.submit(
        sub(&paul),
        envelope(Some("paul.durand@ac-demo.fr"), &[JEAN]),
        send(1),
        NOW,
    )
    .await
    .unwrap();
    assert_eq!(held(&e, &a.rule()).await.len(), 1);
    assert!(inbox(&e, JEAN).await.is_empty());
    // Lifted: the next one is delivered; the held one stays held.
    assert!(e.store().alert_lift(a.id, NOW + 10).await.unwrap());
    e.d.submit(
        sub(&paul),
        envelope(Some("paul.durand@ac-demo.fr"), &[JEAN]),
        send(2),
        NOW + 20,
    )
    .await
    .unwrap();
    assert_eq!(inbox(&e, JEAN).await.len(), 1);
    assert_eq!(held(&e, &a.rule()).await.len(), 1);
    // Expired: the same.
    let b = alert(&e, AlertKind::Content, "lien de connexion", NOW + 30).await;
    e.d.submit(
        sub(&paul),
        envelope(Some("paul.durand@ac-demo.fr"), &[JEAN]),
        send(3),
        NOW + 40,
    )
    .await
    .unwrap();
    assert_eq!(inbox(&e, JEAN).await.len(), 2);
    assert!(held(&e, &b.rule()).await.is_empty());
}
