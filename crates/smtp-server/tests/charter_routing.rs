//! Charter rules on the real listeners with the real delivery path,
//! driven by swaks and Python's smtplib: list posting (R3), forbidden
//! attachments arriving on the MX (R7), redirections (R22).

#![allow(clippy::unwrap_used)]

mod common;

use common::charter::*;
use common::*;
use serde_json::json;
use vesontio_types::AccountKind;

const LIST: &str = "profs@ac-test.fr";
const OUTSIDER: &str = "someone@example.org";
const RECTORAT: &str = "rectorat@example.org";
const LIST_ID: &str = "List-Id: <profs.ac-test.fr>\r\n";

/// `profs@ac-test.fr`: members Jean, Marie and one outside address;
/// Jean and the rectorat may post.
async fn make_list(h: &Harness) {
    let list = make_account(&h.store, LIST, AccountKind::List, 0).await;
    for m in [JEAN, MARIE, "collegue@partenaire.example"] {
        h.store.add_list_member(list.id, m).await.unwrap();
    }
    for s in [JEAN, RECTORAT] {
        h.store.add_list_sender(list.id, s).await.unwrap();
    }
}

/// All the server's reply lines joined, so a folded refusal reads whole.
fn replies(run: &Run) -> String {
    run.server_lines().join(" ")
}

/// R3 with swaks: an authorised account posts on submission, every member
/// gets a copy with `List-Id`; others are refused with 550 5.7.1, on
/// submission and on the MX.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn list_posting_swaks() {
    let h = Harness::start().await;
    make_list(&h).await;
    let run = swaks_as(
        &h,
        JEAN,
        &[
            "--from",
            JEAN,
            "--to",
            LIST,
            "--header",
            "Subject: Conseil de classe",
            "--body",
            "Le conseil a lieu mardi.",
        ],
    )
    .await;
    assert_eq!(run.status, 0, "{}", run.out);
    assert!(run.has_reply("250 2.0.0 Ok: queued as "), "{}", run.out);
    for member in [JEAN, MARIE] {
        let inbox = h.inbox(member).await;
        assert_eq!(inbox.len(), 1, "{member}");
        let m = String::from_utf8_lossy(&inbox[0]);
        assert!(m.starts_with(LIST_ID), "{member}: {m}");
        assert!(m.contains("Subject: Conseil de classe\r\n"), "{m}");
        assert!(
            body_of(&inbox[0]).starts_with(b"Le conseil a lieu mardi.\r\n"),
            "{m}"
        );
    }
    // The outside member's copy waits in the outbound queue, same form.
    let q = remote_queue(&h.store).await;
    assert_eq!(q.len(), 1, "{q:?}");
    assert_eq!(q[0].0.recipients.len(), 1);
    assert_eq!(q[0].0.recipients[0].address, "collegue@partenaire.example");
    assert_eq!(q[0].0.sender, JEAN);
    assert!(q[0].1.starts_with(LIST_ID), "{}", q[0].1);
    assert!(q[0].1.contains("Le conseil a lieu mardi."));

    // Marie is a member but not an authorised sender.
    let run = swaks_as(
        &h,
        MARIE,
        &["--from", MARIE, "--to", LIST, "--body", "puis-je ?"],
    )
    .await;
    assert_ne!(run.status, 0, "{}", run.out);
    assert!(run.has_reply("550 5.7.1"), "{}", run.out);
    assert!(
        replies(&run).contains(&format!("You are not allowed to post to the list {LIST}")),
        "{}",
        run.out
    );

    // MX: the envelope sender decides; an unknown outsider is refused...
    let run = swaks(h.mx, &["--from", OUTSIDER, "--to", LIST, "--body", "spam"]).await;
    assert_ne!(run.status, 0, "{}", run.out);
    assert!(run.has_reply("550 5.7.1"), "{}", run.out);
    assert!(
        replies(&run).contains("not allowed to post to the list"),
        "{}",
        run.out
    );
    // ... so is anyone claiming an authorised address of ours: on port 25
    // nobody is logged in, and an address of ours never comes from
    // outside (refused at MAIL FROM, before R3 is even asked) ...
    let run = swaks(
        h.mx,
        &["--from", JEAN, "--to", LIST, "--body", "usurpation"],
    )
    .await;
    assert_ne!(run.status, 0, "{}", run.out);
    assert!(run.has_reply("550 5.7.1"), "{}", run.out);
    assert!(
        replies(&run).contains(&format!(
            "MAIL FROM <{JEAN}>: an address of {DOMAIN} cannot come from outside unauthenticated"
        )),
        "{}",
        run.out
    );
    // ... the null sender too ...
    let run = swaks(h.mx, &["--from", "", "--to", LIST, "--body", "bounce"]).await;
    assert!(run.has_reply("550 5.7.1"), "{}", run.out);
    // ... and an authorised outside sender gets through.
    let run = swaks(
        h.mx,
        &[
            "--from",
            RECTORAT,
            "--to",
            LIST,
            "--header",
            "Subject: Circulaire",
            "--body",
            "circulaire",
        ],
    )
    .await;
    assert_eq!(run.status, 0, "{}", run.out);
    for member in [JEAN, MARIE] {
        let inbox = h.inbox(member).await;
        assert_eq!(inbox.len(), 2, "{member}: one copy of each accepted post");
        let m = String::from_utf8_lossy(&inbox[1]);
        assert!(m.starts_with(LIST_ID), "{m}");
        assert!(m.contains("Subject: Circulaire\r\n"), "{m}");
    }
    assert_eq!(remote_queue(&h.store).await.len(), 2);
}

