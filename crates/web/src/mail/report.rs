//! "Report as spam" (R24): the message is forwarded whole, as a
//! message/rfc822 attachment (RFC 2046 §5.2.1, the form the `spam`
//! crate's report reader unwraps), to `spam@<the person's domain>`,
//! through the ingest gate like any mail the person sends
//! (`Origin::WebSend`: their limits and refusals apply), then moved to
//! Junk. No JavaScript: the reading page's button opens a confirmation
//! page saying what will happen; its button does it. A refusal of the
//! gate is shown there, in the person's language. A report is no
//! correspondence: no copy is filed in Sent.

use askama::Template;
use axum::Form;
use axum::extract::{ConnectInfo, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use vesontio_delivery::{Envelope, Origin, Recipient};
use vesontio_types::{Address, Uid};

use crate::i18n::T;
use crate::mail::list::{FolderLink, folder_links};
use crate::mail::outgoing::{self, Mailbox, Outgoing, Upload};
use crate::page::{Chrome, render};
use crate::session::{Authed, Session};
use crate::{Web, WebError};

#[derive(Template)]
#[template(path = "mail/report.html")]
struct ReportPage {
    c: Chrome,
    folders: Vec<FolderLink>,
    back: String,
    action: String,
    subject: String,
    from: String,
    date: String,
    report_to: String,
    csrf: String,
    error: Option<String>,
}

#[derive(Deserialize)]
pub struct ReportForm {
    #[serde(default)]
    csrf: String,
}

/// `spam@<domain>` (`spam.report_local_part`) for the person's own address.
fn report_address(web: &Web, s: &Session) -> Result<Address, WebError> {
    let own = Address::parse(&s.account.address).map_err(|_| WebError::BadRequest)?;
    let local = &web.config().spam_report_local_part;
    Address::parse(&format!("{local}@{}", own.domain())).map_err(|_| WebError::BadRequest)
}

async fn page(
    web: &Web,
    t: T,
    s: &Session,
    mailbox: i64,
    uid: Uid,
    status: StatusCode,
    error: Option<String>,
) -> Result<Response, WebError> {
    let m = crate::mail::open(web, &s.account, mailbox, "r")
        .await?
        .mailbox;
    let (meta, raw) = crate::mail::message(web, &m, uid).await?;
    let model = crate::mail::read::model_of(web, &meta.blob_id, &raw).await?;
    let subject = match model.subject.trim() {
        "" => t.get("list.no_subject").to_string(),
        x => x.to_string(),
    };
    let (folders, _) = folder_links(web, &t, &s.account, m.id.0).await?;
    let date = crate::text::long_date(model.sent_at.unwrap_or(meta.internal_date), &t);
    let title = t.get("report.title").to_string();
    let c = Chrome::user(web, t, s, title, "mail").await?;
    render(
        status,
        &ReportPage {
            c,
            folders,
            back: format!("/mail/{mailbox}/{uid}"),
            action: format!("/mail/{mailbox}/{uid}/report-spam"),
            subject,
            from: model.from_display(),
            date,
            report_to: report_address(web, s)?.to_string(),
            csrf: s.csrf.clone(),
            error,
        },
    )
}

/// The confirmation page.
pub async fn confirm(
    State(web): State<Web>,
    t: T,
    Authed(s): Authed,
    Path((mailbox, uid)): Path<(i64, Uid)>,
) -> Result<Response, WebError> {
    page(&web, t, &s, mailbox, uid, StatusCode::OK, None).await
}

/// Sends the report, then moves the message to Junk.
pub async fn send(
    State(web): State<Web>,
    t: T,
    Authed(s): Authed,
    ConnectInfo(crate::Peer(peer)): ConnectInfo<crate::Peer>,
    Path((mailbox, uid)): Path<(i64, Uid)>,
    Form(f): Form<ReportForm>,
) -> Result<Response, WebError> {
    s.check_csrf(&f.csrf)?;
    let target = crate::mail::open(&web, &s.account, mailbox, "r").await?;
    let m = target.mailbox.clone();
    let (meta, raw) = crate::mail::message(&web, &m, uid).await?;
    let model = crate::mail::read::model_of(&web, &meta.blob_id, &raw).await?;
    let own = Mailbox {
        name: (!s.account.display_name.trim().is_empty())
            .then(|| outgoing::clean(&s.account.display_name)),
        address: Address::parse(&s.account.address).map_err(|_| WebError::BadRequest)?,
    };
    let to = Mailbox {
        name: None,
        address: report_address(&web, &s)?,
    };
    let subject = t.fmt("report.subject", &model.subject.trim());
    let body = t.get("report.body").to_string();
    let attached = Upload {
        name: "message.eml".into(),
        content_type: "message/rfc822".into(),
        data: raw,
    };
    let now = web.now();
    let message_id = outgoing::new_message_id(&web.config().hostname);
    let o = Outgoing {
        from: &own,
        to: std::slice::from_ref(&to),
        cc: &[],
        bcc: &[],
        subject: &subject,
        body: &body,
        html: None,
        in_reply_to: None,
        references: &[],
        message_id: &message_id,
        date: now,
        attachments: std::slice::from_ref(&attached),
    };
    let env = Envelope {
        smtputf8: !own.address.to_string().is_ascii() || !to.address.to_string().is_ascii(),
        mail_from: Some(own.address.clone()),
        recipients: vec![Recipient {
            address: to.address.clone(),
            orcpt: None,
            notify: None,
        }],
        envid: None,
        ret: None,
    };
    let origin = Origin::WebSend {
        account: Box::new(s.account.clone()),
        client_ip: Some(peer.ip()),
    };
    if let Err(r) = web
        .delivery()
        .submit(origin, env, outgoing::build(&o, false), now)
        .await
    {
        tracing::info!(account = s.account.id.0, rule = %r.rule, "spam report refused");
        let status = StatusCode::from_u16(r.http_status()).unwrap_or(StatusCode::BAD_REQUEST);
        let msg = crate::mail::compose::refusal_text(&t, &r);
        return page(&web, t, &s, mailbox, uid, status, Some(msg)).await;
    }
    // Reported: out of the way, into the folder owner's Junk (a
    // functional mailbox's own, R2), unless it is there already or the
    // person may not take it out of the folder (RFC 4314 `t`, `e`).
    let junk = crate::mail::compose::special(&web, target.owner(), "\\Junk").await?;
    let ok = match junk {
        Some(j) if j.id != m.id && target.may('t') && target.may('e') => {
            let map = web.store().move_messages(m.id, &[uid], j.id).await?;
            vesontio_access::consequences::filed(web.store(), m.id, j.id, &map, true, web.now())
                .await;
            "reported"
        }
        _ => "reported_kept",
    };
    Ok(Redirect::to(&format!("/mail/{mailbox}?ok={ok}")).into_response())
}
