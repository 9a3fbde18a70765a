//! RFC 5267 §4.3 contexts: searches (SEARCH or SORT with RETURN (UPDATE))
//! whose result the session keeps and whose changes it reports with
//! ESEARCH ADDTO and REMOVEFROM. The pure parts: what a context holds,
//! its criteria frozen at creation, and the update items between two
//! results. `ops/context.rs` re-evaluates them after each batch of
//! mailbox updates.
//!
//! Invariants
//! - A context's `result` is what the client was last told, in result
//!   order (mailbox order for SEARCH, the requested order for SORT).
//! - `Contexts::base` is the client's view when results were last
//!   reported: every batch of EXPUNGE responses is followed by a refresh,
//!   so sequence numbers of removed messages are read there, and the
//!   REMOVEFROM goes before the EXPUNGE (RFC 5267 §4.3.4).

use std::collections::HashSet;

use vesontio_imap_proto::{
    ESearchItem, NumSet, SearchKey, SeqNum, SeqRange, SequenceSet, SortCriterion, UidMode,
};
use vesontio_types::{ModSeq, Uid};

/// Contexts one session may hold; past it a search gets `[NOUPDATE]`
/// (RFC 5267 §4.3.1 asks for at least one).
pub(crate) const MAX_CONTEXTS: usize = 5;

/// One updating search.
#[derive(Debug, Clone)]
pub(crate) struct Context {
    /// Tag of the searching command: the ESEARCH correlator.
    pub(crate) tag: String,
    /// UIDs or sequence numbers in the updates.
    pub(crate) uid: UidMode,
    /// The criteria, with sequence numbers and `$` already resolved.
    pub(crate) criteria: SearchKey,
    /// SORT criteria, or `None` for a SEARCH (mailbox order).
    pub(crate) sort: Option<Vec<SortCriterion>>,
    /// The result the client knows, as UIDs in result order.
    pub(crate) result: Vec<Uid>,
}

/// The contexts of the selected mailbox (they end with the selection).
#[derive(Debug, Clone, Default)]
pub(crate) struct Contexts {
    pub(crate) list: Vec<Context>,
    /// The client's view (UID of each sequence number) at the last report.
    pub(crate) base: Vec<Uid>,
    /// (highest modseq, messages, last UID) at the last evaluation: a
    /// mailbox whose three are unchanged has no new results.
    pub(crate) seen: (ModSeq, usize, Uid),
}

fn uid_set(uids: impl Iterator<Item = Uid>) -> SequenceSet {
    SequenceSet::Ranges(
        uids.map(|u| SeqRange {
            start: SeqNum::Value(u),
            end: SeqNum::Value(u),
        })
        .collect(),
    )
}

fn has_star(set: &SequenceSet) -> bool {
    match set {
        SequenceSet::Saved => true,
        SequenceSet::Ranges(r) => r
            .iter()
            .any(|r| r.start == SeqNum::Star || r.end == SeqNum::Star),
    }
}

/// RFC 5267 §4.3: "message sequence numbers used in the search program are
/// evaluated at the time the command is received": sequence sets (and
/// `$`, and UID sets with `*`) become the UIDs they designate now. `view`
/// is the UID of each sequence number.
pub(crate) fn freeze(k: &SearchKey, view: &[Uid], saved: &[Uid]) -> SearchKey {
    let members = |set: &SequenceSet, by_uid: bool| {
        let largest = if by_uid {
            view.last().copied().unwrap_or(0)
        } else {
            view.len() as u32
        };
        uid_set(view.iter().enumerate().filter_map(|(i, &u)| {
            let hit = match set {
                SequenceSet::Saved => saved.contains(&u),
                _ if by_uid => set.contains(u, largest),
                _ => set.contains(i as u32 + 1, largest),
            };
            hit.then_some(u)
        }))
    };
    match k {
        SearchKey::And(v) => SearchKey::And(v.iter().map(|x| freeze(x, view, saved)).collect()),
        SearchKey::Not(a) => SearchKey::Not(Box::new(freeze(a, view, saved))),
        SearchKey::Or(a, b) => SearchKey::Or(
            Box::new(freeze(a, view, saved)),
            Box::new(freeze(b, view, saved)),
        ),
        SearchKey::SequenceSet(set) => SearchKey::Uid(members(set, false)),
        SearchKey::Uid(set) if has_star(set) => SearchKey::Uid(members(set, true)),
        other => other.clone(),
    }
}

