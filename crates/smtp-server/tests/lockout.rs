//! The lockout model through the real submission port (465, implicit TLS,
//! AUTH PLAIN; issue 11): an attacker's ten failures from 127.0.0.2 lock
//! that address out of the account, not the owner logging in from an
//! address used before.

mod common;

use common::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn attacker_locks_only_its_own_address() {
    // No delay before the lock: ten failures take no time.
    let limits = vesontio_directory::AuthLimits {
        base_delay_secs: 0,
        account_max_delay_secs: 0,
        ..auth_limits()
    };
    let h = Harness::start_full(smtp_config(), delivery_config(), limits).await;
    let script = r#"
import smtplib, ssl, sys
PORT, CAFILE, USER, PW = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
ctx = ssl.create_default_context(cafile=CAFILE)
def attempt(src, pw):
    s = smtplib.SMTP_SSL('127.0.0.1', PORT, local_hostname='pc.example.org', timeout=30,
                         context=ctx, source_address=(src, 0))
    s.ehlo()
    s.user, s.password = USER, pw
    try:
        code, _ = s.auth('PLAIN', s.auth_plain)
    except smtplib.SMTPAuthenticationError as e:
        code, text = e.smtp_code, e.smtp_error.decode()
        s.close()
        return '%d %s' % (code, text)
    s.quit()
    return str(code)
assert attempt('127.0.0.1', PW) == '235'
for i in range(10):
    r = attempt('127.0.0.2', 'guess %d' % i)
    assert r.startswith('535 5.7.8'), r
r = attempt('127.0.0.2', PW)
assert r.startswith('454 4.7.0 Too many failed attempts, retry in '), r
assert attempt('127.0.0.1', PW) == '235'
assert attempt('127.0.0.3', PW) == '235'
"#;
    let run = python(
        script,
        &[
            h.submissions.port().to_string(),
            h.cert.display().to_string(),
            JEAN.into(),
            PASSWORD.into(),
        ],
    )
    .await;
    assert_eq!(run.status, 0, "{}", run.out);
}
