//! Live updates: the event stream (`/events`) after a delivery, a flag
//! change and another account's mail; `/changes` since a state, shaped
//! after JMAP Email/changes; the per-session bound on streams (3); the stream
//! ended by logout; and, on PostgreSQL, mail delivered through another
//! store handle (another process) on the same database waking the stream.
#![allow(clippy::unwrap_used)]

mod common;

use std::time::Duration;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use common::client::*;
use common::*;
use http_body_util::BodyExt;
use tower::ServiceExt;

const JEANNE: &str = "jeanne.martin@ac-test.fr";

fn msg(n: u32) -> String {
    format!(
        "From: paul.durand@ac-test.fr\r\nTo: {JEANNE}\r\nSubject: Direct {n}\r\nMessage-ID: <l{n}@ac-test.fr>\r\n\r\nTexte {n}\r\n"
    )
}

/// An open event stream, read frame by frame.
struct Stream {
    body: Body,
    /// Everything read so far.
    seen: String,
}

impl Stream {
    async fn open(c: &Client, uri: &str) -> (StatusCode, Stream) {
        let req = Request::get(uri)
            .header(header::COOKIE, c.cookie_header())
            .body(Body::empty())
            .unwrap();
        let res = c.app.clone().oneshot(req).await.unwrap();
        let status = res.status();
        if status == StatusCode::OK {
            assert_eq!(
                res.headers()[header::CONTENT_TYPE].to_str().unwrap(),
                "text/event-stream"
            );
        }
        (
            status,
            Stream {
                body: res.into_body(),
                seen: String::new(),
            },
        )
    }

    /// Reads until `pat` has been seen (after what was already consumed)
    /// and returns the text read meanwhile; `None` if the stream ended or
    /// `within` passed first.
    async fn until(&mut self, pat: &str, within: Duration) -> Option<String> {
        let start = self.seen.len();
        let deadline = tokio::time::Instant::now() + within;
        loop {
            if let Some(i) = self.seen[start..].find(pat) {
                let end = start + i + pat.len();
                let got = self.seen[start..end].to_string();
                self.seen = self.seen[end..].to_string();
                return Some(got);
            }
            match tokio::time::timeout_at(deadline, self.body.frame()).await {
                Ok(Some(Ok(f))) => {
                    if let Ok(d) = f.into_data() {
                        self.seen.push_str(&String::from_utf8_lossy(&d));
                    }
                }
                _ => return None,
            }
        }
    }

    /// Whether the stream ends (the body is over) within `within`.
    async fn ends(&mut self, within: Duration) -> bool {
        let deadline = tokio::time::Instant::now() + within;
        loop {
            match tokio::time::timeout_at(deadline, self.body.frame()).await {
                Ok(None) => return true,
                Ok(Some(Ok(_))) => continue,
                Ok(Some(Err(_))) => return true,
                Err(_) => return false,
            }
        }
    }
}

fn data_state(event: &str) -> i64 {
    let i = event.rfind("data: {\"state\":\"").unwrap() + 16;
    event[i..i + event[i..].find('"').unwrap()].parse().unwrap()
}

fn page_state(html: &str) -> i64 {
    let i = html.find("data-state=\"").unwrap() + 12;
    html[i..i + html[i..].find('"').unwrap()].parse().unwrap()
}

async fn changes(c: &mut Client, since: i64) -> serde_json::Value {
    let r = c.get(&format!("/changes?since={since}")).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.header(header::CONTENT_TYPE), "application/json");
    serde_json::from_str(&r.body).unwrap()
}

