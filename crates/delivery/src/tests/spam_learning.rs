//! R24's learning paths and the models' persistence: `spam learn` seeds
//! with everything it is given; reports and Junk moves teach the domain's
//! model only what the classifier was wrong or unsure of; a learn is one
//! journal row, every node replays the same rows, folds keep the model.
#![allow(clippy::unwrap_used)]

use std::sync::Arc;
use std::time::Duration;

use super::*;
use crate::filter::{SpamModels, Teach};
use crate::{FilterSettings, Filters, SpamStage, Stage};
use vesontio_spam::{Learned, MIN_LEARNED, Model, Reloading};

fn spam_text(i: u32) -> Vec<u8> {
    format!(
        "From: <promo{i}@example.net>\r\nSubject: Offre {i}\r\n\r\n\
         Gagnez de l'argent facile, offre limitee, cliquez ici casino bonus jackpot {i}\r\n"
    )
    .into_bytes()
}

fn ham_text(i: u32) -> Vec<u8> {
    format!(
        "From: <prof{i}@ac-demo.fr>\r\nSubject: Conseil {i}\r\n\r\n\
         Le conseil de classe du groupe {i} aura lieu jeudi en salle 204 avec les parents\r\n"
    )
    .into_bytes()
}

/// The shared base as `vesontio spam learn` seeds it: everything.
async fn seed_base(models: &SpamModels) {
    let raws: Vec<(Vec<u8>, bool)> = (0..MIN_LEARNED + 5)
        .flat_map(|i| [(spam_text(i), true), (ham_text(i), false)])
        .collect();
    let offered: Vec<(&[u8], bool)> = raws.iter().map(|(r, s)| (&r[..], *s)).collect();
    let done = models
        .learn("", &offered, Teach::Everything, NOW)
        .await
        .unwrap();
    assert!(done.iter().all(|d| *d == Some(Learned::New)), "{done:?}");
}

async fn with_stage() -> (Env, Arc<SpamStage>) {
    let e = setup().await;
    let rules = Arc::new(Reloading::open(None, Duration::from_secs(60)).unwrap());
    let stage = Arc::new(SpamStage::new(e.store().clone(), rules, "spam"));
    let stages: Vec<Arc<dyn Stage>> = vec![stage.clone()];
    let d = Delivery::with_filters(
        DeliveryConfig {
            recipients_per_hour: 200,
            ..config()
        },
        e.store().clone(),
        Filters::new(FilterSettings::with_junk(5.0), stages),
    );
    let e = Env { _dir: e._dir, d };
    person(&e, "jean.dupont@ac-demo.fr").await;
    person(&e, "spam@ac-demo.fr").await;
    seed_base(&SpamModels::new(e.store().clone())).await;
    (e, stage)
}

/// What another node reads: snapshot and journal, read afresh.
async fn node_model(store: &Store, domain: &str) -> Model {
    (*SpamModels::new(store.clone()).get(domain).await.unwrap()).clone()
}

fn report_forwarding(n: usize, subject: &str, body: &str) -> Vec<u8> {
    format!(
        "From: <jean.dupont@ac-demo.fr>\r\nTo: <spam@ac-demo.fr>\r\nSubject: spam\r\nMessage-ID: <rep{n}@ac-demo.fr>\r\n\
         Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nEncore un.\r\n\
         --b\r\nContent-Type: message/rfc822\r\n\r\nFrom: x@example.org\r\nSubject: {subject}\r\n\r\n\
         {body}\r\n--b--\r\n"
    )
    .into_bytes()
}