/// R3 with smtplib: the same rules, through a client that reports every
/// reply. A refused list does not spoil the other recipients.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn list_posting_smtplib() {
    let h = Harness::start().await;
    make_list(&h).await;
    let r = smtplib(
        &h,
        json!({"mode": "ssl", "port": h.submissions.port(), "user": JEAN, "from": JEAN,
               "to": [LIST], "subject": "Rentrée", "body": "Bonne rentrée à tous."}),
    )
    .await;
    assert_eq!(r["rcpt"][LIST][0], 250, "{r}");
    assert_eq!(r["data"][0], 250, "{r}");
    for member in [JEAN, MARIE] {
        let inbox = h.inbox(member).await;
        assert_eq!(inbox.len(), 1, "{member}");
        let m = readable(&inbox[0]);
        assert!(m.starts_with(LIST_ID), "{m}");
        assert!(m.contains("Bonne rentrée à tous."), "{m}");
    }
    // Marie: the list is refused, Jean (a person) still gets the message.
    let r = smtplib(
        &h,
        json!({"mode": "ssl", "port": h.submissions.port(), "user": MARIE, "from": MARIE,
               "to": [LIST, JEAN], "subject": "Question", "body": "Une question."}),
    )
    .await;
    assert_eq!(r["rcpt"][LIST][0], 550, "{r}");
    let text = r["rcpt"][LIST][1].as_str().unwrap().replace('\n', " ");
    assert!(text.starts_with("5.7.1 "), "{text}");
    assert!(
        text.contains(&format!("You are not allowed to post to the list {LIST}")),
        "{text}"
    );
    assert_eq!(r["rcpt"][JEAN][0], 250, "{r}");
    assert_eq!(r["data"][0], 250, "{r}");
    let jean = h.inbox(JEAN).await;
    assert_eq!(jean.len(), 2);
    let m = String::from_utf8_lossy(&jean[1]);
    assert!(!m.contains("List-Id"), "a direct copy: {m}");
    assert!(m.contains("Subject: Question"), "{m}");
    assert_eq!(h.inbox(MARIE).await.len(), 1, "no copy through the list");
    // MX, unauthorised envelope sender.
    let r = smtplib(
        &h,
        json!({"mode": "plain", "port": h.mx.port(), "from": OUTSIDER,
               "to": [LIST], "subject": "Pub", "body": "achetez"}),
    )
    .await;
    assert_eq!(r["rcpt"][LIST][0], 550, "{r}");
    assert!(
        r["rcpt"][LIST][1]
            .as_str()
            .unwrap()
            .replace('\n', " ")
            .contains("not allowed to post to the list"),
        "{r}"
    );
    assert!(r.get("data").is_none(), "{r}");
    // Nor with Jean's address as envelope sender, unauthenticated: refused
    // at MAIL FROM, so the RCPT that follows is out of sequence.
    let r = smtplib(
        &h,
        json!({"mode": "plain", "port": h.mx.port(), "from": JEAN,
               "to": [LIST], "subject": "Faux", "body": "usurpation"}),
    )
    .await;
    assert_eq!(r["mail"][0], 550, "{r}");
    assert_ne!(r["rcpt"][LIST][0], 250, "{r}");
    assert!(r.get("data").is_none(), "{r}");
    assert_eq!(h.inbox(MARIE).await.len(), 1);
}

