//! Stage work begun with the gate (`Stage::begin`, `Filters::run_begun`;
//! the antivirus starts clamd's scan as soon as the gate has the bytes):
//! its result is the stage's verdict at its turn, a failure or an overrun
//! of it is the stage's failure (451 by default, never clean), a refusal
//! earlier in the gate aborts it. With a real clamd: the begun scan holds
//! back an infected message and is a temporary failure when clamd is down.
#![allow(clippy::unwrap_used)]

#[path = "../../../antivirus/tests/harness/mod.rs"]
mod harness;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use super::*;
use crate::filter::{BoxFuture, FilterContext, StageError, StageResult, Verdict};
use crate::{
    AntivirusStage, FilterSettings, Filters, OnFailure, Refused, Rule, Stage, StagePolicy,
    VIRUS_REASON,
};

const JEAN: &str = "jean.dupont@ac-demo.fr";

/// Counts its own drops: a future that holds one was dropped (finished
/// or aborted) when the count moves.
struct Dropped(Arc<AtomicUsize>);

impl Drop for Dropped {
    fn drop(&mut self) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

/// A stage whose begun work waits `delay` then answers `early`, and whose
/// `run` answers `Ok(vec![])` (clean): which of the two the outcome shows
/// says which one the pipeline used.
struct Early {
    delay: Duration,
    early: StageResult,
    /// The bytes `begin` was given, and how often `run` was called.
    begun_with: Mutex<Vec<Vec<u8>>>,
    runs: AtomicUsize,
    /// Begun work that ran to its end.
    finished: Arc<AtomicUsize>,
    dropped: Arc<AtomicUsize>,
}

impl Early {
    fn new(delay: Duration, early: StageResult) -> Arc<Early> {
        Arc::new(Early {
            delay,
            early,
            begun_with: Mutex::new(Vec::new()),
            runs: AtomicUsize::new(0),
            finished: Arc::new(AtomicUsize::new(0)),
            dropped: Arc::new(AtomicUsize::new(0)),
        })
    }
}

impl Stage for Early {
    fn name(&self) -> &str {
        "tot"
    }

    fn run<'a>(&'a self, _ctx: &'a FilterContext) -> BoxFuture<'a, StageResult> {
        self.runs.fetch_add(1, Ordering::SeqCst);
        Box::pin(async { Ok(Vec::new()) })
    }

    fn begin(&self, raw: &Arc<Vec<u8>>) -> Option<BoxFuture<'static, StageResult>> {
        self.begun_with.lock().unwrap().push(raw.to_vec());
        let (delay, answer) = (self.delay, self.early.clone());
        let (finished, guard) = (self.finished.clone(), Dropped(self.dropped.clone()));
        Some(Box::pin(async move {
            let _guard = guard;
            tokio::time::sleep(delay).await;
            finished.fetch_add(1, Ordering::SeqCst);
            answer
        }))
    }
}

async fn with(stage: Arc<dyn Stage>, policy: Option<StagePolicy>) -> Env {
    let e = setup().await;
    let mut settings = FilterSettings::with_junk(5.0);
    if let Some(p) = policy {
        settings.stages.insert(stage.name().to_string(), p);
    }
    let d = Delivery::with_filters(
        config(),
        e.store().clone(),
        Filters::new(settings, vec![stage]),
    );
    let e = Env { _dir: e._dir, d };
    person(&e, JEAN).await;
    e
}

async fn send(e: &Env, raw: Vec<u8>) -> Result<crate::Accepted, Refused> {
    e.d.submit(mx(), envelope(Some("a@example.org"), &[JEAN]), raw, NOW)
        .await
}

#[tokio::test]
async fn begun_work_is_the_stages_verdict() {
    let stage = Early::new(
        Duration::from_millis(100),
        Ok(vec![Verdict::quarantine("virus", "Test.Sig")]),
    );
    let e = with(stage.clone(), None).await;
    let raw = message("a@example.org", JEAN, "Tot", "Bonjour");
    send(&e, raw.clone()).await.expect("accepted, isolated");
    assert_eq!(
        *stage.begun_with.lock().unwrap(),
        vec![raw],
        "the bytes as received"
    );
    assert_eq!(
        stage.runs.load(Ordering::SeqCst),
        0,
        "not run a second time"
    );
    assert_eq!(stage.finished.load(Ordering::SeqCst), 1);
    // The verdict of the begun work, not run's clean answer, decided.
    assert!(inbox(&e, JEAN).await.is_empty(), "nothing delivered");
    let q = e.store().quarantine_list().await.unwrap();
    assert_eq!(q.len(), 1);
    assert_eq!(q[0].reason, "virus");
    assert_eq!(q[0].rule.as_deref(), Some("tot:Test.Sig"));
}

#[tokio::test]
async fn begun_work_that_fails_is_a_temporary_failure() {
    let stage = Early::new(Duration::ZERO, Err(StageError::new("clamd away")));
    let e = with(stage.clone(), None).await;
    let r = send(&e, message("a@example.org", JEAN, "x", "y"))
        .await
        .expect_err("4xx");
    assert_eq!(
        (r.code, r.enhanced.as_str(), r.rule),
        (451, "4.7.1", Rule::Content)
    );
    assert_eq!(stage.runs.load(Ordering::SeqCst), 0);
    assert!(inbox(&e, JEAN).await.is_empty());
}

