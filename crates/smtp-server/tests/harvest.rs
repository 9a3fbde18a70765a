//! Address harvesting (issue 11), through the real MX port with Python's
//! smtplib: a client trying 1,000 unknown recipients is slowed down past
//! the soft limit and disconnected with `421 4.7.0` at the hard one, and
//! reconnecting from the same address does not start again from zero.

mod common;

use std::time::Duration;

use common::*;
use vesontio_smtp_server::{RcptLimits, SmtpConfig};

/// Soft 3, hard 6, 100 ms steps: the 4th to 5th refusals wait 100 and
/// 200 ms, the 6th closes.
async fn harness() -> Harness {
    Harness::start_with(SmtpConfig {
        rcpt_limits: RcptLimits {
            soft: 3,
            hard: 6,
            delay: Duration::from_millis(100),
            memory: Duration::from_secs(3600),
        },
        ..smtp_config()
    })
    .await
}

const PRELUDE: &str = r#"
import smtplib, sys, time
PORT, DOMAIN, MARIE = int(sys.argv[1]), sys.argv[2], sys.argv[3]
def session():
    c = smtplib.SMTP('127.0.0.1', PORT, timeout=30)
    c.ehlo('harvester.example.net')
    assert c.mail('probe@example.net')[0] == 250
    return c
def probe(c, n):
    """RCPTs to unknown users until the server hangs up; (replies, times)."""
    replies, times = [], []
    for i in range(n):
        t = time.time()
        try:
            code, text = c.rcpt('nobody%d@%s' % (i, DOMAIN))
        except smtplib.SMTPServerDisconnected:
            break
        times.append(time.time() - t)
        replies.append((code, text.decode()))
        if code == 421:
            break
    return replies, times
"#;

async fn py(h: &Harness, script: &str) {
    let code = format!("{PRELUDE}\n{script}");
    let run = python(
        &code,
        &[h.mx.port().to_string(), DOMAIN.into(), MARIE.into()],
    )
    .await;
    assert_eq!(run.status, 0, "{}", run.out);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_thousand_unknown_recipients_end_with_421() {
    let h = harness().await;
    py(
        &h,
        r#"
c = session()
replies, times = probe(c, 1000)
codes = [r[0] for r in replies]
# smtplib reads the 550 of the 6th, then the 421 that follows it on the
# next command: far fewer than 1,000 answers.
assert codes[:6] == [550] * 6, replies
assert codes[6:] == [421], replies
assert replies[-1][1].startswith('4.7.0 ') and 'Too many unknown recipients' in replies[-1][1], replies
# The first three at once, the 4th and 5th late (tarpit).
assert max(times[:3]) < 0.09, times
assert times[3] >= 0.1 and times[4] >= 0.2, times
try:
    c.noop()
    assert False, 'connection should be closed'
except smtplib.SMTPServerDisconnected:
    pass
# Reconnecting does not reset the count: the next failure closes at once.
c = session()
replies, _ = probe(c, 1000)
assert [r[0] for r in replies] == [550, 421], replies
"#,
    )
    .await;
    let conns = h.wait_connections(2).await;
    assert!(
        conns.iter().all(|c| c["end"] == "too_many_errors"),
        "{conns:?}"
    );
}

/// A delivered message starts the count again (Postfix counts errors
/// "without delivering mail"), and known recipients are never counted.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn delivering_mail_starts_the_count_again() {
    let h = harness().await;
    py(
        &h,
        r#"
c = session()
replies, _ = probe(c, 5)
assert [r[0] for r in replies] == [550] * 5, replies
assert c.rcpt(MARIE)[0] == 250
code, _ = c.data(b'Subject: real mail\r\n\r\nhello\r\n')
assert code == 250, code
c.mail('probe@example.net')
replies, _ = probe(c, 1000)
assert [r[0] for r in replies] == [550] * 6 + [421], replies
"#,
    )
    .await;
    assert_eq!(h.inbox(MARIE).await.len(), 1);
}