/// What an R7 refusal on the MX must leave behind: no copy of the file
/// anywhere, a notice from the postmaster to each local recipient naming
/// sender, subject and file, and no DSN (the 550 at DATA is the sender's
/// bounce, sent by its own server: no backscatter to a forged sender).
async fn assert_attachment_refused(
    h: &Harness,
    rcpts: &[&str],
    subject: &str,
    file: &str,
    payload_b64: &str,
) {
    for r in rcpts {
        let inbox = h.inbox(r).await;
        assert_eq!(inbox.len(), 1, "{r}: the notice only");
        let notice = readable(&inbox[0]);
        assert!(
            notice.contains(&format!("From: \"Postmaster\" <postmaster@{DOMAIN}>")),
            "{notice}"
        );
        assert!(
            notice.contains("Auto-Submitted: auto-generated"),
            "{notice}"
        );
        assert!(
            notice.contains(
                "A message for you was not delivered because it contained a file forbidden"
            ),
            "{notice}"
        );
        assert!(
            notice.contains(&format!("Sender: {OUTSIDER}\r\n")),
            "{notice}"
        );
        assert!(
            notice.contains(&format!("Subject: {subject}\r\n")),
            "{notice}"
        );
        assert!(notice.contains(&format!("File: {file}\r\n")), "{notice}");
        assert!(!notice.contains(payload_b64), "the file is not delivered");
        assert!(!notice.contains("multipart/mixed"), "{notice}");
    }
    let q = remote_queue(&h.store).await;
    assert!(q.is_empty(), "no DSN from here: {q:?}");
    assert!(
        queued(&h.store, vesontio_store::QueueKind::HeldLocal)
            .await
            .is_empty()
    );
}

/// R7 with swaks: a `.exe` arriving on port 25 for two local people is
/// refused at DATA with `550 5.7.1` naming the file; both are told.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exe_on_mx_refused_at_data_and_recipients_told() {
    let h = Harness::start().await;
    let exe = h.dir.path().join("setup.bin");
    std::fs::write(&exe, b"MZ\x90\x00fake program").unwrap();
    let exe = format!("@{}", exe.display());
    let run = swaks(
        h.mx,
        &[
            "--from",
            OUTSIDER,
            "--to",
            &format!("{MARIE},{JEAN}"),
            "--header",
            "Subject: Outil de gestion",
            "--attach-name",
            "setup.exe",
            "--attach",
            &exe,
        ],
    )
    .await;
    assert!(
        replies(&run).contains("550 5.7.1 Piece jointe interdite : setup.exe ("),
        "{}",
        run.out
    );
    assert!(
        replies(&run).contains("Forbidden attachment: setup.exe ("),
        "{}",
        run.out
    );
    assert_attachment_refused(
        &h,
        &[MARIE, JEAN],
        "Outil de gestion",
        "setup.exe",
        "TVqQAGZha2UgcHJvZ3JhbQ",
    )
    .await;
}

/// R7 with smtplib: a zip (built by Python's zipfile) hiding a `.scr`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn zip_with_scr_on_mx_refused_at_data() {
    let h = Harness::start().await;
    let r = smtplib(
        &h,
        json!({"mode": "plain", "port": h.mx.port(), "from": OUTSIDER, "to": [MARIE],
               "subject": "Documents", "body": "Voir l'archive.",
               "zip": {"name": "docs.zip", "entries": [["docs/lisezmoi.txt", "bonjour"],
                                                       ["docs/ecran.scr", "MZ fake screensaver"]]}}),
    )
    .await;
    assert_eq!(r["rcpt"][MARIE][0], 250, "{r}");
    assert_eq!(r["data"][0], 550, "{r}");
    assert!(
        r["data"][1]
            .as_str()
            .unwrap()
            .starts_with("5.7.1 Piece jointe interdite : docs.zip/docs/ecran.scr ("),
        "{r}"
    );
    // The zip's base64 starts with the local file header "PK\x03\x04".
    assert_attachment_refused(
        &h,
        &[MARIE],
        "Documents",
        "docs.zip/docs/ecran.scr",
        "UEsDBB",
    )
    .await;
}

/// R22, redirection with a copy: INBOX and one outbound copy, whose
/// reverse path is the redirecting account (SPF checks our domain).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forward_with_copy() {
    let h = Harness::start().await;
    forward(&h.store, MARIE, "marie@perso.example", true).await;
    let run = swaks(
        h.mx,
        &[
            "--from",
            OUTSIDER,
            "--to",
            MARIE,
            "--header",
            "Subject: Sortie scolaire",
            "--body",
            "Départ à 8 h.",
        ],
    )
    .await;
    assert_eq!(run.status, 0, "{}", run.out);
    let inbox = h.inbox(MARIE).await;
    assert_eq!(inbox.len(), 1);
    assert!(
        String::from_utf8_lossy(&inbox[0]).contains("Subject: Sortie scolaire\r\n"),
        "kept copy"
    );
    let q = remote_queue(&h.store).await;
    assert_eq!(q.len(), 1);
    assert_eq!(q[0].0.sender, MARIE);
    assert_eq!(q[0].0.recipients.len(), 1);
    assert_eq!(q[0].0.recipients[0].address, "marie@perso.example");
    assert!(
        q[0].1.contains("Subject: Sortie scolaire\r\n"),
        "{}",
        q[0].1
    );
    assert!(q[0].1.contains("Départ à 8 h."), "{}", q[0].1);
    assert!(!q[0].1.contains("X-Vesontio-Functional"), "{}", q[0].1);
}

