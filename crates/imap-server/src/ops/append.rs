//! APPEND (RFC 9051 §6.3.12) with APPENDUID (RFC 4315 §3), TRYCREATE,
//! `[OVERQUOTA]` (RFC 9208 §4.3), `[TOOBIG]` (RFC 9051 §7.1) and
//! MULTIAPPEND (RFC 3502 §6.3.11: all the messages in one transaction, or
//! none). A single message joins the group commit of deliveries.

use vesontio_imap_proto::parser::echo;
use vesontio_imap_proto::{AppendMessage, Code, NumSet, Response};
use vesontio_store::{NewMessage, StoreError};

use crate::error::{CmdError, CmdResult, Done};
use crate::mailbox;
use crate::ops::{account, storable};
use crate::session::Session;

fn subject_is_private(raw: &[u8]) -> bool {
    mail_parser::MessageParser::default()
        .parse_headers(raw)
        .and_then(|m| m.subject().map(vesontio_message::is_private_subject))
        .unwrap_or(false)
}

pub(crate) async fn append(
    s: &mut Session,
    name: &str,
    messages: Vec<AppendMessage>,
    out: &mut Vec<Response>,
) -> CmdResult {
    let acc = account(s)?;
    let store = s.shared.store.clone();
    // The selected mailbox is known already (clients append their drafts
    // and sent copies to other folders, stress tools to the selected one).
    let selected = s
        .selected
        .as_ref()
        .filter(|sel| {
            sel.target.name == name
                || (sel.target.name == "INBOX" && name.eq_ignore_ascii_case("INBOX"))
        })
        .map(|sel| sel.target.clone());
    let target = match selected {
        Some(t) => Some(t),
        None => mailbox::resolve(&store, &acc, name).await?,
    };
    let Some(target) = target else {
        // RFC 9051 §6.3.12: TRYCREATE tells the client to CREATE and retry.
        return Err(CmdError::no(
            Code::TryCreate,
            format!("No such mailbox: {}", echo(name)),
        ));
    };
    if !target.may('i') {
        return Err(CmdError::no(Code::NoPerm, "You may not add messages here"));
    }
    let limit = s.shared.cfg.max_literal;
    if let Some(m) = messages.iter().find(|m| m.data.len() as u64 > limit) {
        return Err(CmdError::no(
            Code::TooBig,
            format!(
                "Message of {} octets exceeds the limit of {limit}; use the large file service",
                m.data.len()
            ),
        ));
    }
    let mut rows = Vec::with_capacity(messages.len());
    for m in messages {
        let private = subject_is_private(&m.data);
        let now = vesontio_store::now();
        let mut flags = storable(&m.flags);
        if !target.may('s') {
            flags.retain(|f| !f.eq_ignore_ascii_case("\\Seen"));
        }
        let date = m.date.map(|d| d.to_unix()).unwrap_or(now);
        // RFC 3516 §4.3: binary parts of a literal8 are kept as base64, so
        // a non-BINARY FETCH can send them (BINARY[] decodes them again).
        let raw = match m.binary {
            true => vesontio_imap_proto::bodystructure::binary_to_base64(&m.data).unwrap_or(m.data),
            false => m.data,
        };
        let (blob, data) = store.put_blob(raw).await?;
        rows.push(NewMessage {
            blob,
            data: Some(data),
            internal_date: date,
            flags,
            private,
            parsed: None,
        });
    }
    let flags: Vec<Vec<String>> = rows.iter().map(|r| r.flags.clone()).collect();
    let res = if rows.len() == 1 {
        let row = rows
            .pop()
            .ok_or_else(|| CmdError::bad("APPEND needs a message"))?;
        store.append(target.mailbox.id, row).await.map(|a| vec![a])
    } else {
        // RFC 3502 §6.3.11: if any message cannot be appended, none is.
        store.append_all(target.mailbox.id, rows).await
    };
    let appended = match res {
        Ok(a) => a,
        Err(StoreError::OverQuota { used, limit, .. }) => {
            return Err(CmdError::no(
                Code::OverQuota,
                format!(
                    "Mailbox is full ({} of {} MB used): delete messages and expunge, or ask for more room; nothing was added",
                    used / 1_000_000,
                    limit / 1_000_000
                ),
            ));
        }
        // Deleted meanwhile by another session.
        Err(StoreError::NotFound(_)) => {
            return Err(CmdError::no(
                Code::TryCreate,
                format!("No such mailbox: {}", echo(name)),
            ));
        }
        Err(e) => return Err(e.into()),
    };
    let mut uids = Vec::with_capacity(appended.len());
    let mut uidvalidity = target.mailbox.uidvalidity;
    for (a, flags) in appended.into_iter().zip(flags) {
        uidvalidity = a.uidvalidity;
        uids.push(a.uid);
        // Into the selected view at once when nothing else changed
        // meanwhile; otherwise the sync after the command reads it.
        let en = s.enabled;
        if let Some(sel) = s.selected.as_mut()
            && sel.target.mailbox.id == target.mailbox.id
            && let Some(r) = sel.appended_here(a.uid, flags, a.modseq, en)
        {
            out.extend(r);
        }
    }
    Ok(Done::with(
        Code::AppendUid {
            uid_validity: uidvalidity,
            uids: NumSet::from_numbers(&uids),
        },
        "APPEND completed",
    ))
}
