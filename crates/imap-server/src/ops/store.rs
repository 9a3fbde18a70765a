//! STORE and UID STORE (RFC 9051 §6.4.6) with UNCHANGEDSINCE (RFC 7162
//! §3.1.3). In functional mailboxes `\Seen` is each reader's own (R2).

use vesontio_imap_proto::{
    Code, Data, FetchValue, Flag, NumSet, Response, SequenceSet, StoreKind, StoreResponse, UidMode,
};
use vesontio_store::FlagOp;
use vesontio_types::Uid;

use crate::error::{CmdError, CmdResult, Done};
use crate::ops::{selected, storable};
use crate::selected::view_flags;
use crate::session::Session;

#[allow(clippy::too_many_arguments)]
pub(crate) async fn store(
    s: &mut Session,
    set: &SequenceSet,
    kind: StoreKind,
    response: StoreResponse,
    flags: &[Flag],
    unchanged_since: Option<u64>,
    uid: UidMode,
    out: &mut Vec<Response>,
) -> CmdResult {
    if unchanged_since.is_some() {
        // RFC 7162 §3.1.3: UNCHANGEDSINCE enables CONDSTORE.
        super::enable_condstore(s, out);
    }
    let condstore = s.enabled.condstore;
    let store = s.shared.store.clone();
    let sel = selected(s)?;
    if sel.read_only {
        return Err(CmdError::no(Code::ReadOnly, "Mailbox is read-only"));
    }
    let pairs = sel.resolve(set, uid).map_err(CmdError::bad)?;
    let mb = sel.target.mailbox.id;
    let op = match kind {
        StoreKind::Replace => FlagOp::Replace,
        StoreKind::Add => FlagOp::Add,
        StoreKind::Remove => FlagOp::Remove,
    };
    let mut wanted = storable(flags);
    // RFC 4314 §4: 's' for \Seen, 'w' for other flags, 't' for \Deleted.
    let t = &sel.target;
    wanted.retain(|f| {
        if f.eq_ignore_ascii_case("\\Seen") {
            t.may('s')
        } else if f.eq_ignore_ascii_case("\\Deleted") {
            t.may('t')
        } else {
            t.may('w')
        }
    });
    let uids: Vec<Uid> = pairs.iter().map(|p| p.1).collect();
    let mut modified: Vec<Uid> = Vec::new();
    // The flags after the STORE, when the store reported them all.
    let mut after: Option<Vec<(Uid, Vec<String>, u64)>> = None;
    if let Some(reader) = sel.seen_reader {
        // Functional mailbox: \Seen goes to the reader's own set, the rest to the message.
        let seen_op = match op {
            FlagOp::Add => wanted
                .iter()
                .any(|f| f.eq_ignore_ascii_case("\\Seen"))
                .then_some(true),
            FlagOp::Remove => wanted
                .iter()
                .any(|f| f.eq_ignore_ascii_case("\\Seen"))
                .then_some(false),
            FlagOp::Replace => Some(wanted.iter().any(|f| f.eq_ignore_ascii_case("\\Seen"))),
        };
        if let Some(on) = seen_op {
            vesontio_access::seen::mark(&store, t, reader, &uids, on).await?;
        }
        wanted.retain(|f| !f.eq_ignore_ascii_case("\\Seen"));
        if op == FlagOp::Replace {
            // Keep others' view of the stored \Seen as it is.
            let up = store
                .store_flags(mb, &uids, FlagOp::Replace, &wanted, unchanged_since)
                .await?;
            modified = up.modified;
        } else if !wanted.is_empty() {
            let up = store
                .store_flags(mb, &uids, op, &wanted, unchanged_since)
                .await?;
            modified = up.modified;
        }
    } else {
        let up = store
            .store_flags(mb, &uids, op, &wanted, unchanged_since)
            .await?;
        modified = up.modified;
        after = Some(up.current);
        if let (Some(&(_, _, ms)), Some(sel)) = (up.updated.first(), s.selected.as_mut()) {
            sel.stored_here(ms);
        }
    }
    // R24: `$Junk`/`$NotJunk` are lessons for the filters.
    vesontio_access::consequences::flagged(&store, mb, &uids, op, &wanted, vesontio_store::now())
        .await;
    // Report the resulting flags of every message of the set (RFC 9051
    // §6.4.6); in functional mailboxes they are read back, with the
    // reader's own \Seen.
    let en = s.enabled;
    let sel = selected(s)?;
    let after = match after {
        Some(a) => a,
        None => {
            let seen = sel.seen_set(&store).await?;
            let back: Vec<Uid> = uids
                .iter()
                .copied()
                .filter(|u| !modified.contains(u))
                .collect();
            store
                .messages_by_uids(mb, &back)
                .await?
                .into_iter()
                .map(|m| (m.uid, view_flags(&m, seen.as_ref()), m.modseq))
                .collect()
        }
    };
    let by_uid: std::collections::HashMap<Uid, (Vec<String>, u64)> =
        after.into_iter().map(|(u, f, m)| (u, (f, m))).collect();
    let mut reports = Vec::new();
    for &(seq, u) in &pairs {
        let Some((f, ms)) = by_uid.get(&u) else {
            continue;
        };
        let shown = sel.flags_out(u, f, en);
        reports.push((seq, u, f.clone(), shown, *ms));
    }
    for (seq, u, f, shown, ms) in reports {
        let silent = response == StoreResponse::Silent;
        // RFC 7162 §3.1.3: with UNCHANGEDSINCE, FETCH MODSEQ is sent even when silent.
        if !silent || (condstore && unchanged_since.is_some()) {
            let mut items = Vec::new();
            if !silent {
                items.push(FetchValue::Flags(shown));
            }
            if uid == UidMode::Uid {
                items.push(FetchValue::Uid(u));
            }
            if condstore {
                items.push(FetchValue::ModSeq(ms));
            }
            out.push(Response::Data(Data::Fetch { seq, items }));
            if !silent {
                sel.remember(u, f, Some(ms));
            }
        } else {
            // The client knows what it asked for; keep our record in step.
            sel.remember(u, f, Some(ms));
        }
    }
    if !modified.is_empty() {
        let nums: Vec<u32> = match uid {
            UidMode::Uid => modified.clone(),
            UidMode::Seq => modified.iter().filter_map(|u| sel.seq_of(*u)).collect(),
        };
        return Ok(Done::with(
            Code::Modified(NumSet::from_numbers(&nums)),
            "Conditional STORE failed for some messages",
        ));
    }
    Ok(Done::ok("STORE completed"))
}
