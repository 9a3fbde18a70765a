//! The filter pipeline (issue 15 item 3): a test stage with a delay and a
//! fixed answer; timeouts and failure policies, per-recipient verdicts,
//! per-domain thresholds, quarantine (R9) and hold (R8), the disposition
//! stored with the copy, held retries (R17) into the intended folder,
//! and training events on moves into and out of Junk.
#![allow(clippy::unwrap_used)]

use std::sync::{Arc, Mutex};
use std::time::Duration;

use super::*;
use crate::filter::{Action, BoxFuture, FilterContext, Scope, StageError, Verdict};
use crate::{FilterSettings, Filters, OnFailure, Refused, Rule, Stage, StagePolicy, Thresholds};
use vesontio_store::{ExpungeMode, FlagOp, QueueKind, TrainingEvent, TrainingKind};

const OTHER: &str = "ac-autre.fr";

/// A stage that waits `delay`, then answers `answer`; it records the
/// context it saw and the training events it was given.
struct TestStage {
    name: &'static str,
    delay: Duration,
    answer: Result<Vec<Verdict>, StageError>,
    seen: Mutex<Vec<FilterContext>>,
    trained: Mutex<Vec<(TrainingKind, usize)>>,
}

impl TestStage {
    fn new(name: &'static str, answer: Result<Vec<Verdict>, StageError>) -> Arc<Self> {
        Arc::new(TestStage {
            name,
            delay: Duration::ZERO,
            answer,
            seen: Mutex::new(Vec::new()),
            trained: Mutex::new(Vec::new()),
        })
    }

    fn slow(name: &'static str, delay: Duration) -> Arc<Self> {
        Arc::new(TestStage {
            name,
            delay,
            answer: Ok(vec![Verdict::score(1.0, "slow")]),
            seen: Mutex::new(Vec::new()),
            trained: Mutex::new(Vec::new()),
        })
    }
}

impl Stage for TestStage {
    fn name(&self) -> &str {
        self.name
    }

    fn run<'a>(
        &'a self,
        ctx: &'a FilterContext,
    ) -> BoxFuture<'a, Result<Vec<Verdict>, StageError>> {
        Box::pin(async move {
            self.seen.lock().expect("lock").push(ctx.clone());
            tokio::time::sleep(self.delay).await;
            self.answer.clone()
        })
    }

    fn train<'a>(&'a self, event: &'a TrainingEvent, raw: &'a [u8]) -> BoxFuture<'a, ()> {
        Box::pin(async move {
            self.trained
                .lock()
                .expect("lock")
                .push((event.kind, raw.len()));
        })
    }
}

fn settings(junk: f32) -> FilterSettings {
    FilterSettings::with_junk(junk)
}

/// A delivery path with these stages and settings, two local domains
/// and three people.
async fn with_stages(settings: FilterSettings, stages: Vec<Arc<dyn Stage>>) -> Env {
    let mut cfg = config();
    cfg.local_domains.push(OTHER.into());
    let e = setup_with(cfg.clone()).await;
    e.store().add_domain(OTHER).await.expect("domain");
    let d = Delivery::with_filters(cfg, e.store().clone(), Filters::new(settings, stages));
    let e = Env { _dir: e._dir, d };
    for p in [
        "jean.dupont@ac-demo.fr",
        "anne.roy@ac-demo.fr",
        "paul.lenoir@ac-autre.fr",
    ] {
        person(&e, p).await;
    }
    e
}

async fn send_mx(e: &Env, to: &[&str], raw: Vec<u8>) -> Result<crate::Accepted, Refused> {
    e.d.submit(mx(), envelope(Some("a@example.org"), to), raw, NOW)
        .await
}

fn msg(subject: &str) -> Vec<u8> {
    message(
        "a@example.org",
        "jean.dupont@ac-demo.fr",
        subject,
        "Bonjour",
    )
}

/// The stored disposition of the only message of `address`'s `folder`.
async fn disposition(e: &Env, address: &str, name: &str) -> serde_json::Value {
    let acc = e
        .store()
        .account_by_address(address)
        .await
        .unwrap()
        .unwrap();
    let mb = e
        .store()
        .mailbox_by_name(acc.id, name)
        .await
        .unwrap()
        .unwrap();
    let msgs = e.store().messages(mb.id).await.unwrap();
    assert_eq!(msgs.len(), 1, "one message in {name}");
    let json = e
        .store()
        .message_disposition(mb.id, msgs[0].uid)
        .await
        .unwrap()
        .expect("a disposition");
    serde_json::from_str(&json).expect("json")
}