fn strs(v: &serde_json::Value) -> Vec<String> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_str().unwrap().to_string())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_delivery_is_announced_and_listed_in_changes() {
    let e = env().await;
    let jeanne = person(&e, JEANNE, "Jeanne Martin", PASSWORD, false).await;
    let paul = person(&e, "paul.durand@ac-test.fr", "Paul Durand", PASSWORD, false).await;
    e.web.set_event_heartbeat(Duration::from_millis(300));
    let mut c = Client::new(&e);
    c.login(JEANNE, PASSWORD).await;
    let page = c.get("/mail").await;
    // The page loads its module and says which state it shows.
    assert!(
        page.body
            .contains("<script type=\"module\" src=\"/assets/live.")
    );
    let state = page_state(&page.body);
    let (status, mut s) = Stream::open(&c, &format!("/events?since={state}")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        s.until(": ready", Duration::from_secs(5)).await.is_some(),
        "{}",
        s.seen
    );

    // Another account's mail says nothing to Jeanne's stream; heartbeats
    // (comments) keep coming.
    deliver(&e, &paul, &msg(0)).await;
    let quiet = s.until(": ping\n\n", Duration::from_secs(3)).await;
    assert!(quiet.is_some(), "a heartbeat: {}", s.seen);
    assert!(
        s.until("event: change", Duration::from_millis(800))
            .await
            .is_none()
    );

    let (inbox, uid) = deliver(&e, &jeanne, &msg(1)).await;
    let ev = loop {
        let got = s.until("\n\n", Duration::from_secs(5)).await;
        let got = got.expect("an event after the delivery");
        if got.contains("event: change") {
            break got;
        }
    };
    let after = data_state(&ev);
    assert!(after > state, "{ev}");
    assert!(ev.contains(&format!("id: {after}")), "{ev}");

    // What changed since the page's state: the new message, in INBOX,
    // unread, with the sentence the folder tree reads out.
    let j = changes(&mut c, state).await;
    let email = e
        .store
        .message_by_uid(vesontio_types::MailboxId(inbox), uid)
        .await
        .unwrap()
        .unwrap()
        .email_id;
    assert_eq!(j["oldState"], state.to_string());
    assert_eq!(j["newState"], after.to_string());
    assert_eq!(j["hasMoreChanges"], false);
    assert_eq!(strs(&j["created"]), vec![email.to_string()]);
    assert!(strs(&j["destroyed"]).is_empty());
    assert_eq!(strs(&j["changedMailboxes"]), vec![inbox.to_string()]);
    let boxes = j["mailboxes"].as_array().unwrap();
    let mine = boxes
        .iter()
        .find(|m| m["id"].as_str() == Some(inbox.to_string().as_str()))
        .unwrap();
    assert_eq!(mine["unreadEmails"], 1);
    assert_eq!(mine["totalEmails"], 1);
    assert_eq!(mine["unreadLabel"], "1 non lus");
    // Paul's INBOX is not in Jeanne's answer.
    let paul_inbox = e
        .store
        .mailbox_by_name(paul.id, "INBOX")
        .await
        .unwrap()
        .unwrap();
    assert!(
        !boxes
            .iter()
            .any(|m| m["id"].as_str() == Some(paul_inbox.id.0.to_string().as_str()))
    );

    // A flag change (read on another device): an event, and the email
    // updated, the count down.
    let list = c.get("/mail").await;
    let csrf = csrf_in(&list.body);
    let name = format!("m{uid}");
    c.post(
        &format!("/mail/{inbox}/actions"),
        &[(name.as_str(), "on"), ("action", "read"), ("csrf", &csrf)],
    )
    .await;
    let ev = loop {
        let got = s
            .until("\n\n", Duration::from_secs(5))
            .await
            .expect("flag event");
        if got.contains("event: change") {
            break got;
        }
    };
    let flagged = data_state(&ev);
    assert!(flagged > after);
    let j = changes(&mut c, after).await;
    assert_eq!(strs(&j["updated"]), vec![email.to_string()]);
    assert!(strs(&j["created"]).is_empty());
    let mine = j["mailboxes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["id"].as_str() == Some(inbox.to_string().as_str()))
        .unwrap()
        .clone();
    assert_eq!(mine["unreadEmails"], 0);

    // A state the log cannot answer from: said so, with the current one.
    let j = changes(&mut c, flagged + 1000).await;
    assert_eq!(j["type"], "cannotCalculateChanges");
    assert_eq!(j["newState"], flagged.to_string());
    assert_eq!(
        c.get("/changes?since=x").await.status,
        StatusCode::BAD_REQUEST
    );

    // Logout ends the stream at its next heartbeat.
    c.post("/logout", &[("csrf", &csrf)]).await;
    assert!(s.ends(Duration::from_secs(5)).await, "{}", s.seen);
    // And a stream without a session is not opened.
    let (status, _) = Stream::open(&c, "/events").await;
    assert_eq!(status, StatusCode::SEE_OTHER);
}

/// The next `change` event within 5 s, skipping heartbeats.
async fn next_change(s: &mut Stream) -> String {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    loop {
        let left = deadline.saturating_duration_since(tokio::time::Instant::now());
        let got = s.until("\n\n", left).await;
        let got = got.unwrap_or_else(|| panic!("a change event: {}", s.seen));
        if got.contains("event: change") {
            return got;
        }
    }
}

/// The state a page was rendered at, as the page carries it.
fn page_state_text(html: &str) -> String {
    let i = html.find("data-state=\"").unwrap() + 12;
    html[i..i + html[i..].find('"').unwrap()].to_string()
}

/// R2: mail arriving in a functional mailbox is in its own change log;
/// a member who may read it (`lr`) hears of it live and finds it in
/// `/changes`, one with only `l` hears nothing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_functional_mailboxs_mail_is_announced_to_its_readers() {
    let e = env().await;
    let jeanne = person(&e, JEANNE, "Jeanne Martin", PASSWORD, false).await;
    let anne = person(&e, "anne.petit@ac-test.fr", "Anne Petit", PASSWORD, false).await;
    let fx = functional(&e, "examens@ac-test.fr", "Examens", &jeanne, "lrs").await;
    e.store.set_member(fx.id, anne.id, "l").await.unwrap();
    e.web.set_event_heartbeat(Duration::from_millis(300));
    let mut c = Client::new(&e);
    c.login(JEANNE, PASSWORD).await;
    let state = page_state_text(&c.get("/mail").await.body);
    // The page's state names the functional mailbox's log too.
    assert!(state.contains(&format!(",{}:", fx.id.0)), "{state}");
    let (status, mut s) = Stream::open(&c, &format!("/events?since={}", urlencode(&state))).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        s.until(": ready", Duration::from_secs(5)).await.is_some(),
        "{}",
        s.seen
    );
    // Anne may see the mailbox but not read it: her state follows only
    // her own log, and her stream stays quiet.
    let mut a = Client::new(&e);
    a.login("anne.petit@ac-test.fr", PASSWORD).await;
    let anne_state = page_state_text(&a.get("/mail").await.body);
    assert!(!anne_state.contains(','), "{anne_state}");
    let (_, mut quiet) = Stream::open(&a, &format!("/events?since={anne_state}")).await;
    assert!(
        quiet
            .until(": ready", Duration::from_secs(5))
            .await
            .is_some()
    );

    let (fx_inbox, uid) = deliver(&e, &fx, &msg(7)).await;
    let ev = next_change(&mut s).await;
    let i = ev.rfind("data: {\"state\":\"").unwrap() + 16;
    let after = ev[i..i + ev[i..].find('"').unwrap()].to_string();
    assert_ne!(after, state);
    assert!(ev.contains(&format!("id: {after}")), "{ev}");
    // Jeanne's own part is unchanged; the functional mailbox's moved on.
    assert_eq!(after.split(',').next(), state.split(',').next(), "{after}");

    let r = c
        .get(&format!("/changes?since={}", urlencode(&state)))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let j: serde_json::Value = serde_json::from_str(&r.body).unwrap();
    let email = e
        .store
        .message_by_uid(vesontio_types::MailboxId(fx_inbox), uid)
        .await
        .unwrap()
        .unwrap()
        .email_id;
    assert_eq!(j["newState"], after.as_str());
    assert_eq!(strs(&j["created"]), vec![email.to_string()]);
    assert_eq!(strs(&j["changedMailboxes"]), vec![fx_inbox.to_string()]);
    // The member's own unread count in the functional mailbox's INBOX.
    let fx_box = j["mailboxes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["id"].as_str() == Some(fx_inbox.to_string().as_str()))
        .unwrap()
        .clone();
    assert_eq!(fx_box["unreadEmails"], 1);
    // Nothing more since the new state.
    let r = c
        .get(&format!("/changes?since={}", urlencode(&after)))
        .await;
    let j: serde_json::Value = serde_json::from_str(&r.body).unwrap();
    assert!(strs(&j["created"]).is_empty(), "{j}");
    assert_eq!(j["newState"], after.as_str());
    // A state without the functional mailbox's part cannot be answered
    // from: the page reloads what it shows.
    let own = state.split(',').next().unwrap();
    let r = c.get(&format!("/changes?since={own}")).await;
    let j: serde_json::Value = serde_json::from_str(&r.body).unwrap();
    assert_eq!(j["type"], "cannotCalculateChanges");
    assert_eq!(j["newState"], after.as_str());

    // Anne heard nothing of it (heartbeats only).
    assert!(
        quiet
            .until(": ping", Duration::from_secs(3))
            .await
            .is_some()
    );
    assert!(
        quiet
            .until("event: change", Duration::from_millis(800))
            .await
            .is_none(),
        "{}",
        quiet.seen
    );
    // Jeanne's own mail still comes through the same stream.
    deliver(&e, &jeanne, &msg(8)).await;
    let ev = next_change(&mut s).await;
    let own_of = |st: &str| st.split(',').next().unwrap().parse::<i64>().unwrap();
    let i = ev.find("id: ").unwrap() + 4;
    let last = &ev[i..i + ev[i..].find('\n').unwrap()];
    assert!(own_of(last) > own_of(&after), "{ev}");
    assert!(last.ends_with(after.split_once(',').unwrap().1), "{ev}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reconnection_hears_what_it_missed_and_streams_are_bounded() {
    let e = env().await;
    let jeanne = person(&e, JEANNE, "Jeanne Martin", PASSWORD, false).await;
    let mut c = Client::new(&e);
    c.login(JEANNE, PASSWORD).await;
    let state = page_state(&c.get("/mail").await.body);
    // Mail arrived while no stream was open: the first event says so.
    deliver(&e, &jeanne, &msg(2)).await;
    let (_, mut s) = Stream::open(&c, &format!("/events?since={state}")).await;
    let ev = s.until("\n\n", Duration::from_secs(5)).await.unwrap();
    assert!(ev.contains("event: change"), "{ev}");
    assert!(ev.contains("retry: 5000"), "{ev}");
    assert!(data_state(&ev) > state);

    // Three streams per session (tabs); the fourth is refused until one
    // closes.
    let mut open = vec![s];
    for _ in 0..2 {
        let (status, s) = Stream::open(&c, "/events").await;
        assert_eq!(status, StatusCode::OK);
        open.push(s);
    }
    let (status, _) = Stream::open(&c, "/events").await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    // Another session of the same person has its own three.
    let mut other = Client::new(&e);
    other.login(JEANNE, PASSWORD).await;
    let (status, _other_stream) = Stream::open(&other, "/events").await;
    assert_eq!(status, StatusCode::OK);
    drop(open.pop());
    let (status, _s) = Stream::open(&c, "/events").await;
    assert_eq!(status, StatusCode::OK);
}

/// Two store handles on one PostgreSQL schema are two nodes: mail
/// appended through the second wakes the webmail's stream on the first
/// (LISTEN/NOTIFY, the subscription IMAP IDLE uses).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mail_through_another_process_on_postgres_is_announced() {
    use vesontio_store::{NewMessage, Store, StoreConfig};
    let url = std::env::var("VESONTIO_TEST_POSTGRES")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into());
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    let schema = format!(
        "t_web_live_{}_{}",
        std::process::id(),
        nanos % 1_000_000_000
    );
    let blobs = tempfile::tempdir().unwrap();
    let config = StoreConfig::Postgres {
        url: url.clone(),
        schema,
        blob_dir: blobs.path().to_path_buf(),
    };
    let a = match Store::open(config.clone()).await {
        Ok(s) => s,
        Err(err)
            if std::env::var_os("CI").is_none()
                && std::env::var_os("VESONTIO_REQUIRE_POSTGRES").is_none() =>
        {
            eprintln!("SKIPPED: PostgreSQL unreachable at {url}: {err}");
            return;
        }
        Err(err) => panic!("PostgreSQL required under CI: {err}"),
    };
    let e = env_on(
        tempfile::tempdir().unwrap(),
        a,
        vesontio_web::Clock::manual(NOW),
        |_| {},
        |_| {},
    )
    .await;
    let jeanne = person(&e, JEANNE, "Jeanne Martin", PASSWORD, false).await;
    let b = Store::open(config).await.unwrap();
    let mut c = Client::new(&e);
    c.login(JEANNE, PASSWORD).await;
    let state = page_state(&c.get("/mail").await.body);
    let (_, mut s) = Stream::open(&c, &format!("/events?since={state}")).await;
    assert!(s.until(": ready", Duration::from_secs(5)).await.is_some());
    let inbox = b
        .mailbox_by_name(jeanne.id, "INBOX")
        .await
        .unwrap()
        .unwrap();
    let (blob, data) = b.put_blob(msg(3).into_bytes()).await.unwrap();
    b.append(
        inbox.id,
        NewMessage {
            blob,
            data: Some(data),
            internal_date: NOW,
            flags: vec![],
            private: false,
            parsed: None,
        },
    )
    .await
    .unwrap();
    let ev = loop {
        let got = s
            .until("\n\n", Duration::from_secs(10))
            .await
            .expect("the other node's delivery is heard");
        if got.contains("event: change") {
            break got;
        }
    };
    assert!(data_state(&ev) > state);
    let j = changes(&mut c, state).await;
    assert_eq!(strs(&j["changedMailboxes"]), vec![inbox.id.0.to_string()]);
    assert_eq!(strs(&j["created"]).len(), 1);
}

