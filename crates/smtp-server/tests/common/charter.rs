//! Helpers for the charter tests (`charter_*.rs`): accounts of every kind,
//! the queue and mailboxes as stored, and one smtplib script for both
//! ports.

#![allow(dead_code)]

use serde_json::Value;
use vesontio_store::{Account, NewAccount, QueueEntry, QueueKind, Store, Vacation};
use vesontio_types::AccountKind;

use super::{Harness, PASSWORD, Run, python, swaks};

/// An account of `kind` with `quota` bytes, nobody logs into it.
pub async fn make_account(store: &Store, address: &str, kind: AccountKind, quota: i64) -> Account {
    store
        .create_account(NewAccount {
            address: address.into(),
            kind,
            display_name: address.split('@').next().unwrap_or("").into(),
            password_hash: None,
            must_change_password: false,
            manager: None,
            quota_bytes: quota,
            created_at: vesontio_store::now(),
        })
        .await
        .unwrap()
}

pub async fn account_of(store: &Store, address: &str) -> Account {
    store.account_by_address(address).await.unwrap().unwrap()
}

/// The message as text with folded header lines unfolded (RFC 5322 §2.2.3)
/// and, in the body, quoted-printable soft line breaks and escapes undone
/// (RFC 2045 §6.7): good enough to look for sentences in notices and DSNs.
pub fn readable(raw: &[u8]) -> String {
    let start = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .map_or(raw.len(), |p| p + 4);
    let mut out = raw[..start].to_vec();
    let mut i = start;
    while i < raw.len() {
        match raw[i] {
            b'=' if raw.get(i + 1..i + 3) == Some(b"\r\n") => i += 3,
            b'=' => {
                // Upper-case hex only (RFC 2045 §6.7 (1)), so that
                // `report-type=delivery-status` in a header stays whole.
                let hex = raw
                    .get(i + 1..i + 3)
                    .filter(|h| h.iter().all(|c| matches!(c, b'0'..=b'9' | b'A'..=b'F')))
                    .and_then(|h| std::str::from_utf8(h).ok())
                    .and_then(|h| u8::from_str_radix(h, 16).ok());
                match hex {
                    Some(b) => {
                        out.push(b);
                        i += 3;
                    }
                    None => {
                        out.push(b'=');
                        i += 1;
                    }
                }
            }
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).replace("\r\n ", " ")
}

/// The queue entries of one kind, with their bodies as stored.
pub async fn queued(store: &Store, kind: QueueKind) -> Vec<(QueueEntry, String)> {
    let mut out = Vec::new();
    for q in store.queue_entries().await.unwrap() {
        if q.kind == kind {
            let body = String::from_utf8_lossy(&store.read_blob(&q.blob_id).await.unwrap())
                .replace("\r\n ", " ");
            out.push((q, body));
        }
    }
    out
}

pub async fn remote_queue(store: &Store) -> Vec<(QueueEntry, String)> {
    queued(store, QueueKind::Remote).await
}

/// Absence active from yesterday to tomorrow (real clock: the server
/// stamps messages with it).
pub async fn away(store: &Store, address: &str, subject: &str) {
    let a = account_of(store, address).await;
    let now = vesontio_store::now();
    store
        .set_vacation(
            a.id,
            &Vacation {
                active: true,
                start_at: Some(now - 86_400),
                end_at: Some(now + 86_400),
                subject: subject.into(),
                body: "Je suis absent jusqu'à demain. / I am away until tomorrow.".into(),
            },
        )
        .await
        .unwrap();
}

/// Sets the redirection of `address` (R22).
pub async fn forward(store: &Store, address: &str, to: &str, keep_copy: bool) {
    let a = account_of(store, address).await;
    store
        .update_account(
            a.id,
            vesontio_store::AccountUpdate {
                forward_to: Some(Some(to.into())),
                forward_keep_copy: Some(keep_copy),
                forward_since: Some(Some(vesontio_store::now() - 10)),
                ..Default::default()
            },
        )
        .await
        .unwrap();
}

/// swaks on 465 (implicit TLS), logged in as `user` with AUTH PLAIN.
pub async fn swaks_as(h: &Harness, user: &str, args: &[&str]) -> Run {
    let mut all = vec![
        "--tls-on-connect",
        "--auth",
        "PLAIN",
        "--auth-user",
        user,
        "--auth-password",
        PASSWORD,
    ];
    all.extend_from_slice(args);
    swaks(h.submissions, &all).await
}

/// Python's smtplib, step by step so every reply is reported. The spec:
/// `port`, `mode` (`plain` or `ssl`), optional `user` (password
/// [`PASSWORD`]), `from`, `to` (list), and either `msg` (text) or
/// `subject` + `body` + optional `zip` `{name, entries: [[name, text]]}`
/// for a message with a zip attachment built by `zipfile`. Prints
/// `{mail: [code, text], rcpt: {addr: [code, text]}, data: [code, text]}`.
const SMTPLIB_PY: &str = r#"
import smtplib, ssl, sys, json, io, zipfile
from email.message import EmailMessage
from email import policy
c = json.loads(sys.argv[1])
r = {"rcpt": {}}
try:
    if "msg" in c:
        msg = c["msg"].encode()
    else:
        m = EmailMessage(policy=policy.SMTP)
        m["From"] = c["from"]
        m["To"] = ", ".join(c["to"])
        m["Subject"] = c["subject"]
        m.set_content(c["body"])
        if c.get("zip"):
            buf = io.BytesIO()
            with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
                for name, data in c["zip"]["entries"]:
                    z.writestr(name, data)
            m.add_attachment(buf.getvalue(), maintype="application", subtype="zip",
                             filename=c["zip"]["name"])
        msg = m.as_bytes()
    if c["mode"] == "ssl":
        ctx = ssl.create_default_context(cafile=c["cafile"])
        s = smtplib.SMTP_SSL("127.0.0.1", c["port"], local_hostname="pc.example.org",
                             timeout=30, context=ctx)
    else:
        s = smtplib.SMTP("127.0.0.1", c["port"], local_hostname="client.example.org", timeout=30)
    s.ehlo()
    if c.get("user"):
        code, text = s.login(c["user"], c["pw"])
        r["login"] = [code, text.decode()]
    code, text = s.mail(c["from"])
    r["mail"] = [code, text.decode()]
    ok = 0
    for t in c["to"]:
        code, text = s.rcpt(t)
        r["rcpt"][t] = [code, text.decode()]
        ok += code in (250, 251)
    if ok:
        code, text = s.data(msg)
        r["data"] = [code, text.decode()]
    else:
        s.rset()
    s.quit()
except Exception as e:
    r["exception"] = repr(e)
print(json.dumps(r))
"#;

pub async fn smtplib(h: &Harness, spec: Value) -> Value {
    let mut spec = spec;
    spec["cafile"] = Value::String(h.cert.display().to_string());
    if spec.get("user").is_some() {
        spec["pw"] = Value::String(PASSWORD.into());
    }
    let run = python(SMTPLIB_PY, &[spec.to_string()]).await;
    serde_json::from_str(run.out.trim()).unwrap_or_else(|_| panic!("{}", run.out))
}

/// SPF/DKIM checks on MX mail (as `app` sets them up) with a zone where
/// each of `domains` sends from 127.0.0.1: those senders are
/// authenticated and may get DSNs; every other sender is not.
pub fn authenticate_senders(h: &Harness, domains: &[&str]) {
    use vesontio_delivery::outbound::{AuthDns, StaticDns};
    let mut zone = StaticDns::new().txt("forged.example", "v=spf1 ip4:198.51.100.1 -all");
    for d in domains {
        zone = zone.txt(d, "v=spf1 ip4:127.0.0.1 -all");
    }
    h.delivery
        .set_inbound_auth(AuthDns::offline(&zone).unwrap());
}
