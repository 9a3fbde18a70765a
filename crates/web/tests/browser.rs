//! The webmail in a real browser: the server runs in-process over HTTPS on
//! 127.0.0.1:0 with a temporary store; `browser/webmail.mjs` drives
//! Debian's chromium with playwright-core and runs axe-core on every
//! screen. Screenshots of the main screens go to `docs/screenshots/`
//! (committed, so a reader sees the webmail without running it).
//!
//! Needs `node`, `/usr/bin/chromium` and `browser/node_modules` (scripts/test
//! installs them). Without them the test says so and passes, except under
//! CI (`CI` set), where a missing tool is a failure.
#![allow(clippy::unwrap_used)]

mod common;

use common::*;
use vesontio_web::Clock;

/// A message to report as spam (R24), flagged by the filters (R25).
const LOTTERY: &str = "From: Loterie <gagnant@example.net>\r\n\
To: lucie.bernard@ac-test.fr\r\n\
Subject: =?UTF-8?Q?Vous_avez_gagn=C3=A9_un_t=C3=A9l=C3=A9phone?=\r\n\
Date: Tue, 1 Dec 2026 08:00:00 +0100\r\n\
Message-ID: <lot-1@example.net>\r\n\
X-Vesontio-Warning: credentials Demande de mot de passe\r\n\
Content-Type: text/plain; charset=utf-8\r\n\
\r\n\
Cliquez vite pour recevoir votre cadeau.\r\n";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn webmail_screens_in_chromium() {
    let Some(dir) = browser::scripts_dir("webmail_screens_in_chromium") else {
        return;
    };
    // R5 lowered to 2 recipients so the script can show a refusal.
    let e = env_configured(Clock::System, |d| d.recipients_per_message = 2).await;
    let lucie = person(
        &e,
        "lucie.bernard@ac-test.fr",
        "Lucie Bernard",
        INITIAL,
        true,
    )
    .await;
    let paul = person(&e, "paul.durand@ac-test.fr", "Paul Durand", PASSWORD, false).await;
    person(&e, "anne.petit@ac-test.fr", "Anne Petit", PASSWORD, false).await;
    deliver(&e, &lucie, HOSTILE).await;
    deliver(&e, &lucie, PLAIN).await;
    deliver(&e, &lucie, FOLLOW_UP).await;
    deliver(&e, &lucie, LOTTERY).await;
    // R24: reports go to spam@ of the domain, a mailbox like any other.
    let spam = person(&e, "spam@ac-test.fr", "Signalements", PASSWORD, false).await;

    let (listener, port) = browser::bind().await;
    let https = browser::Https::serve(e.web.clone(), listener, port);
    let shots = browser::shots_dir();
    let (stdout, stderr) = browser::node(
        &dir,
        "webmail.mjs",
        vec![
            https.url.clone(),
            shots.to_str().unwrap().to_string(),
            "lucie.bernard@ac-test.fr".into(),
            INITIAL.into(),
            PASSWORD.into(),
        ],
    )
    .await;
    https.stop().await;
    let results = browser::results(&stdout);
    let all = format!("stdout:\n{stdout}\nstderr:\n{stderr}");
    assert!(!results.contains_key("error"), "{all}");
    let expect = [
        ("wrong_login", "error_shown"),
        ("after_first_login", "/password"),
        ("inbox_before_change", "/password"),
        ("gauge_weak", "Trop faible"),
        ("gauge_strong", "Suffisant"),
        ("after_change", "/mail"),
        ("list_subject", "shown"),
        ("list_preview", "shown"),
        ("read_body", "shown"),
        ("thread_messages", "2"),
        ("thread_folder", "shown"),
        ("read_conversation", "linked"),
        ("hostile_text", "shown"),
        ("warning_banner", "shown"),
        ("external_marker", "shown"),
        ("report_page", "shown"),
        ("report_done", "shown"),
        ("hostile_page_flag", "undefined"),
        ("foreign_requests", "none"),
        ("attached", "listed"),
        ("tab_to_send", "send"),
        ("complete_shown", "listed"),
        ("complete_expanded", "true"),
        ("complete_chosen", "Anne_Petit_<anne.petit@ac-test.fr>,_"),
        ("complete_closed", "false"),
        ("autosaved", "draft"),
        ("attached_via", "script"),
        ("rich_pressed", "true"),
        ("rich_html", "bold"),
        ("rich_text", "Ordre_du_jour_important"),
        ("compose_refused", "shown"),
        ("compose_kept", "kept"),
        ("compose_sent", "shown"),
        ("reply_subject", "Re:_Réunion_du_conseil_pédagogique"),
        ("reply_quote", "quoted"),
        ("multi_delete", "trashed"),
        ("list_after_delete", "gone"),
        ("folder_created", "shown"),
        ("folder_in_tree", "shown"),
        ("folder_moved", "shown"),
        ("folder_moved_name", "Classes/Sorties_scolaires"),
        ("view_remembered", "list"),
        ("view_back", "threads"),
        ("absence_saved", "shown"),
        ("absence_kept", "2027-01-03"),
        ("search_hit", "shown"),
        ("search_miss", "absent"),
        ("narrow_width", "375"),
    ];
    for (k, v) in expect {
        assert_eq!(results.get(k).copied(), Some(v), "{k}\n{all}");
    }
    // In the sandboxed frame the payloads never ran: the flag is unset
    // (or the frame cannot even be evaluated into, scripts being off).
    let flag = results.get("hostile_frame_flag").copied();
    assert!(
        matches!(flag, Some("undefined") | Some("not-evaluable")),
        "{flag:?}\n{all}"
    );
    // What the browser sent arrived, and its copy is in Sent.
    let got = folder(&e, &paul, "INBOX").await;
    assert_eq!(got.len(), 1, "{all}");
    let model = vesontio_message::mime::Model::of(got[0].1.as_bytes());
    assert_eq!(model.subject, "Sortie au musée", "{all}");
    assert!(model.has_attachment, "the file went with it\n{all}");
    assert_eq!(folder(&e, &lucie, "\\Sent").await.len(), 1, "{all}");
    assert!(
        folder(&e, &lucie, "\\Drafts").await.is_empty(),
        "the autosaved draft is deleted when sent\n{all}"
    );
    // The report reached spam@ with the message attached.
    let reports = folder(&e, &spam, "INBOX").await;
    assert_eq!(reports.len(), 1, "{all}");
    assert!(reports[0].1.contains("message/rfc822"), "{all}");
    assert!(
        reports[0]
            .1
            .contains("Cliquez vite pour recevoir votre cadeau."),
        "{all}"
    );
    for screen in [
        "login",
        "password",
        "list",
        "thread",
        "read",
        "hostile",
        "warning",
        "report",
        "compose",
        "compose-refused",
        "search",
        "folders",
        "settings",
    ] {
        assert_eq!(
            results.get(format!("axe_{screen}").as_str()).copied(),
            Some("clean"),
            "axe violations on {screen}\n{all}"
        );
    }
}
