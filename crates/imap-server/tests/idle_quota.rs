//! IDLE (RFC 2177) with deliveries from another session or from the store,
//! and QUOTA (RFC 9208) with the R16 login alert.

mod common;

use common::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn idle_sees_append_from_other_session_within_a_second() {
    let env = start().await;
    env.user().await;
    env.py(r#"
A = Raw()
assert A.cmd('ENABLE IMAP4rev2')[-1].startswith(b'OK')
A.cmd('SELECT INBOX')
A.send(b'I1 IDLE\r\n')
assert A.line().startswith(b'+'), 'idling'
B = login()
t0 = time.time()
ok(B.append('INBOX', None, None, b'Subject: hi\r\n\r\nhello\r\n'))
line = A.line()
assert line == b'* 1 EXISTS\r\n', line
assert time.time() - t0 < 1.0, time.time() - t0
# A flag change by B shows up as FETCH FLAGS.
ok(B.select('INBOX'))
ok(B.store('1', '+FLAGS', '(\\Flagged)'))
line = A.line()
assert line.startswith(b'* 1 FETCH (FLAGS (\\Flagged)'), line
# An expunge by B shows as EXPUNGE during IDLE.
ok(B.store('1', '+FLAGS', '(\\Deleted)'))
assert A.line().startswith(b'* 1 FETCH'), 'deleted flag'
ok(B.expunge())
assert A.line() == b'* 1 EXPUNGE\r\n'
A.send(b'DONE\r\n')
assert A.line().startswith(b'I1 OK'), 'idle done'
assert A.cmd('NOOP')[-1].startswith(b'OK')
"#)
        .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn idle_sees_store_delivery() {
    let env = start().await;
    let acc = env.user().await;
    let script = env.py(r#"
A = Raw()
A.cmd('SELECT INBOX')
A.send(b'I1 IDLE\r\n')
assert A.line().startswith(b'+')
open(os.environ['CERT'] + '.ready', 'w').close()
line = A.line()
assert line == b'* 1 EXISTS\r\n', line
# IMAP4rev1 session: RECENT follows; the only session to see the
# delivery claims it (RFC 3501 §2.3.2).
assert A.line() == b'* 1 RECENT\r\n'
A.send(b'DONE\r\n')
assert A.line().startswith(b'I1 OK')
"#);
    let ready = env.cert.with_extension("pem.ready");
    let deliver = async {
        for _ in 0..200 {
            if ready.exists() {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(25)).await;
        }
        env.deliver(&acc, "INBOX", &message("new", "a@b.fr", "x"), &[])
            .await;
    };
    tokio::join!(script, deliver);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn quota_root_and_alert_at_login() {
    let env = start().await;
    let acc = env.user().await;
    env.store
        .update_account(
            acc.id,
            vesontio_store::AccountUpdate {
                quota_bytes: Some(10 * 1024),
                ..Default::default()
            },
        )
        .await
        .expect("quota");
    env.py(r#"
M = login()
typ, data = M.getquotaroot('INBOX')
assert typ == 'OK', data
assert data[0] == [b'INBOX ""'], data
assert data[1] == [b'"" (STORAGE 0 10)'], data
ok(M.append('INBOX', None, None, b'Subject: q\r\n\r\n' + b'x' * 9500))
d = ok(M.getquota('""'))
assert d == [b'"" (STORAGE 10 10)'], d
typ, data = M.getquota('"other"')
assert typ == 'NO', data
typ, data = M._simple_command('SETQUOTA', '""', '(STORAGE 99999)')
assert typ == 'NO' and b'NOPERM' in data[0], data
M.logout()
R = Raw(login=False)
r = R.cmd('LOGIN "%s" "%s"' % (USER, PW))
assert any(b'[ALERT]' in x and b'% full' in x for x in r[:-1]), r
assert r[-1].startswith(b'OK'), r
"#)
        .await;
}
