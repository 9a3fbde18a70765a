//! Hostile input of issue 11 on the real listeners, driven by Python's
//! smtplib and swaks: header sections that lie, R7 forms that used to be
//! delivered, backscatter, the platform's own domains on the MX.

#![allow(clippy::unwrap_used)]

mod common;

use common::charter::*;
use common::*;
use serde_json::{Value, json};
use vesontio_delivery::DeliveryConfig;
use vesontio_smtp_server::{LineEndings, SmtpConfig};

const OUTSIDER: &str = "someone@example.org";

/// The server as deployed: bare CR/LF in DATA normalised to CRLF
/// (`app` sets `LineEndings::Normalise`).
async fn start() -> Harness {
    Harness::start_with(SmtpConfig {
        data_line_endings: LineEndings::Normalise,
        ..smtp_config()
    })
    .await
}

/// `msg` sent as is (bytes, no end-of-line fixing) on the MX.
async fn mx_send(h: &Harness, from: &str, to: &[&str], msg: &str) -> Value {
    smtplib(
        h,
        json!({"mode": "plain", "port": h.mx.port(), "from": from, "to": to, "msg": msg}),
    )
    .await
}

/// The DATA reply as (code, text with folded lines joined).
fn data_reply(r: &Value) -> (i64, String) {
    (
        r["data"][0].as_i64().unwrap_or_else(|| panic!("{r}")),
        r["data"][1].as_str().unwrap().replace('\n', " "),
    )
}

// ---------------------------------------------------------------- headers that lie

/// Issue 11: `Subject: hello␍From: <recteur@…>` became a second From:.
/// After the session's normalisation it is one, and two From: are refused.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bare_cr_hidden_from_is_refused() {
    let h = start().await;
    let msg = format!(
        "From: <{OUTSIDER}>\r\nTo: <{MARIE}>\r\nSubject: hello\rFrom: <recteur@example.net>\r\n\r\nbody\r\n"
    );
    let r = mx_send(&h, OUTSIDER, &[MARIE], &msg).await;
    let (code, text) = data_reply(&r);
    assert_eq!(code, 550, "{r}");
    assert!(text.starts_with("5.6.0 "), "{text}");
    assert!(
        text.contains("more than one From: field (RFC 5322 section 3.6 allows one)"),
        "{text}"
    );
    assert!(h.inbox(MARIE).await.is_empty());
}

/// A bare CR that hides nothing: stored with CRLF, one meaning for every
/// reader (IMAP, the MIME model, DMARC's header.from).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bare_cr_in_header_is_stored_as_one_line_break() {
    let h = start().await;
    let msg = format!("To: <{MARIE}>\r\nSubject: hello\rFrom: <boss@example.net>\r\n\r\nbody\r\n");
    let r = mx_send(&h, OUTSIDER, &[MARIE], &msg).await;
    assert_eq!(data_reply(&r).0, 250, "{r}");
    let stored = h.inbox(MARIE).await.remove(0);
    let text = String::from_utf8_lossy(&stored);
    assert!(
        text.contains("Subject: hello\r\nFrom: <boss@example.net>\r\n"),
        "{text}"
    );
    let head = &stored[..stored.windows(4).position(|w| w == b"\r\n\r\n").unwrap()];
    let bare = (0..head.len()).any(|i| {
        (head[i] == b'\r' && head.get(i + 1) != Some(&b'\n'))
            || (head[i] == b'\n' && (i == 0 || head[i - 1] != b'\r'))
    });
    assert!(!bare, "no bare CR or LF left: {text}");
}

/// RFC 5322 §3.6: exactly one From:. Refused on the MX and on submission.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_from_fields_are_refused() {
    let h = start().await;
    let msg = format!(
        "From: <{OUTSIDER}>\r\nFrom: <recteur@example.net>\r\nTo: <{MARIE}>\r\nSubject: x\r\n\r\nbody\r\n"
    );
    let r = mx_send(&h, OUTSIDER, &[MARIE], &msg).await;
    assert_eq!(data_reply(&r).0, 550, "{r}");
    assert!(
        data_reply(&r).1.contains("more than one From: field"),
        "{r}"
    );
    let msg = format!(
        "From: <{JEAN}>\r\nFrom: <recteur@example.net>\r\nTo: <{MARIE}>\r\nSubject: x\r\n\r\nbody\r\n"
    );
    let r = smtplib(
        &h,
        json!({"mode": "ssl", "port": h.submissions.port(), "user": JEAN, "from": JEAN,
               "to": [MARIE], "msg": msg}),
    )
    .await;
    assert_eq!(data_reply(&r).0, 550, "{r}");
    assert!(
        data_reply(&r).1.contains("more than one From: field"),
        "{r}"
    );
    assert!(h.inbox(MARIE).await.is_empty());
}

