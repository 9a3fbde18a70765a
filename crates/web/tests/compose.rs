//! Writing mail in the webmail: compose and send through the ingest gate,
//! the Sent copy, the gate's refusals shown in the page with the form
//! kept, the From chooser (R2), reply / reply all / forward with their
//! threading headers, drafts saved, reopened and deleted on send.
#![allow(clippy::unwrap_used)]

mod common;

use axum::http::StatusCode;
use common::client::*;
use common::*;
use vesontio_web::Clock;

const JEANNE: &str = "jeanne.martin@ac-test.fr";
const PAUL: &str = "paul.durand@ac-test.fr";

/// The header section of a raw message.
fn head(raw: &str) -> &str {
    &raw[..raw.find("\r\n\r\n").unwrap_or(raw.len())]
}

/// The value of a form field in a page (input value or textarea text).
fn field(html: &str, name: &str) -> String {
    if let Some(i) = html.find(&format!("<textarea id=\"{name}\" name=\"{name}\""))
        && let Some(start) = html[i..].find('>')
    {
        let rest = &html[i + start + 1..];
        return unescape(&rest[..rest.find("</textarea>").unwrap()]);
    }
    let pat = format!("name=\"{name}\"");
    let i = html.find(&pat).unwrap_or_else(|| panic!("no field {name}"));
    let rest = &html[i..];
    let v = rest.find("value=\"").unwrap() + 7;
    let rest = &rest[v..];
    unescape(&rest[..rest.find('"').unwrap()])
}

fn unescape(s: &str) -> String {
    s.replace("&#60;", "<")
        .replace("&#62;", ">")
        .replace("&#38;", "&")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#34;", "\"")
        .replace("&#39;", "'")
        .replace("&amp;", "&")
}

async fn logged_in(e: &Env) -> (Client, String) {
    let mut c = Client::new(e);
    c.login(JEANNE, PASSWORD).await;
    let page = c.get("/compose").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let csrf = csrf_in(&page.body);
    (c, csrf)
}

