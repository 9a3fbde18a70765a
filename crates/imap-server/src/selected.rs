//! The selected mailbox as the client knows it: the sequence-number to UID
//! map and the flags last reported, and the untagged updates that bring the
//! client up to date (RFC 9051 §7.5.1, RFC 7162 §3.2.10).
//!
//! Invariants
//! - `uids` is sorted and changes only in [`Selected::sync`] with
//!   [`Expunges::Send`] (or when this session's own EXPUNGE/MOVE reports
//!   through it): a message expunged elsewhere keeps its number until then.
//! - `bits[i]` and `keywords` hold the flags the client was last told for
//!   `uids[i]` (system flags as [`vesontio_store::bits_of`] bits, one byte
//!   a message; keywords only for the messages that have some): only this
//!   file changes `uids`, and always with `bits`.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use vesontio_imap_proto::{Code, Data, Flag, NumSet, Response, SequenceSet, UidMode};
use vesontio_store::{DELETED_BIT, MessageMeta, SEEN_BIT, Store, StoreError, bits_of};
use vesontio_types::{AccountId, ModSeq, Uid};

use crate::mailbox::Target;
use crate::recent::{RecentMap, RecentSet};

/// Whether this moment allows EXPUNGE responses (RFC 9051 §7.5.1: not
/// during FETCH, STORE or SEARCH, UID variants excepted).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Expunges {
    Send,
    Hold,
}

/// What the session enabled that changes how updates look.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Enabled {
    pub(crate) rev2: bool,
    pub(crate) condstore: bool,
    pub(crate) qresync: bool,
    pub(crate) utf8: bool,
}

#[derive(Debug)]
pub(crate) struct Selected {
    pub(crate) target: Target,
    pub(crate) read_only: bool,
    /// Client view: `uids[seq - 1]`.
    pub(crate) uids: Vec<Uid>,
    /// The system flags last reported for `uids[i]`.
    bits: Vec<u8>,
    /// The keywords last reported, for the messages that have some.
    known_keywords: HashMap<Uid, Vec<String>>,
    /// A store change for this mailbox arrived since the last sync.
    pub(crate) dirty: bool,
    pub(crate) highest_modseq: ModSeq,
    /// Every change up to this mailbox MODSEQ has been looked at by
    /// [`Selected::sync`] (only sync moves it: our own STORE must not skip
    /// a concurrent change with a lower modseq).
    synced: ModSeq,
    /// Expunged elsewhere, not yet reported (held during FETCH/STORE/SEARCH).
    pending_gone: Vec<Uid>,
    /// RFC 5182 SEARCHRES `$`, as UIDs.
    pub(crate) saved: Vec<Uid>,
    /// Reader whose private `\Seen` applies (functional mailboxes, R2).
    pub(crate) seen_reader: Option<AccountId>,
    /// RFC 3501 §2.3.2: the UIDs recent in this session.
    recent: RecentSet,
    /// The highest UID whose `\Recent` was decided for this session.
    recent_seen: Uid,
    recent_map: Arc<RecentMap>,
    /// Keywords the client was given in the last `* FLAGS`.
    keywords: Vec<String>,
    /// RFC 5267 updating searches (they end with the selection).
    pub(crate) contexts: crate::context::Contexts,
}

/// The system flags, always in `* FLAGS` and `[PERMANENTFLAGS]`.
const SYSTEM_FLAGS: [Flag; 5] = [
    Flag::Answered,
    Flag::Flagged,
    Flag::Deleted,
    Flag::Seen,
    Flag::Draft,
];

/// Flags as stored, as [`Flag`] values.
pub(crate) fn to_flags(v: &[String]) -> Vec<Flag> {
    v.iter().map(|f| Flag::from_atom(f)).collect()
}

/// The flags one reader sees on a message: for a functional mailbox, the
/// stored `\Seen` is replaced by the reader's own.
pub(crate) fn view_flags(m: &MessageMeta, seen: Option<&HashSet<Uid>>) -> Vec<String> {
    match seen {
        None => m.flags.clone(),
        Some(set) => {
            let mut f: Vec<String> = m
                .flags
                .iter()
                .filter(|x| !x.eq_ignore_ascii_case("\\Seen"))
                .cloned()
                .collect();
            if set.contains(&m.uid) {
                f.push("\\Seen".into());
            }
            f
        }
    }
}

