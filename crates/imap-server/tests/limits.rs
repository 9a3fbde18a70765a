//! Timeouts, the per-account session limit, CONDSTORE/QRESYNC
//! resynchronisation and robustness against garbage input.

mod common;

use std::time::Duration;

use common::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn autologout_after_idle_timeout() {
    let mut cfg = config();
    cfg.idle_timeout = Duration::from_millis(700);
    let env = start_with(cfg).await;
    env.user().await;
    env.py(r#"
R = Raw()
t0 = time.time()
line = R.line()
assert line.startswith(b'* BYE'), line
assert time.time() - t0 < 5, time.time() - t0
assert R.line() == b''
"#)
        .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn session_limit_per_account() {
    let mut cfg = config();
    cfg.max_sessions_per_account = 2;
    let env = start_with(cfg).await;
    env.user().await;
    env.py(r#"
A = login(); B = login()
C = tls()
try:
    C.login(USER, PW)
    assert False, 'third session should be refused'
except imaplib.IMAP4.error as e:
    assert '[LIMIT]' in str(e), e
A.logout()
time.sleep(0.2)
C = login()
C.logout(); B.logout()
"#)
        .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn condstore_changedsince_and_qresync_select() {
    let env = start().await;
    let acc = env.user().await;
    for i in 0..3 {
        env.deliver(
            &acc,
            "INBOX",
            &message(&format!("m{i}"), "a@b.fr", "x"),
            &[],
        )
        .await;
    }
    env.py(r#"
R = Raw()
r = R.cmd('SELECT INBOX (CONDSTORE)')
hm = [x for x in r if b'HIGHESTMODSEQ' in x][0]
ms = int(hm.split(b'HIGHESTMODSEQ ')[1].split(b']')[0])
uv = int([x for x in r if b'UIDVALIDITY' in x][0].split(b'UIDVALIDITY ')[1].split(b']')[0])
R.cmd('STORE 2 +FLAGS.SILENT (\\Flagged)')
r = R.cmd('FETCH 1:* (FLAGS) (CHANGEDSINCE %d)' % ms)
# This IMAP4rev1 session claimed the deliveries: \Recent (RFC 3501 §2.3.2).
assert len(r) == 2 and r[0].startswith(b'* 2 FETCH (FLAGS (\\Flagged \\Recent) MODSEQ ('), r
R.cmd('STORE 3 +FLAGS.SILENT (\\Deleted)')
R.cmd('EXPUNGE')
R.cmd('LOGOUT')

Q = Raw()
assert Q.cmd('ENABLE QRESYNC')[-1].startswith(b'OK')
r = Q.cmd('SELECT INBOX (QRESYNC (%d %d))' % (uv, ms))
t = b'\n'.join(r)
assert b'* VANISHED (EARLIER) 3' in t, t
assert b'* 2 FETCH (UID 2 FLAGS (\\Flagged) MODSEQ (' in t, t
assert b'* 1 FETCH' not in t, t
r = Q.cmd('UID FETCH 1:* (FLAGS) (CHANGEDSINCE %d VANISHED)' % ms)
assert r[0] == b'* VANISHED (EARLIER) 3', r
# With QRESYNC on, expunges are reported as VANISHED.
Q.cmd('STORE 1 +FLAGS.SILENT (\\Deleted)')
r = Q.cmd('EXPUNGE')
assert r[0] == b'* VANISHED 1', r
"#)
        .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn garbage_never_kills_the_server() {
    let env = start().await;
    env.user().await;
    env.py(r#"
import random
random.seed(7)
for round in range(5):
    R = Raw()
    R.cmd('SELECT INBOX')
    for i in range(30):
        n = random.randint(1, 200)
        junk = bytes(random.randint(0, 255) for _ in range(n)).replace(b'\n', b' ')
        try:
            R.send(b'x ' + junk + b'\r\n')
        except OSError:
            break
    try:
        R.s.close()
    except OSError:
        pass
# Literal abuse: a huge announced literal, then a non-synchronising one too big.
R = Raw()
R.send(b'a1 APPEND INBOX {99999999999}\r\n')
l = R.line()
assert l.startswith(b'a1 NO [TOOBIG]'), l
# LITERAL+ (RFC 7888 §3): a non-synchronising literal above 4096 octets is
# fine up to APPENDLIMIT; above it, BAD [TOOBIG] and the octets are skipped.
msg = b'Subject: big\r\n\r\n' + b'x' * 5000 + b'\r\n'
R.send(b'a2 APPEND INBOX {%d+}\r\n' % len(msg) + msg + b'\r\n')
l = R.line()
assert l.startswith(b'a2 OK [APPENDUID '), l
R.send(b'a2b APPEND INBOX {1000001+}\r\n' + b'x' * 1000001 + b'\r\n')
l = R.line()
assert l.startswith(b'a2b BAD [TOOBIG]'), l
assert R.cmd('NOOP')[-1].startswith(b'OK')
# Over-long line.
R.send(b'a3 NOOP ' + b'x' * 20000 + b'\r\n')
l = R.line()
assert b'BAD' in l, l
assert R.cmd('NOOP')[-1].startswith(b'OK')
# Multi-byte names in every position (byte 6 inside a character, INBOX/ prefix).
assert R.cmd('ENABLE UTF8=ACCEPT')[-1].startswith(b'OK')
for name in ['aaaaaé', 'aaaaé', 'INBOXé', 'inbox/é', 'Shared/x/aaaaaé', 'é']:
    b = name.encode()
    r = R.cmd(b'SELECT "' + b + b'"')
    assert r[-1].startswith(b'NO'), (name, r)
    r = R.cmd(b'CREATE "' + b + b'x"')
    if name.startswith('Shared/'):
        assert r[-1].startswith(b'NO'), (name, r)
    else:
        assert r[-1].startswith(b'OK'), (name, r)
        assert R.cmd(b'SELECT "' + b + b'x"')[-1].startswith(b'OK'), name
    r = R.cmd(b'LIST "" "' + b + b'*"')
    assert r[-1].startswith(b'OK'), (name, r)
# The server still takes new logins.
M = login()
ok(M.select('INBOX'))
M.logout()
"#)
        .await;
}

/// Issue 11: about 82 KB of a too-long command came back as the tag of its
/// `BAD`. Tags and quoted input are capped; the session goes on.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn echoed_tags_and_texts_are_capped() {
    let env = start().await;
    env.user().await;
    env.py(r#"
R = Raw()
R.send(b'a' * 82000 + b' NOOP\r\n')
l = R.line()
assert l == b'* BAD Command line too long\r\n', l[:200]
assert R.cmd('NOOP')[-1].startswith(b'OK')
# A long tag inside the line limit: untagged BAD, nothing echoed.
R.send(b't' * 5000 + b' NOOP\r\n')
l = R.line()
assert l == b'* BAD Tag longer than 128 octets\r\n', l[:200]
# A long command name and a long mailbox name are quoted shortened.
R.send(b'a1 ' + b'X' * 6000 + b'\r\n')
l = R.line()
assert l.startswith(b'a1 BAD Unknown command XXXX') and l.endswith(b'...\r\n') and len(l) < 120, l[:200]
r = R.cmd('SELECT "' + 'n' * 6000 + '"')
assert r[-1].startswith(b'NO') and len(r[-1]) < 150, r[-1][:200]
assert R.cmd('NOOP')[-1].startswith(b'OK')
"#)
        .await;
}