/// The changes from `old` to `new` (both UIDs in result order) as
/// (REMOVEFROM, ADDTO) items. `sorted`: positions are given (SORT);
/// otherwise position 0, sets in mailbox order (SEARCH, RFC 5267 §4.3.3).
/// `before`/`after` turn a UID into the number the client uses: in the
/// view before the EXPUNGE responses (removals) and after (additions);
/// messages without a number are left out.
pub(crate) fn diff(
    old: &[Uid],
    new: &[Uid],
    sorted: bool,
    before: &dyn Fn(Uid) -> Option<u32>,
    after: &dyn Fn(Uid) -> Option<u32>,
) -> (Option<ESearchItem>, Option<ESearchItem>) {
    let old_set: HashSet<Uid> = old.iter().copied().collect();
    let new_set: HashSet<Uid> = new.iter().copied().collect();
    let gone: Vec<Uid> = old
        .iter()
        .copied()
        .filter(|u| !new_set.contains(u))
        .collect();
    let came: Vec<Uid> = new
        .iter()
        .copied()
        .filter(|u| !old_set.contains(u))
        .collect();
    if !sorted {
        let items = |uids: &[Uid], num: &dyn Fn(Uid) -> Option<u32>| {
            let mut n: Vec<u32> = uids.iter().filter_map(|&u| num(u)).collect();
            n.sort_unstable();
            (!n.is_empty()).then(|| vec![(0, NumSet::from_numbers(&n))])
        };
        return (
            items(&gone, before).map(ESearchItem::RemoveFrom),
            items(&came, after).map(ESearchItem::AddTo),
        );
    }
    // SORT keys never change, so what stays keeps its relative order; if
    // it did not, everything is removed and added again, which is right
    // whatever happened.
    let kept_old: Vec<Uid> = old
        .iter()
        .copied()
        .filter(|u| new_set.contains(u))
        .collect();
    let kept_new: Vec<Uid> = new
        .iter()
        .copied()
        .filter(|u| old_set.contains(u))
        .collect();
    let (gone_set, came_set): (HashSet<Uid>, HashSet<Uid>) = if kept_old == kept_new {
        (gone.into_iter().collect(), came.into_iter().collect())
    } else {
        (old_set, new_set)
    };
    // Removal runs: the position of a run counts what earlier runs removed.
    let remove = runs(old, &gone_set, true, before);
    // Insertions in increasing position rebuild `new` exactly.
    let add = runs(new, &came_set, false, after);
    (
        (!remove.is_empty()).then_some(ESearchItem::RemoveFrom(remove)),
        (!add.is_empty()).then_some(ESearchItem::AddTo(add)),
    )
}

/// Consecutive members of `marked` in `list` as (position, numbers).
fn runs(
    list: &[Uid],
    marked: &HashSet<Uid>,
    removing: bool,
    num: &dyn Fn(Uid) -> Option<u32>,
) -> Vec<(u32, NumSet)> {
    let mut out: Vec<(u32, Vec<u32>)> = Vec::new();
    let mut done = 0usize;
    let mut open = false;
    for (i, &u) in list.iter().enumerate() {
        if !marked.contains(&u) {
            open = false;
            continue;
        }
        let Some(n) = num(u) else { continue };
        match out.last_mut() {
            Some((_, nums)) if open => nums.push(n),
            _ => {
                let pos = if removing { i - done } else { i };
                out.push((pos as u32 + 1, vec![n]));
                open = true;
            }
        }
        done += 1;
    }
    out.into_iter()
        .map(|(p, n)| (p, NumSet::from_numbers(&n)))
        .collect()
}

#[cfg(test)]
mod tests;
