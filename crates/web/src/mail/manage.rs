//! Folder management without JavaScript: create, rename, move, delete
//! the person's own folders (`/folders`). INBOX and the special-use
//! folders (RFC 6154: Sent, Drafts, Archive, Junk, Trash) are not renamed,
//! moved or deleted: IMAP clients and the webmail find them by their use.
//!
//! Names are the IMAP names (RFC 9051 §5.1, UTF-8, `/` between levels):
//! a `/` in a new name makes a subfolder. Moving a folder is renaming it
//! under another parent (RFC 9051 §6.3.6: its subfolders follow), chosen
//! in a list ("top level" or one of the person's folders); never into
//! itself or one of its own subfolders. A folder with subfolders is
//! not deleted (the subfolders would be left without a parent); a folder
//! deleted puts its messages in Trash first, so nothing is lost to a
//! wrong click, and a confirmation page comes before.

use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use vesontio_store::StoreError;

use crate::i18n::T;
use crate::mail::list::{FolderLink, folder_links, folder_name};
use crate::mail::{self, Folder};
use crate::page::{Chrome, render};
use crate::session::{Authed, Session};
use crate::{Web, WebError};

/// Longest folder name accepted, in characters.
pub const NAME_MAX: usize = 100;

pub struct Managed {
    pub id: i64,
    pub name: String,
    pub total: u32,
    /// Where it may be moved: the person's folders but itself and its
    /// subfolders (id, name, whether it is the current parent).
    pub parents: Vec<(i64, String, bool)>,
    /// At the top level now.
    pub top: bool,
}

#[derive(Template)]
#[template(path = "mail/manage.html")]
struct ManagePage {
    c: Chrome,
    folders: Vec<FolderLink>,
    own: Vec<Managed>,
    csrf: String,
    error: Option<String>,
    /// What was typed in the create form, kept on a refusal.
    typed: String,
}

#[derive(Template)]
#[template(path = "mail/delete_folder.html")]
struct DeletePage {
    c: Chrome,
    folders: Vec<FolderLink>,
    name: String,
    total: u32,
    action: String,
    csrf: String,
}

#[derive(Deserialize, Default)]
pub struct ManageQuery {
    ok: Option<String>,
}

#[derive(Deserialize)]
pub struct NameForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    name: String,
}

#[derive(Deserialize)]
pub struct CsrfForm {
    #[serde(default)]
    csrf: String,
}

/// The folders a person may manage: not INBOX, not special-use.
fn manageable(f: &Folder) -> bool {
    f.key.is_none() && f.group.is_none()
}

/// A name as typed, checked: trimmed, not empty, not too long, no
/// control character, none of IMAP's wildcards (`%`, `*`, RFC 9051 §5.1),
/// no empty level, not INBOX. The catalogue key of the reason otherwise.
fn checked(name: &str) -> Result<String, &'static str> {
    let n = name.trim();
    if n.is_empty() {
        return Err("manage.name_empty");
    }
    if n.chars().count() > NAME_MAX {
        return Err("manage.name_long");
    }
    if n.chars().any(|c| c.is_control() || c == '%' || c == '*')
        || n.starts_with('/')
        || n.ends_with('/')
        || n.contains("//")
        || n.split('/').any(|level| level.trim().is_empty())
    {
        return Err("manage.name_bad");
    }
    if n.eq_ignore_ascii_case("INBOX") {
        return Err("manage.name_taken");
    }
    Ok(n.to_string())
}

async fn page(
    web: &Web,
    t: T,
    s: &Session,
    status: StatusCode,
    error: Option<String>,
    notice: Option<String>,
    typed: String,
) -> Result<Response, WebError> {
    let (folders, all) = folder_links(web, &t, &s.account, 0).await?;
    let mine: Vec<&Folder> = all.iter().filter(|f| f.group.is_none()).collect();
    let own = mine
        .iter()
        .filter(|f| manageable(f))
        .map(|f| {
            let name = &f.mailbox.name;
            let parent = name.rsplit_once('/').map(|p| p.0);
            Managed {
                id: f.mailbox.id.0,
                name: folder_name(&t, f),
                total: f.mailbox.total,
                parents: mine
                    .iter()
                    .filter(|p| !within(&p.mailbox.name, name))
                    .map(|p| {
                        (
                            p.mailbox.id.0,
                            folder_name(&t, p),
                            Some(p.mailbox.name.as_str()) == parent,
                        )
                    })
                    .collect(),
                top: parent.is_none(),
            }
        })
        .collect();
    let title = t.get("manage.title").to_string();
    let mut c = Chrome::user(web, t, s, title, "mail").await?;
    c.notice = notice;
    render(
        status,
        &ManagePage {
            c,
            folders,
            own,
            csrf: s.csrf.clone(),
            error,
            typed,
        },
    )
}

