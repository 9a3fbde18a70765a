//! COPY (RFC 9051 §6.4.7) and MOVE (RFC 6851) with COPYUID (RFC 4315 §3).

use vesontio_imap_proto::parser::echo;
use vesontio_imap_proto::{Code, NumSet, Response, SequenceSet, UidMode};
use vesontio_store::StoreError;

use crate::error::{CmdError, CmdResult, Done};
use crate::mailbox;
use crate::ops::{account, selected};
use crate::session::Session;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Mode {
    Copy,
    Move,
}

pub(crate) async fn copy(
    s: &mut Session,
    set: &SequenceSet,
    dest: &str,
    uid: UidMode,
    mode: Mode,
    out: &mut Vec<Response>,
) -> CmdResult {
    let acc = account(s)?;
    let store = s.shared.store.clone();
    let sel = selected(s)?;
    if mode == Mode::Move && (sel.read_only || !sel.target.may('e') || !sel.target.may('t')) {
        return Err(CmdError::no(
            Code::ReadOnly,
            "Cannot move messages out of this mailbox",
        ));
    }
    let pairs = sel.resolve(set, uid).map_err(CmdError::bad)?;
    let src = sel.target.mailbox.id;
    let src_is_shared = sel.target.shared;
    let Some(target) = mailbox::resolve(&store, &acc, dest).await? else {
        return Err(CmdError::no(
            Code::TryCreate,
            format!("No such mailbox: {}", echo(dest)),
        ));
    };
    if !target.may('i') {
        return Err(CmdError::no(Code::NoPerm, "You may not add messages there"));
    }
    let uids: Vec<u32> = pairs.iter().map(|p| p.1).collect();
    if uids.is_empty() {
        return Ok(Done::ok("No messages"));
    }
    let res = match mode {
        Mode::Copy => store.copy_messages(src, &uids, target.mailbox.id).await,
        Mode::Move => store.move_messages(src, &uids, target.mailbox.id).await,
    };
    let map = match res {
        Ok(m) => m,
        Err(StoreError::OverQuota { .. }) => {
            return Err(CmdError::no(
                Code::OverQuota,
                "Not enough room in the target mailbox's quota",
            ));
        }
        Err(e) => return Err(e.into()),
    };
    // Issue 15: into or out of Junk is a training event for the filters.
    let now = vesontio_store::now();
    let moved = mode == Mode::Move;
    let _ = store
        .train_on_move(src, target.mailbox.id, &map, moved, now)
        .await;
    let code = Code::CopyUid {
        uid_validity: target.mailbox.uidvalidity,
        source: NumSet::from_numbers(&map.iter().map(|m| m.0).collect::<Vec<_>>()),
        dest: NumSet::from_numbers(&map.iter().map(|m| m.1).collect::<Vec<_>>()),
    };
    if let Some(sel) = s.selected.as_mut() {
        sel.dirty = true;
    }
    match mode {
        Mode::Copy => Ok(Done::with(code, "COPY completed")),
        Mode::Move => {
            // RFC 6851 §4.3: COPYUID goes in an untagged OK before the EXPUNGEs.
            out.push(Response::untagged_ok(Some(code), "Moved"));
            if src_is_shared || target.shared {
                // Moving between accounts changes quota usage.
                super::expunge::wake_held(s).await;
            }
            Ok(Done::ok("MOVE completed"))
        }
    }
}