/// NUL in a header: refused at DATA. NUL in a body: kept as it came.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nul_in_header_refused_nul_in_body_kept() {
    let h = start().await;
    let msg = format!("From: <{OUTSIDER}>\r\nTo: <{MARIE}>\r\nSubject: fac\0ture\r\n\r\nbody\r\n");
    let r = mx_send(&h, OUTSIDER, &[MARIE], &msg).await;
    let (code, text) = data_reply(&r);
    assert_eq!(code, 550, "{r}");
    assert!(text.contains("NUL byte in the header"), "{text}");
    let msg = format!("From: <{OUTSIDER}>\r\nTo: <{MARIE}>\r\nSubject: ok\r\n\r\nbo\0dy\r\n");
    let r = mx_send(&h, OUTSIDER, &[MARIE], &msg).await;
    assert_eq!(data_reply(&r).0, 250, "{r}");
    let inbox = h.inbox(MARIE).await;
    assert_eq!(inbox.len(), 1);
    assert!(body_of(&inbox[0]).starts_with(b"bo\0dy"), "{:?}", inbox[0]);
}

// ---------------------------------------------------------------- backscatter

/// R17 on the MX from a forged sender (its domain's SPF does not list
/// us, no DKIM): the message is held, but no DSN goes to the victim, now
/// or when the hold expires.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_dsn_to_a_forged_mx_sender() {
    let h = start().await;
    authenticate_senders(&h, &["example.org"]);
    let small = "petit@ac-test.fr";
    make_account(&h.store, small, vesontio_types::AccountKind::Person, 1200).await;
    let msg = format!(
        "From: <victim@forged.example>\r\nTo: <{small}>\r\nSubject: plein\r\n\r\n{}\r\n",
        "x".repeat(2000)
    );
    let r = mx_send(&h, "victim@forged.example", &[small], &msg).await;
    assert_eq!(data_reply(&r).0, 250, "R17: held, not refused: {r}");
    let held = queued(&h.store, vesontio_store::QueueKind::HeldLocal).await;
    assert_eq!(held.len(), 1);
    assert_eq!(held[0].0.sender, "", "the hold expires without a DSN");
    assert!(remote_queue(&h.store).await.is_empty(), "no delay DSN");
    let now = vesontio_store::now();
    h.delivery.retry_held(now + 6 * 86_400).await;
    assert!(remote_queue(&h.store).await.is_empty(), "no failure DSN");
}

// ---------------------------------------------------------------- own domains on the MX

/// An envelope sender of ours on port 25: refused at MAIL FROM, whatever
/// SPF says (here SPF would even pass).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn own_domain_envelope_sender_refused_on_mx() {
    let h = start().await;
    authenticate_senders(&h, &[DOMAIN]);
    let run = swaks(
        h.mx,
        &[
            "--from",
            "recteur@ac-test.fr",
            "--to",
            MARIE,
            "--body",
            "urgent",
        ],
    )
    .await;
    let replies = run.server_lines().join(" ");
    assert!(
        replies.contains(
            "550 5.7.1 MAIL FROM <recteur@ac-test.fr> : une adresse de ac-test.fr ne peut pas venir de l'exterieur"
        ),
        "{}",
        run.out
    );
    assert!(h.inbox(MARIE).await.is_empty());
}

/// An outside envelope sender with a From: (or Sender:) of ours: refused
/// at DATA, naming the field.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn own_domain_from_refused_on_mx() {
    let h = start().await;
    for field in ["From", "Sender"] {
        let msg = format!(
            "From: <{OUTSIDER}>\r\n{field}: Le recteur <recteur@{DOMAIN}>\r\nTo: <{MARIE}>\r\nSubject: urgent\r\n\r\nbody\r\n"
        )
        .replacen(&format!("From: <{OUTSIDER}>\r\nFrom: "), "From: ", 1);
        let r = mx_send(&h, OUTSIDER, &[MARIE], &msg).await;
        let (code, text) = data_reply(&r);
        assert_eq!(code, 550, "{r}");
        assert!(
            text.contains(&format!(
                "/ {field}: <recteur@{DOMAIN}>: an address of {DOMAIN} cannot come from outside unauthenticated"
            )),
            "{text}"
        );
    }
    assert!(h.inbox(MARIE).await.is_empty());
    // The same From: on submission, by its owner, is what is meant.
    let r = smtplib(
        &h,
        json!({"mode": "ssl", "port": h.submissions.port(), "user": JEAN, "from": JEAN,
               "to": [MARIE], "subject": "ok", "body": "bonjour"}),
    )
    .await;
    assert_eq!(data_reply(&r).0, 250, "{r}");
}

