//! Submission on 587 (STARTTLS) and 465 (implicit TLS), charter R20:
//! AUTH only under TLS, every message authenticated, send-as checks, R7.

#![allow(clippy::unwrap_used)]

mod common;

use common::*;
use serde_json::{Value, json};

/// Python smtplib driven by a JSON description; prints a JSON report of
/// each step.
const SEND_PY: &str = r#"
import smtplib, ssl, sys, json
c = json.loads(sys.argv[1])
r = {}
try:
    ctx = ssl.create_default_context(cafile=c["cafile"])
    if c["mode"] == "ssl":
        s = smtplib.SMTP_SSL("127.0.0.1", c["port"], local_hostname="pc.example.org", timeout=30, context=ctx)
    else:
        s = smtplib.SMTP("127.0.0.1", c["port"], local_hostname="pc.example.org", timeout=30)
    s.ehlo()
    r["features_before"] = sorted(s.esmtp_features)
    if c["mode"] == "plain-probe":
        code, text = s.docmd("AUTH", "PLAIN AGpAYWMtdGVzdC5mcgBwdw==")
        r["auth"] = [code, text.decode()]
        code, text = s.docmd("MAIL", "FROM:<" + c["from"] + ">")
        r["mail"] = [code, text.decode()]
        s.quit()
        print(json.dumps(r)); sys.exit(0)
    if c["mode"] == "starttls":
        s.starttls(context=ctx)
        s.ehlo()
    r["features"] = sorted(s.esmtp_features)
    r["auth_ext"] = s.esmtp_features.get("auth", "")
    if c.get("user"):
        try:
            # One mechanism only: smtplib's login() would retry with the
            # next one, counting two failures.
            s.user, s.password = c["user"], c["pw"]
            mech = c.get("mech", "PLAIN")
            code, text = s.auth(mech, getattr(s, "auth_" + mech.lower()))
            r["login"] = [code, text.decode()]
        except smtplib.SMTPAuthenticationError as e:
            r["login"] = [e.smtp_code, e.smtp_error.decode()]
            print(json.dumps(r)); sys.exit(0)
    try:
        refused = s.sendmail(c["from"], c["to"], c["msg"].encode())
        r["sent"] = True
        r["refused"] = {k: [v[0], v[1].decode()] for k, v in refused.items()}
    except smtplib.SMTPRecipientsRefused as e:
        r["error"] = [[v[0], v[1].decode()] for v in e.recipients.values()][0]
    except smtplib.SMTPResponseException as e:
        r["error"] = [e.smtp_code, e.smtp_error.decode()]
    s.quit()
except Exception as e:
    r["exception"] = repr(e)
print(json.dumps(r))
"#;

async fn smtplib(h: &Harness, spec: Value) -> Value {
    let mut spec = spec;
    spec["cafile"] = json!(h.cert.display().to_string());
    let run = python(SEND_PY, &[spec.to_string()]).await;
    serde_json::from_str(run.out.trim()).unwrap_or_else(|_| panic!("{}", run.out))
}

fn msg(subject: &str, body: &str) -> String {
    msg_from(JEAN, MARIE, subject, body)
}

/// `From:` must name the sender too (R2 is checked on the header).
fn msg_from(from: &str, to: &str, subject: &str, body: &str) -> String {
    format!("From: {from}\r\nTo: {to}\r\nSubject: {subject}\r\n\r\n{body}\r\n")
}

/// Before STARTTLS: no AUTH advertised, AUTH refused (538 5.7.11), MAIL
/// refused (530 5.7.0): a password never crosses in clear.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn auth_not_offered_before_tls() {
    let h = Harness::start().await;
    let r = smtplib(
        &h,
        json!({"mode": "plain-probe", "port": h.submission.port(), "from": JEAN}),
    )
    .await;
    let before: Vec<&str> = r["features_before"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|v| v.as_str())
        .collect();
    assert!(before.contains(&"starttls"), "{r}");
    assert!(!before.contains(&"auth"), "{r}");
    assert_eq!(
        r["auth"],
        json!([
            538,
            "5.7.11 Encryption required for requested authentication mechanism"
        ])
    );
    assert_eq!(
        r["mail"],
        json!([530, "5.7.0 Must issue a STARTTLS command first"])
    );
    // swaks refuses to send credentials when AUTH is not offered.
    let run = swaks(
        h.submission,
        &[
            "--auth",
            "PLAIN",
            "--auth-user",
            JEAN,
            "--auth-password",
            PASSWORD,
            "--to",
            MARIE,
        ],
    )
    .await;
    assert_ne!(run.status, 0, "{}", run.out);
    assert!(h.inbox(MARIE).await.is_empty());
}

