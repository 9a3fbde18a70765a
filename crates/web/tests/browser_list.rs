//! The message list in a real browser: `browser/list.mjs` drives Debian's
//! chromium with playwright-core against the webmail served over HTTPS on
//! 127.0.0.1:0. Mail from outside arrives by SMTP on the MX door
//! (`common::mx`) while the inbox is open, when the script asks for it,
//! and must appear without a reload; then the
//! keyboard shortcuts and their help screen, drag and drop onto the folder
//! tree, and emptying the Trash, with axe-core on each new screen. What the
//! browser did is checked in the store afterwards.
//!
//! Needs `node`, `/usr/bin/chromium` and `browser/node_modules`; without
//! them the test says so and passes, except under CI.
#![allow(clippy::unwrap_used)]

mod common;

use common::*;
use vesontio_web::Clock;

const LUCIE: &str = "lucie.bernard@ac-test.fr";
const PAUL: &str = "paul.durand@ac-test.fr";

fn mail(subject: &str, body: &str) -> String {
    format!(
        "From: Paul Durand <{PAUL}>\r\nTo: {LUCIE}\r\nSubject: {subject}\r\nDate: Wed, 2 Dec 2026 09:00:00 +0100\r\n\
         Message-ID: <{}@ac-test.fr>\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n{body}\r\n",
        subject
            .chars()
            .filter(char::is_ascii_alphanumeric)
            .collect::<String>()
    )
}

fn subjects(raws: &[(Vec<String>, String)]) -> Vec<String> {
    let mut s: Vec<String> = raws
        .iter()
        .map(|(_, raw)| vesontio_message::mime::Model::of(raw.as_bytes()).subject)
        .collect();
    s.sort();
    s
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_list_in_chromium_live_keyboard_drag_and_empty() {
    let Some(dir) = browser::scripts_dir("the_list_in_chromium_live_keyboard_drag_and_empty")
    else {
        return;
    };
    let e = env_with(Clock::System).await;
    let lucie = person(&e, LUCIE, "Lucie Bernard", PASSWORD, false).await;
    person(&e, PAUL, "Paul Durand", PASSWORD, false).await;
    for s in [
        "Sortie au musée",
        "Conseil de classe",
        "Cantine de jeudi",
        "Projet théâtre",
    ] {
        deliver(&e, &lucie, &mail(s, "Bonjour Lucie.")).await;
    }
    let trash = folder_id(&e, &lucie, "\\Trash").await;
    for s in ["Ancienne circulaire", "Vieux rappel"] {
        let (blob, data) = e
            .store
            .put_blob(mail(s, "À jeter.").into_bytes())
            .await
            .unwrap();
        e.store
            .append(
                vesontio_types::MailboxId(trash),
                vesontio_store::NewMessage {
                    blob,
                    data: Some(data),
                    internal_date: NOW,
                    flags: vec!["\\Seen".into()],
                    private: false,
                    parsed: None,
                },
            )
            .await
            .unwrap();
    }

    let (listener, port) = browser::bind().await;
    let mx_door = mx::Mx::start(&e).await;
    let https = browser::Https::serve(e.web.clone(), listener, port);

    let shots = browser::shots_dir();
    let mx_addr = mx_door.addr;
    let (stdout, stderr) = browser::node_waiting(
        &dir,
        "list.mjs",
        vec![
            format!("https://localhost:{port}"),
            shots.to_str().unwrap().to_string(),
            LUCIE.into(),
            PASSWORD.into(),
        ],
        std::time::Duration::from_secs(200),
        |what| async move {
            assert_eq!(what, "deliver");
            // Mail from outside arrives by SMTP, on the MX door.
            let raw = "From: =?utf-8?Q?Mus=C3=A9e?= <accueil@musee.example>\r\n\
                To: lucie.bernard@ac-test.fr\r\n\
                Subject: =?utf-8?Q?Arriv=C3=A9e_en_direct?=\r\n\
                Date: Wed, 2 Dec 2026 09:00:00 +0100\r\n\
                Message-ID: <live@musee.example>\r\nMIME-Version: 1.0\r\n\
                Content-Type: text/plain; charset=utf-8\r\n\
                Content-Transfer-Encoding: 8bit\r\n\r\n\
                Livr\u{e9} pendant que la liste est ouverte.\r\n";
            mx::send_mx(mx_addr, LUCIE, raw.as_bytes()).await;
        },
    )
    .await;
    https.stop().await;
    mx_door.stop().await;

    let results = browser::results(&stdout);
    let all = format!("stdout:\n{stdout}\nstderr:\n{stderr}");
    assert!(!results.contains_key("error"), "{all}");
    let expect = [
        ("live_row", "shown"),
        ("live_no_reload", "same_page"),
        ("live_count", "5"),
        ("live_announced", "announced"),
        ("help_open", "shown"),
        ("help_focus", "inside"),
        ("help_lists", "documented"),
        ("help_escape", "closed"),
        ("help_focus_back", "shortcuts-open"),
        ("j_first", "Arrivée_en_direct"),
        ("j_second", "Projet_théâtre"),
        ("k_back", "Arrivée_en_direct"),
        ("arrow_down", "Projet_théâtre"),
        ("row_focused", "yes"),
        ("typed", "jks#"),
        ("typing_kept_row", "unchanged"),
        ("slash", "quick-search"),
        ("flag_notice", "shown"),
        ("flag_star", "starred"),
        ("reply_mode", "reply"),
        ("reply_subject", "re"),
        ("o_open", "opened"),
        ("read_before_u", "read"),
        ("u_unread", "unread"),
        ("a_mode", "all"),
        ("f_mode", "forward"),
        ("help_375_fits", "fits"),
        ("delete_notice", "trashed"),
        ("delete_gone", "gone"),
        ("g_i", "/mail"),
        ("c", "/compose"),
        ("off", "silent"),
        ("drag_one", "moved"),
        ("drag_many", "moved"),
        ("empty_page", "shown"),
        ("emptied", "empty"),
        ("page_errors", "none"),
    ];
    for (k, v) in expect {
        assert_eq!(results.get(k).copied(), Some(v), "{k}\n{all}");
    }
    for screen in ["list-tools", "help", "empty-confirm", "help-375"] {
        assert_eq!(
            results.get(format!("axe_{screen}").as_str()).copied(),
            Some("clean"),
            "axe violations on {screen}\n{all}"
        );
    }
    // What the browser did, in the store: three rows dragged to Archive,
    // the flag on "Cantine de jeudi", the Trash empty, one message left.
    let archive = folder(&e, &lucie, "\\Archive").await;
    assert_eq!(
        subjects(&archive),
        vec!["Cantine de jeudi", "Conseil de classe", "Sortie au musée"],
        "{all}"
    );
    let cantine = archive
        .iter()
        .find(|(_, raw)| raw.contains("Subject: Cantine de jeudi"))
        .unwrap();
    assert!(cantine.0.iter().any(|f| f == "\\Flagged"), "{all}");
    assert!(folder(&e, &lucie, "\\Trash").await.is_empty(), "{all}");
    assert_eq!(
        subjects(&folder(&e, &lucie, "INBOX").await),
        vec!["Projet théâtre"],
        "{all}"
    );
}