/// The DSI's relays and newsletters, listed in the configuration, still
/// arrive on the MX.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn allowed_outside_senders_arrive() {
    let dcfg = |allowed: &[&str]| DeliveryConfig {
        allowed_outside_senders: allowed
            .iter()
            .map(|p| vesontio_types::SenderPattern::parse(p).unwrap())
            .collect(),
        ..delivery_config()
    };
    let cfg = SmtpConfig {
        data_line_endings: LineEndings::Normalise,
        ..smtp_config()
    };
    let h = Harness::start_configured(cfg.clone(), dcfg(&[&format!("lettre@{DOMAIN}")])).await;
    let msg =
        format!("From: <lettre@{DOMAIN}>\r\nTo: <{MARIE}>\r\nSubject: Lettre\r\n\r\nnews\r\n");
    let r = mx_send(&h, &format!("lettre@{DOMAIN}"), &[MARIE], &msg).await;
    assert_eq!(data_reply(&r).0, 250, "{r}");
    let r = mx_send(&h, &format!("autre@{DOMAIN}"), &[MARIE], &msg).await;
    assert_eq!(r["mail"][0], 550, "only the listed address: {r}");
    // A relay, by its network: anything of ours it carries.
    let h = Harness::start_configured(cfg, dcfg(&["127.0.0.0/8"])).await;
    let msg =
        format!("From: <{JEAN}>\r\nTo: <{MARIE}>\r\nSubject: Relais\r\n\r\nvia le relais\r\n");
    let r = mx_send(&h, JEAN, &[MARIE], &msg).await;
    assert_eq!(data_reply(&r).0, 250, "{r}");
    assert_eq!(h.inbox(MARIE).await.len(), 1);
}

// ---------------------------------------------------------------- R7 examples

/// Issue 11's R7 examples not in the generated set's subset, on port 25:
/// uuencode with mode 755, BinHex, an encrypted zip of harmless names, a
/// rar archive. Each is refused at DATA naming the file; the recipient
/// gets one notice each.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn r7_examples_on_port_25() {
    use vesontio_message::testkit::{b64, binhex, stored_zip, uuencode};
    let h = start().await;
    let attached = |subject: &str, headers: &str, data: &[u8]| {
        format!(
            "From: <{OUTSIDER}>\r\nTo: <{MARIE}>\r\nSubject: {subject}\r\nMIME-Version: 1.0\r\n\
             Content-Type: multipart/mixed; boundary=B\r\n\r\n--B\r\nContent-Type: text/plain\r\n\r\nci-joint\r\n\
             --B\r\n{headers}\r\nContent-Transfer-Encoding: base64\r\n\r\n{}\r\n--B--\r\n",
            b64(data)
        )
    };
    let text = |subject: &str, body: &str| {
        format!(
            "From: <{OUTSIDER}>\r\nTo: <{MARIE}>\r\nSubject: {subject}\r\n\r\nBonjour,\r\n{body}"
        )
    };
    let cases: Vec<(String, &str)> = vec![
        (
            text("uu", &uuencode("755", "setup.scr", b"MZ\x90\0")),
            "Forbidden attachment: setup.scr (",
        ),
        (
            text("binhex", &binhex("facture.exe")),
            "Forbidden attachment: facture.exe (",
        ),
        (
            attached(
                "chiffre",
                "Content-Type: application/zip; name=\"dossier.zip\"",
                &stored_zip(&["rapport.pdf"], true),
            ),
            "Attachment cannot be scanned: dossier.zip (encrypted archive)",
        ),
        (
            attached(
                "rar",
                "Content-Type: application/octet-stream; name=\"photos.rar\"",
                b"Rar!\x1a\x07\x01\x00 the rest of a rar archive",
            ),
            "Attachment cannot be scanned: photos.rar (rar format cannot be scanned)",
        ),
    ];
    for (msg, want) in &cases {
        let r = mx_send(&h, OUTSIDER, &[MARIE], msg).await;
        let (code, text) = data_reply(&r);
        assert_eq!(code, 550, "{r}");
        assert!(text.starts_with("5.7.1 "), "{text}");
        assert!(text.contains(want), "{text}");
    }
    let inbox = h.inbox(MARIE).await;
    assert_eq!(inbox.len(), cases.len(), "one notice each");
    let notice = readable(&inbox[2]);
    assert!(
        notice.contains("File: dossier.zip (archive chiffr"),
        "{notice}"
    );
    assert!(remote_queue(&h.store).await.is_empty(), "no DSN");
}