fn policy(timeout_ms: u64, on_failure: OnFailure) -> StagePolicy {
    StagePolicy {
        timeout: Duration::from_millis(timeout_ms),
        on_failure,
    }
}

#[tokio::test]
async fn slow_stage_times_out_then_tempfails() {
    let mut s = settings(5.0);
    s.stages
        .insert("lent".into(), policy(50, OnFailure::TempFail));
    let stage = TestStage::slow("lent", Duration::from_secs(5));
    let e = with_stages(s, vec![stage.clone()]).await;
    let start = std::time::Instant::now();
    let r = send_mx(&e, &["jean.dupont@ac-demo.fr"], msg("lent"))
        .await
        .expect_err("temporary failure");
    assert!(
        start.elapsed() < Duration::from_secs(2),
        "the timeout cut it short"
    );
    assert_eq!(
        (r.code, r.enhanced.as_str(), r.rule),
        (451, "4.7.1", Rule::Content)
    );
    assert!(r.text.contains("lent"), "{}", r.text);
    assert!(inbox(&e, "jean.dupont@ac-demo.fr").await.is_empty());
    assert_eq!(stage.seen.lock().unwrap().len(), 1);
}

#[tokio::test]
async fn slow_stage_times_out_then_passes() {
    let mut s = settings(5.0);
    s.stages.insert("lent".into(), policy(50, OnFailure::Pass));
    let e = with_stages(s, vec![TestStage::slow("lent", Duration::from_secs(5))]).await;
    send_mx(&e, &["jean.dupont@ac-demo.fr"], msg("lent"))
        .await
        .expect("passed over");
    let inbox = inbox(&e, "jean.dupont@ac-demo.fr").await;
    assert_eq!(inbox.len(), 1);
    // Its score never came: no score header.
    assert!(!text(&inbox[0]).contains("X-Spam-Score"));
    let disp = disposition(&e, "jean.dupont@ac-demo.fr", "INBOX").await;
    assert_eq!(disp["passed_over"], serde_json::json!(["lent"]));
    assert_eq!(disp["verdict"], "deliver");
    assert!(disp["score"].is_null());
}

#[tokio::test]
async fn failing_stage_follows_its_policy() {
    // Default policy: tempfail (nothing unfiltered is delivered).
    let broken = TestStage::new("clamd", Err(StageError::new("connection refused")));
    let e = with_stages(settings(5.0), vec![broken]).await;
    let r = send_mx(&e, &["jean.dupont@ac-demo.fr"], msg("x"))
        .await
        .expect_err("4xx");
    assert_eq!(r.code, 451);
    assert!(inbox(&e, "jean.dupont@ac-demo.fr").await.is_empty());
    // `pass`: the next stage still runs and its verdict counts.
    let mut s = settings(5.0);
    s.stages
        .insert("clamd".into(), policy(1000, OnFailure::Pass));
    let broken = TestStage::new("clamd", Err(StageError::new("connection refused")));
    let spam = TestStage::new("spam", Ok(vec![Verdict::score(9.0, "mots")]));
    let e = with_stages(s, vec![broken, spam.clone()]).await;
    send_mx(&e, &["jean.dupont@ac-demo.fr"], msg("x"))
        .await
        .expect("accepted");
    assert_eq!(spam.seen.lock().unwrap().len(), 1);
    let disp = disposition(&e, "jean.dupont@ac-demo.fr", "Junk").await;
    assert_eq!(disp["passed_over"], serde_json::json!(["clamd"]));
    assert_eq!(disp["rules"], serde_json::json!(["spam:mots"]));
}