/// 587: STARTTLS, AUTH PLAIN, local delivery (smtplib, certificate verified).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn starttls_auth_plain_delivers() {
    let h = Harness::start().await;
    let r = smtplib(
        &h,
        json!({"mode": "starttls", "port": h.submission.port(), "user": JEAN, "pw": PASSWORD,
               "from": JEAN, "to": [MARIE], "msg": msg("Compte rendu", "Voici le compte rendu.")}),
    )
    .await;
    assert_eq!(
        r["auth_ext"].as_str().map(str::trim),
        Some("PLAIN LOGIN"),
        "{r}"
    );
    assert_eq!(
        r["login"],
        json!([235, "2.7.0 Authentication successful"]),
        "{r}"
    );
    assert_eq!(r["sent"], true, "{r}");
    let inbox = h.inbox(MARIE).await;
    assert_eq!(inbox.len(), 1);
    let m = String::from_utf8_lossy(&inbox[0]);
    assert!(m.contains("with ESMTPSA"), "{m}");
    assert!(m.contains("Subject: Compte rendu\r\n"), "{m}");
    assert_eq!(body_of(&inbox[0]), b"Voici le compte rendu.\r\n");
    let conns = h.wait_connections(1).await;
    assert_eq!(conns.len(), 1);
    assert_eq!(conns[0]["protocol"], "submission");
    assert_eq!(conns[0]["account"], JEAN);
    assert_eq!(conns[0]["tls"], true);
    assert_eq!(conns[0]["auth"][0]["result"], "success");
    assert_eq!(conns[0]["messages"], 1);
}

/// 465: implicit TLS (RFC 8314), with swaks AUTH LOGIN and smtplib PLAIN.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn implicit_tls_auth_login_and_plain() {
    let h = Harness::start().await;
    let run = swaks(
        h.submissions,
        &[
            "--tls-on-connect",
            "--auth",
            "LOGIN",
            "--auth-user",
            JEAN,
            "--auth-password",
            PASSWORD,
            "--from",
            JEAN,
            "--to",
            MARIE,
            "--header",
            "Subject: par 465",
            "--body",
            "corps 465",
        ],
    )
    .await;
    assert_eq!(run.status, 0, "{}", run.out);
    assert!(
        run.has_reply("235 2.7.0 Authentication successful"),
        "{}",
        run.out
    );
    let r = smtplib(
        &h,
        json!({"mode": "ssl", "port": h.submissions.port(), "user": MARIE, "pw": PASSWORD, "mech": "LOGIN",
               "from": MARIE, "to": [JEAN], "msg": msg_from(MARIE, JEAN, "retour", "bien reçu")}),
    )
    .await;
    assert_eq!(r["sent"], true, "{r}");
    assert!(
        !r["features_before"]
            .as_array()
            .unwrap()
            .contains(&json!("starttls")),
        "{r}"
    );
    let marie = h.inbox(MARIE).await;
    assert_eq!(marie.len(), 1);
    // swaks ends its DATA with an empty line of its own.
    assert!(body_of(&marie[0]).starts_with(b"corps 465\r\n"));
    assert!(body_of(&marie[0]).ends_with(b"465\r\n\r\n\r\n"));
    let jean = h.inbox(JEAN).await;
    assert_eq!(jean.len(), 1);
    assert_eq!(body_of(&jean[0]), "bien reçu\r\n".as_bytes());
}

