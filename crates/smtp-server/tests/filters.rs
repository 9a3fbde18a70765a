//! The filter pipeline and all-or-nothing delivery (issue 15) through
//! port 25: a stage that cannot answer in time makes the server answer
//! `451 4.7.1` after DATA (the sender keeps the message and retries); a
//! stage's score files the message into Junk with `X-Spam-Score`; the
//! same message sent again (a sender that lost our `250`) is accepted
//! with the first queue id and stored once.

#![allow(clippy::unwrap_used)]

mod common;

use std::sync::Arc;
use std::time::Duration;

use common::client::Client;
use common::*;
use vesontio_delivery::filter::BoxFuture;
use vesontio_delivery::{
    FilterContext, FilterSettings, Filters, OnFailure, Stage, StageError, StagePolicy, Verdict,
};

const EXTERNAL: &str = "someone@example.org";

/// Waits `delay`, then scores `score`.
struct Scorer {
    delay: Duration,
    score: f32,
}

impl Stage for Scorer {
    fn name(&self) -> &str {
        "scorer"
    }

    fn run<'a>(
        &'a self,
        _ctx: &'a FilterContext,
    ) -> BoxFuture<'a, Result<Vec<Verdict>, StageError>> {
        Box::pin(async move {
            tokio::time::sleep(self.delay).await;
            Ok(vec![Verdict::score(self.score, "test")])
        })
    }
}

async fn harness(delay: Duration, score: f32) -> Harness {
    let mut settings = FilterSettings::with_junk(5.0);
    settings.stages.insert(
        "scorer".into(),
        StagePolicy {
            timeout: Duration::from_millis(200),
            on_failure: OnFailure::TempFail,
        },
    );
    let filters = Filters::new(settings, vec![Arc::new(Scorer { delay, score })]);
    Harness::start_filtered(
        smtp_config(),
        delivery_config(),
        auth_limits(),
        Some(filters),
    )
    .await
}

const MESSAGE: &[u8] = b"From: someone@example.org\r\nTo: marie.curie@ac-test.fr\r\n\
Subject: Offre\r\nMessage-ID: <offre.1@example.org>\r\nDate: Tue, 1 Dec 2026 10:00:00 +0000\r\n\r\nBonjour\r\n";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stage_timeout_answers_451_after_data() {
    let h = harness(Duration::from_secs(5), 1.0).await;
    let (mut c, _) = Client::connect(h.mx).await.unwrap();
    c.cmd("EHLO client.example.org").await.unwrap();
    let r = c.send_message(EXTERNAL, MARIE, MESSAGE).await.unwrap();
    assert_eq!(r.code, 451, "{}", r.last());
    assert!(r.last().contains("4.7.1"), "{}", r.last());
    assert!(h.inbox(MARIE).await.is_empty());
    assert_eq!(c.cmd("QUIT").await.unwrap().code, 221);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scored_mail_goes_to_junk_and_a_resend_is_stored_once() {
    let h = harness(Duration::ZERO, 8.0).await;
    let (mut c, _) = Client::connect(h.mx).await.unwrap();
    c.cmd("EHLO client.example.org").await.unwrap();
    let first = c.send_message(EXTERNAL, MARIE, MESSAGE).await.unwrap();
    assert_eq!(first.code, 250, "{}", first.last());
    // The sender lost our 250 and sends it again, on a new connection.
    let (mut c2, _) = Client::connect(h.mx).await.unwrap();
    c2.cmd("EHLO client.example.org").await.unwrap();
    let again = c2.send_message(EXTERNAL, MARIE, MESSAGE).await.unwrap();
    assert_eq!(again.code, 250, "{}", again.last());
    assert_eq!(again.last(), first.last(), "the same queue id");
    assert!(h.inbox(MARIE).await.is_empty());
    let acc = h.store.account_by_address(MARIE).await.unwrap().unwrap();
    let junk = h
        .store
        .mailbox_by_name(acc.id, "Junk")
        .await
        .unwrap()
        .unwrap();
    let msgs = h.store.messages(junk.id).await.unwrap();
    assert_eq!(msgs.len(), 1, "stored once");
    let raw = h.store.read_blob(&msgs[0].blob_id).await.unwrap();
    assert!(String::from_utf8_lossy(&raw).contains("X-Spam-Score: 8.0\r\n"));
    let disp = h
        .store
        .message_disposition(junk.id, msgs[0].uid)
        .await
        .unwrap()
        .unwrap();
    assert!(disp.contains("\"verdict\":\"junk\""), "{disp}");
}