#[tokio::test]
async fn a_message_sent_from_the_web_is_delivered_and_filed_in_sent() {
    let e = env().await;
    let jeanne = person(&e, JEANNE, "Jeanne Martin", PASSWORD, false).await;
    let paul = person(&e, PAUL, "Paul Durand", PASSWORD, false).await;
    let anne = person(&e, "anne.petit@ac-test.fr", "Anne Petit", PASSWORD, false).await;
    let (mut c, csrf) = logged_in(&e).await;
    let page = c.get("/compose").await;
    // Labelled controls, the sender offered, two buttons.
    for id in ["from", "to", "cc", "bcc", "subject", "body"] {
        assert!(page.body.contains(&format!("<label for=\"{id}\">")), "{id}");
    }
    assert!(unescape(&page.body).contains("Jeanne Martin <jeanne.martin@ac-test.fr>"));
    assert!(page.body.contains("value=\"send\"") && page.body.contains("value=\"save\""));
    let r = c
        .post(
            "/compose",
            &[
                ("csrf", &csrf),
                ("from", JEANNE),
                ("to", "Paul Durand <paul.durand@ac-test.fr>"),
                ("cc", ""),
                ("bcc", "anne.petit@ac-test.fr"),
                ("subject", "Réunion de l'équipe"),
                ("body", "Bonjour Paul,\r\nà jeudi en salle 204.\r\nJeanne"),
                ("action", "send"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(r.location(), "/mail?ok=sent");
    let list = c.get(r.location()).await;
    assert!(
        list.body.contains("Votre message a été envoyé"),
        "{}",
        list.body
    );
    assert!(list.body.contains("role=\"status\""));

    let inbox = folder(&e, &paul, "INBOX").await;
    assert_eq!(inbox.len(), 1);
    let raw = &inbox[0].1;
    let h = head(raw);
    assert!(
        h.contains("From: \"Jeanne Martin\" <jeanne.martin@ac-test.fr>"),
        "{h}"
    );
    assert!(
        h.contains("To: \"Paul Durand\" <paul.durand@ac-test.fr>"),
        "{h}"
    );
    assert!(
        h.contains("Message-ID: <") && h.contains("@mail.ac-test.fr>"),
        "{h}"
    );
    assert!(
        h.contains("MIME-Version: 1.0") && h.contains("\r\nDate: "),
        "{h}"
    );
    assert!(h.contains("Subject: =?utf-8?"), "RFC 2047 subject: {h}");
    assert!(
        !raw.contains("anne.petit"),
        "Bcc never reaches recipients: {h}"
    );
    let model = vesontio_message::mime::Model::of(raw.as_bytes());
    assert_eq!(model.subject, "Réunion de l'équipe");
    assert!(
        model.preview.contains("à jeudi en salle 204"),
        "{}",
        model.preview
    );
    // The blind copy was delivered.
    assert_eq!(folder(&e, &anne, "INBOX").await.len(), 1);
    // Sent: the same message (same Message-ID), with Bcc, read.
    let sent = folder(&e, &jeanne, "\\Sent").await;
    assert_eq!(sent.len(), 1);
    let (flags, copy) = &sent[0];
    assert!(flags.iter().any(|f| f == "\\Seen"), "{flags:?}");
    assert!(head(copy).contains("anne.petit@ac-test.fr"), "{copy}");
    assert_eq!(
        vesontio_message::mime::Model::of(copy.as_bytes()).message_id,
        model.message_id
    );
}

#[tokio::test]
async fn refusals_of_the_gate_are_shown_in_the_page_with_the_form_kept() {
    let e = env_configured(Clock::manual(NOW), |d| d.message_size_limit = 4000).await;
    let jeanne = person(&e, JEANNE, "Jeanne Martin", PASSWORD, false).await;
    person(&e, PAUL, "Paul Durand", PASSWORD, false).await;
    // Jeanne reads the secretariat's mail but may not send as it (no `p`).
    functional(&e, "secretariat@ac-test.fr", "Secrétariat", &jeanne, "lrs").await;
    // A list Jeanne may not post to (R3).
    e.store
        .create_account(vesontio_store::NewAccount {
            address: "profs@ac-test.fr".into(),
            kind: vesontio_types::AccountKind::List,
            display_name: "Professeurs".into(),
            password_hash: None,
            must_change_password: false,
            manager: None,
            quota_bytes: 0,
            created_at: NOW,
        })
        .await
        .unwrap();
    let (mut c, csrf) = logged_in(&e).await;
    let page = c.get("/compose").await;
    assert!(
        !page.body.contains("<option value=\"secretariat@"),
        "not offered without the send right"
    );
    let many: Vec<String> = (0..51).map(|i| format!("eleve{i}@example.org")).collect();
    let many = many.join(", ");
    let big = "x".repeat(5000);
    let cases: [(&str, &str, &str, &str); 6] = [
        // R3: a list the sender is not an authorised sender of.
        (
            JEANNE,
            "profs@ac-test.fr",
            "Corps R3",
            "Vous n'êtes pas autorisé à écrire à la liste profs@ac-test.fr",
        ),
        // R5: the per-message limit of the charter (50).
        (
            JEANNE,
            many.as_str(),
            "Corps R5",
            "Trop de destinataires : 50 au plus par message",
        ),
        // R2: sending as a functional mailbox without the right.
        (
            "secretariat@ac-test.fr",
            PAUL,
            "Corps R2",
            "Vous ne pouvez pas envoyer en tant que <secretariat@ac-test.fr>",
        ),
        // R6: over the size limit, with the large-file service named.
        (JEANNE, PAUL, big.as_str(), "Message trop volumineux"),
        // A local address nobody has.
        (
            JEANNE,
            "personne@ac-test.fr",
            "Corps inconnu",
            "personne@ac-test.fr",
        ),
        // Not an address at all: the web's own sentence.
        (
            JEANNE,
            "paul.durand@",
            "Corps adresse",
            "« paul.durand@ » n'est pas une adresse électronique valide",
        ),
    ];
    for (from, to, body, sentence) in cases {
        let r = c
            .post(
                "/compose",
                &[
                    ("csrf", &csrf),
                    ("from", from),
                    ("to", to),
                    ("subject", "Sortie au musée"),
                    ("body", body),
                    ("action", "send"),
                ],
            )
            .await;
        assert!(r.status.is_client_error(), "{to}: {}", r.status);
        assert!(r.body.contains("role=\"alert\""), "{sentence}");
        let text = unescape(&r.body);
        assert!(
            text.contains(sentence),
            "{sentence} not in {}",
            &r.body[r.body.find("role=\"alert\"").unwrap()..][..400]
        );
        // The form content is kept.
        assert_eq!(field(&r.body, "subject"), "Sortie au musée");
        assert_eq!(field(&r.body, "body"), body);
        assert_eq!(field(&r.body, "to"), to);
    }
    assert!(folder(&e, &jeanne, "\\Sent").await.is_empty());
    // The same refusal in English for someone who chose English.
    c.jar.insert("lang".into(), "en".into());
    let r = c
        .post(
            "/compose",
            &[
                ("csrf", &csrf),
                ("from", JEANNE),
                ("to", &many),
                ("body", "b"),
                ("action", "send"),
            ],
        )
        .await;
    assert!(
        r.body
            .contains("Too many recipients: at most 50 per message"),
        "{}",
        r.body
    );
    assert!(!r.body.contains("Trop de destinataires"));
}

#[tokio::test]
async fn the_from_chooser_offers_functional_mailboxes_with_the_send_right() {
    let e = env().await;
    let jeanne = person(&e, JEANNE, "Jeanne Martin", PASSWORD, false).await;
    let paul = person(&e, PAUL, "Paul Durand", PASSWORD, false).await;
    functional(
        &e,
        "vie-scolaire@ac-test.fr",
        "Vie scolaire",
        &jeanne,
        "lrsp",
    )
    .await;
    let (mut c, csrf) = logged_in(&e).await;
    let page = c.get("/compose").await;
    assert!(unescape(&page.body).contains("<option value=\"vie-scolaire@ac-test.fr\">Vie scolaire <vie-scolaire@ac-test.fr></option>"), "{}", page.body);
    let r = c
        .post(
            "/compose",
            &[
                ("csrf", &csrf),
                ("from", "vie-scolaire@ac-test.fr"),
                ("to", PAUL),
                ("subject", "Absences"),
                ("body", "Liste jointe."),
                ("action", "send"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let inbox = folder(&e, &paul, "INBOX").await;
    assert!(head(&inbox[0].1).contains("From: \"Vie scolaire\" <vie-scolaire@ac-test.fr>"));
}

#[tokio::test]
async fn reply_reply_all_and_forward_quote_and_thread() {
    let e = env().await;
    let jeanne = person(&e, JEANNE, "Jeanne Martin", PASSWORD, false).await;
    let paul = person(&e, PAUL, "Paul Durand", PASSWORD, false).await;
    let original = "From: Paul Durand <paul.durand@ac-test.fr>\r\n\
To: jeanne.martin@ac-test.fr, anne.petit@ac-test.fr\r\n\
Cc: Chef <chef@ac-test.fr>\r\n\
Subject: Conseil de classe\r\n\
Date: Tue, 1 Dec 2026 09:30:00 +0100\r\n\
Message-ID: <conseil-2@ac-test.fr>\r\n\
References: <conseil-1@ac-test.fr>\r\n\
In-Reply-To: <conseil-1@ac-test.fr>\r\n\
Content-Type: text/plain; charset=utf-8\r\n\
\r\n\
Le conseil est jeudi.\r\n\
> ancienne citation\r\n";
    let (mbox, uid) = deliver(&e, &jeanne, original).await;
    let (mut c, csrf) = logged_in(&e).await;
    let read = c.get(&format!("/mail/{mbox}/{uid}")).await;
    assert!(
        unescape(&read.body).contains(&format!("/compose?mode=reply&mailbox={mbox}&uid={uid}"))
    );
    assert!(read.body.contains(">Répondre à tous<") && read.body.contains(">Transférer<"));

    let r = c
        .get(&format!("/compose?mode=reply&mailbox={mbox}&uid={uid}"))
        .await;
    assert_eq!(field(&r.body, "to"), "Paul Durand <paul.durand@ac-test.fr>");
    assert_eq!(field(&r.body, "cc"), "");
    assert_eq!(field(&r.body, "subject"), "Re: Conseil de classe");
    let body = field(&r.body, "body");
    assert!(
        body.contains("Paul Durand <paul.durand@ac-test.fr> a écrit :"),
        "{body}"
    );
    assert!(
        body.contains("> Le conseil est jeudi.") && body.contains(">> ancienne citation"),
        "{body}"
    );
    assert_eq!(field(&r.body, "in_reply_to"), "conseil-2@ac-test.fr");
    assert_eq!(
        field(&r.body, "references"),
        "conseil-1@ac-test.fr conseil-2@ac-test.fr"
    );

    let all = c
        .get(&format!("/compose?mode=all&mailbox={mbox}&uid={uid}"))
        .await;
    assert_eq!(
        field(&all.body, "to"),
        "Paul Durand <paul.durand@ac-test.fr>"
    );
    assert_eq!(
        field(&all.body, "cc"),
        "anne.petit@ac-test.fr, Chef <chef@ac-test.fr>"
    );

    let fwd = c
        .get(&format!("/compose?mode=forward&mailbox={mbox}&uid={uid}"))
        .await;
    assert_eq!(field(&fwd.body, "to"), "");
    assert_eq!(field(&fwd.body, "subject"), "Fwd: Conseil de classe");
    let fb = field(&fwd.body, "body");
    assert!(
        fb.contains("Message transféré") && fb.contains("Le conseil est jeudi."),
        "{fb}"
    );

    // The reply as sent carries the thread.
    let s = c
        .post(
            "/compose",
            &[
                ("csrf", &csrf),
                ("from", JEANNE),
                ("to", &field(&r.body, "to")),
                ("subject", &field(&r.body, "subject")),
                ("body", &format!("D'accord.{body}")),
                ("in_reply_to", &field(&r.body, "in_reply_to")),
                ("references", &field(&r.body, "references")),
                ("action", "send"),
            ],
        )
        .await;
    assert_eq!(s.status, StatusCode::SEE_OTHER, "{}", s.body);
    let got = folder(&e, &paul, "INBOX").await;
    let h = head(&got[0].1);
    assert!(h.contains("In-Reply-To: <conseil-2@ac-test.fr>"), "{h}");
    assert!(h.contains("References: <conseil-1@ac-test.fr>"), "{h}");
    assert!(h.contains("<conseil-2@ac-test.fr>"), "{h}");
    // Another account's message cannot be answered.
    let other = c
        .get(&format!(
            "/compose?mode=reply&mailbox={}&uid=1",
            folder_id(&e, &paul, "\\Sent").await
        ))
        .await;
    assert_eq!(other.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn drafts_are_saved_reopened_and_deleted_when_sent() {
    let e = env().await;
    let jeanne = person(&e, JEANNE, "Jeanne Martin", PASSWORD, false).await;
    let paul = person(&e, PAUL, "Paul Durand", PASSWORD, false).await;
    person(&e, "anne.petit@ac-test.fr", "Anne Petit", PASSWORD, false).await;
    let (mut c, csrf) = logged_in(&e).await;
    let form = |draft: &str| {
        vec![
            ("csrf", csrf.clone()),
            ("from", JEANNE.to_string()),
            ("to", PAUL.to_string()),
            ("bcc", "anne.petit@ac-test.fr".to_string()),
            ("subject", "Brouillon accentué".to_string()),
            ("body", "Première version".to_string()),
            ("draft", draft.to_string()),
            ("action", "save".to_string()),
        ]
    };
    let f = form("");
    let pairs: Vec<(&str, &str)> = f.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let r = c.post("/compose", &pairs).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(r.body.contains("Brouillon enregistré à"), "{}", r.body);
    let drafts = folder(&e, &jeanne, "\\Drafts").await;
    assert_eq!(drafts.len(), 1);
    assert!(
        drafts[0].0.iter().any(|f| f == "\\Draft"),
        "{:?}",
        drafts[0].0
    );
    assert!(head(&drafts[0].1).contains("anne.petit@ac-test.fr"));
    let draft_ref = field(&r.body, "draft");
    let drafts_id = folder_id(&e, &jeanne, "\\Drafts").await;
    assert!(
        draft_ref.starts_with(&format!("{drafts_id}/")),
        "{draft_ref}"
    );

    // Saving again replaces it.
    let f = form(&draft_ref);
    let pairs: Vec<(&str, &str)> = f.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let r = c.post("/compose", &pairs).await;
    assert_eq!(folder(&e, &jeanne, "\\Drafts").await.len(), 1);
    let draft_ref = field(&r.body, "draft");

    // Reopened from Drafts into the form, from its reading page.
    let (_, uid) = draft_ref.split_once('/').unwrap();
    let read = c.get(&format!("/mail/{drafts_id}/{uid}")).await;
    assert!(
        unescape(&read.body).contains(&format!(
            "/compose?mode=draft&mailbox={drafts_id}&uid={uid}"
        )),
        "{}",
        read.body
    );
    assert!(read.body.contains(">Reprendre ce brouillon<") && !read.body.contains(">Répondre<"));
    let o = c
        .get(&format!(
            "/compose?mode=draft&mailbox={drafts_id}&uid={uid}"
        ))
        .await;
    assert_eq!(o.status, StatusCode::OK);
    assert_eq!(field(&o.body, "to"), PAUL);
    assert_eq!(field(&o.body, "bcc"), "anne.petit@ac-test.fr");
    assert_eq!(field(&o.body, "subject"), "Brouillon accentué");
    assert_eq!(field(&o.body, "body"), "Première version");
    assert_eq!(field(&o.body, "draft"), draft_ref);

    // Sent: delivered, in Sent, and the draft is gone.
    let mut f = form(&draft_ref);
    f.last_mut().unwrap().1 = "send".into();
    let pairs: Vec<(&str, &str)> = f.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let r = c.post("/compose", &pairs).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert!(folder(&e, &jeanne, "\\Drafts").await.is_empty());
    assert_eq!(folder(&e, &jeanne, "\\Sent").await.len(), 1);
    assert_eq!(folder(&e, &paul, "INBOX").await.len(), 1);
}

#[tokio::test]
async fn compose_needs_the_csrf_token() {
    let e = env().await;
    person(&e, JEANNE, "Jeanne Martin", PASSWORD, false).await;
    let paul = person(&e, PAUL, "Paul Durand", PASSWORD, false).await;
    let (mut c, _) = logged_in(&e).await;
    let r = c
        .post(
            "/compose",
            &[("csrf", "0"), ("to", PAUL), ("action", "send")],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert!(folder(&e, &paul, "INBOX").await.is_empty());
}

#[tokio::test]
async fn files_are_attached_in_the_draft_listed_removed_and_sent() {
    let e = env_configured(Clock::manual(NOW), |d| d.message_size_limit = 64 * 1024).await;
    let jeanne = person(&e, JEANNE, "Jeanne Martin", PASSWORD, false).await;
    let paul = person(&e, PAUL, "Paul Durand", PASSWORD, false).await;
    let (mut c, csrf) = logged_in(&e).await;
    let page = c.get("/compose").await;
    assert!(page.body.contains("enctype=\"multipart/form-data\""));
    assert!(
        page.body
            .contains("<label for=\"files\">Choisir des fichiers</label>")
    );
    let pdf: &[u8] = b"%PDF-1.4 programme de la sortie\r\n\x00\xff binaire";
    let form = [
        ("csrf", csrf.as_str()),
        ("from", JEANNE),
        ("to", PAUL),
        ("subject", "Sortie au musée"),
        ("body", "Le programme est joint."),
        ("action", "attach"),
    ];
    let r = c
        .post_multipart(
            "/compose",
            &form,
            &[
                ("files", "programme sortie.pdf", "application/pdf", pdf),
                (
                    "files",
                    "autorisation.txt",
                    "text/plain",
                    b"Je soussign\xc3\xa9(e)",
                ),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let t = unescape(&r.body);
    assert!(
        t.contains("<span class=\"file-name\">programme sortie.pdf</span> <span class=\"meta\">"),
        "{t}"
    );
    assert!(t.contains("autorisation.txt"));
    assert_eq!(field(&r.body, "subject"), "Sortie au musée");
    let draft = field(&r.body, "draft");
    let drafts = folder(&e, &jeanne, "\\Drafts").await;
    assert_eq!(drafts.len(), 1);
    assert!(vesontio_message::mime::Model::of(drafts[0].1.as_bytes()).has_attachment);

    // Remove the second file: the draft is replaced without it.
    let mut form2 = form.to_vec();
    form2.retain(|(k, _)| *k != "action");
    form2.push(("draft", draft.as_str()));
    form2.push(("remove", "1"));
    let r = c.post_multipart("/compose", &form2, &[]).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(!r.body.contains("autorisation.txt") && r.body.contains("programme sortie.pdf"));
    let draft = field(&r.body, "draft");
    assert_eq!(folder(&e, &jeanne, "\\Drafts").await.len(), 1);

    // Sent with the file, byte for byte; the draft is gone.
    let mut form3 = form.to_vec();
    form3.retain(|(k, _)| *k != "action");
    form3.push(("draft", draft.as_str()));
    form3.push(("action", "send"));
    let r = c.post_multipart("/compose", &form3, &[]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert!(folder(&e, &jeanne, "\\Drafts").await.is_empty());
    let got = folder(&e, &paul, "INBOX").await;
    let msg = mail_parser::MessageParser::default()
        .parse(got[0].1.as_bytes())
        .unwrap();
    assert_eq!(msg.attachment_count(), 1);
    let a = msg.attachment(0).unwrap();
    use mail_parser::MimeHeaders;
    assert_eq!(a.attachment_name(), Some("programme sortie.pdf"));
    assert_eq!(a.contents(), pdf);
    assert!(
        vesontio_message::mime::Model::of(folder(&e, &jeanne, "\\Sent").await[0].1.as_bytes())
            .has_attachment
    );
}

#[tokio::test]
async fn a_refused_file_is_said_and_a_file_chosen_before_a_refusal_is_kept() {
    let e = env_configured(Clock::manual(NOW), |d| d.message_size_limit = 64 * 1024).await;
    let jeanne = person(&e, JEANNE, "Jeanne Martin", PASSWORD, false).await;
    person(&e, PAUL, "Paul Durand", PASSWORD, false).await;
    let (mut c, csrf) = logged_in(&e).await;
    // R7: a forbidden file type, refused with the gate's sentence.
    let form = [
        ("csrf", csrf.as_str()),
        ("to", PAUL),
        ("subject", "Logiciel"),
        ("body", "Voici l'installateur."),
        ("action", "send"),
    ];
    let r = c
        .post_multipart(
            "/compose",
            &form,
            &[(
                "files",
                "setup.exe",
                "application/octet-stream",
                b"MZ\x90\x00",
            )],
        )
        .await;
    assert!(r.status.is_client_error(), "{}", r.status);
    let t = unescape(&r.body);
    assert!(
        t.contains("role=\"alert\"") && t.contains("setup.exe"),
        "{t}"
    );
    assert_eq!(field(&r.body, "body"), "Voici l'installateur.");
    // An unknown recipient: the file just chosen is kept in a draft.
    let form = [
        ("csrf", csrf.as_str()),
        ("to", "personne@ac-test.fr"),
        ("subject", "Photo"),
        ("body", "La photo de classe."),
        ("action", "send"),
    ];
    let r = c
        .post_multipart(
            "/compose",
            &form,
            &[(
                "files",
                "classe.jpg",
                "image/jpeg",
                b"\xff\xd8\xff\xe0 jpeg",
            )],
        )
        .await;
    assert!(r.status.is_client_error());
    assert!(r.body.contains("classe.jpg"), "listed");
    assert!(!field(&r.body, "draft").is_empty());
    assert_eq!(folder(&e, &jeanne, "\\Drafts").await.len(), 1);
    // R6: over the limit, refused with the size and the large-file service.
    let big = vec![b'a'; 70 * 1024];
    let r = c
        .post_multipart(
            "/compose",
            &[("csrf", csrf.as_str()), ("to", PAUL), ("action", "send")],
            &[("files", "video.mp4", "video/mp4", &big)],
        )
        .await;
    assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert!(unescape(&r.body).contains("Message trop volumineux"));
}

#[tokio::test]
async fn hostile_input_to_compose_never_fails_the_page() {
    let e = env().await;
    let jeanne = person(&e, JEANNE, "Jeanne Martin", PASSWORD, false).await;
    let (mut c, csrf) = logged_in(&e).await;
    // Replying to a message without headers, Message-ID or a parsable body.
    let (mbox, uid) = deliver(
        &e,
        &jeanne,
        "\u{0}\u{1}garbage without headers\r\n\r\n\u{ff}",
    )
    .await;
    for mode in ["reply", "all", "forward", "draft"] {
        let r = c
            .get(&format!("/compose?mode={mode}&mailbox={mbox}&uid={uid}"))
            .await;
        assert_eq!(r.status, StatusCode::OK, "{mode}: {}", r.body);
    }
    let r = c
        .get(&format!("/compose?mode=nonsense&mailbox={mbox}&uid={uid}"))
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    // A multipart body that is not one, and a form of 2,000 addresses.
    let req = axum::http::Request::post("/compose")
        .header(axum::http::header::COOKIE, c.cookie_header())
        .header(
            axum::http::header::CONTENT_TYPE,
            "multipart/form-data; boundary=zz",
        )
        .body(axum::body::Body::from("--zz\r\nno headers end"))
        .unwrap();
    assert_eq!(c.send(req).await.status, StatusCode::BAD_REQUEST);
    let many: Vec<String> = (0..2000).map(|i| format!("a{i}@example.org")).collect();
    let r = c
        .post(
            "/compose",
            &[("csrf", &csrf), ("to", &many.join(",")), ("action", "send")],
        )
        .await;
    assert!(r.status.is_client_error(), "{}", r.status);
    assert!(r.body.contains("role=\"alert\""));
    // Header injection through the subject and a display name.
    let paul = person(&e, PAUL, "Paul Durand", PASSWORD, false).await;
    let r = c
        .post(
            "/compose",
            &[
                ("csrf", &csrf),
                (
                    "to",
                    "\"Paul\r\nBcc: evil@example.org\" <paul.durand@ac-test.fr>",
                ),
                ("subject", "Salut\r\nBcc: evil@example.org"),
                ("body", "x"),
                ("action", "send"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let got = folder(&e, &paul, "INBOX").await;
    assert!(!head(&got[0].1).contains("\r\nBcc:"), "{}", got[0].1);
}

#[tokio::test]
async fn forward_as_attachment_opens_a_draft_with_the_message_inside() {
    let e = env().await;
    let jeanne = person(&e, JEANNE, "Jeanne Martin", PASSWORD, false).await;
    let paul = person(&e, PAUL, "Paul Durand", PASSWORD, false).await;
    let (mbox, uid) = deliver(&e, &jeanne, PLAIN).await;
    let (mut c, csrf) = logged_in(&e).await;
    let read = c.get(&format!("/mail/{mbox}/{uid}")).await;
    assert!(
        read.body
            .contains(&format!("action=\"/mail/{mbox}/{uid}/forward-attached\""))
    );
    // A GET does not file anything; without the token nothing either.
    let r = c
        .post(
            &format!("/mail/{mbox}/{uid}/forward-attached"),
            &[("csrf", "x")],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = c
        .post(
            &format!("/mail/{mbox}/{uid}/forward-attached"),
            &[("csrf", &csrf)],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let form = c.get(r.location()).await;
    assert_eq!(form.status, StatusCode::OK);
    assert_eq!(
        field(&form.body, "subject"),
        "Fwd: Réunion du conseil pédagogique"
    );
    assert!(
        unescape(&form.body).contains("Réunion du conseil pédagogique.eml"),
        "{}",
        form.body
    );
    let draft = field(&form.body, "draft");
    let r = c
        .post(
            "/compose",
            &[
                ("csrf", &csrf),
                ("to", PAUL),
                ("subject", &field(&form.body, "subject")),
                ("body", "Pour information."),
                ("draft", &draft),
                ("action", "send"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let got = folder(&e, &paul, "INBOX").await;
    let raw = &got[0].1;
    // RFC 2046 §5.2.1: the message goes as it is, not base64.
    assert!(raw.contains("Content-Type: message/rfc822"), "{raw}");
    assert!(raw.contains("Content-Transfer-Encoding: 8bit"), "{raw}");
    assert!(raw.contains("Message-ID: <plain-1@ac-test.fr>"), "{raw}");
    let msg = mail_parser::MessageParser::default()
        .parse(raw.as_bytes())
        .unwrap();
    let inner = msg.attachment(0).unwrap().message().unwrap();
    assert_eq!(inner.subject(), Some("Réunion du conseil pédagogique"));
}
