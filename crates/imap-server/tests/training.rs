//! Training events of the filter pipeline (issue 15 item 3) from a real
//! IMAP client: MOVE into Junk is spam, MOVE out of Junk ham, COPY into
//! Junk spam, and `$Junk` / `$NotJunk` set by STORE.

mod common;

use common::*;
use vesontio_store::TrainingKind;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn move_copy_and_keywords_emit_training_events() {
    let env = start().await;
    let acc = env.user().await;
    for s in ["un", "deux", "trois"] {
        env.deliver(&acc, "INBOX", &message(s, "a@b.fr", "x"), &[])
            .await;
    }
    env.py(r#"
M = login()
ok(M.select('INBOX'))
typ, data = M.uid('MOVE', '1', 'Junk')
assert typ == 'OK', data
typ, data = M.uid('COPY', '2', 'Junk')
assert typ == 'OK', data
typ, data = M.uid('STORE', '3', '+FLAGS', '($Junk)')
assert typ == 'OK', data
typ, data = M.uid('STORE', '3', '+FLAGS', '($NotJunk)')
assert typ == 'OK', data
typ, data = M.uid('STORE', '3', '-FLAGS', '($Junk)')
assert typ == 'OK', data
ok(M.select('Junk'))
typ, data = M.uid('MOVE', '1', 'INBOX')
assert typ == 'OK', data
typ, data = M.uid('MOVE', '2', 'Trash')
assert typ == 'OK', data
M.logout()
"#)
        .await;
    let events = env.store.training_since(0, 100).await.expect("events");
    let got: Vec<(TrainingKind, &str)> =
        events.iter().map(|e| (e.kind, e.source.as_str())).collect();
    assert_eq!(
        got,
        [
            (TrainingKind::Spam, "move"),
            (TrainingKind::Spam, "copy"),
            (TrainingKind::Spam, "keyword"),
            (TrainingKind::Ham, "keyword"),
            (TrainingKind::Ham, "move"),
        ],
        "removing a keyword and moving from Junk to the Trash say nothing"
    );
    let junk = env
        .store
        .mailbox_by_name(acc.id, "Junk")
        .await
        .expect("q")
        .expect("Junk");
    assert_eq!(events[0].mailbox_id, junk.id.0);
    assert!(events.iter().all(|e| e.account_id == acc.id.0));
}