impl Selected {
    /// Opens `target`, reading its UIDs and flags (the compact index of
    /// the store, not its rows: SELECT must not cost a full read).
    pub(crate) async fn open(
        store: &Store,
        target: Target,
        read_only: bool,
        reader: AccountId,
        recent_map: Arc<RecentMap>,
    ) -> Result<Selected, StoreError> {
        let index = store.mailbox_index(target.mailbox.id).await?;
        let seen_reader = target.shared.then_some(reader);
        let mut bits = index.bits;
        // R2: a member's own `\Seen` replaces the stored one.
        if let Some(seen) = vesontio_access::seen::seen_set(store, &target, reader).await? {
            for (b, u) in bits.iter_mut().zip(&index.uids) {
                *b &= !SEEN_BIT;
                if seen.contains(u) {
                    *b |= SEEN_BIT;
                }
            }
        }
        let last = index.uids.last().copied().unwrap_or(0);
        let mut sel = Selected {
            recent: RecentSet::default(),
            recent_seen: 0,
            recent_map,
            keywords: Vec::new(),
            uids: index.uids,
            bits,
            known_keywords: HashMap::new(),
            synced: target.mailbox.highestmodseq,
            highest_modseq: target.mailbox.highestmodseq,
            pending_gone: Vec::new(),
            target,
            read_only,
            dirty: false,
            saved: Vec::new(),
            seen_reader,
            contexts: Default::default(),
        };
        sel.claim_recent(last);
        for (uid, kws) in index.keywords {
            for k in &kws {
                sel.add_keyword(k);
            }
            sel.known_keywords.insert(uid, kws);
        }
        Ok(sel)
    }

    /// RFC 3501 §7.1 `[UNSEEN n]`: the number of the first message the
    /// client was shown without `\Seen`.
    pub(crate) fn first_unseen(&self) -> Option<u32> {
        self.bits
            .iter()
            .position(|b| b & SEEN_BIT == 0)
            .map(|i| i as u32 + 1)
    }

    /// A selection with the given view, for unit tests.
    #[cfg(test)]
    pub(crate) fn for_test(target: Target, uids: Vec<Uid>) -> Selected {
        Selected {
            bits: vec![0; uids.len()],
            known_keywords: HashMap::new(),
            uids,
            target,
            read_only: false,
            dirty: false,
            highest_modseq: 0,
            synced: 0,
            pending_gone: Vec::new(),
            saved: Vec::new(),
            seen_reader: None,
            recent: RecentSet::default(),
            recent_seen: 0,
            recent_map: Arc::default(),
            keywords: Vec::new(),
            contexts: Default::default(),
        }
    }

    /// Takes the `\Recent` messages up to `last` (new since the previous
    /// claim): claimed for a read-write selection, only looked at for a
    /// read-only one (RFC 3501 §6.3.2: EXAMINE leaves `\Recent` alone).
    fn claim_recent(&mut self, last: Uid) {
        let id = self.target.mailbox.id;
        let from = if self.read_only {
            self.recent_map.peek(id)
        } else {
            self.recent_map.claim(id, last.saturating_add(1))
        };
        self.recent
            .add(from.max(self.recent_seen.saturating_add(1)), last);
        self.recent_seen = self.recent_seen.max(last);
    }

    /// Notes a flag as known to the client; `true` when it is a keyword
    /// the client had not been told of.
    fn add_keyword(&mut self, f: &str) -> bool {
        if f.starts_with('\\') || self.keywords.iter().any(|k| k.eq_ignore_ascii_case(f)) {
            return false;
        }
        self.keywords.push(f.to_string());
        true
    }

    /// `* FLAGS` and `* OK [PERMANENTFLAGS]` (RFC 9051 §7.3.5, §7.1).
    pub(crate) fn flag_lists(&self) -> [Response; 2] {
        let mut flags: Vec<Flag> = SYSTEM_FLAGS.to_vec();
        flags.extend(self.keywords.iter().map(|k| Flag::Keyword(k.clone())));
        let permanent = if self.read_only {
            Vec::new()
        } else {
            let mut p = flags.clone();
            p.push(Flag::Wildcard);
            p
        };
        [
            Response::Data(Data::Flags(flags)),
            Response::untagged_ok(Some(Code::PermanentFlags(permanent)), "Flags permitted"),
        ]
    }

