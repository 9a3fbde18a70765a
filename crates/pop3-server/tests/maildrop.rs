//! The maildrop across sessions: deletions only at QUIT (durable, quota
//! freed, held deliveries woken), nothing deleted by a dropped connection,
//! an idle timeout or a shutdown, `[IN-USE]`, stable UIDLs.

#![allow(clippy::unwrap_used)]

mod common;

use std::time::Duration;

use common::{Env, message};
use vesontio_store::{NewQueueEntry, NewQueueRcpt, QueueKind};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deletions_only_at_quit_free_quota_and_wake_held() {
    let env = Env::start().await;
    for n in 1..=3 {
        env.deliver(&message(n)).await;
    }
    let used_before = env.used().await;
    assert_eq!(
        used_before as usize,
        (1..=3).map(|n| message(n).len()).sum::<usize>()
    );
    // R17: a delivery held because the mailbox was full, due in an hour.
    let (blob, _) = env.store.put_blob(message(9)).await.unwrap();
    let now = vesontio_store::now();
    env.store
        .enqueue(NewQueueEntry {
            kind: QueueKind::HeldLocal,
            blob,
            sender: "bob@example.org".into(),
            envid: None,
            ret: None,
            recipients: vec![NewQueueRcpt {
                address: common::USER.into(),
                orcpt: None,
                notify: None,
            }],
            created_at: now,
            next_attempt_at: now + 3600,
        })
        .await
        .unwrap();

    let mut py = env.python_interactive(
        r#"
p = login()
p.dele(1)
p.dele(2)
say('MARKED')
wait()
eq(p.quit(), b'+OK mail.example.org POP3 server signing off (1 messages left)')
say('DONE')
"#,
    );
    py.expect("MARKED");
    // RFC 1939 §6: nothing is removed before UPDATE.
    assert_eq!(env.inbox_uids().await, vec![1, 2, 3]);
    assert_eq!(env.used().await, used_before);
    py.send("go");
    py.expect("DONE");
    py.finish();

    assert_eq!(env.inbox_uids().await, vec![3]);
    assert_eq!(
        env.used().await as usize,
        message(3).len(),
        "quota freed at once"
    );
    let held = env.store.queue_entries().await.unwrap();
    assert_eq!(held.len(), 1);
    assert!(
        held[0].next_attempt_at <= vesontio_store::now(),
        "held delivery woken: {}",
        held[0].next_attempt_at
    );
    // R11: one `message` event per deletion, without content.
    let entries = env.store.audit_entries(0, i64::MAX).await.unwrap();
    let deletes: Vec<(u64, u64)> = entries
        .iter()
        .filter(|e| e.category == "message")
        .map(|e| serde_json::from_str::<serde_json::Value>(&e.data).unwrap())
        .filter(|d| d["action"] == "delete")
        .map(|d| (d["uid"].as_u64().unwrap(), d["size"].as_u64().unwrap()))
        .collect();
    assert_eq!(
        deletes,
        vec![(1, message(1).len() as u64), (2, message(2).len() as u64)]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dropped_connection_deletes_nothing() {
    let env = Env::start().await;
    for n in 1..=2 {
        env.deliver(&message(n)).await;
    }
    env.python(
        r#"
p = login()
p.dele(1)
p.dele(2)
# Drop the TCP connection without QUIT (makefile() keeps the fd alive
# through close(), so shut it down first).
p.sock.shutdown(socket.SHUT_RDWR)
p.sock.close()
# The server notices the drop and releases the lock; then nothing is gone.
for i in range(50):
    q = tls()
    q.user(USER)
    try:
        q.pass_(PASS)
        break
    except poplib.error_proto as e:
        assert e.args[0].startswith(b'-ERR [IN-USE]'), e
        q.quit()
        time.sleep(0.1)
eq(q.stat()[0], 2)
q.quit()
"#,
    )
    .await;
    assert_eq!(env.inbox_uids().await, vec![1, 2]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn second_session_is_in_use() {
    let env = Env::start().await;
    env.deliver(&message(1)).await;
    env.python(
        r#"
p1 = login()
p2 = plain()
p2.stls(CTX)
p2.user(USER)
eq(err(p2.pass_, PASS), '-ERR [IN-USE] maildrop already locked by another POP3 session')
p1.dele(1)
p1.quit()
# Released at QUIT: the same second session may now log in.
login(p2)
eq(p2.stat(), (0, 0))
p2.quit()
"#,
    )
    .await;
    assert!(env.inbox_uids().await.is_empty());
    let entries = env.store.audit_entries(0, i64::MAX).await.unwrap();
    let reasons: Vec<serde_json::Value> = entries
        .iter()
        .filter(|e| e.category == "connection")
        .map(|e| serde_json::from_str::<serde_json::Value>(&e.data).unwrap()["reason"].clone())
        .collect();
    assert_eq!(
        reasons,
        vec![
            serde_json::Value::Null,
            "in-use".into(),
            serde_json::Value::Null
        ]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn uidl_stable_across_sessions_and_never_reused() {
    let env = Env::start().await;
    env.deliver(&message(1)).await;
    env.deliver(&message(2)).await;
    let uv = env.uidvalidity().await;
    let first = env
        .python("p = login()\nfor l in p.uidl()[1]: print(l.decode())\np.dele(2)\np.quit()")
        .await;
    assert_eq!(first, format!("1 {uv}.1\n2 {uv}.2\n"));
    let again = env
        .python("p = login()\nfor l in p.uidl()[1]: print(l.decode())\np.quit()")
        .await;
    assert_eq!(again, format!("1 {uv}.1\n"));
    // The highest UID was deleted; a new message still gets a new one.
    env.deliver(&message(3)).await;
    let third = env
        .python("p = login()\nfor l in p.uidl()[1]: print(l.decode())\np.quit()")
        .await;
    assert_eq!(third, format!("1 {uv}.1\n2 {uv}.3\n"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shutdown_says_goodbye_and_deletes_nothing() {
    let env = Env::start().await;
    env.deliver(&message(1)).await;
    let mut py = env.python_interactive(
        r#"
p = login()
p.dele(1)
say('IN')
wait()
eq(p.file.readline(), b'-ERR [SYS/TEMP] server shutting down\r\n')
eq(p.file.readline(), b'')
say('DONE')
"#,
    );
    py.expect("IN");
    env.shutdown.cancel();
    env.tracker.close();
    tokio::time::timeout(Duration::from_secs(10), env.tracker.wait())
        .await
        .expect("sessions end on shutdown");
    py.send("go");
    py.expect("DONE");
    py.finish();
    assert_eq!(env.inbox_uids().await, vec![1]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn idle_timeout_closes_without_update() {
    let env = Env::start_with(Duration::from_secs(1)).await;
    env.deliver(&message(1)).await;
    env.python(
        r#"
p = login()
p.dele(1)
time.sleep(2.5)
line = p.file.readline()
assert line.startswith(b'-ERR [SYS/TEMP] idle'), line
eq(p.file.readline(), b'')
"#,
    )
    .await;
    assert_eq!(env.inbox_uids().await, vec![1]);
}

/// The maildrop is released before QUIT's `+OK`: a client that logs in
/// again the moment it hears it never meets `[IN-USE]`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn relogin_right_after_quit_is_never_in_use() {
    let env = Env::start().await;
    env.deliver(&message(1)).await;
    env.python(
        r#"
for i in range(40):
    p = login()
    eq(p.stat()[0], 1)
    p.quit()
"#,
    )
    .await;
}