#[tokio::test]
async fn verdicts_per_recipient() {
    let stage = TestStage::new(
        "tri",
        Ok(vec![
            Verdict::recipient(
                "Jean.Dupont@ac-demo.fr",
                Action::Score {
                    points: 7.0,
                    rule: "perso".into(),
                },
            ),
            Verdict::recipient(
                "anne.roy@ac-demo.fr",
                Action::AddHeader {
                    name: "X-Tri".into(),
                    value: "anne".into(),
                },
            ),
        ]),
    );
    let e = with_stages(settings(5.0), vec![stage]).await;
    // A forged score from outside never survives ours.
    let mut raw = b"X-Spam-Score: -100\r\n".to_vec();
    raw.extend(msg("pour deux"));
    send_mx(&e, &["jean.dupont@ac-demo.fr", "anne.roy@ac-demo.fr"], raw)
        .await
        .expect("accepted");
    assert!(inbox(&e, "jean.dupont@ac-demo.fr").await.is_empty());
    let junk = folder(&e, "jean.dupont@ac-demo.fr", "Junk").await;
    assert_eq!(junk.len(), 1, "Jean's copy in Junk");
    let jean = text(&junk[0].0);
    assert!(jean.contains("X-Spam-Score: 7.0\r\n"), "{jean}");
    assert!(!jean.contains("-100"), "{jean}");
    assert!(!jean.contains("X-Tri"), "{jean}");
    let anne = inbox(&e, "anne.roy@ac-demo.fr").await;
    assert_eq!(anne.len(), 1, "Anne's copy in INBOX");
    let anne = text(&anne[0]);
    assert!(anne.contains("X-Tri: anne\r\n"), "{anne}");
    assert!(!anne.contains("X-Spam-Score: 7"), "{anne}");
    let disp = disposition(&e, "jean.dupont@ac-demo.fr", "Junk").await;
    assert_eq!(disp["verdict"], "junk");
    assert_eq!(disp["folder"], "Junk");
    assert_eq!(disp["score"], 7.0);
    let disp = disposition(&e, "anne.roy@ac-demo.fr", "INBOX").await;
    assert_eq!(disp["verdict"], "deliver");
}

#[tokio::test]
async fn score_thresholds_per_domain() {
    let mut s = settings(5.0);
    s.thresholds.quarantine = Some(20.0);
    s.domains.insert(
        OTHER.into(),
        Thresholds {
            junk: Some(8.0),
            quarantine: Some(10.0),
            reject: Some(12.0),
        },
    );
    let two = ["jean.dupont@ac-demo.fr", "paul.lenoir@ac-autre.fr"];
    // 6: over ac-demo.fr's junk (5), under ac-autre.fr's (8).
    let e = with_stages(
        s.clone(),
        vec![TestStage::new("s", Ok(vec![Verdict::score(6.0, "r")]))],
    )
    .await;
    send_mx(&e, &two, msg("six")).await.expect("accepted");
    assert_eq!(folder(&e, two[0], "Junk").await.len(), 1);
    assert_eq!(inbox(&e, two[1]).await.len(), 1);
    // 11: Junk for ac-demo.fr, quarantine for ac-autre.fr.
    let e = with_stages(
        s.clone(),
        vec![TestStage::new("s", Ok(vec![Verdict::score(11.0, "r")]))],
    )
    .await;
    send_mx(&e, &two, msg("onze")).await.expect("accepted");
    assert_eq!(folder(&e, two[0], "Junk").await.len(), 1);
    assert!(inbox(&e, two[1]).await.is_empty());
    assert!(folder(&e, two[1], "Junk").await.is_empty());
    let q = e.store().quarantine_list().await.unwrap();
    assert_eq!(q.len(), 1);
    assert_eq!(q[0].recipients, [two[1]]);
    assert_eq!(q[0].rule.as_deref(), Some("score"));
    // 13 for ac-autre.fr alone: over its reject threshold, refused.
    let e = with_stages(
        s,
        vec![TestStage::new("s", Ok(vec![Verdict::score(13.0, "r")]))],
    )
    .await;
    let r = send_mx(&e, &[two[1]], msg("treize"))
        .await
        .expect_err("refused");
    assert_eq!((r.code, r.rule), (550, Rule::Content));
    assert!(inbox(&e, two[1]).await.is_empty());
}

