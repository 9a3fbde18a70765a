//! Connection, TLS and authentication (RFC 9051 §6.1, §6.2), driven by
//! Python's imaplib.

mod common;

use common::*;
use vesontio_types::AccountKind;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn implicit_tls_capability_login_logout() {
    let env = start().await;
    env.user().await;
    env.py(
        r#"
M = tls()
caps = M.capabilities
assert 'AUTH=PLAIN' in caps and 'SASL-IR' in caps, caps
assert 'LOGINDISABLED' not in caps and 'STARTTLS' not in caps, caps
typ, data = M.login(USER, PW)
assert typ == 'OK', typ
assert b'[CAPABILITY' in data[0], data
caps = ok(M.capability())[0].split()
for c in [b'IMAP4rev2', b'IDLE', b'UIDPLUS', b'MOVE', b'QUOTA', b'SPECIAL-USE', b'NAMESPACE', b'APPENDLIMIT=1000000']:
    assert c in caps, (c, caps)
ok(M.noop())
typ, data = M.logout()
assert typ == 'BYE', typ
"#,
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn starttls_required_before_login() {
    let env = start().await;
    env.user().await;
    env.py(r#"
M = plain()
caps = M.capabilities
assert 'STARTTLS' in caps and 'LOGINDISABLED' in caps, caps
assert 'AUTH=PLAIN' not in caps, caps
# imaplib refuses LOGIN itself when LOGINDISABLED is advertised; send it raw.
typ, data = M._simple_command('LOGIN', USER, '"' + PW + '"')
assert typ == 'NO', (typ, data)
assert b'PRIVACYREQUIRED' in data[0], data
ok(M.starttls(ssl_context=ctx()))
assert 'LOGINDISABLED' not in M.capabilities, M.capabilities
assert 'AUTH=PLAIN' in M.capabilities, M.capabilities
ok(M.login(USER, PW))
ok(M.select('INBOX'))
M.logout()
"#)
        .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn plaintext_login_gets_privacyrequired() {
    let env = start().await;
    env.user().await;
    env.py(r#"
s = socket.create_connection((HOST, PORT_PLAIN), timeout=10)
f = s.makefile('rb')
assert f.readline().startswith(b'* OK')
s.sendall(b'a1 LOGIN ' + USER.encode() + b' "' + PW.encode() + b'"\r\n')
line = f.readline()
assert line.startswith(b'a1 NO [PRIVACYREQUIRED]'), line
s.sendall(b'a2 AUTHENTICATE PLAIN AGpl\r\n')
line = f.readline()
assert line.startswith(b'a2 NO [PRIVACYREQUIRED]'), line
s.sendall(b'a3 LOGOUT\r\n')
assert f.readline().startswith(b'* BYE')
assert f.readline().startswith(b'a3 OK')
"#)
        .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn authenticate_plain_with_and_without_initial_response() {
    let env = start().await;
    env.user().await;
    env.py(r#"
M = tls()
msg = ('\0' + USER + '\0' + PW).encode()
# imaplib sends the initial response inline when given bytes (SASL-IR).
typ, data = M.authenticate('PLAIN', lambda challenge: msg)
assert typ == 'OK', (typ, data)
M.logout()

# Raw: SASL-IR and the continuation form, then a wrong password.
c = ctx()
s = c.wrap_socket(socket.create_connection((HOST, PORT_TLS), timeout=10), server_hostname=HOST)
f = s.makefile('rb')
f.readline()
s.sendall(b'a1 AUTHENTICATE PLAIN ' + base64.b64encode(msg) + b'\r\n')
line = f.readline()
assert line.startswith(b'a1 OK [CAPABILITY'), line
s.close()
s = c.wrap_socket(socket.create_connection((HOST, PORT_TLS), timeout=10), server_hostname=HOST)
f = s.makefile('rb')
f.readline()
s.sendall(b'a1 AUTHENTICATE PLAIN\r\n')
assert f.readline().startswith(b'+'), 'continuation'
s.sendall(base64.b64encode(b'\0' + USER.encode() + b'\0wrong') + b'\r\n')
line = f.readline()
assert line.startswith(b'a1 NO [AUTHENTICATIONFAILED]'), line
s.sendall(b'a2 AUTHENTICATE PLAIN\r\n')
assert f.readline().startswith(b'+')
s.sendall(b'*\r\n')
line = f.readline()
assert line.startswith(b'a2 BAD'), line
s.sendall(b'a3 AUTHENTICATE PLAIN ' + base64.b64encode(b'other@ac-demo.fr' + msg) + b'\r\n')
line = f.readline()
assert line.startswith(b'a3 NO [AUTHORIZATIONFAILED]'), line
s.close()
"#)
        .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn login_refusals_and_audit() {
    let env = start().await;
    env.user().await;
    env.account("marie.curie@ac-demo.fr", AccountKind::Person, true)
        .await;
    env.py(r#"
M = tls()
try:
    M.login(USER, 'wrong password')
    assert False, 'login should fail'
except imaplib.IMAP4.error as e:
    assert 'AUTHENTICATIONFAILED' in str(e), e
M = tls()
try:
    M.login('marie.curie@ac-demo.fr', PW)
    assert False, 'must change password'
except imaplib.IMAP4.error as e:
    msg = str(e)
    assert '[ALERT]' in msg and 'https://mail.ac-demo.fr/' in msg and 'administrator' in msg, msg
"#)
        .await;
    let entries = env.store.audit_entries(0, i64::MAX).await.expect("audit");
    let logins: Vec<_> = entries
        .iter()
        .filter(|e| e.category == "connection")
        .collect();
    assert_eq!(logins.len(), 2, "{logins:?}");
    assert!(logins[0].data.contains("\"success\":false"));
    assert!(logins[0].data.contains("\"reason\":\"invalid\""));
    assert!(logins[0].data.contains("\"protocol\":\"imap\""));
    assert!(logins[1].data.contains("must-change-password"));
    assert!(!logins[0].data.contains("wrong password"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lockout_says_unavailable_with_delay() {
    let env = start().await;
    env.user().await;
    env.py(r#"
for i in range(3):
    M = tls()
    try:
        M.login(USER, 'bad-%d' % i)
    except imaplib.IMAP4.error:
        pass
    M.shutdown()
M = tls()
try:
    M.login(USER, 'bad-again')
except imaplib.IMAP4.error:
    pass
M.shutdown()
M = tls()
try:
    M.login(USER, PW)
    assert False, 'should be locked'
except imaplib.IMAP4.error as e:
    assert '[UNAVAILABLE]' in str(e) and 'retry in' in str(e), e
"#)
        .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn enable_id_namespace_and_bad_input() {
    let env = start().await;
    env.user().await;
    env.py(r#"
M = login()
typ, data = M._simple_command('ENABLE', 'CONDSTORE', 'QRESYNC', 'FOO')
assert typ == 'OK', typ
en = M.untagged_responses.pop('ENABLED', [b''])[-1]
assert b'CONDSTORE' in en and b'QRESYNC' in en and b'FOO' not in en, en
typ, data = M.xatom('ID', 'NIL')
assert typ == 'OK'
assert b'vesontio' in M.untagged_responses.pop('ID', [b''])[-1]
data = ok(M.namespace())
assert data[0] == b'(("" "/")) NIL (("Shared/" "/"))', data
M.logout()
# Malformed commands get BAD and the session goes on.
R = Raw()
assert R.cmd('FROBNICATE')[-1].startswith(b'BAD'), 'unknown'
assert R.cmd('SELECT')[-1].startswith(b'BAD'), 'missing arg'
assert R.cmd('FETCH 1 FLAGS')[-1].startswith(b'BAD'), 'not selected'
R.send(b'\x00\xff garbage (((\r\n')
l = R.line()
assert b' BAD ' in l, l
assert R.cmd('SELECT INBOX')[-1].startswith(b'OK'), 'still alive'
assert R.cmd('FETCH 5 FLAGS')[-1].startswith(b'BAD'), 'out of range'
assert R.cmd('FETCH 1:* (BODY[HEADER.FIELDS (FROM)]<0.10>')[-1].startswith(b'BAD')
assert R.cmd('NOOP')[-1].startswith(b'OK')
"#)
        .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shutdown_sends_bye() {
    let env = start().await;
    env.user().await;
    let token = env.shutdown.clone();
    let py = env.py(r#"
s = socket.create_connection((HOST, PORT_PLAIN), timeout=10)
f = s.makefile('rb')
assert f.readline().startswith(b'* OK')
s.sendall(b'a1 NOOP\r\n')
assert f.readline().startswith(b'a1 OK')
open(os.environ['CERT'] + '.ready', 'w').close()
line = f.readline()
assert line.startswith(b'* BYE'), line
assert f.readline() == b''
"#);
    let ready = env.cert.with_extension("pem.ready");
    let wait = async {
        for _ in 0..200 {
            if ready.exists() {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        token.cancel();
    };
    tokio::join!(py, wait);
    env.tracker.close();
    tokio::time::timeout(std::time::Duration::from_secs(5), env.tracker.wait())
        .await
        .expect("sessions end after shutdown");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn starttls_discards_pipelined_plaintext() {
    let env = start().await;
    env.user().await;
    env.py(r#"
# RFC 9051 §11.1: commands pipelined after STARTTLS in clear are dropped.
s = socket.create_connection((HOST, PORT_PLAIN), timeout=10)
f = s.makefile('rb')
assert f.readline().startswith(b'* OK')
s.sendall(b'a1 STARTTLS\r\na2 LOGIN ' + USER.encode() + b' "' + PW.encode() + b'"\r\n')
assert f.readline().startswith(b'a1 OK'), 'starttls'
t = ctx().wrap_socket(s, server_hostname=HOST)
tf = t.makefile('rb')
t.sendall(b'a3 NOOP\r\n')
line = tf.readline()
assert line.startswith(b'a3 OK'), line
t.sendall(b'a4 SELECT INBOX\r\n')
line = tf.readline()
assert line.startswith(b'a4 BAD'), ('not logged in: a2 was dropped', line)
t.sendall(b'a5 STARTTLS\r\n')
line = tf.readline()
assert line.startswith(b'a5 BAD'), line
"#)
        .await;
}