    /// RFC 3501 §7.2.6: the client learns of a new keyword by a `* FLAGS`
    /// response before a FETCH shows it; inserts one where needed.
    pub(crate) fn announce_keywords(&mut self, out: &mut Vec<Response>) {
        let mut at = None;
        for (i, r) in out.iter().enumerate() {
            let Response::Data(Data::Fetch { items, .. }) = r else {
                continue;
            };
            for it in items {
                if let vesontio_imap_proto::FetchValue::Flags(fl) = it {
                    for f in fl {
                        if let Flag::Keyword(k) = f
                            && self.add_keyword(k)
                            && at.is_none()
                        {
                            at = Some(i);
                        }
                    }
                }
            }
        }
        if let Some(i) = at {
            let lists = self.flag_lists();
            out.splice(i..i, lists);
        }
    }

    pub(crate) fn is_recent(&self, uid: Uid) -> bool {
        self.recent.contains(uid)
    }

    /// Number of messages in the client's view that are recent.
    pub(crate) fn recent_count(&self) -> u32 {
        self.uids
            .iter()
            .filter(|u| self.recent.contains(**u))
            .count() as u32
    }

    /// Flags as sent to the client: `\Recent` added for IMAP4rev1 sessions.
    pub(crate) fn flags_out(&self, uid: Uid, flags: &[String], en: Enabled) -> Vec<Flag> {
        let mut f = to_flags(flags);
        if !en.rev2 && self.is_recent(uid) {
            f.push(Flag::Recent);
        }
        f
    }

    /// What tells whether search results may have changed: the highest
    /// modseq, the number of messages and the last UID.
    pub(crate) fn context_state(&self) -> (ModSeq, usize, Uid) {
        (
            self.highest_modseq,
            self.uids.len(),
            self.uids.last().copied().unwrap_or(0),
        )
    }

    pub(crate) fn exists(&self) -> u32 {
        self.uids.len() as u32
    }

    pub(crate) fn seq_of(&self, uid: Uid) -> Option<u32> {
        self.uids.binary_search(&uid).ok().map(|i| i as u32 + 1)
    }

    /// The messages a set designates, as (seq, uid), in ascending order.
    /// RFC 9051 §6.4.8: in UID sets, `*` is the largest UID in use; UIDs not
    /// in the mailbox are ignored. For sequence sets, numbers beyond EXISTS
    /// are an error the caller reports.
    pub(crate) fn resolve(
        &self,
        set: &SequenceSet,
        mode: UidMode,
    ) -> Result<Vec<(u32, Uid)>, String> {
        if let SequenceSet::Saved = set {
            return Ok(self
                .saved
                .iter()
                .filter_map(|&u| self.seq_of(u).map(|s| (s, u)))
                .collect());
        }
        match mode {
            UidMode::Uid => {
                let largest = self.uids.last().copied().unwrap_or(0);
                let ranges = set.resolved(largest);
                Ok(self
                    .uids
                    .iter()
                    .enumerate()
                    .filter(|(_, u)| ranges.iter().any(|&(a, b)| **u >= a && **u <= b))
                    .map(|(i, &u)| (i as u32 + 1, u))
                    .collect())
            }
            UidMode::Seq => {
                let n = self.exists();
                if n == 0 && set_has_star(set) {
                    // Lenient: "1:*" on an empty mailbox designates nothing.
                    return Ok(Vec::new());
                }
                let ranges = set.resolved(n);
                if ranges.iter().any(|&(a, b)| a == 0 || b > n) {
                    return Err(if n == 0 {
                        "Mailbox is empty".into()
                    } else {
                        format!("Message sequence number out of range (1..{n})")
                    });
                }
                let mut seen = HashSet::new();
                let mut out: Vec<(u32, Uid)> = Vec::new();
                for (a, b) in ranges {
                    for s in a..=b {
                        if seen.insert(s) {
                            out.push((s, self.uids[(s - 1) as usize]));
                        }
                    }
                }
                out.sort_unstable();
                Ok(out)
            }
        }
    }

    /// Records flags the client was just told (by FETCH or STORE).
    pub(crate) fn remember(&mut self, uid: Uid, flags: Vec<String>, modseq: Option<ModSeq>) {
        if let Some(i) = self.pos(uid) {
            self.set_known(i, &flags);
        }
        if let Some(m) = modseq {
            self.highest_modseq = self.highest_modseq.max(m);
        }
    }