#[tokio::test]
async fn a_report_the_classifier_was_sure_of_changes_nothing_an_unsure_one_teaches() {
    let (e, _) = with_stage().await;
    let jean = by_address(&e, "jean.dupont@ac-demo.fr").await;
    let send = |n: usize, subject: &'static str, body: &'static str| {
        let e = &e;
        let jean = jean.clone();
        async move {
            e.d.submit(
                sub(&jean),
                envelope(Some("jean.dupont@ac-demo.fr"), &["spam@ac-demo.fr"]),
                report_forwarding(n, subject, body),
                NOW,
            )
            .await
            .unwrap();
        }
    };
    // The base is sure of this one: the domain's model stays empty.
    send(
        1,
        "Offre",
        "Gagnez de l'argent facile, cliquez ici casino bonus jackpot",
    )
    .await;
    assert_eq!(node_model(e.store(), "ac-demo.fr").await, Model::new());
    assert!(
        e.store()
            .spam_changes("ac-demo.fr", 0)
            .await
            .unwrap()
            .is_empty()
    );
    // Words the base never saw: unsure, learned as spam in the domain.
    send(2, "Montres", "montres rolex replique livraison discrete").await;
    let m = node_model(e.store(), "ac-demo.fr").await;
    assert_eq!((m.spam, m.ham), (1, 0));
    // The base did not change: reports teach the domain.
    let base = node_model(e.store(), "").await;
    assert_eq!((base.spam, base.ham), (MIN_LEARNED + 5, MIN_LEARNED + 5));
    // The report itself is delivered to spam@ either way.
    assert_eq!(inbox(&e, "spam@ac-demo.fr").await.len(), 2);
}

#[tokio::test]
async fn junk_moves_teach_what_the_classifier_got_wrong_and_correct_what_was_taught() {
    let (e, stage) = with_stage().await;
    let jean = by_address(&e, "jean.dupont@ac-demo.fr").await;
    let ev = |kind| vesontio_store::TrainingEvent {
        id: 1,
        created_at: NOW,
        account_id: jean.id.0,
        mailbox_id: 0,
        uid: 1,
        blob_id: String::new(),
        kind,
        source: "move".into(),
    };
    use vesontio_store::TrainingKind::{Ham, Spam};
    // Moved into Junk, judged spam surely already: nothing learned.
    stage.train(&ev(Spam), &spam_text(900)).await;
    assert_eq!(node_model(e.store(), "ac-demo.fr").await, Model::new());
    // Moved out of Junk, ham the classifier called spam: learned as ham.
    let odd =
        b"From: <x@example.org>\r\nSubject: Offre\r\n\r\ncasino bonus jackpot de la kermesse\r\n";
    stage.train(&ev(Ham), odd).await;
    let m = node_model(e.store(), "ac-demo.fr").await;
    assert_eq!((m.spam, m.ham), (0, 1));
    // Back into Junk: a correction, whatever the classifier says now.
    stage.train(&ev(Spam), odd).await;
    let m = node_model(e.store(), "ac-demo.fr").await;
    assert_eq!((m.spam, m.ham), (1, 0));
    // Unknown words moved into Junk: unsure, learned.
    stage
        .train(
            &ev(Spam),
            b"From: <y@example.org>\r\nSubject: Montres\r\n\r\nrolex replique\r\n",
        )
        .await;
    assert_eq!(node_model(e.store(), "ac-demo.fr").await.spam, 2);
}