#[tokio::test]
async fn quarantine_hold_discard_and_reject_verdicts() {
    // R9: the antivirus's verdict carries its reason and signature.
    let av = TestStage::new(
        "antivirus",
        Ok(vec![Verdict::quarantine("virus trouvé", "Eicar-Signature")]),
    );
    let e = with_stages(settings(5.0), vec![av]).await;
    let raw = message(
        "a@example.org",
        "jean.dupont@ac-demo.fr",
        "[Privé] test",
        "b",
    );
    send_mx(&e, &["jean.dupont@ac-demo.fr"], raw)
        .await
        .expect("accepted");
    assert!(inbox(&e, "jean.dupont@ac-demo.fr").await.is_empty());
    let q = e.store().quarantine_list().await.unwrap();
    assert_eq!(q.len(), 1);
    assert_eq!(q[0].reason, "virus trouvé");
    assert_eq!(q[0].rule.as_deref(), Some("antivirus:Eicar-Signature"));
    assert!(q[0].private);
    assert_eq!(q[0].subject, None, "R4: no private subject in quarantine");
    // R8: a hold for one recipient; the other gets the message.
    let alert = TestStage::new(
        "alerte",
        Ok(vec![Verdict::recipient(
            "anne.roy@ac-demo.fr",
            Action::Hold {
                reason: "alerte de sécurité".into(),
                rule: "alerte-7".into(),
            },
        )]),
    );
    let e = with_stages(settings(5.0), vec![alert]).await;
    send_mx(
        &e,
        &["jean.dupont@ac-demo.fr", "anne.roy@ac-demo.fr"],
        msg("h"),
    )
    .await
    .expect("accepted");
    assert_eq!(inbox(&e, "jean.dupont@ac-demo.fr").await.len(), 1);
    assert!(inbox(&e, "anne.roy@ac-demo.fr").await.is_empty());
    let q = e.store().quarantine_list().await.unwrap();
    assert_eq!(q.len(), 1);
    assert_eq!(q[0].recipients, ["anne.roy@ac-demo.fr"]);
    assert_eq!(q[0].rule.as_deref(), Some("alerte:alerte-7"));
    // Discard: accepted, delivered to nobody.
    let drop = TestStage::new(
        "d",
        Ok(vec![Verdict::message(Action::Discard {
            reason: "doublon".into(),
        })]),
    );
    let e = with_stages(settings(5.0), vec![drop]).await;
    send_mx(&e, &["jean.dupont@ac-demo.fr"], msg("d"))
        .await
        .expect("accepted");
    assert!(inbox(&e, "jean.dupont@ac-demo.fr").await.is_empty());
    assert!(e.store().quarantine_list().await.unwrap().is_empty());
    // A stage's own temporary refusal (clamd down, `tempfail`) stops the
    // later stages.
    let later = TestStage::new("later", Ok(vec![]));
    let busy = TestStage::new(
        "av",
        Ok(vec![Verdict::message(Action::Reject(Refused::new(
            Rule::Content,
            451,
            "4.7.1",
            "Antivirus indisponible / Antivirus unavailable",
        )))]),
    );
    let e = with_stages(settings(5.0), vec![busy, later.clone()]).await;
    let r = send_mx(&e, &["jean.dupont@ac-demo.fr"], msg("r"))
        .await
        .expect_err("4xx");
    assert_eq!((r.code, r.enhanced.as_str()), (451, "4.7.1"));
    assert!(later.seen.lock().unwrap().is_empty());
}

#[tokio::test]
async fn stages_see_the_full_context_after_authentication() {
    let stage = TestStage::new(
        "voir",
        Ok(vec![Verdict::message(Action::File {
            folder: "Archives".into(),
        })]),
    );
    let e = with_stages(settings(5.0), vec![stage.clone()]).await;
    authenticate_mx_senders(&e);
    send_mx(&e, &["jean.dupont@ac-demo.fr"], msg("contexte"))
        .await
        .expect("accepted");
    let ctx = stage.seen.lock().unwrap()[0].clone();
    let auth = ctx.auth.as_ref().expect("SPF/DKIM/DMARC ran first");
    assert_eq!(auth.spf, crate::Outcome::Pass);
    assert!(
        matches!(ctx.origin, Origin::Mx { tls: true, ref helo, .. } if helo == "mail.example.org")
    );
    assert_eq!(
        ctx.origin.client_ip().map(|i| i.to_string()).as_deref(),
        Some("192.0.2.7")
    );
    assert_eq!(
        ctx.envelope
            .mail_from
            .as_ref()
            .map(|a| a.to_string())
            .as_deref(),
        Some("a@example.org")
    );
    assert_eq!(ctx.recipients.len(), 1);
    let acc = ctx.recipients[0].account.as_ref().expect("local account");
    assert_eq!(acc.quota_bytes, 1 << 30);
    assert_eq!(ctx.analysis.subject.as_deref(), Some("contexte"));
    assert!(!String::from_utf8_lossy(&ctx.raw).contains("Authentication-Results"));
    // No "Archives" folder: INBOX, with the result header stored.
    let inbox = inbox(&e, "jean.dupont@ac-demo.fr").await;
    assert!(text(&inbox[0]).contains("Authentication-Results:"));
    // Internal notices pass no filter.
    let notice = vesontio_policy::texts::Notice {
        subject: "Avis".into(),
        text: "Texte".into(),
    };
    e.d.send_notice(&addr("jean.dupont@ac-demo.fr"), &notice, NOW)
        .await
        .expect("notice");
    assert_eq!(stage.seen.lock().unwrap().len(), 1);
}

