//! Server time of the webmail's pages on a 20,000-message INBOX (issue 10's
//! figures): the conversation list, the plain list sorted by date and by
//! sender, a message page, a conversation page, a search by sender and by
//! body; then the memory an open session costs. Prints figures; not a test.
//!
//! `cargo bench -p vesontio-web --bench pages` (release, SQLite in a
//! temporary directory). `PAGES_MESSAGES=2000` for another size,
//! `PAGES_RUNS=200` for the number of timed requests per page.
//!
//! Server time is measured at the router (`tower::ServiceExt::oneshot`,
//! the handler, the store and the template, without TLS or the socket):
//! the part of a page's time the webmail owns.

#![allow(clippy::unwrap_used)]

#[path = "../tests/common/mod.rs"]
mod common;

use std::time::{Duration, Instant};

use common::client::Client;
use common::*;
use vesontio_store::{NewMessage, Parsed};

const SENDERS: &[&str] = &[
    "Paul Durand <paul.durand@ac-test.fr>",
    "Claire Fontaine <claire.fontaine@ac-test.fr>",
    "Secrétariat <secretariat.college@ac-test.fr>",
    "Marc Petit <marc.petit@example.org>",
    "Inès Moreau <ines.moreau@ac-test.fr>",
    "Rectorat <ce.rectorat@ac-test.fr>",
];
const TOPICS: &[&str] = &[
    "Conseil de classe",
    "Réunion parents-professeurs",
    "Sortie pédagogique",
    "Emploi du temps",
    "Bulletins du trimestre",
    "Inspection",
    "Formation continue",
    "Brevet blanc",
];
const WORDS: &[&str] = &[
    "élèves",
    "classe",
    "salle",
    "projet",
    "budget",
    "planning",
    "note",
    "devoir",
    "correction",
    "absence",
    "collège",
    "lycée",
    "rectorat",
    "académie",
    "examen",
    "parents",
];

/// Message `i`: conversations of four (a first message, then replies with
/// In-Reply-To and References), 1.5 KB of French text.
fn message(i: usize) -> Vec<u8> {
    let thread = i / 4;
    let topic = TOPICS[thread % TOPICS.len()];
    let from = SENDERS[i % SENDERS.len()];
    let (subject, refs) = if i % 4 == 0 {
        (format!("{topic} n°{thread}"), String::new())
    } else {
        (
            format!("Re: {topic} n°{thread}"),
            format!(
                "In-Reply-To: <m{}@ac-test.fr>\r\nReferences: <m{}@ac-test.fr>\r\n",
                i - 1,
                thread * 4
            ),
        )
    };
    let mut body = String::new();
    for k in 0..200 {
        body.push_str(WORDS[(i * 7 + k * 13) % WORDS.len()]);
        body.push(if k % 12 == 11 { '\n' } else { ' ' });
    }
    let day = 1 + (i % 28);
    format!(
        "From: {from}\r\nTo: Jeanne Martin <jeanne.martin@ac-test.fr>\r\n\
         Subject: {subject}\r\nDate: Tue, {day} Dec 2026 09:30:00 +0100\r\n\
         Message-ID: <m{i}@ac-test.fr>\r\n{refs}MIME-Version: 1.0\r\n\
         Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n\
         Bonjour,\r\n\r\n{body}\r\n\r\nCordialement\r\n"
    )
    .into_bytes()
}

fn rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse().ok())
        })
        .unwrap_or(0)
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

