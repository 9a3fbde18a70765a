//! SELECT and the searches answered from the store's compact UID/flags
//! index (issue 14): what the client is told must be what the full rows
//! said, including for messages expunged by another session and not yet
//! reported (they keep their number and match nothing, RFC 9051 §7.5.1).

mod common;

use common::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn select_and_flag_searches_from_the_index() {
    let env = start().await;
    let jean = env.user().await;
    let flags: [&[&str]; 5] = [
        &["\\Seen"],
        &[],
        &["\\Flagged", "$Projet"],
        &["\\Deleted"],
        &["\\Seen", "\\Answered"],
    ];
    for (i, f) in flags.iter().enumerate() {
        let raw = message(&format!("m{i}"), "a@b.fr", "x");
        env.deliver(&jean, "INBOX", &raw, f).await;
    }
    env.py(r#"
A = Raw()
r = A.cmd('SELECT INBOX')
assert b'* 5 EXISTS' in r, r
assert b'* OK [UNSEEN 2] First unseen' in r, r
fl = [l for l in r if l.startswith(b'* FLAGS')][0]
assert b'$Projet' in fl and b'\\Seen' in fl, fl
assert any(l.startswith(b'* OK [HIGHESTMODSEQ ') for l in r), r
r = A.cmd('FETCH 1:5 (FLAGS)')
assert r[2] == b'* 3 FETCH (FLAGS (\\Flagged $Projet \\Recent))', r
def search(R, text):
    r = R.cmd(text)
    assert r[-1].startswith(b'OK'), r
    return [l for l in r if l.startswith(b'* SEARCH')][0]
x = search(A, 'UID SEARCH UNSEEN')
assert x == b'* SEARCH 2 3 4', ('UID SEARCH UNSEEN', x)
x = search(A, 'SEARCH KEYWORD $Projet')
assert x == b'* SEARCH 3', ('SEARCH KEYWORD $Projet', x)
x = search(A, 'SEARCH NOT DELETED UNANSWERED')
assert x == b'* SEARCH 1 2 3', ('SEARCH NOT DELETED UNANSWERED', x)
# Another session expunges message 2: this one is not told during SEARCH.
B = login()
ok(B.select('INBOX'))
ok(B.store('2', '+FLAGS', '(\\Deleted)'))
ok(B.uid('EXPUNGE', '2'))  # RFC 4315: only that one, not 4
B.logout()
x = search(A, 'SEARCH ALL')
assert x == b'* SEARCH 1 3 4 5', ('SEARCH ALL', x)
x = search(A, 'UID SEARCH UNSEEN')
assert x == b'* SEARCH 3 4', ('UID SEARCH UNSEEN', x)
x = search(A, 'UID SEARCH 1:*')
assert x == b'* SEARCH 1 3 4 5', ('UID SEARCH 1:*', x)
# FLAGS of the whole view from the index: nothing for the one gone.
r = A.cmd('FETCH 1:* (FLAGS)')
fetched = [l for l in r if l.startswith(b'* ') and b' FETCH ' in l]
assert [l.split()[1] for l in fetched] == [b'1', b'3', b'4', b'5'], r
assert fetched[3] == b'* 5 FETCH (FLAGS (\\Seen \\Answered \\Recent))', r
r = A.cmd('NOOP')
assert b'* 2 EXPUNGE' in r, r
# Once CONDSTORE is on (MODSEQ asked, RFC 7162 §3.1.3) the rows are
# read: MODSEQ comes with every FLAGS.
r = A.cmd('FETCH 1 (MODSEQ)')
assert r[-1].startswith(b'OK'), r
r = A.cmd('UID FETCH 1:* (FLAGS)')
assert all(b'MODSEQ (' in l for l in r if l.startswith(b'* ') and b' FETCH ' in l), r
x = search(A, 'SEARCH ALL')
assert x == b'* SEARCH 1 2 3 4', ('SEARCH ALL', x)
# EXAMINE of the same mailbox: the same view, read-only.
r = A.cmd('EXAMINE INBOX')
assert b'* 4 EXISTS' in r and b'* OK [UNSEEN 2] First unseen' in r, r
assert r[-1].startswith(b'OK [READ-ONLY]'), r
"#)
        .await;
}