#[tokio::test]
async fn held_message_is_released_into_its_intended_folder() {
    let stage = TestStage::new("spam", Ok(vec![Verdict::score(6.5, "mots")]));
    let e = with_stages(settings(5.0), vec![stage]).await;
    let small = account(&e, "petit@ac-demo.fr", AccountKind::Person, 3000).await;
    let junk = e
        .store()
        .mailbox_by_name(small.id, "Junk")
        .await
        .unwrap()
        .expect("Junk");
    // Fill the quota (the filler goes to Junk too: same stage).
    let filler = message(
        "x@example.org",
        "petit@ac-demo.fr",
        "plein",
        &"y".repeat(2400),
    );
    send_mx(&e, &["petit@ac-demo.fr"], filler)
        .await
        .expect("filler");
    send_mx(
        &e,
        &["petit@ac-demo.fr"],
        message(
            "x@example.org",
            "petit@ac-demo.fr",
            "retenu",
            &"z".repeat(800),
        ),
    )
    .await
    .expect("held, not refused (R17)");
    let held = queued(&e, QueueKind::HeldLocal).await;
    assert_eq!(held.len(), 1);
    assert_eq!(held[0].0.folder.as_deref(), Some("Junk"));
    // Room appears; the retry files it into Junk, not INBOX.
    e.store()
        .expunge(junk.id, Some(&[1]), ExpungeMode::Any)
        .await
        .expect("expunge");
    e.store().wake_held(NOW + 60).await.expect("wake");
    assert_eq!(e.d.retry_held(NOW + 60).await, 1);
    assert!(inbox(&e, "petit@ac-demo.fr").await.is_empty());
    let copies = folder(&e, "petit@ac-demo.fr", "Junk").await;
    assert_eq!(copies.len(), 1);
    assert!(text(&copies[0].0).contains("Subject: retenu"));
    assert!(text(&copies[0].0).contains("X-Spam-Score: 6.5"));
    let disp = disposition(&e, "petit@ac-demo.fr", "Junk").await;
    assert_eq!(
        (disp["verdict"].as_str(), disp["score"].as_f64()),
        (Some("junk"), Some(6.5))
    );
}

