//! The lockout model through the real IMAP port (issue 11): an attacker's
//! ten failures from one address lock that address out of the account,
//! not the owner logging in from an address used before; 200 users behind
//! one NAT address who log in correctly are never held. The attacker's
//! address is 127.0.0.2 (any 127/8 address reaches the loopback listener).

mod common;

use common::*;

/// No delay before the lock, so that ten failures take no time; the lock
/// lasts a minute.
fn limits() -> vesontio_directory::AuthLimits {
    vesontio_directory::AuthLimits {
        base_delay_secs: 0,
        account_max_delay_secs: 0,
        ..auth_limits()
    }
}

const FROM: &str = r#"
class From(imaplib.IMAP4_SSL):
    """IMAP over TLS from a chosen local address."""
    def __init__(self, src):
        self.src = src
        super().__init__(HOST, PORT_TLS, ssl_context=ctx(), timeout=10)
    def _create_socket(self, timeout):
        s = socket.create_connection((self.host, self.port), timeout, source_address=(self.src, 0))
        return self.ssl_context.wrap_socket(s, server_hostname=self.host)
def attempt(src, user, pw):
    M = From(src)
    try:
        M.login(user, pw)
        M.logout()
        return 'OK'
    except imaplib.IMAP4.error as e:
        M.shutdown()
        return str(e)
"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn attacker_locks_only_its_own_address() {
    let env = start_full(config(), limits()).await;
    env.user().await;
    env.py(&format!(
        "{FROM}{}",
        r#"
assert attempt('127.0.0.1', USER, PW) == 'OK'
for i in range(10):
    r = attempt('127.0.0.2', USER, 'guess-%d' % i)
    assert 'AUTHENTICATIONFAILED' in r, r
# The attacker's address is locked, even with the right password.
r = attempt('127.0.0.2', USER, PW)
assert '[UNAVAILABLE]' in r and 'retry in' in r, r
# The owner, from the address used before, is not.
assert attempt('127.0.0.1', USER, PW) == 'OK'
# Nor from a new address (delays only, here none).
assert attempt('127.0.0.3', USER, PW) == 'OK'
assert '[UNAVAILABLE]' in attempt('127.0.0.2', USER, PW)
"#
    ))
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_hundred_users_behind_one_nat_address() {
    let env = start_full(config(), auth_limits()).await;
    for i in 0..200 {
        env.cheap_account(&format!("eleve.numero{i}@ac-demo.fr"))
            .await;
    }
    env.py(&format!(
        "{FROM}{}",
        r#"
# Morning rush: 50 of them mistype first (the old per-address counter
# locked the whole school after 10), then all 200 log in.
for i in range(0, 200, 4):
    r = attempt('127.0.0.5', 'eleve.numero%d@ac-demo.fr' % i, 'typo')
    assert 'AUTHENTICATIONFAILED' in r, (i, r)
for i in range(200):
    r = attempt('127.0.0.5', 'eleve.numero%d@ac-demo.fr' % i, PW)
    assert r == 'OK', (i, r)
"#
    ))
    .await;
}
