//! SELECT, EXAMINE (RFC 9051 §6.3.2, §6.3.3, RFC 7162 §3.1.2, §3.2.5),
//! CLOSE (§6.4.1) and UNSELECT (RFC 3691).

use vesontio_imap_proto::{Code, Data, FetchValue, NumSet, QResync, Response, SelectMode, State};
use vesontio_store::ExpungeMode;

use crate::error::{CmdError, CmdResult, Done};
use crate::mailbox;
use crate::ops::{account, nonexistent};
use crate::selected::{Selected, view_flags};
use crate::session::Session;

pub(crate) async fn select(
    s: &mut Session,
    name: &str,
    mode: SelectMode,
    condstore: bool,
    qresync: Option<QResync>,
    out: &mut Vec<Response>,
) -> CmdResult {
    let acc = account(s)?;
    // RFC 9051 §6.3.2: a SELECT first deselects, even if it then fails;
    // RFC 7162 §3.2.11: say so with [CLOSED].
    if s.selected.take().is_some() {
        out.push(Response::untagged_ok(
            Some(Code::Closed),
            "Previous mailbox closed",
        ));
    }
    s.conn.set_state(State::Authenticated);
    if qresync.is_some() && !s.enabled.qresync {
        return Err(CmdError::bad(
            "QRESYNC must be enabled first (ENABLE QRESYNC)",
        ));
    }
    let store = s.shared.store.clone();
    let Some(mut target) = mailbox::resolve(&store, &acc, name).await? else {
        return Err(nonexistent(name));
    };
    if !target.may('r') {
        return Err(CmdError::no(Code::NoPerm, "You may not read this mailbox"));
    }
    if let Some(fresh) = store.mailbox(target.mailbox.id).await? {
        target.mailbox = fresh;
    }
    if condstore {
        // RFC 7162 §3.1.8: SELECT (CONDSTORE) enables CONDSTORE.
        s.enabled.condstore = true;
    }
    let read_only =
        mode == SelectMode::ReadOnly || !(target.may('s') || target.may('w') || target.may('t'));
    let is_inbox = target.is_inbox();
    let owner = mailbox::owner(&target);
    let sel = Selected::open(&store, target, read_only, acc.id, s.shared.recent.clone()).await?;
    out.extend(sel.flag_lists());
    out.push(Response::Data(Data::Exists(sel.exists())));
    if !s.enabled.rev2 {
        out.push(Response::Data(Data::Recent(sel.recent_count())));
        // RFC 3501 §6.3.1: the first unseen message, when there is one.
        if let Some(seq) = sel.first_unseen() {
            out.push(Response::untagged_ok(
                Some(Code::Unseen(seq)),
                "First unseen",
            ));
        }
    }
    let mb = &sel.target.mailbox;
    out.push(Response::untagged_ok(
        Some(Code::UidValidity(mb.uidvalidity)),
        "UIDs valid",
    ));
    out.push(Response::untagged_ok(
        Some(Code::UidNext(mb.uidnext)),
        "Predicted next UID",
    ));
    // RFC 8474 §4.1: the mailbox's stable id.
    out.push(Response::untagged_ok(
        Some(Code::MailboxId(mb.id.0.max(0) as u64)),
        "Ok",
    ));
    // RFC 7162 §3.1.2.1: every SELECT of a CONDSTORE server reports it.
    out.push(Response::untagged_ok(
        Some(Code::HighestModSeq(sel.highest_modseq)),
        "Highest",
    ));
    if let Some(q) = qresync
        && q.uid_validity == mb.uidvalidity
    {
        // RFC 7162 §3.2.5.1: what vanished and what changed since the client's modseq.
        let mut gone = store.vanished_since(mb.id, q.mod_seq).await?;
        if let Some(known) = &q.known_uids {
            let largest = mb.uidnext.saturating_sub(1);
            gone.retain(|u| known.contains(*u, largest));
        }
        if !gone.is_empty() {
            out.push(Response::Data(Data::Vanished {
                earlier: true,
                uids: NumSet::from_numbers(&gone),
            }));
        }
        // Only the messages changed since (the modseq index), not all rows.
        let seen = sel.seen_set(&store).await?;
        for m in store.changed_since(mb.id, q.mod_seq).await? {
            if let Some(seq) = sel.seq_of(m.uid) {
                out.push(Response::Data(Data::Fetch {
                    seq,
                    items: vec![
                        FetchValue::Uid(m.uid),
                        FetchValue::Flags(sel.flags_out(
                            m.uid,
                            &view_flags(&m, seen.as_ref()),
                            s.enabled,
                        )),
                        FetchValue::ModSeq(m.modseq),
                    ],
                }));
            }
        }
    }
    // R13: reading the INBOX keeps the account active.
    if is_inbox {
        vesontio_access::consequences::messages_read(&store, owner, vesontio_store::now()).await;
    }
    let code = if read_only {
        Code::ReadOnly
    } else {
        Code::ReadWrite
    };
    s.selected = Some(sel);
    s.conn.set_state(State::Selected);
    Ok(Done::with(
        code,
        match mode {
            SelectMode::ReadWrite => "SELECT completed",
            SelectMode::ReadOnly => "EXAMINE completed",
        },
    ))
}

/// RFC 9051 §6.4.1: CLOSE expunges silently (read-write only), then deselects.
pub(crate) async fn close(s: &mut Session) -> CmdResult {
    if let Some(sel) = s.selected.take()
        && !sel.read_only
        && sel.target.may('e')
    {
        let store = &s.shared.store;
        let removed = store
            .expunge(sel.target.mailbox.id, None, ExpungeMode::FlaggedDeleted)
            .await?;
        if !removed.is_empty() {
            vesontio_access::consequences::room_freed(store, vesontio_store::now()).await;
        }
    }
    s.conn.set_state(State::Authenticated);
    Ok(Done::ok("CLOSE completed"))
}

/// RFC 3691: deselect without expunging.
pub(crate) fn unselect(s: &mut Session) -> CmdResult {
    s.selected = None;
    s.conn.set_state(State::Authenticated);
    Ok(Done::ok("UNSELECT completed"))
}