/// An open stream does not outlive its session: past the idle expiry
/// (the stream itself touches nothing) it ends at the next heartbeat; and
/// every stream ends when the server shuts down.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn streams_end_with_an_idle_session_and_at_shutdown() {
    let e = env().await;
    person(&e, JEANNE, "Jeanne Martin", PASSWORD, false).await;
    e.web.set_event_heartbeat(Duration::from_millis(200));
    let mut c = Client::new(&e);
    c.login(JEANNE, PASSWORD).await;
    let (_, mut s) = Stream::open(&c, "/events").await;
    assert!(s.until(": ping", Duration::from_secs(3)).await.is_some());
    // Heartbeats while the session lives.
    assert!(s.until(": ping", Duration::from_secs(3)).await.is_some());
    e.clock.advance(1801);
    assert!(s.ends(Duration::from_secs(3)).await, "{}", s.seen);

    let mut c = Client::new(&e);
    c.login(JEANNE, PASSWORD).await;
    let (_, mut s) = Stream::open(&c, "/events").await;
    assert!(s.until(": ready", Duration::from_secs(3)).await.is_some());
    e.web.set_event_heartbeat(Duration::from_secs(3600));
    e.web.stop_streams();
    assert!(s.ends(Duration::from_secs(3)).await, "{}", s.seen);
}
