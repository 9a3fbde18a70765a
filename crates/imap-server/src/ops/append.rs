//! APPEND (RFC 9051 §6.3.12) with APPENDUID (RFC 4315 §3), TRYCREATE,
//! `[OVERQUOTA]` (RFC 9208 §4.3), `[TOOBIG]` (RFC 9051 §7.1) and
//! MULTIAPPEND (RFC 3502 §6.3.11: all the messages in one transaction, or
//! none). A single message joins the group commit of deliveries.
//!
//! The messages go through the ingest gate (`Delivery::file`, origin
//! `ImapAppend`), which applies R6, R7, the header checks and R4's private
//! flag; this file keeps the protocol: the mailbox, rights, literal
//! limits, binary literals, and the answer ([`refusal`] maps the gate's
//! refusals to `NO [CODE]`).

use vesontio_delivery::{FileError, Filing, Origin, Refused, Rule};
use vesontio_imap_proto::parser::echo;
use vesontio_imap_proto::{AppendMessage, Code, NumSet, Response};
use vesontio_store::StoreError;

use crate::error::{CmdError, CmdResult, Done};
use crate::mailbox;
use crate::ops::{account, storable};
use crate::session::Session;

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
    let mut filings = Vec::with_capacity(messages.len());
    let now = vesontio_store::now();
    for m in messages {
        let mut flags = storable(&m.flags);
        if !target.may('s') {
            flags.retain(|f| !f.eq_ignore_ascii_case("\\Seen"));
        }
        // RFC 3516 §4.3: binary parts of a literal8 are kept as base64, so
        // a non-BINARY FETCH can send them (BINARY[] decodes them again).
        let raw = match m.binary {
            true => vesontio_imap_proto::bodystructure::binary_to_base64(&m.data).unwrap_or(m.data),
            false => m.data,
        };
        filings.push(Filing {
            raw,
            flags,
            internal_date: m.date.map(|d| d.to_unix()),
        });
    }
    let flags: Vec<Vec<String>> = filings.iter().map(|f| f.flags.clone()).collect();
    let origin = Origin::ImapAppend {
        account: Box::new(acc.clone()),
        mailbox: target.mailbox.id,
    };
    let res = s.shared.delivery.file(&origin, filings, now).await;
    let appended = match res {
        Ok(a) => a,
        Err(FileError::Refused(r)) => return Err(refusal(&r)),
        Err(FileError::Store(StoreError::OverQuota { used, limit, .. })) => {
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
        Err(FileError::Store(StoreError::NotFound(_))) => {
            return Err(CmdError::no(
                Code::TryCreate,
                format!("No such mailbox: {}", echo(name)),
            ));
        }
        Err(FileError::Store(e)) => return Err(e.into()),
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

/// The gate's refusal as IMAP's answer: `NO [TOOBIG]` for R6 (RFC 9051
/// §7.1), `NO [CANNOT]` (RFC 5530 §3: the server will not store it, do not
/// retry) for R7 and the header checks, `NO [UNAVAILABLE]` for a fault
/// here (try later). The text is the gate's sentence, French and English.
pub(crate) fn refusal(r: &Refused) -> CmdError {
    let code = match r.rule {
        Rule::Size => Code::TooBig,
        Rule::Internal => Code::Unavailable,
        _ if !r.is_permanent() => Code::Unavailable,
        _ => Code::Cannot,
    };
    CmdError::no(code, r.smtp_text())
}