    fn pos(&self, uid: Uid) -> Option<usize> {
        self.uids.binary_search(&uid).ok()
    }

    /// Whether the client was last told exactly `flags` for `uids[i]`.
    fn known_is(&self, i: usize, flags: &[String]) -> bool {
        let told = self
            .known_keywords
            .get(&self.uids[i])
            .map_or(&[][..], Vec::as_slice);
        self.bits[i] == bits_of(flags) && same_flags(told, &keywords(flags))
    }

    /// Notes `flags` as told for `uids[i]`.
    fn set_known(&mut self, i: usize, flags: &[String]) {
        self.bits[i] = bits_of(flags);
        let kws = keywords(flags);
        if kws.is_empty() {
            self.known_keywords.remove(&self.uids[i]);
        } else {
            self.known_keywords.insert(self.uids[i], kws);
        }
    }

    /// Adds a message after the last one of the view (UIDs only grow).
    fn push_known(&mut self, uid: Uid, flags: &[String]) {
        self.uids.push(uid);
        self.bits.push(0);
        self.set_known(self.uids.len() - 1, flags);
    }

    /// The reader's `\Seen` set, for functional mailboxes.
    pub(crate) async fn seen_set(&self, store: &Store) -> Result<Option<HashSet<Uid>>, StoreError> {
        match self.seen_reader {
            Some(r) => vesontio_access::seen::seen_set(store, &self.target, r).await,
            None => Ok(None),
        }
    }

    /// Brings the client's view up to date: EXPUNGE (or VANISHED with
    /// QRESYNC) when allowed, EXISTS for new messages, FETCH FLAGS for
    /// flags changed by others. Reads only what changed since the last
    /// sync (RFC 7162 modseqs), except in functional mailboxes where the
    /// reader's own `\Seen` has no modseq.
    pub(crate) async fn sync(
        &mut self,
        store: &Store,
        expunges: Expunges,
        en: Enabled,
    ) -> Result<Vec<Response>, StoreError> {
        if self.seen_reader.is_some() {
            return self.sync_full(store, expunges, en).await;
        }
        let id = self.target.mailbox.id;
        self.dirty = false;
        // One statement: the watermark and every change below it.
        let Some(ch) = store.changes_since(id, self.synced).await? else {
            // The mailbox was deleted: everything is gone.
            return self.sync_full(store, expunges, en).await;
        };
        let mut out = Vec::new();
        let changed = ch.changed;
        if ch.highestmodseq > self.synced {
            self.synced = ch.highestmodseq;
            self.highest_modseq = self.highest_modseq.max(ch.highestmodseq);
            for u in ch.vanished {
                if self.pos(u).is_some() && !self.pending_gone.contains(&u) {
                    self.pending_gone.push(u);
                }
            }
        }
        // Expunges first, so the numbers below are the client's new ones.
        if expunges == Expunges::Send && !self.pending_gone.is_empty() {
            let gone = std::mem::take(&mut self.pending_gone);
            out = self.report_gone(&gone, en);
        }
        // Flag changes on messages the client knows.
        let last = self.uids.last().copied().unwrap_or(0);
        for m in changed.iter().filter(|m| m.uid <= last) {
            let Some(i) = self.pos(m.uid) else {
                continue;
            };
            if !self.known_is(i, &m.flags) {
                out.push(flags_fetch(
                    i as u32 + 1,
                    m.uid,
                    Some(m.modseq),
                    self.flags_out(m.uid, &m.flags, en),
                    en,
                ));
                self.set_known(i, &m.flags);
            }
        }
        // New messages: UIDs only grow, so they come after the last known one.
        let before = self.uids.len();
        for m in changed.iter().filter(|m| m.uid > last) {
            self.push_known(m.uid, &m.flags);
        }
        if self.uids.len() != before {
            self.claim_recent(self.uids.last().copied().unwrap_or(0));
            out.push(Response::Data(Data::Exists(self.exists())));
            if !en.rev2 {
                out.push(Response::Data(Data::Recent(self.recent_count())));
            }
        }
        Ok(out)
    }

    /// Whether the client was shown `\Deleted` on any of `uids` (all
    /// messages with `None`).
    pub(crate) fn shows_deleted(&self, uids: Option<&[Uid]>) -> bool {
        let deleted = |i: usize| self.bits[i] & DELETED_BIT != 0;
        match uids {
            None => (0..self.bits.len()).any(deleted),
            Some(list) => list.iter().any(|u| self.pos(*u).is_some_and(deleted)),
        }
    }