/// R22, redirection without a copy: nothing stays, the copy is queued.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forward_without_copy() {
    let h = Harness::start().await;
    forward(&h.store, JEAN, "jean@perso.example", false).await;
    let r = smtplib(
        &h,
        json!({"mode": "ssl", "port": h.submissions.port(), "user": MARIE, "from": MARIE,
               "to": [JEAN], "subject": "Réunion", "body": "À demain."}),
    )
    .await;
    assert_eq!(r["data"][0], 250, "{r}");
    assert!(h.inbox(JEAN).await.is_empty(), "no local copy");
    let q = remote_queue(&h.store).await;
    assert_eq!(q.len(), 1);
    assert_eq!(q[0].0.sender, JEAN);
    assert_eq!(q[0].0.recipients[0].address, "jean@perso.example");
    assert!(
        readable(q[0].1.as_bytes()).contains("À demain."),
        "{}",
        q[0].1
    );
}

/// R22: a functional mailbox never redirects outside; the mail stays in it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn functional_forward_outside_refused() {
    let h = Harness::start().await;
    make_account(&h.store, "dsi@ac-test.fr", AccountKind::Functional, 1 << 30).await;
    forward(&h.store, "dsi@ac-test.fr", "dsi@gmail.example", false).await;
    let run = swaks(
        h.mx,
        &[
            "--from",
            OUTSIDER,
            "--to",
            "dsi@ac-test.fr",
            "--header",
            "Subject: Incident",
            "--body",
            "Serveur en panne.",
        ],
    )
    .await;
    assert_eq!(run.status, 0, "{}", run.out);
    assert!(remote_queue(&h.store).await.is_empty(), "never leaves");
    let inbox = h.inbox("dsi@ac-test.fr").await;
    assert_eq!(inbox.len(), 1, "kept locally instead");
    assert!(String::from_utf8_lossy(&inbox[0]).contains("Subject: Incident\r\n"));
}

/// R22 through an internal hop: functional → person → outside; nothing
/// leaves, the person keeps it. Mail sent to the person directly does leave.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn functional_via_internal_hop_stays_inside() {
    let h = Harness::start().await;
    make_account(&h.store, "dsi@ac-test.fr", AccountKind::Functional, 1 << 30).await;
    forward(&h.store, "dsi@ac-test.fr", JEAN, false).await;
    forward(&h.store, JEAN, "jean@perso.example", false).await;
    let run = swaks(
        h.mx,
        &[
            "--from",
            OUTSIDER,
            "--to",
            "dsi@ac-test.fr",
            "--header",
            "Subject: Confidentiel DSI",
            "--body",
            "interne",
        ],
    )
    .await;
    assert_eq!(run.status, 0, "{}", run.out);
    let r = smtplib(
        &h,
        json!({"mode": "ssl", "port": h.submissions.port(), "user": MARIE, "from": MARIE,
               "to": ["dsi@ac-test.fr"], "subject": "Ticket", "body": "Mon PC."}),
    )
    .await;
    assert_eq!(r["data"][0], 250, "{r}");
    assert!(remote_queue(&h.store).await.is_empty(), "nothing leaves");
    assert!(
        h.inbox("dsi@ac-test.fr").await.is_empty(),
        "dsi keeps no copy"
    );
    let jean = h.inbox(JEAN).await;
    assert_eq!(jean.len(), 2, "Jean keeps both");
    assert!(String::from_utf8_lossy(&jean[0]).contains("Subject: Confidentiel DSI"));
    assert!(String::from_utf8_lossy(&jean[1]).contains("Subject: Ticket"));
    // The redirection itself works for mail addressed to Jean.
    let run = swaks(h.mx, &["--from", OUTSIDER, "--to", JEAN, "--body", "perso"]).await;
    assert_eq!(run.status, 0, "{}", run.out);
    let q = remote_queue(&h.store).await;
    assert_eq!(q.len(), 1);
    assert_eq!(q[0].0.recipients[0].address, "jean@perso.example");
    assert_eq!(h.inbox(JEAN).await.len(), 2);
}
