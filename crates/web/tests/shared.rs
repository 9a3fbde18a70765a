//! Functional mailboxes (R2) in the webmail: a member sees each one under
//! its own heading with their own unread counts, reads it with a `\Seen`
//! of their own, and may do what their RFC 4314 rights allow: a 403 with
//! a sentence for a missing right, a 404 for a mailbox that is not theirs
//! to see, on every route.
#![allow(clippy::unwrap_used)]

mod common;

use axum::http::StatusCode;
use common::client::*;
use common::*;
use vesontio_store::Account;

const JEANNE: &str = "jeanne.martin@ac-test.fr";
const MARC: &str = "marc.leroy@ac-test.fr";
const PAUL: &str = "paul.durand@ac-test.fr";
const BOB: &str = "bob.moreau@ac-test.fr";
const EXAMENS: &str = "examens@ac-test.fr";

/// The sentence of a missing `t`/`e` right (catalogue `rights.delete`).
const NO_DELETE: &str = "Vous n&#39;avez pas le droit de supprimer ou de déplacer";

struct Setup {
    e: Env,
    fx: Account,
    jeanne: Account,
    /// The functional mailbox's INBOX id and its messages' uids (PLAIN
    /// then FOLLOW_UP: one conversation).
    inbox: i64,
    uids: [u32; 2],
}

/// Examens with Jeanne and Marc as readers (`lrs`) and Paul with every
/// right; Bob is not a member.
async fn setup() -> Setup {
    let e = env().await;
    let jeanne = person(&e, JEANNE, "Jeanne Martin", PASSWORD, false).await;
    let marc = person(&e, MARC, "Marc Leroy", PASSWORD, false).await;
    let paul = person(&e, PAUL, "Paul Durand", PASSWORD, false).await;
    person(&e, BOB, "Bob Moreau", PASSWORD, false).await;
    let fx = functional(&e, EXAMENS, "Secrétariat des examens", &jeanne, "lrs").await;
    e.store.set_member(fx.id, marc.id, "lrs").await.unwrap();
    e.store
        .set_member(fx.id, paul.id, "lrswipkxtea")
        .await
        .unwrap();
    let (inbox, a) = deliver(&e, &fx, PLAIN).await;
    let (_, b) = deliver(&e, &fx, FOLLOW_UP).await;
    Setup {
        e,
        fx,
        jeanne,
        inbox,
        uids: [a, b],
    }
}

async fn login(e: &Env, address: &str) -> (Client, String) {
    let mut c = Client::new(e);
    c.login(address, PASSWORD).await;
    let page = c.get("/mail").await;
    assert_eq!(page.status, StatusCode::OK);
    let csrf = csrf_in(&page.body);
    (c, csrf)
}

/// The tree's link to mailbox `id`, up to its end.
fn link(html: &str, id: i64) -> &str {
    let i = html
        .find(&format!("data-mailbox=\"{id}\""))
        .unwrap_or_else(|| panic!("a link to {id} in {html}"));
    let r = &html[i..];
    &r[..r.find("</a>").unwrap()]
}

/// The unread count a tree link shows (0 when hidden).
fn unread(html: &str, id: i64) -> u32 {
    let l = link(html, id);
    let i = l.find("class=\"count\"").unwrap();
    let r = &l[i..];
    if r[..r.find('>').unwrap()].ends_with(" hidden") {
        return 0;
    }
    let r = &r[r.find('>').unwrap() + 1..];
    r[..r.find('<').unwrap()].trim().parse().unwrap()
}

/// The list rows (`<li class="message…">` blocks).
fn rows(html: &str) -> Vec<&str> {
    html.split("<li class=\"message")
        .skip(1)
        .map(|r| &r[..r.find("</li>").unwrap()])
        .collect()
}

async fn stored(e: &Env, mailbox: i64) -> Vec<(u32, Vec<String>)> {
    e.store
        .messages(vesontio_types::MailboxId(mailbox))
        .await
        .unwrap()
        .into_iter()
        .map(|m| (m.uid, m.flags))
        .collect()
}

async fn act(c: &mut Client, mailbox: i64, csrf: &str, uid: u32, form: &[(&str, &str)]) -> Res {
    let name = format!("m{uid}");
    let mut pairs = vec![(name.as_str(), "on"), ("csrf", csrf)];
    pairs.extend_from_slice(form);
    c.post(&format!("/mail/{mailbox}/actions"), &pairs).await
}