#[tokio::test]
async fn a_learn_is_a_journal_row_every_node_replays_and_folds_keep_the_model() {
    let e = setup().await;
    let store = e.store().clone();
    // Folding from 4 KB of journal on, to see folds with a small model.
    let node_a = SpamModels::with_fold_min(store.clone(), 4096);
    let node_b = SpamModels::new(store.clone());
    seed_base(&node_a).await;
    // Fifty seeds of a few hundred bytes each: folded at least once, and
    // the snapshot includes journal rows.
    let (_, seq) = store.spam_snapshot("").await.unwrap().unwrap();
    assert!(seq > 0);
    let before = node_b.get("").await.unwrap();
    assert_eq!(
        (before.spam, before.ham),
        (MIN_LEARNED + 5, MIN_LEARNED + 5)
    );
    // One more learn: one row appended, the snapshot untouched.
    let snapshot = store.spam_snapshot("").await.unwrap();
    let rows = store.spam_changes("", seq).await.unwrap().len();
    let raw = spam_text(1000);
    let done = node_a
        .learn("", &[(&raw[..], true)], Teach::Everything, NOW)
        .await
        .unwrap();
    assert_eq!(done, vec![Some(Learned::New)]);
    assert_eq!(store.spam_snapshot("").await.unwrap(), snapshot);
    let journal = store.spam_changes("", seq).await.unwrap();
    assert_eq!(journal.len(), rows + 1);
    assert_eq!(
        vesontio_spam::bayes::tokens_from_bytes(&journal[rows].tokens).unwrap(),
        vesontio_spam::tokens(&raw)
    );
    // Node B still scores with its model until its cache expires, then
    // with the same model as node A; a node started now agrees.
    assert_eq!(node_b.get("").await.unwrap().spam, MIN_LEARNED + 5);
    let a = node_a.get("").await.unwrap();
    assert_eq!(a.spam, MIN_LEARNED + 6);
    assert_eq!(*a, node_model(&store, "").await);
    // The same message again: already known, no row.
    let again = node_a
        .learn("", &[(&raw[..], true)], Teach::Everything, NOW)
        .await
        .unwrap();
    assert_eq!(again, vec![Some(Learned::Again)]);
    assert_eq!(store.spam_changes("", seq).await.unwrap().len(), rows + 1);
    // Learn until a fold: the snapshot moves on, the journal empties,
    // and the model is what learning everything in order makes.
    let mut expected = Model::new();
    for i in 0..MIN_LEARNED + 5 {
        vesontio_spam::learn(&mut expected, &spam_text(i), true);
        vesontio_spam::learn(&mut expected, &ham_text(i), false);
    }
    vesontio_spam::learn(&mut expected, &raw, true);
    let mut i = 2000;
    while store.spam_snapshot_seq("").await.unwrap() == seq {
        let raw = ham_text(i);
        node_a
            .learn("", &[(&raw[..], false)], Teach::Everything, NOW)
            .await
            .unwrap();
        vesontio_spam::learn(&mut expected, &raw, false);
        i += 1;
        assert!(i < 2100, "no fold after 100 learns");
    }
    assert!(
        store
            .spam_changes("", store.spam_snapshot_seq("").await.unwrap())
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(*node_a.get("").await.unwrap(), expected);
    assert_eq!(node_model(&store, "").await, expected);
    let (bytes, _) = store.spam_snapshot("").await.unwrap().unwrap();
    assert_eq!(Model::from_bytes(&bytes).unwrap(), expected);
}

/// Two nodes learning at once on PostgreSQL, with folds between: every
/// learn lands once and both end with the same model.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_nodes_learning_at_once_agree_on_postgres() {
    let Some(e) = setup_postgres(config(), "spamjournal").await else {
        return;
    };
    let store = e.store().clone();
    let nodes: Vec<Arc<SpamModels>> = (0..2)
        .map(|_| Arc::new(SpamModels::with_fold_min(store.clone(), 2048)))
        .collect();
    let mut tasks = Vec::new();
    for (n, node) in nodes.iter().enumerate() {
        let node = node.clone();
        tasks.push(tokio::spawn(async move {
            for i in 0..15u32 {
                let k = i * 2 + n as u32;
                let raw = if k.is_multiple_of(2) {
                    spam_text(k)
                } else {
                    ham_text(k)
                };
                node.learn(
                    "ac-demo.fr",
                    &[(&raw[..], k.is_multiple_of(2))],
                    Teach::Everything,
                    NOW,
                )
                .await
                .unwrap();
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    let fresh = node_model(&store, "ac-demo.fr").await;
    assert_eq!((fresh.spam, fresh.ham), (15, 15));
    for node in &nodes {
        // What each node learned last was synced at once; the other's
        // rows come with the sync a learn forces.
        let raw = spam_text(0);
        node.learn("ac-demo.fr", &[(&raw[..], true)], Teach::Everything, NOW)
            .await
            .unwrap();
        assert_eq!(*node.get("ac-demo.fr").await.unwrap(), fresh);
    }
    assert!(
        store.spam_snapshot_seq("ac-demo.fr").await.unwrap() > 0,
        "folded"
    );
}