#[tokio::test]
async fn moving_into_and_out_of_junk_emits_training_events() {
    let stage = TestStage::new("bayes", Ok(vec![]));
    let e = with_stages(settings(5.0), vec![stage.clone()]).await;
    send_mx(&e, &["jean.dupont@ac-demo.fr"], msg("à apprendre"))
        .await
        .expect("accepted");
    let acc = by_address(&e, "jean.dupont@ac-demo.fr").await;
    let inbox = e
        .store()
        .mailbox_by_name(acc.id, "INBOX")
        .await
        .unwrap()
        .unwrap();
    let junk = e
        .store()
        .mailbox_by_name(acc.id, "Junk")
        .await
        .unwrap()
        .unwrap();
    // MOVE to Junk: spam.
    let map = e
        .store()
        .move_messages(inbox.id, &[1], junk.id)
        .await
        .expect("move");
    assert_eq!(
        e.store()
            .train_on_move(inbox.id, junk.id, &map, true, NOW)
            .await
            .unwrap(),
        1
    );
    let ev = e.store().training_since(0, 10).await.unwrap();
    assert_eq!(ev.len(), 1);
    assert_eq!(
        (ev[0].kind, ev[0].source.as_str()),
        (TrainingKind::Spam, "move")
    );
    assert_eq!((ev[0].mailbox_id, ev[0].uid), (junk.id.0, map[0].1));
    // Out of Junk to INBOX: ham. Into the Trash from Junk: nothing.
    let back = e
        .store()
        .move_messages(junk.id, &[map[0].1], inbox.id)
        .await
        .expect("move");
    assert_eq!(
        e.store()
            .train_on_move(junk.id, inbox.id, &back, true, NOW)
            .await
            .unwrap(),
        1
    );
    let trash = e
        .store()
        .mailbox_by_name(acc.id, "Trash")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        e.store()
            .train_on_move(junk.id, trash.id, &back, true, NOW)
            .await
            .unwrap(),
        0
    );
    // `$Junk` keyword: spam; `$NotJunk`: ham; removing says nothing.
    let kw = |k: &str| vec![k.to_string()];
    let uid = back[0].1;
    assert_eq!(
        e.store()
            .train_on_flags(inbox.id, &[uid], FlagOp::Add, &kw("$Junk"), NOW)
            .await
            .unwrap(),
        1
    );
    assert_eq!(
        e.store()
            .train_on_flags(inbox.id, &[uid], FlagOp::Add, &kw("$NotJunk"), NOW)
            .await
            .unwrap(),
        1
    );
    assert_eq!(
        e.store()
            .train_on_flags(inbox.id, &[uid], FlagOp::Remove, &kw("$Junk"), NOW)
            .await
            .unwrap(),
        0
    );
    let kinds: Vec<TrainingKind> = e
        .store()
        .training_since(0, 10)
        .await
        .unwrap()
        .iter()
        .map(|e| e.kind)
        .collect();
    assert_eq!(
        kinds,
        [
            TrainingKind::Spam,
            TrainingKind::Ham,
            TrainingKind::Spam,
            TrainingKind::Ham
        ]
    );
    // The stages learn from them, each once.
    let last = e.d.dispatch_training(0).await;
    assert_eq!(e.d.dispatch_training(last).await, last);
    let trained = stage.trained.lock().unwrap();
    assert_eq!(trained.len(), 4);
    assert!(
        trained.iter().all(|(_, n)| *n > 0),
        "with the message's bytes"
    );
    assert_eq!(trained[0].0, TrainingKind::Spam);
}

#[test]
fn verdict_scope_is_lower_case() {
    let v = Verdict::recipient("Jean@AC-Demo.fr", Action::Accept);
    assert_eq!(v.scope, Scope::Recipient("jean@ac-demo.fr".into()));
}

#[test]
fn strip_fields_keeps_the_body_and_other_fields() {
    let raw = b"X-Spam-Score: 9\r\n\tfolded\r\nSubject: a\r\n\r\nX-Spam-Score: body\r\n";
    let out = crate::filter::apply_strip(raw, "x-spam-score");
    assert_eq!(out, b"Subject: a\r\n\r\nX-Spam-Score: body\r\n");
}

#[tokio::test]
async fn training_rounds_run_under_one_lease_and_resume_from_the_cursor() {
    let stage = TestStage::new("bayes", Ok(vec![]));
    let e = with_stages(settings(5.0), vec![stage.clone()]).await;
    send_mx(&e, &["jean.dupont@ac-demo.fr"], msg("un"))
        .await
        .expect("accepted");
    let acc = by_address(&e, "jean.dupont@ac-demo.fr").await;
    let inbox = e
        .store()
        .mailbox_by_name(acc.id, "INBOX")
        .await
        .unwrap()
        .unwrap();
    let junk = e
        .store()
        .mailbox_by_name(acc.id, "Junk")
        .await
        .unwrap()
        .unwrap();
    let map = e
        .store()
        .move_messages(inbox.id, &[1], junk.id)
        .await
        .unwrap();
    e.store()
        .train_on_move(inbox.id, junk.id, &map, true, NOW)
        .await
        .unwrap();
    // Node A takes the lease and hands the event out; node B waits.
    assert_eq!(e.d.train_round("node-a", NOW).await, Some(1));
    assert_eq!(e.d.train_round("node-b", NOW + 1).await, None);
    assert_eq!(e.d.train_round("node-a", NOW + 2).await, Some(0), "once");
    // A new event, and node A gone: node B goes on from the cursor.
    let back = e
        .store()
        .move_messages(junk.id, &[map[0].1], inbox.id)
        .await
        .unwrap();
    e.store()
        .train_on_move(junk.id, inbox.id, &back, true, NOW)
        .await
        .unwrap();
    assert_eq!(e.d.train_round("node-b", NOW + 1000).await, Some(1));
    let trained: Vec<TrainingKind> = stage.trained.lock().unwrap().iter().map(|t| t.0).collect();
    assert_eq!(trained, [TrainingKind::Spam, TrainingKind::Ham]);
}