/// Wrong password: 535 5.7.8, recorded as a failure in the audit log.
/// Administrator-set password (R26): 535 5.7.8 saying where to change it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn login_refusals() {
    // A delay long enough that it still holds at the last login of the
    // test, however loaded the machine.
    let limits = vesontio_directory::AuthLimits {
        base_delay_secs: 30,
        ..auth_limits()
    };
    let h = Harness::start_full(smtp_config(), delivery_config(), limits).await;
    let r = smtplib(
        &h,
        json!({"mode": "starttls", "port": h.submission.port(), "user": JEAN, "pw": "wrong"}),
    )
    .await;
    assert_eq!(
        r["login"],
        json!([535, "5.7.8 Authentication credentials invalid"]),
        "{r}"
    );
    let r = smtplib(
        &h,
        json!({"mode": "ssl", "port": h.submissions.port(), "user": "nobody@ac-test.fr", "pw": PASSWORD}),
    )
    .await;
    assert_eq!(
        r["login"],
        json!([535, "5.7.8 Authentication credentials invalid"]),
        "{r}"
    );
    let run = swaks(
        h.submissions,
        &[
            "--tls-on-connect",
            "--auth",
            "PLAIN",
            "--auth-user",
            NEWBIE,
            "--auth-password",
            PASSWORD,
            "--to",
            MARIE,
        ],
    )
    .await;
    assert_ne!(run.status, 0);
    assert!(
        run.has_reply(&format!(
            "535 5.7.8 Your password was set by an administrator: change it in the webmail (https://{HOST}/) first"
        )),
        "{}",
        run.out
    );
    assert!(h.inbox(MARIE).await.is_empty());
    let conns = h.wait_connections(3).await;
    let results: Vec<&str> = conns
        .iter()
        .map(|c| c["auth"][0]["result"].as_str().unwrap_or(""))
        .collect();
    assert_eq!(results, ["invalid", "invalid", "must_change_password"]);
    assert!(
        conns
            .iter()
            .all(|c| c["success"] == false && c["account"].is_null())
    );
    // No password in the audit log.
    assert!(!conns.iter().any(|c| c.to_string().contains(PASSWORD)));
    // Repeated failures of one account from one address hold its logins
    // there for a while: 454.
    let mut locked = None;
    for _ in 0..6 {
        let r = smtplib(
            &h,
            json!({"mode": "ssl", "port": h.submissions.port(), "user": JEAN, "pw": "wrong again"}),
        )
        .await;
        if r["login"][0] == 454 {
            locked = Some(r["login"][1].as_str().unwrap().to_string());
            break;
        }
        assert_eq!(r["login"][0], 535, "{r}");
    }
    let text = locked.expect("locked after repeated failures");
    assert!(
        text.starts_with("4.7.0 Too many failed attempts, retry in "),
        "{text}"
    );
    assert!(text.ends_with(" seconds"), "{text}");
    // Even the right password waits until the delay is over.
    let r = smtplib(
        &h,
        json!({"mode": "ssl", "port": h.submissions.port(), "user": JEAN, "pw": PASSWORD}),
    )
    .await;
    assert_eq!(r["login"][0], 454, "{r}");
    let conns = h.connections().await;
    assert!(conns.iter().any(|c| c["auth"][0]["result"] == "locked"));
}

/// Every message needs a login, even over TLS (RFC 6409 §4.1).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn authentication_required() {
    let h = Harness::start().await;
    let r = smtplib(
        &h,
        json!({"mode": "ssl", "port": h.submissions.port(), "from": JEAN, "to": [MARIE], "msg": msg("x", "y")}),
    )
    .await;
    assert_eq!(
        r["error"],
        json!([530, "5.7.0 Authentication required"]),
        "{r}"
    );
    assert!(h.inbox(MARIE).await.is_empty());
}

/// R2: an account sends as itself; another person's address is refused.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn send_as_own_address_only() {
    let h = Harness::start().await;
    let r = smtplib(
        &h,
        json!({"mode": "ssl", "port": h.submissions.port(), "user": JEAN, "pw": PASSWORD,
               "from": MARIE, "to": [MARIE], "msg": msg("usurpation", "non")}),
    )
    .await;
    let err = &r["error"];
    assert_eq!(err[0].as_u64().map(|c| c / 100), Some(5), "{r}");
    assert!(err[1].as_str().unwrap().starts_with("5.7."), "{r}");
    assert!(h.inbox(MARIE).await.is_empty());
    let r = smtplib(
        &h,
        json!({"mode": "ssl", "port": h.submissions.port(), "user": JEAN, "pw": PASSWORD,
               "from": JEAN, "to": [MARIE], "msg": msg("ok", "oui")}),
    )
    .await;
    assert_eq!(r["sent"], true, "{r}");
    assert_eq!(h.inbox(MARIE).await.len(), 1);
}

/// R7: a `.exe` attachment is refused on emission.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forbidden_attachment_refused() {
    let h = Harness::start().await;
    let exe = h.dir.path().join("setup.bin");
    std::fs::write(&exe, b"MZ\x90\x00fake program").unwrap();
    let exe = format!("@{}", exe.display());
    let run = swaks(
        h.submissions,
        &[
            "--tls-on-connect",
            "--auth",
            "PLAIN",
            "--auth-user",
            JEAN,
            "--auth-password",
            PASSWORD,
            "--from",
            JEAN,
            "--to",
            MARIE,
            "--header",
            "Subject: programme",
            "--attach-name",
            "setup.exe",
            "--attach",
            &exe,
        ],
    )
    .await;
    assert_ne!(run.status, 0, "{}", run.out);
    let refusal = run
        .server_lines()
        .into_iter()
        .find(|l| l.starts_with('5'))
        .unwrap_or_else(|| panic!("{}", run.out))
        .to_string();
    assert!(
        refusal.contains(".exe") || refusal.contains("exe"),
        "{refusal}"
    );
    assert!(h.inbox(MARIE).await.is_empty());
}