pub async fn show(
    State(web): State<Web>,
    t: T,
    Authed(s): Authed,
    Query(q): Query<ManageQuery>,
) -> Result<Response, WebError> {
    let notice = match q.ok.as_deref() {
        Some("created") => Some(t.get("manage.created").to_string()),
        Some("renamed") => Some(t.get("manage.renamed").to_string()),
        Some("deleted") => Some(t.get("manage.deleted").to_string()),
        Some("moved") => Some(t.get("manage.moved").to_string()),
        _ => None,
    };
    page(&web, t, &s, StatusCode::OK, None, notice, String::new()).await
}

/// A refusal of a name, in the page, with what was typed kept.
async fn refused(
    web: &Web,
    t: T,
    s: &Session,
    key: &str,
    typed: String,
) -> Result<Response, WebError> {
    let msg = t.get(key).to_string();
    page(
        web,
        t,
        s,
        StatusCode::UNPROCESSABLE_ENTITY,
        Some(msg),
        None,
        typed,
    )
    .await
}

pub async fn create(
    State(web): State<Web>,
    t: T,
    Authed(s): Authed,
    Form(f): Form<NameForm>,
) -> Result<Response, WebError> {
    s.check_csrf(&f.csrf)?;
    let name = match checked(&f.name) {
        Ok(n) => n,
        Err(key) => return refused(&web, t, &s, key, f.name).await,
    };
    match web.store().create_mailbox(s.account.id, &name, None).await {
        Ok(_) => {}
        Err(StoreError::AlreadyExists(_)) => {
            return refused(&web, t, &s, "manage.name_taken", f.name).await;
        }
        Err(StoreError::Invalid(_)) => {
            return refused(&web, t, &s, "manage.name_bad", f.name).await;
        }
        Err(e) => return Err(e.into()),
    }
    // Subscribed, so IMAP clients that show subscribed folders see it.
    web.store()
        .set_subscribed(s.account.id, &name, true)
        .await?;
    Ok(Redirect::to("/folders?ok=created").into_response())
}

/// The account's folder `id` if the person may manage it. A functional
/// mailbox's folders (R2) are managed by its administrators, not from a
/// member's webmail: refused with the reason, whatever the rights.
async fn own_manageable(web: &Web, s: &Session, id: i64) -> Result<Folder, WebError> {
    manageable_in(&mail::folders(web, &s.account).await?, id)
}

/// [`own_manageable`] among folders already read.
fn manageable_in(folders: &[Folder], id: i64) -> Result<Folder, WebError> {
    let f = folders
        .iter()
        .find(|f| f.mailbox.id.0 == id)
        .cloned()
        .ok_or(WebError::NotFound)?;
    if f.group.is_some() {
        return Err(WebError::Forbidden("rights.manage_shared"));
    }
    Some(f).filter(manageable).ok_or(WebError::NotFound)
}

/// Renames folder `id` to `to`, then back to the list saying `ok`; a
/// taken or refused name is said in the page.
async fn rename_to(
    web: &Web,
    t: T,
    s: &Session,
    id: vesontio_types::MailboxId,
    to: &str,
    ok: &str,
) -> Result<Response, WebError> {
    match web.store().rename_mailbox(id, to).await {
        Ok(()) => Ok(Redirect::to(&format!("/folders?ok={ok}")).into_response()),
        Err(StoreError::AlreadyExists(_)) => {
            refused(web, t, s, "manage.name_taken", String::new()).await
        }
        Err(StoreError::Invalid(_)) => refused(web, t, s, "manage.name_bad", String::new()).await,
        Err(e) => Err(e.into()),
    }
}

pub async fn rename(
    State(web): State<Web>,
    t: T,
    Authed(s): Authed,
    Path(id): Path<i64>,
    Form(f): Form<NameForm>,
) -> Result<Response, WebError> {
    s.check_csrf(&f.csrf)?;
    let folder = own_manageable(&web, &s, id).await?;
    let name = match checked(&f.name) {
        Ok(n) => n,
        Err(key) => return refused(&web, t, &s, key, String::new()).await,
    };
    if name == folder.mailbox.name {
        return Ok(Redirect::to("/folders").into_response());
    }
    // Into itself would make it its own parent.
    if within(&name, &folder.mailbox.name) {
        return refused(&web, t, &s, "manage.name_bad", String::new()).await;
    }
    rename_to(&web, t, &s, folder.mailbox.id, &name, "renamed").await
}

/// Whether folder `name` is `folder` or one of its subfolders.
fn within(name: &str, folder: &str) -> bool {
    name == folder
        || name
            .strip_prefix(folder)
            .is_some_and(|r| r.starts_with('/'))
}

/// The name `name` takes under `parent` (`None`: the top level): its last
/// level after the parent's name.
fn moved_name(name: &str, parent: Option<&str>) -> String {
    let leaf = name.rsplit_once('/').map_or(name, |p| p.1);
    match parent {
        Some(p) => format!("{p}/{leaf}"),
        None => leaf.to_string(),
    }
}

#[derive(Deserialize)]
pub struct MoveForm {
    #[serde(default)]
    csrf: String,
    /// A folder id, or empty for the top level.
    #[serde(default)]
    parent: String,
}

