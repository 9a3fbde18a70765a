//! R9 end to end over port 25 with a real clamd (the antivirus crate's
//! harness): a clean message is accepted and delivered; an infected one is
//! accepted (`250`: nothing for the sender's server to retry) and isolated,
//! the recipient getting a notice and never the content; clamd down is
//! `451 4.7.1` after DATA (the sending server keeps the message), and the
//! same message is delivered once clamd is back.

#![allow(clippy::unwrap_used)]

mod common;
#[path = "../../antivirus/tests/harness/mod.rs"]
mod harness;

use std::sync::Arc;
use std::time::Duration;

use common::client::Client;
use common::*;
use harness::{ClamdProcess, EICAR, mail_with_attachment};
use vesontio_antivirus::{Clamd, ClamdOptions, Endpoint};
use vesontio_delivery::{AntivirusStage, FilterSettings, Filters};

const EXTERNAL: &str = "someone@example.org";

async fn server(p: &ClamdProcess) -> Harness {
    let mut opts = ClamdOptions::new(Endpoint::Unix(p.socket.clone()));
    opts.timeout = Duration::from_secs(10);
    let stage = AntivirusStage::new(Arc::new(Clamd::new(opts)));
    let filters = Filters::new(FilterSettings::with_junk(5.0), vec![Arc::new(stage)]);
    Harness::start_filtered(
        smtp_config(),
        delivery_config(),
        auth_limits(),
        Some(filters),
    )
    .await
}

fn clean(n: u32) -> Vec<u8> {
    format!(
        "From: {EXTERNAL}\r\nTo: {MARIE}\r\nSubject: Conseil {n}\r\n\
         Message-ID: <clean.{n}@example.org>\r\nDate: Tue, 1 Dec 2026 10:00:00 +0000\r\n\r\nBonjour\r\n"
    )
    .into_bytes()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn r9_smtp_clean_infected_and_clamd_down() {
    let Some(mut p) = ClamdProcess::start() else {
        return;
    };
    let h = server(&p).await;
    let (mut c, _) = Client::connect(h.mx).await.unwrap();
    c.cmd("EHLO client.example.org").await.unwrap();

    let r = c.send_message(EXTERNAL, MARIE, &clean(1)).await.unwrap();
    assert_eq!(r.code, 250, "{}", r.last());
    assert_eq!(h.inbox(MARIE).await.len(), 1);

    let infected = mail_with_attachment("test.txt", "text/plain", EICAR);
    let r = c.send_message(EXTERNAL, MARIE, &infected).await.unwrap();
    assert_eq!(r.code, 250, "accepted and isolated: {}", r.last());
    let q = h.store.quarantine_list().await.unwrap();
    assert_eq!(q.len(), 1);
    assert_eq!(q[0].reason, "virus");
    let inbox = h.inbox(MARIE).await;
    assert_eq!(inbox.len(), 2, "the clean message and the notice");
    let notice = String::from_utf8_lossy(&inbox[1]).into_owned();
    assert!(notice.contains("Vesontio.Test.EICAR"), "{notice}");
    assert!(!notice.contains("EICAR-STANDARD-ANTIVIRUS"), "{notice}");

    // clamd dies: the message waits at the sender's server.
    p.stop();
    let r = c.send_message(EXTERNAL, MARIE, &clean(2)).await.unwrap();
    assert_eq!(r.code, 451, "{}", r.last());
    assert!(r.last().contains("4.7.1"), "{}", r.last());
    assert_eq!(h.inbox(MARIE).await.len(), 2, "nothing unscanned delivered");
    assert_eq!(c.cmd("QUIT").await.unwrap().code, 221);

    // Back: the retry is accepted and delivered once.
    p.restart();
    let (mut c, _) = Client::connect(h.mx).await.unwrap();
    c.cmd("EHLO client.example.org").await.unwrap();
    let r = c.send_message(EXTERNAL, MARIE, &clean(2)).await.unwrap();
    assert_eq!(r.code, 250, "{}", r.last());
    let inbox = h.inbox(MARIE).await;
    assert_eq!(inbox.len(), 3);
    assert!(String::from_utf8_lossy(&inbox[2]).contains("Subject: Conseil 2"));
    assert_eq!(c.cmd("QUIT").await.unwrap().code, 221);
}