#[tokio::test]
async fn begun_work_that_overruns_follows_the_policy() {
    // tempfail: cut at the stage's timeout, counted from the start.
    let stage = Early::new(Duration::from_secs(10), Ok(Vec::new()));
    let policy = |on_failure| StagePolicy {
        timeout: Duration::from_millis(100),
        on_failure,
    };
    let e = with(stage.clone(), Some(policy(OnFailure::TempFail))).await;
    let t = Instant::now();
    let r = send(&e, message("a@example.org", JEAN, "x", "y"))
        .await
        .expect_err("4xx");
    assert!(t.elapsed() < Duration::from_secs(5), "{:?}", t.elapsed());
    assert_eq!(r.code, 451);
    assert_eq!(stage.finished.load(Ordering::SeqCst), 0);
    assert!(inbox(&e, JEAN).await.is_empty());
    // pass: delivered, and the disposition says the stage was passed over.
    let stage = Early::new(Duration::from_secs(10), Ok(Vec::new()));
    let e = with(stage, Some(policy(OnFailure::Pass))).await;
    send(&e, message("a@example.org", JEAN, "x", "y"))
        .await
        .expect("passed over");
    assert_eq!(inbox(&e, JEAN).await.len(), 1);
}

#[tokio::test]
async fn a_refusal_before_the_filters_aborts_the_begun_work() {
    let stage = Early::new(Duration::from_secs(10), Ok(Vec::new()));
    let e = with(stage.clone(), None).await;
    // On the MX, a From: in our own domain is refused by the gate
    // (check_identity), after the work began and before the filters.
    let r = send(&e, message("usurpe@ac-demo.fr", JEAN, "x", "y"))
        .await
        .expect_err("refused");
    assert_eq!(r.code / 100, 5, "{r:?}");
    assert_eq!(stage.begun_with.lock().unwrap().len(), 1, "it had begun");
    let t = Instant::now();
    while stage.dropped.load(Ordering::SeqCst) == 0 {
        assert!(
            t.elapsed() < Duration::from_secs(2),
            "begun work not aborted"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_eq!(
        stage.finished.load(Ordering::SeqCst),
        0,
        "aborted, not finished"
    );
}

#[tokio::test]
async fn internal_notices_begin_nothing() {
    let stage = Early::new(Duration::ZERO, Ok(Vec::new()));
    let e = with(stage.clone(), None).await;
    e.d.submit(
        Origin::Internal,
        envelope(Some("postmaster@ac-demo.fr"), &[JEAN]),
        message("postmaster@ac-demo.fr", JEAN, "Avis", "Bonjour"),
        NOW,
    )
    .await
    .unwrap();
    assert_eq!(inbox(&e, JEAN).await.len(), 1);
    assert!(stage.begun_with.lock().unwrap().is_empty());
    assert_eq!(stage.runs.load(Ordering::SeqCst), 0);
}

/// The real stage on a real clamd: the scan begun with the gate finds
/// EICAR and the message is isolated; clamd down, it is a `451`.
#[tokio::test]
async fn r9_begun_scan_holds_back_infected_and_tempfails_without_clamd() {
    let Some(mut p) = harness::ClamdProcess::start() else {
        return;
    };
    let mut opts =
        vesontio_antivirus::ClamdOptions::new(vesontio_antivirus::Endpoint::Unix(p.socket.clone()));
    opts.timeout = Duration::from_secs(10);
    let stage = Arc::new(AntivirusStage::new(Arc::new(
        vesontio_antivirus::Clamd::new(opts),
    )));
    let infected = [
        b"From: <a@example.org>\r\nTo: <jean.dupont@ac-demo.fr>\r\nSubject: v\r\n\r\n".as_slice(),
        harness::EICAR,
        b"\r\n",
    ]
    .concat();
    // The stage's begun work alone gives clamd's verdict.
    let work = stage.begin(&Arc::new(infected.clone())).expect("it begins");
    let verdicts = work.await.expect("scanned");
    assert!(
        matches!(&verdicts[..], [v] if matches!(&v.action,
            crate::Action::Quarantine { reason, rule }
                if reason == VIRUS_REASON && rule.starts_with(harness::EICAR_TEXT_SIG))),
        "{verdicts:?}"
    );
    // Through the gate: isolated, never delivered; clean mail passes.
    let e = with(stage.clone(), None).await;
    send(&e, infected.clone())
        .await
        .expect("accepted, isolated");
    send(&e, message("a@example.org", JEAN, "Propre", "Bonjour"))
        .await
        .unwrap();
    // The clean one, and the notice of the one isolated (R9), which
    // does not carry it.
    let delivered = inbox(&e, JEAN).await;
    assert_eq!(delivered.len(), 2);
    assert!(
        delivered
            .iter()
            .all(|m| !text(m).contains("EICAR-STANDARD")),
        "the infected message was delivered"
    );
    assert!(subjects(&e, JEAN).await.contains(&"Propre".to_string()));
    let q = e.store().quarantine_list().await.unwrap();
    assert_eq!(q.len(), 1);
    assert_eq!(q[0].reason, VIRUS_REASON);
    // clamd gone: the begun scan fails, the message waits (451).
    p.stop();
    let r = send(&e, message("a@example.org", JEAN, "Pendant", "x"))
        .await
        .expect_err("4xx");
    assert_eq!((r.code, r.enhanced.as_str()), (451, "4.7.1"), "{r:?}");
    assert!(r.text.contains("antivirus"), "{}", r.text);
    assert_eq!(
        inbox(&e, JEAN).await.len(),
        2,
        "nothing unscanned delivered"
    );
}
