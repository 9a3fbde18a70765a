//! The lockout model through the real POP3 port (issue 11): an attacker's
//! ten failures from 127.0.0.2 lock that address out of the account, not
//! the owner logging in from an address used before.

mod common;

use std::time::Duration;

use common::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn attacker_locks_only_its_own_address() {
    // No delay before the lock: ten failures take no time.
    let limits = vesontio_directory::AuthLimits {
        base_delay_secs: 0,
        account_max_delay_secs: 0,
        ..auth_limits()
    };
    let env = Env::start_full(Duration::from_secs(600), limits).await;
    env.python(
        r#"
class From(poplib.POP3_SSL):
    def __init__(self, src):
        self.src = src
        super().__init__(H, S, context=CTX, timeout=10)
    def _create_socket(self, timeout):
        s = socket.create_connection((self.host, self.port), timeout, source_address=(self.src, 0))
        return self.context.wrap_socket(s, server_hostname=self.host)
def attempt(src, pw):
    p = From(src)
    p.user(USER)
    try:
        p.pass_(pw)
        p.quit()
        return 'OK'
    except poplib.error_proto as e:
        return e.args[0].decode()
eq(attempt('127.0.0.1', PASS), 'OK')
for i in range(10):
    eq(attempt('127.0.0.2', 'guess %d' % i), '-ERR [AUTH] authentication failed')
r = attempt('127.0.0.2', PASS)
assert r.startswith('-ERR [LOGIN-DELAY] too many failed attempts, retry in '), r
eq(attempt('127.0.0.1', PASS), 'OK')
eq(attempt('127.0.0.3', PASS), 'OK')
"#,
    )
    .await;
}
