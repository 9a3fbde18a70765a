//! Writing a message: the compose form (plain HTML, works without
//! JavaScript), sending through the ingest gate as `Origin::WebSend`,
//! the Sent copy and drafts filed through the gate as
//! `Origin::DraftSave` (so R6, R7 and the header checks hold for them as
//! for IMAP APPEND).
//!
//! Every refusal of the gate (R2, R3, R5, R6, R7, unknown recipient…)
//! is shown in the page as the gate's own sentence in the person's
//! language, with everything they wrote kept in the form: nothing typed
//! is lost to a refusal.

use askama::Template;
use axum::body::Bytes;
use axum::extract::{ConnectInfo, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use vesontio_delivery::{Envelope, Filing, Origin, Recipient, Refused};
use vesontio_store::Mailbox as StoreMailbox;
use vesontio_types::{AccountId, Uid};

use crate::i18n::{Lang, T};
use crate::mail::drafts;
use crate::mail::list::{FolderLink, folder_links};
use crate::mail::outgoing::{self, Draft, Mailbox, Outgoing, Upload};
use crate::page::{Chrome, render};
use crate::session::{Authed, Session};
use crate::{Web, WebError};

/// An address the person may send as (R2): their own, and each
/// functional mailbox where they hold the `p` right.
pub struct Sender {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

#[derive(Template)]
#[template(path = "mail/compose.html")]
struct ComposePage {
    c: Chrome,
    folders: Vec<FolderLink>,
    csrf: String,
    senders: Vec<Sender>,
    f: Draft,
    /// The refusal or mistake to fix, announced (`role="alert"`).
    error: Option<String>,
    heading: &'static str,
    /// The draft's files: index, name, size.
    files: Vec<(usize, String, String)>,
    /// R6's limit, said next to the file chooser.
    limit: String,
    /// `assets/complete.js`: address completion on To, Cc and Bcc.
    script: String,
    /// `assets/autosave.js`: the draft saved while the person writes.
    autosave: String,
    /// `assets/rich.js`: the rich-text editor.
    rich: String,
    /// `assets/upload.js`: the attachments' upload with its progress.
    upload: String,
    /// R21: the offer to send the attachments as links (`f.links` set).
    offer: Option<String>,
}

#[derive(Deserialize, Default)]
pub struct ComposeQuery {
    /// `reply`, `all`, `forward` or `draft`, with `mailbox` and `uid`.
    mode: Option<String>,
    mailbox: Option<i64>,
    uid: Option<Uid>,
}

/// The person's sender addresses, their own first (R2). The same rights
/// the gate checks (`p` on the functional mailbox), so what is offered is
/// what will pass.
pub async fn senders(web: &Web, s: &Session) -> Result<Vec<Mailbox>, WebError> {
    let mut out = Vec::new();
    let own = |address: &str, name: &str| {
        vesontio_types::Address::parse(address)
            .ok()
            .map(|a| Mailbox {
                name: (!name.trim().is_empty()).then(|| outgoing::clean(name)),
                address: a,
            })
    };
    out.extend(own(&s.account.address, &s.account.display_name));
    for (group, rights) in web.store().groups_of(s.account.id).await? {
        if rights.contains('p') {
            out.extend(own(&group.address, &group.display_name));
        }
    }
    Ok(out)
}

/// `Name <addr>` as a person types it back; quoted when the name holds a
/// list separator.
pub fn display(m: &Mailbox) -> String {
    match &m.name {
        Some(n) if n.contains([',', ';', '"', '<', '>']) => {
            format!("\"{}\" <{}>", n.replace('"', ""), m.address)
        }
        Some(n) => format!("{n} <{}>", m.address),
        None => m.address.to_string(),
    }
}

#[allow(clippy::too_many_arguments)]
pub(crate) async fn page(
    web: &Web,
    t: T,
    s: &Session,
    status: StatusCode,
    f: Draft,
    files: &[Upload],
    error: Option<String>,
    notice: Option<String>,
) -> Result<Response, WebError> {
    let list = senders(web, s).await?;
    let chosen = f.from.trim().to_lowercase();
    let senders = list
        .iter()
        .enumerate()
        .map(|(i, m)| Sender {
            value: m.address.to_string(),
            label: display(m),
            selected: if chosen.is_empty() {
                i == 0
            } else {
                m.address.to_string().to_lowercase() == chosen
            },
        })
        .collect();
    let (folders, _) = folder_links(web, &t, &s.account, 0).await?;
    let mut c = Chrome::user(web, t, s, t.get("compose.title").to_string(), "compose").await?;
    c.notice = notice;
    let offer = (!f.links.is_empty()).then(|| {
        let life = web.config().large_files.default_expiry_secs;
        t.fmt("files.offer", &crate::files::duration_text(life, &t))
    });
    render(
        status,
        &ComposePage {
            c,
            folders,
            csrf: s.csrf.clone(),
            senders,
            heading: if f.draft.is_empty() {
                "compose.heading"
            } else {
                "compose.heading_draft"
            },
            f,
            error,
            offer,
            limit: crate::text::size(web.delivery().config().message_size_limit as i64, &t),
            script: crate::assets::url("complete.js"),
            autosave: crate::assets::url("autosave.js"),
            rich: crate::assets::url("rich.js"),
            upload: crate::assets::url("upload.js"),
            files: files
                .iter()
                .enumerate()
                .map(|(i, a)| {
                    (
                        i,
                        a.name.clone(),
                        crate::text::size(a.data.len() as i64, &t),
                    )
                })
                .collect(),
        },
    )
}

pub async fn show(
    State(web): State<Web>,
    t: T,
    Authed(s): Authed,
    Query(q): Query<ComposeQuery>,
) -> Result<Response, WebError> {
    let mut f = match (q.mode.as_deref(), q.mailbox, q.uid) {
        (Some(mode), Some(mailbox), Some(uid)) => {
            crate::mail::reply::prefill(&web, &t, &s, mode, mailbox, uid).await?
        }
        _ => Draft::default(),
    };
    // The signature under what the person will write, above any quote,
    // after the RFC 3676 §4.3 separator line "-- ". A reopened draft has
    // it already.
    let signature = web.store().web_signature(s.account.id).await?;
    if q.mode.as_deref() != Some("draft") && !signature.trim().is_empty() {
        let rest = f.body.trim_start_matches('\n');
        f.body = if rest.is_empty() {
            format!("\n\n-- \n{signature}\n")
        } else {
            format!("\n\n-- \n{signature}\n\n{rest}")
        };
    }
    let files = drafts::attachments(&web, &s, &f.draft).await?;
    page(&web, t, &s, StatusCode::OK, f, &files, None, None).await
}

/// The form, parsed: sender, recipients by field, thread ids.
struct Parsed {
    from: Mailbox,
    to: Vec<Mailbox>,
    cc: Vec<Mailbox>,
    bcc: Vec<Mailbox>,
    references: Vec<String>,
}

/// Parses the form's address fields; the sentence to show for the first
/// item that is not an address.
fn parse(t: &T, f: &Draft, own: &Mailbox, senders: &[Mailbox]) -> Result<Parsed, String> {
    let bad = |item: String| t.fmt("compose.bad_address", &item);
    // The sender as offered (with its display name), or as typed: the
    // gate decides R2 on whatever it is.
    let from = match senders
        .iter()
        .find(|m| m.address.to_string().eq_ignore_ascii_case(f.from.trim()))
    {
        Some(m) => m.clone(),
        None if f.from.trim().is_empty() => own.clone(),
        None => outgoing::parse_list(&f.from)
            .map_err(bad)?
            .into_iter()
            .next()
            .unwrap_or_else(|| own.clone()),
    };
    Ok(Parsed {
        from,
        to: outgoing::parse_list(&f.to).map_err(bad)?,
        cc: outgoing::parse_list(&f.cc).map_err(bad)?,
        bcc: outgoing::parse_list(&f.bcc).map_err(bad)?,
        references: outgoing::ids(&f.references),
    })
}

/// The gate's sentence in the person's language.
pub fn refusal_text(t: &T, r: &Refused) -> String {
    match t.lang {
        Lang::Fr => r.french().to_string(),
        Lang::En => r.english().to_string(),
    }
}

/// A special-use folder of the account (RFC 6154), e.g. `\Sent`.
pub async fn special(
    web: &Web,
    account: AccountId,
    attr: &str,
) -> Result<Option<StoreMailbox>, WebError> {
    Ok(web.store().mailboxes(account).await?.into_iter().find(|m| {
        m.special_use
            .as_deref()
            .is_some_and(|s| s.split_whitespace().any(|w| w.eq_ignore_ascii_case(attr)))
    }))
}

pub async fn submit(
    State(web): State<Web>,
    t: T,
    Authed(s): Authed,
    ConnectInfo(crate::Peer(peer)): ConnectInfo<crate::Peer>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, WebError> {
    let (mut f, uploads) = drafts::read_form(&headers, &body)?;
    s.check_csrf(&f.csrf)?;
    let mut files = drafts::attachments(&web, &s, &f.draft).await?;
    if let Ok(i) = f.remove.parse::<usize>()
        && i < files.len()
    {
        files.remove(i);
    }
    let new_files = !uploads.is_empty();
    files.extend(uploads);
    files.truncate(drafts::MAX_ATTACHMENTS);
    // R21: the offer made after an R6 refusal, taken: the files are
    // links in the body now, and the message goes without them.
    if f.action == "send_links" {
        if crate::files::compose::take(&web, &t, &s, &mut f).await? {
            files.clear();
        }
        // Gone meanwhile (purged after the hour): sent as it is, so the
        // gate says again what is wrong.
        f.action = "send".into();
    }
    let list = senders(&web, &s).await?;
    let Some(own) = list.first().cloned() else {
        return Err(WebError::BadRequest);
    };
    let autosave = f.action == crate::mail::autosave::ACTION;
    let p = match parse(&t, &f, &own, &list) {
        Ok(p) => p,
        Err(_) if autosave => return crate::mail::autosave::not_yet(),
        Err(e) => {
            let status = StatusCode::UNPROCESSABLE_ENTITY;
            return page(&web, t, &s, status, f, &files, Some(e), None).await;
        }
    };
    let now = web.now();
    let message_id = outgoing::new_message_id(&web.config().hostname);
    let in_reply_to = outgoing::ids(&f.in_reply_to).pop();
    let html = crate::mail::rich::clean(&f.html);
    // The form is shown again with the HTML as it will be sent.
    f.html = html.clone().unwrap_or_default();
    let o = Outgoing {
        from: &p.from,
        to: &p.to,
        cc: &p.cc,
        bcc: &p.bcc,
        subject: &f.subject,
        body: &f.body,
        html: html.as_deref(),
        in_reply_to: in_reply_to.as_deref(),
        references: &p.references,
        message_id: &message_id,
        date: now,
        attachments: &files,
    };
    // The automatic save, and files attached by `assets/upload.js` (which
    // shows the upload's progress, then opens the draft): JSON answers.
    let attach_json = f.action == "attach" && crate::page::wants_json(&headers);
    if autosave || attach_json {
        let raw = outgoing::build(&o, true);
        return crate::mail::autosave::save(&web, &t, &s, &f, raw, now).await;
    }
    if f.action != "send" {
        // Save, attach, remove: the draft is filed with its files.
        let raw = outgoing::build(&o, true);
        return save_draft(&web, t, &s, f, &files, raw, now).await;
    }
    let wire = outgoing::build(&o, false);
    let copy = outgoing::build(&o, true);
    let mut recipients: Vec<Recipient> = Vec::new();
    for m in p.to.iter().chain(&p.cc).chain(&p.bcc) {
        if !recipients.iter().any(|r| r.address == m.address) {
            recipients.push(Recipient {
                address: m.address.clone(),
                orcpt: None,
                notify: None,
            });
        }
    }
    // RFC 6531: an address that is not ASCII needs SMTPUTF8 downstream.
    let smtputf8 = recipients
        .iter()
        .map(|r| &r.address)
        .chain([&p.from.address])
        .any(|a| !a.to_string().is_ascii());
    let env = Envelope {
        smtputf8,
        mail_from: Some(p.from.address.clone()),
        recipients,
        envid: None,
        ret: None,
    };
    let origin = Origin::WebSend {
        account: Box::new(s.account.clone()),
        client_ip: Some(peer.ip()),
    };
    if let Err(r) = web.delivery().submit(origin, env, wire, now).await {
        let status = StatusCode::from_u16(r.http_status()).unwrap_or(StatusCode::BAD_REQUEST);
        tracing::info!(account = s.account.id.0, rule = %r.rule, "web send refused");
        // Files just chosen cannot be put back into the form: they are
        // kept in the draft (when the draft itself may be filed).
        if new_files && let Ok(new) = drafts::file(&web, &s, copy, now).await? {
            drafts::delete(&web, &s, &f.draft).await?;
            f.draft = new;
        }
        // R6 is not a dead end: offer the attachments as large-file links.
        if r.rule == vesontio_delivery::Rule::Size
            && f.links.is_empty()
            && let Some(ids) = crate::files::compose::offer(&web, &t, &s, &files).await?
        {
            f.links = ids;
        }
        return page(
            &web,
            t,
            &s,
            status,
            f,
            &files,
            Some(refusal_text(&t, &r)),
            None,
        )
        .await;
    }
    // Sent: the gate does not file a copy (SMTP clients append their own
    // over IMAP); the web files it through the gate's filing door.
    let mut ok = "sent";
    match special(&web, s.account.id, "\\Sent").await? {
        Some(sent) => {
            let origin = Origin::DraftSave {
                account: Box::new(s.account.clone()),
                mailbox: sent.id,
            };
            let filing = Filing {
                raw: copy,
                flags: vec!["\\Seen".into()],
                internal_date: Some(now),
            };
            if let Err(e) = web.delivery().file(&origin, vec![filing], now).await {
                tracing::warn!(account = s.account.id.0, error = %e, "sent copy not filed");
                ok = "sent_nocopy";
            }
        }
        None => ok = "sent_nocopy",
    }
    drafts::delete(&web, &s, &f.draft).await?;
    Ok(Redirect::to(&format!("/mail?ok={ok}")).into_response())
}

/// Files the draft in Drafts (replacing the one the form came from) and
/// shows the form again, now pointing at the new draft.
async fn save_draft(
    web: &Web,
    t: T,
    s: &Session,
    mut f: Draft,
    files: &[Upload],
    raw: Vec<u8>,
    now: i64,
) -> Result<Response, WebError> {
    match drafts::file(web, s, raw, now).await? {
        Ok(new) => {
            drafts::delete(web, s, &f.draft).await?;
            f.draft = new;
            let notice = t.fmt(
                "compose.draft_saved",
                &crate::text::paris(now).format("%H:%M"),
            );
            page(web, t, s, StatusCode::OK, f, files, None, Some(notice)).await
        }
        Err(r) => {
            let status = StatusCode::from_u16(r.http_status()).unwrap_or(StatusCode::BAD_REQUEST);
            page(
                web,
                t,
                s,
                status,
                f,
                files,
                Some(refusal_text(&t, &r)),
                None,
            )
            .await
        }
    }
}