#[tokio::test]
async fn a_reader_sees_the_mailbox_under_its_heading_and_reads_with_own_seen() {
    let Setup {
        e,
        fx,
        jeanne,
        inbox,
        uids,
    } = setup().await;
    let (mut c, csrf) = login(&e, JEANNE).await;
    // The tree: her own folders, then Examens under its heading.
    let home = c.get("/mail").await;
    let heading = format!(
        "<h3 class=\"shared-heading\" id=\"shared-{}\">Secrétariat des examens <span class=\"shared-address\">{EXAMENS}</span></h3>",
        fx.id.0
    );
    let h = home.body.find(&heading).expect("the heading");
    let own = e
        .store
        .mailbox_by_name(jeanne.id, "INBOX")
        .await
        .unwrap()
        .unwrap();
    assert!(
        home.body
            .find(&format!("data-mailbox=\"{}\"", own.id.0))
            .unwrap()
            < h
    );
    assert!(
        home.body
            .find(&format!("data-mailbox=\"{inbox}\""))
            .unwrap()
            > h
    );
    assert!(
        home.body
            .contains(&format!("<ul aria-labelledby=\"shared-{}\">", fx.id.0))
    );
    assert_eq!(unread(&home.body, inbox), 2);
    // Its list: one conversation of two messages, unread for her.
    let list = c.get(&format!("/mail/{inbox}")).await;
    assert_eq!(list.status, StatusCode::OK);
    assert!(
        list.body
            .contains("Secrétariat des examens (examens@ac-test.fr) / Boîte de réception")
    );
    let r = rows(&list.body);
    assert_eq!(r.len(), 1, "{}", list.body);
    assert!(
        r[0].starts_with(" unread") && r[0].contains("name=\"t"),
        "{}",
        r[0]
    );
    // Message by message: both, unread for her.
    let list = c.get(&format!("/mail/{inbox}?view=list")).await;
    let r = rows(&list.body);
    assert_eq!(r.len(), 2, "{}", list.body);
    assert!(r.iter().all(|r| r.starts_with(" unread")));
    // Reading one marks it seen for her only.
    let page = c.get(&format!("/mail/{inbox}/{}", uids[0])).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("salle 204"));
    let list = c.get(&format!("/mail/{inbox}")).await;
    assert_eq!(unread(&list.body, inbox), 1);
    // The conversation is still unread for her (its other message is).
    assert!(rows(&list.body)[0].starts_with(" unread"));
    let list = c.get(&format!("/mail/{inbox}?view=list")).await;
    let r = rows(&list.body);
    let read_row = r
        .iter()
        .find(|r| r.contains(&format!("data-uid=\"{}\"", uids[0])))
        .unwrap();
    assert!(!read_row.starts_with(" unread"), "{read_row}");
    // The stored flag, the owner's, is untouched.
    let flags = stored(&e, inbox).await;
    assert_eq!(flags.len(), 2);
    assert!(
        flags.iter().all(|(_, f)| !f.iter().any(|f| f == "\\Seen")),
        "{flags:?}"
    );
    // Marc, another member, still has both unread.
    let (mut m, _) = login(&e, MARC).await;
    let list = m.get(&format!("/mail/{inbox}?view=list")).await;
    assert_eq!(unread(&list.body, inbox), 2);
    assert!(rows(&list.body).iter().all(|r| r.starts_with(" unread")));
    // `s` lets Jeanne mark it unread again (hers only).
    let r = act(&mut c, inbox, &csrf, uids[0], &[("action", "unread")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let list = c.get(&format!("/mail/{inbox}")).await;
    assert_eq!(unread(&list.body, inbox), 2);
    // The conversation page opens from the functional mailbox, marking
    // both seen for her, not for Marc.
    let th = e
        .store
        .message_by_uid(vesontio_types::MailboxId(inbox), uids[0])
        .await
        .unwrap()
        .unwrap()
        .thread_id;
    assert_ne!(th, 0);
    let page = c.get(&format!("/mail/{inbox}/thread/{th}")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("salle 204") && page.body.contains("salle 210"));
    let list = c.get(&format!("/mail/{inbox}")).await;
    assert_eq!(unread(&list.body, inbox), 0);
    // Her conversation row is read now; Marc's is not.
    let r = rows(&list.body);
    assert_eq!(r.len(), 1);
    assert!(!r[0].starts_with(" unread"), "{}", r[0]);
    let list = m.get(&format!("/mail/{inbox}")).await;
    assert_eq!(unread(&list.body, inbox), 2);
    assert!(rows(&list.body)[0].starts_with(" unread"));
    // Searching the shared folder finds its mail, with her seen state.
    let r = c.get(&format!("/search?q=salle&folder={inbox}")).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(rows(&r.body).len(), 2, "{}", r.body);
    assert!(rows(&r.body).iter().all(|r| !r.starts_with(" unread")));
}

#[tokio::test]
async fn a_reader_may_not_delete_move_or_flag() {
    let Setup {
        e,
        jeanne,
        inbox,
        uids,
        ..
    } = setup().await;
    let (mut c, csrf) = login(&e, JEANNE).await;
    let own = e
        .store
        .mailbox_by_name(jeanne.id, "INBOX")
        .await
        .unwrap()
        .unwrap();
    // Only what `lrs` allows is offered: no delete, flag or move, but
    // "mark unread"; the list's toolbar likewise.
    let page = c.get(&format!("/mail/{inbox}/{}", uids[0])).await;
    assert!(!page.body.contains("name=\"target\""), "{}", page.body);
    assert!(!page.body.contains("value=\"delete\"") && !page.body.contains("value=\"flag\""));
    assert!(page.body.contains("value=\"unread\""));
    let list = c.get(&format!("/mail/{inbox}")).await;
    assert!(!list.body.contains("value=\"delete\"") && !list.body.contains("value=\"flag\""));
    assert!(list.body.contains("value=\"read\"") && !list.body.contains("name=\"target\""));
    let r = act(&mut c, inbox, &csrf, uids[0], &[("action", "delete")]).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert!(r.body.contains(NO_DELETE), "{}", r.body);
    assert!(
        r.body
            .contains("You may not delete or move the messages of this shared folder.")
    );
    let own_id = own.id.0.to_string();
    let r = act(
        &mut c,
        inbox,
        &csrf,
        uids[0],
        &[("action", "move"), ("target", &own_id)],
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert!(r.body.contains(NO_DELETE));
    let r = act(&mut c, inbox, &csrf, uids[0], &[("action", "flag")]).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert!(r.body.contains("changer les indicateurs"), "{}", r.body);
    // Both messages are still there, unflagged.
    let flags = stored(&e, inbox).await;
    assert_eq!(flags.iter().map(|f| f.0).collect::<Vec<_>>(), uids.to_vec());
    assert!(flags.iter().all(|(_, f)| f.is_empty()), "{flags:?}");
    assert!(stored(&e, own.id.0).await.is_empty());
    // Nor may she file her own mail into it (no `i`).
    let (_, mine) = deliver(&e, &jeanne, PLAIN).await;
    let fx_id = inbox.to_string();
    let r = act(
        &mut c,
        own.id.0,
        &csrf,
        mine,
        &[("action", "move"), ("target", &fx_id)],
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert!(
        r.body.contains("ajouter des messages dans ce dossier"),
        "{}",
        r.body
    );
    assert_eq!(stored(&e, own.id.0).await.len(), 1);
    assert_eq!(stored(&e, inbox).await.len(), 2);
    // The move menu of her own folder does not offer it either.
    let list = c.get(&format!("/mail/{}", own.id.0)).await;
    assert!(
        !list.body.contains(&format!("<option value=\"{inbox}\">")),
        "{}",
        list.body
    );
    // A reply from it is hers (no `p`: Examens is not offered as From).
    let r = c
        .get(&format!(
            "/compose?mode=reply&mailbox={inbox}&uid={}",
            uids[0]
        ))
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(
        r.body
            .contains(&format!("<option value=\"{JEANNE}\" selected>"))
    );
    assert!(!r.body.contains(&format!("<option value=\"{EXAMENS}\"")));
    // Its folders are not hers to manage.
    let r = c
        .post(
            &format!("/folders/{inbox}/rename"),
            &[("csrf", &csrf), ("name", "Autre")],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert!(r.body.contains("administrateurs"), "{}", r.body);
}

#[tokio::test]
async fn a_member_with_every_right_moves_and_deletes() {
    let Setup {
        e, fx, inbox, uids, ..
    } = setup().await;
    let (mut c, csrf) = login(&e, PAUL).await;
    let archive = folder_id(&e, &fx, "\\Archive").await;
    let trash = folder_id(&e, &fx, "\\Trash").await;
    // The move menu offers the functional mailbox's folders, named with it.
    let list = c.get(&format!("/mail/{inbox}")).await;
    assert!(list.body.contains("value=\"delete\"") && list.body.contains("value=\"flag\""));
    assert!(
        list.body.contains(&format!(
            "<option value=\"{archive}\">Secrétariat des examens (examens@ac-test.fr) / Archives</option>"
        )),
        "{}",
        list.body
    );
    // A reply from the functional mailbox goes as it (Paul holds `p`).
    let r = c
        .get(&format!(
            "/compose?mode=reply&mailbox={inbox}&uid={}",
            uids[0]
        ))
        .await;
    assert!(
        r.body
            .contains(&format!("<option value=\"{EXAMENS}\" selected>")),
        "{}",
        r.body
    );
    assert!(r.body.contains(&format!("<option value=\"{PAUL}\">")));
    let target = archive.to_string();
    let r = act(
        &mut c,
        inbox,
        &csrf,
        uids[0],
        &[("action", "move"), ("target", &target)],
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(stored(&e, archive).await.len(), 1);
    // Deleting goes to the functional mailbox's Trash, not Paul's.
    let r = act(&mut c, inbox, &csrf, uids[1], &[("action", "delete")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert!(r.location().ends_with("?ok=trashed"), "{}", r.location());
    assert!(stored(&e, inbox).await.is_empty());
    assert_eq!(stored(&e, trash).await.len(), 1);
    // And from that Trash, for good.
    let (uid, _) = stored(&e, trash).await[0].clone();
    let r = act(&mut c, trash, &csrf, uid, &[("action", "delete")]).await;
    assert!(r.location().ends_with("?ok=deleted"), "{}", r.location());
    assert!(stored(&e, trash).await.is_empty());
}

#[tokio::test]
async fn a_non_member_gets_not_found_everywhere() {
    let Setup {
        e, fx, inbox, uids, ..
    } = setup().await;
    let th = e
        .store
        .message_by_uid(vesontio_types::MailboxId(inbox), uids[0])
        .await
        .unwrap()
        .unwrap()
        .thread_id;
    let trash = folder_id(&e, &fx, "\\Trash").await;
    // A member gets each of these pages (so the 404s below are the
    // membership's, not broken URLs).
    let (mut j, _) = login(&e, JEANNE).await;
    let u = uids[0];
    let gets = [
        format!("/mail/{inbox}"),
        format!("/mail/{inbox}/{u}"),
        format!("/mail/{inbox}/{u}/source"),
        format!("/mail/{inbox}/{u}/print"),
        format!("/mail/{inbox}/thread/{th}"),
        format!("/search?q=salle&folder={inbox}"),
        format!("/compose?mode=reply&mailbox={inbox}&uid={u}"),
    ];
    for g in &gets {
        let r = j.get(g).await;
        assert_eq!(r.status, StatusCode::OK, "{g}");
    }
    let (mut b, csrf) = login(&e, BOB).await;
    let home = b.get("/mail").await;
    assert!(!home.body.contains(EXAMENS) && !home.body.contains("shared-heading"));
    for g in gets.iter().cloned().chain([
        format!("/mail/{trash}/empty"),
        format!("/mail/{inbox}/{u}/body"),
    ]) {
        let r = b.get(&g).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{g}");
        assert!(!r.body.contains("salle 204"), "{g}");
    }
    for action in ["read", "unread", "flag", "delete", "move"] {
        let r = act(
            &mut b,
            inbox,
            &csrf,
            u,
            &[("action", action), ("target", "1")],
        )
        .await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{action}");
    }
    for p in [
        format!("/mail/{inbox}/{u}/unread"),
        format!("/mail/{trash}/empty"),
        format!("/folders/{inbox}/delete"),
    ] {
        let r = b.post(&p, &[("csrf", &csrf), ("below", "100")]).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{p}");
    }
    // Nothing changed for the members.
    let flags = stored(&e, inbox).await;
    assert_eq!(flags.len(), 2);
    assert!(flags.iter().all(|(_, f)| f.is_empty()), "{flags:?}");
}

#[tokio::test]
async fn lookup_without_read_is_listed_but_refused() {
    let e = env().await;
    let anne = person(&e, "anne.petit@ac-test.fr", "Anne Petit", PASSWORD, false).await;
    let fx = functional(&e, EXAMENS, "Secrétariat des examens", &anne, "l").await;
    let (inbox, uid) = deliver(&e, &fx, PLAIN).await;
    let (mut c, _) = login(&e, "anne.petit@ac-test.fr").await;
    let home = c.get("/mail").await;
    link(&home.body, inbox);
    for g in [format!("/mail/{inbox}"), format!("/mail/{inbox}/{uid}")] {
        let r = c.get(&g).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{g}");
        assert!(r.body.contains("pas le droit de lire"), "{}", r.body);
        assert!(!r.body.contains("salle 204"));
    }
}

/// The hrefs and folder labels of a results page, in order.
fn hits(html: &str) -> Vec<(String, String)> {
    rows(html)
        .iter()
        .map(|r| {
            let h = &r[r.find("href=\"").unwrap() + 6..];
            let f = &r[r.find("tag-folder\">").unwrap() + 12..];
            (
                h[..h.find('"').unwrap()].to_string(),
                f[..f.find('<').unwrap()].to_string(),
            )
        })
        .collect()
}

/// "All folders" covers the functional mailboxes the person may read
/// (R2, RFC 4314 `r`), each result labelled with its mailbox; one with
/// only `l` and a non-member find none of it; pages merge both accounts'
/// results without a duplicate or a gap.
#[tokio::test]
async fn searching_all_folders_includes_the_readable_functional_mailboxes() {
    let Setup {
        e,
        fx,
        jeanne,
        inbox,
        uids,
    } = setup().await;
    let (own_inbox, own_uid) = deliver(
        &e,
        &jeanne,
        "From: paul.durand@ac-test.fr\r\nSubject: Conseil de classe\r\n\r\nx\r\n",
    )
    .await;
    let anne = person(&e, "anne.petit@ac-test.fr", "Anne Petit", PASSWORD, false).await;
    e.store.set_member(fx.id, anne.id, "l").await.unwrap();
    let (mut c, _) = login(&e, JEANNE).await;
    // Jeanne has read the first of the functional mailbox's two (her own
    // `\Seen`): the results show it read, the other unread.
    c.get(&format!("/mail/{inbox}/{}", uids[0])).await;
    let r = c.get("/search?subject=conseil").await;
    assert_eq!(r.status, StatusCode::OK);
    let found = hits(&r.body);
    let shared_label = "Secrétariat des examens (examens@ac-test.fr) / Boîte de réception";
    let mut want = vec![
        (
            format!("/mail/{own_inbox}/{own_uid}"),
            "Boîte de réception".to_string(),
        ),
        (
            format!("/mail/{inbox}/{}", uids[1]),
            shared_label.to_string(),
        ),
        (
            format!("/mail/{inbox}/{}", uids[0]),
            shared_label.to_string(),
        ),
    ];
    want.sort();
    let mut got = found.clone();
    got.sort();
    assert_eq!(got, want, "{}", r.body);
    let row = |uid: u32| {
        rows(&r.body)
            .into_iter()
            .find(|x| x.contains(&format!("/mail/{inbox}/{uid}\"")))
            .unwrap()
    };
    assert!(!row(uids[0]).starts_with(" unread"), "{}", row(uids[0]));
    assert!(row(uids[1]).starts_with(" unread"), "{}", row(uids[1]));
    // One folder chosen: only it, named as in its tree.
    let r = c
        .get(&format!("/search?subject=conseil&folder={inbox}"))
        .await;
    let found = hits(&r.body);
    assert_eq!(found.len(), 2, "{}", r.body);
    assert!(found.iter().all(|(_, f)| f == "Boîte de réception"));

    // Anne may see the mailbox but not read it; Bob is no member.
    for who in ["anne.petit@ac-test.fr", BOB] {
        let (mut o, _) = login(&e, who).await;
        let r = o.get("/search?subject=conseil").await;
        assert!(
            r.body.contains("Aucun message ne correspond"),
            "{who}: {}",
            r.body
        );
        assert!(!r.body.contains("Réunion du conseil"), "{who}");
    }

    // 30 more each side: 63 results, 50 then 13, each once.
    for i in 0..30 {
        let m = format!("From: lot@ac-test.fr\r\nSubject: Conseil lot {i}\r\n\r\nx\r\n");
        deliver(&e, &fx, &m).await;
        deliver(&e, &jeanne, &m).await;
    }
    let r = c.get("/search?subject=conseil").await;
    let first = hits(&r.body);
    assert_eq!(first.len(), 50);
    let href = common::next_page(&r.body);
    let r = c.get(&href).await;
    let second = hits(&r.body);
    assert_eq!(second.len(), 13, "{href}");
    assert!(!r.body.contains("rel=\"next\""));
    let mut all: Vec<String> = first.into_iter().chain(second).map(|h| h.0).collect();
    all.sort();
    all.dedup();
    assert_eq!(all.len(), 63);
    assert_eq!(
        all.iter()
            .filter(|h| h.starts_with(&format!("/mail/{inbox}/")))
            .count(),
        32
    );
}