/// Moves folder `id` under the chosen parent (or to the top level).
pub async fn move_folder(
    State(web): State<Web>,
    t: T,
    Authed(s): Authed,
    Path(id): Path<i64>,
    Form(f): Form<MoveForm>,
) -> Result<Response, WebError> {
    s.check_csrf(&f.csrf)?;
    let all = mail::folders(&web, &s.account).await?;
    // INBOX and the special-use folders stay where clients look for
    // them: said so, rather than "not found", since the folder is there.
    if all
        .iter()
        .any(|x| x.mailbox.id.0 == id && x.group.is_none() && x.key.is_some())
    {
        return refused(&web, t, &s, "manage.move_special", String::new()).await;
    }
    let folder = manageable_in(&all, id)?;
    let parent = match f.parent.trim() {
        "" => None,
        p => {
            // Only the person's own folders (a functional mailbox's are
            // another account's).
            let pid: i64 = p.parse().map_err(|_| WebError::BadRequest)?;
            let p = all
                .iter()
                .find(|x| x.mailbox.id.0 == pid && x.group.is_none())
                .ok_or(WebError::NotFound)?;
            Some(p.mailbox.name.clone())
        }
    };
    let name = &folder.mailbox.name;
    if parent.as_deref().is_some_and(|p| within(p, name)) {
        return refused(&web, t, &s, "manage.move_into_self", String::new()).await;
    }
    let to = moved_name(name, parent.as_deref());
    if &to == name {
        return Ok(Redirect::to("/folders").into_response());
    }
    if let Err(key) = checked(&to) {
        return refused(&web, t, &s, key, String::new()).await;
    }
    rename_to(&web, t, &s, folder.mailbox.id, &to, "moved").await
}

/// The confirmation page of a deletion.
pub async fn confirm_delete(
    State(web): State<Web>,
    t: T,
    Authed(s): Authed,
    Path(id): Path<i64>,
) -> Result<Response, WebError> {
    let folder = own_manageable(&web, &s, id).await?;
    let (folders, _) = folder_links(&web, &t, &s.account, id).await?;
    let name = folder_name(&t, &folder);
    let title = t.get("manage.delete_title").to_string();
    let c = Chrome::user(&web, t, &s, title, "mail").await?;
    render(
        StatusCode::OK,
        &DeletePage {
            c,
            folders,
            name,
            total: folder.mailbox.total,
            action: format!("/folders/{id}/delete"),
            csrf: s.csrf.clone(),
        },
    )
}

pub async fn delete(
    State(web): State<Web>,
    t: T,
    Authed(s): Authed,
    Path(id): Path<i64>,
    Form(f): Form<CsrfForm>,
) -> Result<Response, WebError> {
    s.check_csrf(&f.csrf)?;
    let folder = own_manageable(&web, &s, id).await?;
    let prefix = format!("{}/", folder.mailbox.name);
    let all = web.store().mailboxes(s.account.id).await?;
    if all.iter().any(|m| m.name.starts_with(&prefix)) {
        return refused(&web, t, &s, "manage.has_children", String::new()).await;
    }
    // Its messages go to Trash first: a deletion can be undone there.
    if let Some(trash) = crate::mail::compose::special(&web, s.account.id, "\\Trash").await? {
        let uids: Vec<u32> = web
            .store()
            .messages(folder.mailbox.id)
            .await?
            .iter()
            .map(|m| m.uid)
            .collect();
        for chunk in uids.chunks(1000) {
            web.store()
                .move_messages(folder.mailbox.id, chunk, trash.id)
                .await?;
        }
    }
    web.store().delete_mailbox(folder.mailbox.id).await?;
    web.store()
        .set_subscribed(s.account.id, &folder.mailbox.name, false)
        .await?;
    Ok(Redirect::to("/folders?ok=deleted").into_response())
}

#[cfg(test)]
mod tests {
    use super::{checked, moved_name, within};

    #[test]
    fn moves_keep_the_last_level_and_never_go_inside_themselves() {
        assert_eq!(moved_name("Classes/6e B", None), "6e B");
        assert_eq!(moved_name("6e B", Some("Classes")), "Classes/6e B");
        assert_eq!(moved_name("A/B/C", Some("D/E")), "D/E/C");
        assert!(within("Classes", "Classes"));
        assert!(within("Classes/6e B", "Classes"));
        assert!(!within("Classes 2027", "Classes"));
        assert!(!within("Projets", "Classes"));
    }

    #[test]
    fn names_are_checked() {
        assert_eq!(checked("  Projets 2027 "), Ok("Projets 2027".into()));
        assert_eq!(checked("Classes/6e B"), Ok("Classes/6e B".into()));
        assert_eq!(checked("Réunions"), Ok("Réunions".into()));
        for bad in [
            "/x", "x/", "a//b", "a/ /b", "50%", "tout*", "a\u{0}b", "a\rb",
        ] {
            assert_eq!(checked(bad), Err("manage.name_bad"), "{bad:?}");
        }
        assert_eq!(checked("   "), Err("manage.name_empty"));
        assert_eq!(checked("inbox"), Err("manage.name_taken"));
        assert_eq!(checked(&"é".repeat(101)), Err("manage.name_long"));
        assert!(checked(&"é".repeat(100)).is_ok());
    }
}