    /// Whether the view already includes every change up to `modseq`
    /// (0: unknown, so no). Functional mailboxes are always re-read (the
    /// reader's own `\Seen` has no modseq).
    pub(crate) fn has_seen(&self, modseq: ModSeq) -> bool {
        modseq != 0 && modseq <= self.synced && self.seen_reader.is_none()
    }

    /// Takes this session's own change at `modseq` into the view without
    /// reading the store, when nothing else changed since the last sync
    /// (the mailbox was at `modseq - 1`); the caller then updates the view
    /// itself. `false`: other changes came in between; a sync reads them.
    fn absorb(&mut self, modseq: ModSeq) -> bool {
        if self.seen_reader.is_some() || modseq == 0 || self.synced.checked_add(1) != Some(modseq) {
            return false;
        }
        self.synced = modseq;
        self.highest_modseq = self.highest_modseq.max(modseq);
        true
    }

    /// This session's STORE (or FETCH setting `\Seen`) committed at
    /// `modseq`; the flags it reports go through [`Selected::remember`].
    pub(crate) fn stored_here(&mut self, modseq: ModSeq) {
        self.absorb(modseq);
    }

    /// This session's EXPUNGE removed `uids` at `modseq`: the EXPUNGE (or
    /// VANISHED) responses, with any held before, when the view can be
    /// brought up to date without a read.
    pub(crate) fn expunged_here(
        &mut self,
        uids: &[Uid],
        modseq: ModSeq,
        en: Enabled,
    ) -> Option<Vec<Response>> {
        if !self.absorb(modseq) {
            return None;
        }
        let mut gone = std::mem::take(&mut self.pending_gone);
        gone.extend(uids.iter().copied().filter(|u| self.pos(*u).is_some()));
        Some(self.report_gone(&gone, en))
    }

    /// This session APPENDed `uid` with `flags` at `modseq` to the
    /// selected mailbox: EXISTS (and RECENT) when the view can be brought
    /// up to date without a read.
    pub(crate) fn appended_here(
        &mut self,
        uid: Uid,
        flags: Vec<String>,
        modseq: ModSeq,
        en: Enabled,
    ) -> Option<Vec<Response>> {
        if self.uids.last().is_some_and(|&l| l >= uid) || !self.absorb(modseq) {
            return None;
        }
        self.push_known(uid, &flags);
        self.claim_recent(uid);
        let mut out = vec![Response::Data(Data::Exists(self.exists()))];
        if !en.rev2 {
            out.push(Response::Data(Data::Recent(self.recent_count())));
        }
        Some(out)
    }

    /// Removes `gone` from the view and says so.
    fn report_gone(&mut self, gone: &[Uid], en: Enabled) -> Vec<Response> {
        let mut out = Vec::new();
        let mut idx: Vec<(usize, Uid)> = gone
            .iter()
            .filter_map(|u| self.uids.binary_search(u).ok().map(|i| (i, *u)))
            .collect();
        idx.sort_unstable();
        if idx.is_empty() {
            return out;
        }
        if en.qresync {
            // RFC 7162 §3.2.10: VANISHED replaces EXPUNGE once QRESYNC is on.
            let mut uids: Vec<Uid> = idx.iter().map(|g| g.1).collect();
            uids.sort_unstable();
            out.push(Response::Data(Data::Vanished {
                earlier: false,
                uids: NumSet::from_numbers(&uids),
            }));
        } else {
            // Highest first, so no number shifts under the next one.
            for (i, _) in idx.iter().rev() {
                out.push(Response::Data(Data::Expunge(*i as u32 + 1)));
            }
        }
        for (_, u) in &idx {
            self.known_keywords.remove(u);
        }
        // `idx` is ascending by position: keep everything else, in order.
        let mut drop = idx.iter().map(|g| g.0).peekable();
        let mut k = 0;
        for i in 0..self.uids.len() {
            if drop.peek() == Some(&i) {
                drop.next();
                continue;
            }
            self.uids[k] = self.uids[i];
            self.bits[k] = self.bits[i];
            k += 1;
        }
        self.uids.truncate(k);
        self.bits.truncate(k);
        out
    }

