//! EXPUNGE (RFC 9051 §6.4.3) and UID EXPUNGE (RFC 4315 §2.1). The EXPUNGE
//! (or VANISHED) responses come from the mailbox sync that follows every
//! command; removing messages frees quota at once (R17).

use vesontio_imap_proto::{Code, Response, SequenceSet, UidMode};
use vesontio_store::ExpungeMode;

use crate::error::{CmdError, CmdResult, Done};
use crate::ops::selected;
use crate::session::Session;

pub(crate) async fn expunge(
    s: &mut Session,
    uids: Option<&SequenceSet>,
    out: &mut Vec<Response>,
) -> CmdResult {
    let sel = selected(s)?;
    if sel.read_only {
        return Err(CmdError::no(Code::ReadOnly, "Mailbox is read-only"));
    }
    if !sel.target.may('e') {
        return Err(CmdError::no(
            Code::NoPerm,
            "You may not expunge this mailbox",
        ));
    }
    let list: Option<Vec<u32>> = match uids {
        Some(set) => Some(
            sel.resolve(set, UidMode::Uid)
                .map_err(CmdError::bad)?
                .into_iter()
                .map(|(_, u)| u)
                .collect(),
        ),
        None => None,
    };
    if list.as_ref().is_some_and(Vec::is_empty) {
        return Ok(Done::ok("EXPUNGE completed"));
    }
    let id = sel.target.mailbox.id;
    let shows_deleted = sel.shows_deleted(list.as_deref());
    let store = s.shared.store.clone();
    // When the client was shown no `\Deleted` message, ask a reader before
    // queueing for the writer (another session may have set one).
    if !shows_deleted && !store.any_deleted(id, list.as_deref()).await? {
        return Ok(Done::ok("EXPUNGE completed"));
    }
    let (removed, modseq) = store
        .expunge_modseq(id, list.as_deref(), ExpungeMode::FlaggedDeleted)
        .await?;
    if !removed.is_empty() {
        // Our own removal goes straight into the view when nothing else
        // changed meanwhile; otherwise its notification makes the sync
        // after the command read it.
        let en = s.enabled;
        if let Some(sel) = s.selected.as_mut()
            && let Some(r) = sel.expunged_here(&removed, modseq, en)
        {
            out.extend(r);
        }
        wake_held(s).await;
    }
    Ok(Done::ok("EXPUNGE completed"))
}

/// Room was freed: the access layer's R17 consequence.
pub(crate) async fn wake_held(s: &Session) {
    vesontio_access::consequences::room_freed(&s.shared.store, vesontio_store::now()).await;
}
