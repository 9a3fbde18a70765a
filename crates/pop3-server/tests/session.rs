//! Every POP3 command and state, driven by Python's `poplib` over implicit
//! TLS and over STLS.

#![allow(clippy::unwrap_used)]

mod common;

use common::{Env, PASS, USER, create_account, message};
use vesontio_store::AccountUpdate;
use vesontio_types::AccountStatus;

fn audit_data(entries: &[vesontio_store::AuditEntry], category: &str) -> Vec<serde_json::Value> {
    entries
        .iter()
        .filter(|e| e.category == category)
        .map(|e| serde_json::from_str(&e.data).unwrap())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn capa_and_plaintext_refused_before_stls() {
    let env = Env::start().await;
    env.deliver(&message(1)).await;
    let size = message(1).len();
    env.python(&r#"
p = plain()
caps = p.capa()
assert 'STLS' in caps, caps
assert 'USER' not in caps and 'SASL' not in caps, caps
e = err(p.user, USER)
assert e.startswith('-ERR [AUTH] plaintext authentication is disabled'), e
e = err(p._shortcmd, 'AUTH PLAIN ' + base64.b64encode(b'\0' + USER.encode() + b'\0' + PASS.encode()).decode())
assert e.startswith('-ERR [AUTH] plaintext authentication is disabled'), e
e = err(p.pass_, PASS)
assert e.startswith('-ERR [AUTH]'), e
p.stls(CTX)
caps = p.capa()
assert 'STLS' not in caps, caps
eq(caps['USER'], [])
eq(caps['SASL'], ['PLAIN'])
for k in ['TOP', 'UIDL', 'RESP-CODES', 'AUTH-RESP-CODE', 'PIPELINING']:
    assert k in caps, (k, caps)
eq(caps['EXPIRE'], ['NEVER'])
eq(caps['IMPLEMENTATION'], ['vesontio-test'])
login(p)
eq(p.stat(), (1, @SIZE@))
caps = p.capa()
assert 'USER' not in caps and 'STLS' not in caps, caps
p.quit()
"#
    .replace("@SIZE@", &size.to_string()))
        .await;
    // The implicit-TLS port advertises the same, without STLS.
    env.python(
        r#"
p = tls()
eq(p.getwelcome(), b'+OK mail.example.org POP3 server ready')
caps = p.capa()
assert 'STLS' not in caps and 'USER' in caps, caps
eq(caps['SASL'], ['PLAIN'])
p.quit()
"#,
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn transaction_commands() {
    let env = Env::start().await;
    for n in 1..=3 {
        env.deliver(&message(n)).await;
    }
    let uv = env.uidvalidity().await;
    let sizes: Vec<usize> = (1..=3).map(|n| message(n).len()).collect();
    let total: usize = sizes.iter().sum();
    let script = r#"
def msg(n):
    return ('From: bob@example.org\r\nTo: %s\r\nSubject: message %d\r\nMessage-ID: <%d@example.org>\r\n\r\n'
            'line one of %d\r\nline two of %d\r\nline three of %d\r\n' % (USER, n, n, n, n, n)).encode()
sizes = [len(msg(n)) for n in (1, 2, 3)]
p = login()
eq(p.stat(), (3, sum(sizes)))
eq(sum(sizes), @TOTAL@)
resp, lines, _ = p.list()
eq(resp, b'+OK 3 messages (%d octets)' % sum(sizes))
eq(lines, [b'%d %d' % (i + 1, s) for i, s in enumerate(sizes)])
eq(p.list(2), b'+OK 2 %d' % sizes[1])
resp, lines, _ = p.uidl()
eq(lines, [b'1 @UV@.1', b'2 @UV@.2', b'3 @UV@.3'])
eq(p.uidl(3), b'+OK 3 @UV@.3')
resp, lines, octets = p.retr(1)
eq(resp, b'+OK %d octets' % sizes[0])
eq(b'\r\n'.join(lines) + b'\r\n', msg(1))
resp, lines, _ = p.top(2, 1)
eq(lines, msg(2).split(b'\r\n')[:6])
resp, lines, _ = p.top(2, 0)
eq(lines, msg(2).split(b'\r\n')[:5])
eq(p.dele(1), b'+OK message 1 deleted')
eq(p.stat(), (2, sizes[1] + sizes[2]))
e = err(p.retr, 1)
assert e.startswith('-ERR message 1 already deleted'), e
e = err(p.dele, 1)
assert e.startswith('-ERR message 1 already deleted'), e
resp, lines, _ = p.list()
eq(lines, [b'2 %d' % sizes[1], b'3 %d' % sizes[2]])
resp, lines, _ = p.uidl()
eq(lines, [b'2 @UV@.2', b'3 @UV@.3'])
eq(p.rset(), b'+OK maildrop has 3 messages (%d octets)' % sum(sizes))
eq(p.stat()[0], 3)
eq(p.noop(), b'+OK')
eq(p.quit(), b'+OK mail.example.org POP3 server signing off (3 messages left)')
"#
    .replace("@UV@", &uv.to_string())
    .replace("@TOTAL@", &total.to_string());
    env.python(&script).await;
    // RSET undid the deletion: nothing was removed.
    assert_eq!(env.inbox_uids().await, vec![1, 2, 3]);
    // R13: RETR counts as reading.
    let acc = env.store.account(env.account.id).await.unwrap().unwrap();
    assert!(acc.last_read_at.is_some());
    // R11: one successful login, one retrieval (TOP is not one); no content.
    let entries = env.store.audit_entries(0, i64::MAX).await.unwrap();
    let conns = audit_data(&entries, "connection");
    assert_eq!(conns.len(), 1, "{conns:?}");
    assert_eq!(conns[0]["protocol"], "pop3");
    assert_eq!(conns[0]["account"], USER);
    assert_eq!(conns[0]["ip"], "127.0.0.1");
    assert_eq!(conns[0]["success"], true);
    let msgs = audit_data(&entries, "message");
    assert_eq!(msgs.len(), 1, "{msgs:?}");
    assert_eq!(msgs[0]["action"], "retrieve");
    assert_eq!(msgs[0]["uid"], 1);
    assert_eq!(msgs[0]["size"], sizes[0]);
    for e in &entries {
        assert!(!e.data.contains("line one"), "content in audit: {}", e.data);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn top_does_not_count_as_reading() {
    let env = Env::start().await;
    env.deliver(&message(1)).await;
    env.python("p = login(); p.top(1, 2); p.quit()").await;
    let acc = env.store.account(env.account.id).await.unwrap().unwrap();
    assert_eq!(acc.last_read_at, None);
    let entries = env.store.audit_entries(0, i64::MAX).await.unwrap();
    assert!(audit_data(&entries, "message").is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn auth_plain_initial_response_and_challenge() {
    let env = Env::start().await;
    env.deliver(&message(1)).await;
    env.python(
        r#"
cred = base64.b64encode(b'\0' + USER.encode() + b'\0' + PASS.encode()).decode()
p = tls()
resp = p._shortcmd('AUTH PLAIN ' + cred)
assert resp.startswith(b'+OK maildrop has 1 messages'), resp
eq(p.stat()[0], 1)
p.quit()
# RFC 5034 §4: without an initial response the server sends "+ ".
p = tls()
p._putcmd('AUTH PLAIN')
eq(p._getline()[0], b'+ ')
p._putcmd(cred)
resp = p._getresp()
assert resp.startswith(b'+OK maildrop has 1 messages'), resp
p.quit()
# A wrong password through AUTH PLAIN, then the "*" cancel.
p = tls()
bad = base64.b64encode(b'\0' + USER.encode() + b'\0wrong').decode()
eq(err(p._shortcmd, 'AUTH PLAIN ' + bad), '-ERR [AUTH] authentication failed')
p._putcmd('AUTH PLAIN')
eq(p._getline()[0], b'+ ')
p._putcmd('*')
e = err(p._getresp)
assert e.startswith('-ERR'), e
p._shortcmd('AUTH PLAIN ' + cred)
p.quit()
"#,
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_password_then_good_one() {
    let env = Env::start().await;
    env.python(
        r#"
p = tls()
p.user(USER)
eq(err(p.pass_, 'not the password'), '-ERR [AUTH] authentication failed')
p.user('nobody@example.org')
eq(err(p.pass_, PASS), '-ERR [AUTH] authentication failed')
login(p)
eq(p.stat(), (0, 0))
p.quit()
"#,
    )
    .await;
    let entries = env.store.audit_entries(0, i64::MAX).await.unwrap();
    let conns = audit_data(&entries, "connection");
    let summary: Vec<(String, bool, serde_json::Value)> = conns
        .iter()
        .map(|c| {
            (
                c["account"].as_str().unwrap().to_string(),
                c["success"].as_bool().unwrap(),
                c["reason"].clone(),
            )
        })
        .collect();
    assert_eq!(
        summary,
        vec![
            (USER.to_string(), false, "invalid-credentials".into()),
            (
                "nobody@example.org".to_string(),
                false,
                "invalid-credentials".into()
            ),
            (USER.to_string(), true, serde_json::Value::Null),
        ]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn repeated_failures_give_login_delay() {
    let env = Env::start().await;
    env.python(
        r#"
p = tls()
for i in range(3):
    p.user(USER)
    eq(err(p.pass_, 'wrong %d' % i), '-ERR [AUTH] authentication failed')
# The session closes after three [AUTH] failures.
eq(p.file.readline(), b'')
p = tls()
p.user(USER)
e = err(p.pass_, PASS)
assert e.startswith('-ERR [LOGIN-DELAY] too many failed attempts, retry in '), e
assert e.endswith(' s'), e
"#,
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn must_change_password_and_disabled() {
    let env = Env::start().await;
    create_account(&env.store, "new.user@example.org", PASS, true).await;
    let off = create_account(&env.store, "gone.user@example.org", PASS, false).await;
    env.store
        .update_account(
            off.id,
            AccountUpdate {
                status: Some(AccountStatus::Disabled),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    env.python(
        r#"
p = tls()
p.user('new.user@example.org')
eq(err(p.pass_, PASS), '-ERR [AUTH] your password was set by an administrator: change it in the webmail (https://mail.example.org/) before using POP3')
p.user('gone.user@example.org')
eq(err(p.pass_, PASS), '-ERR [AUTH] account disabled')
login(p)
p.quit()
"#,
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_input_gets_err_and_the_session_goes_on() {
    let env = Env::start().await;
    env.deliver(&message(1)).await;
    env.python(
        r#"
p = plain()
e = err(p.stat)
assert e.startswith('-ERR not authenticated'), e
eq(err(p._shortcmd, 'FROB'), '-ERR unknown command')
eq(err(p._shortcmd, 'X' * 10000), '-ERR line too long')
assert 'STLS' in p.capa()
p.quit()
p = login()
e = err(p.list, 99)
assert e.startswith('-ERR no such message'), e
assert err(p.retr, 0).startswith('-ERR no such message')
assert err(p.dele, 2).startswith('-ERR no such message')
assert err(p.uidl, 7).startswith('-ERR no such message')
assert err(p._shortcmd, 'RETR abc').startswith('-ERR')
assert err(p._shortcmd, 'TOP 1').startswith('-ERR')
assert err(p._shortcmd, 'TOP 1 -3').startswith('-ERR')
assert err(p._shortcmd, 'LIST 1 2').startswith('-ERR')
eq(err(p._shortcmd, 'USER x'), '-ERR already authenticated')
assert err(p._shortcmd, 'STLS').startswith('-ERR')
assert err(p._shortcmd, 'PASS x').startswith('-ERR')
eq(err(p._shortcmd, 'HELO'), '-ERR unknown command')
eq(err(p._shortcmd, 'Y' * 10000), '-ERR line too long')
eq(err(p._shortcmd, '\x00\xff'), '-ERR unknown command')
eq(p.noop(), b'+OK')
eq(p.stat(), (1, @SIZE@))
p.quit()
"#
        .replace("@SIZE@", &message(1).len().to_string())
        .as_str(),
    )
    .await;
    assert_eq!(env.inbox_uids().await, vec![1]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dot_stuffing_and_crlf_normalisation() {
    let env = Env::start().await;
    // Bare LF, leading dots, a CRLF line, a final "." line without newline.
    let raw = b"Subject: dots\n\n.hidden line\n..two dots\nbare lf\r\nmixed\n.";
    env.deliver(raw).await;
    let unstuffed: &[u8] =
        b"Subject: dots\r\n\r\n.hidden line\r\n..two dots\r\nbare lf\r\nmixed\r\n.\r\n";
    let size = unstuffed.len();
    let script = r#"
raw = socket.create_connection((H, S), timeout=10)
s = CTX.wrap_socket(raw, server_hostname=H)
f = s.makefile('rb')
assert f.readline().startswith(b'+OK')
s.sendall(('USER %s\r\nPASS %s\r\nLIST 1\r\nRETR 1\r\nQUIT\r\n' % (USER, PASS)).encode())
data = f.read()
head = data.split(b'\r\n', 3)
assert head[0].startswith(b'+OK') and head[1].startswith(b'+OK maildrop has 1 messages'), head
eq(head[2], b'+OK 1 @SIZE@')
expected = (b'+OK @SIZE@ octets\r\nSubject: dots\r\n\r\n..hidden line\r\n...two dots\r\n'
            b'bare lf\r\nmixed\r\n..\r\n.\r\n'
            b'+OK mail.example.org POP3 server signing off (1 messages left)\r\n')
eq(head[3], expected)
p = login()
resp, lines, octets = p.retr(1)
eq(lines, [b'Subject: dots', b'', b'.hidden line', b'..two dots', b'bare lf', b'mixed', b'.'])
p.quit()
"#
    .replace("@SIZE@", &size.to_string());
    env.python(&script).await;
}