    /// [`Selected::sync`] by comparing the whole view with the store's
    /// compact index (functional mailboxes, whose members' `\Seen` has no
    /// modseq, and a mailbox deleted meanwhile). Rows are read only for
    /// the messages whose flags changed, for their MODSEQ under CONDSTORE.
    async fn sync_full(
        &mut self,
        store: &Store,
        expunges: Expunges,
        en: Enabled,
    ) -> Result<Vec<Response>, StoreError> {
        let mb = self.target.mailbox.id;
        let mut index = store.mailbox_index(mb).await?;
        if let Some(seen) = self.seen_set(store).await? {
            for (b, u) in index.bits.iter_mut().zip(&index.uids) {
                *b = (*b & !SEEN_BIT) | if seen.contains(u) { SEEN_BIT } else { 0 };
            }
        }
        self.dirty = false;
        let mut out = Vec::new();
        if expunges == Expunges::Send {
            let gone: Vec<Uid> = self
                .uids
                .iter()
                .filter(|u| index.uids.binary_search(u).is_err())
                .copied()
                .collect();
            self.pending_gone.clear();
            out = self.report_gone(&gone, en);
        }
        // Flag changes on messages the client knows.
        let mut changed: Vec<(usize, Vec<String>)> = Vec::new();
        for i in 0..self.uids.len() {
            let Ok(j) = index.uids.binary_search(&self.uids[i]) else {
                continue;
            };
            let flags = index.flags(j);
            if !self.known_is(i, &flags) {
                changed.push((i, flags));
            }
        }
        let mut modseqs: HashMap<Uid, ModSeq> = HashMap::new();
        if en.condstore && !changed.is_empty() {
            let uids: Vec<Uid> = changed.iter().map(|c| self.uids[c.0]).collect();
            for m in store.messages_by_uids(mb, &uids).await? {
                modseqs.insert(m.uid, m.modseq);
            }
        }
        for (i, flags) in changed {
            let uid = self.uids[i];
            out.push(flags_fetch(
                i as u32 + 1,
                uid,
                modseqs.get(&uid).copied(),
                self.flags_out(uid, &flags, en),
                en,
            ));
            self.set_known(i, &flags);
        }
        // New messages: UIDs only grow, so they come after the last known one.
        let last = self.uids.last().copied().unwrap_or(0);
        let before = self.uids.len();
        for j in 0..index.uids.len() {
            if index.uids[j] > last {
                self.push_known(index.uids[j], &index.flags(j));
            }
        }
        if self.uids.len() != before {
            self.claim_recent(self.uids.last().copied().unwrap_or(0));
            out.push(Response::Data(Data::Exists(self.exists())));
            if !en.rev2 {
                out.push(Response::Data(Data::Recent(self.recent_count())));
            }
        }
        if let Some(m) = store.mailbox(mb).await? {
            self.highest_modseq = self.highest_modseq.max(m.highestmodseq);
        }
        Ok(out)
    }
}

/// An unsolicited `* n FETCH (FLAGS (...) UID u [MODSEQ (m)])`; MODSEQ
/// under CONDSTORE when known (`None`: the message went meanwhile).
fn flags_fetch(
    seq: u32,
    uid: Uid,
    modseq: Option<ModSeq>,
    flags: Vec<Flag>,
    en: Enabled,
) -> Response {
    let mut items = vec![
        vesontio_imap_proto::FetchValue::Flags(flags),
        vesontio_imap_proto::FetchValue::Uid(uid),
    ];
    if let (true, Some(m)) = (en.condstore, modseq) {
        items.push(vesontio_imap_proto::FetchValue::ModSeq(m));
    }
    Response::Data(Data::Fetch { seq, items })
}

fn set_has_star(set: &SequenceSet) -> bool {
    match set {
        SequenceSet::Saved => false,
        SequenceSet::Ranges(r) => r.iter().any(|r| {
            r.start == vesontio_imap_proto::SeqNum::Star
                || r.end == vesontio_imap_proto::SeqNum::Star
        }),
    }
}

/// The keywords among `flags` (what has no bit).
fn keywords(flags: &[String]) -> Vec<String> {
    flags
        .iter()
        .filter(|f| !vesontio_store::is_system_flag(f))
        .cloned()
        .collect()
}

/// Same flags regardless of order and case.
pub(crate) fn same_flags(a: &[String], b: &[String]) -> bool {
    a.len() == b.len()
        && a.iter()
            .all(|x| b.iter().any(|y| y.eq_ignore_ascii_case(x)))
}