async fn time_page(c: &mut Client, name: &str, uri: &str, runs: usize) {
    let first = c.get(uri).await;
    assert!(
        first.status.is_success(),
        "{name}: {uri} answered {}",
        first.status
    );
    for _ in 0..runs / 10 {
        c.get(uri).await;
    }
    let mut times = Vec::with_capacity(runs);
    for _ in 0..runs {
        let t = Instant::now();
        let r = c.get(uri).await;
        times.push(t.elapsed());
        assert!(r.status.is_success());
    }
    times.sort();
    println!(
        "{name:<34} median {:>7.2} ms   p99 {:>7.2} ms   ({} bytes)",
        percentile(&times, 0.5).as_secs_f64() * 1e3,
        percentile(&times, 0.99).as_secs_f64() * 1e3,
        first.body.len()
    );
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let n: usize = std::env::var("PAGES_MESSAGES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(20_000);
    let runs: usize = std::env::var("PAGES_RUNS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(200);
    let e = env().await;
    let jeanne = person(
        &e,
        "jeanne.martin@ac-test.fr",
        "Jeanne Martin",
        PASSWORD,
        false,
    )
    .await;
    let inbox = e
        .store
        .mailbox_by_name(jeanne.id, "INBOX")
        .await
        .unwrap()
        .unwrap();
    let t = Instant::now();
    for chunk in (0..n).collect::<Vec<_>>().chunks(500) {
        let mut rows = Vec::with_capacity(chunk.len());
        for &i in chunk {
            let raw = message(i);
            let parsed = Parsed::of(&raw);
            let (blob, data) = e.store.put_blob(raw).await.unwrap();
            rows.push(NewMessage {
                blob,
                data: Some(data),
                internal_date: NOW - (n - i) as i64 * 60,
                flags: if i % 3 == 0 {
                    vec![]
                } else {
                    vec!["\\Seen".into()]
                },
                private: false,
                parsed: Some(parsed),
            });
        }
        e.store.append_all(inbox.id, rows).await.unwrap();
    }
    println!(
        "{n} messages in INBOX, stored in {:.1} s; {runs} timed requests per page",
        t.elapsed().as_secs_f64()
    );
    let mut c = Client::new(&e);
    let r = c.login("jeanne.martin@ac-test.fr", PASSWORD).await;
    assert!(r.status.is_redirection(), "login: {}", r.status);
    let mb = inbox.id.0;
    let newest = e
        .store
        .mailbox(inbox.id)
        .await
        .unwrap()
        .map_or(1, |m| m.uidnext - 1);
    let list = c.get(&format!("/mail/{mb}")).await;
    let thread_href = list
        .body
        .split("href=\"")
        .skip(1)
        .filter_map(|s| s.split('"').next())
        .find(|h| h.contains("/thread/"))
        .map(str::to_string);
    time_page(
        &mut c,
        "conversations, newest 50",
        &format!("/mail/{mb}"),
        runs,
    )
    .await;
    time_page(
        &mut c,
        "messages, newest 50",
        &format!("/mail/{mb}?view=list"),
        runs,
    )
    .await;
    time_page(
        &mut c,
        "messages by sender, first 50",
        &format!("/mail/{mb}?view=list&sort=from&order=asc"),
        runs,
    )
    .await;
    time_page(
        &mut c,
        "message page",
        &format!("/mail/{mb}/{newest}"),
        runs,
    )
    .await;
    if let Some(h) = thread_href {
        time_page(
            &mut c,
            "conversation page (4 messages)",
            &h.replace("&amp;", "&"),
            runs,
        )
        .await;
    }
    time_page(
        &mut c,
        "search sender, all folders",
        "/search?from=fontaine",
        runs / 4,
    )
    .await;
    time_page(
        &mut c,
        "search body, all folders",
        "/search?body=correction",
        runs / 4,
    )
    .await;
    // Memory of open sessions: sessions live in the store, so a logged-in
    // person costs the process only while a request runs.
    let before = rss_kib();
    let mut clients = Vec::new();
    for _ in 0..200 {
        let mut k = Client::new(&e);
        k.login("jeanne.martin@ac-test.fr", PASSWORD).await;
        k.get(&format!("/mail/{mb}")).await;
        clients.push(k);
    }
    let after = rss_kib();
    println!(
        "200 more open sessions (each logged in, inbox shown): RSS {} -> {} KiB, {:.1} KiB per session",
        before,
        after,
        after.saturating_sub(before) as f64 / 200.0
    );
}
