//! SEARCH and UID SEARCH (RFC 9051 §6.4.4) with ESEARCH results (RFC 4731,
//! IMAP4rev2), SEARCHRES (RFC 5182) and PARTIAL (RFC 5267 §4.4).
//! Criteria are evaluated in [`crate::search`]; [`evaluate`] and
//! [`esearch`] are shared with SORT and THREAD, which search first.

use std::collections::{HashMap, HashSet};

use vesontio_imap_proto::{
    Code, Data, ESearchItem, NumSet, Response, SearchKey, SearchReturn, SortCriterion, UidMode,
};
use vesontio_store::MessageMeta;
use vesontio_types::{ModSeq, Uid};

use crate::error::{CmdError, CmdResult, Done};
use crate::ops::selected;
use crate::search::{
    Content, Msg, Scope, matches, needs_content, needs_flags, needs_meta, uses_modseq,
};
use crate::selected::view_flags;
use crate::session::Session;
use crate::textindex::{TextIndex, decide, needs_body_for, requires_text};

/// One message matching the criteria.
pub(crate) struct Hit {
    /// Its sequence number in the client's view.
    pub(crate) seq: u32,
    /// Its row (UID, size, dates, blob, modseq).
    pub(crate) meta: MessageMeta,
}

impl Hit {
    /// The number a reply carries: UID or sequence number.
    pub(crate) fn number(&self, uid: UidMode) -> u32 {
        self.found().number(uid)
    }

    pub(crate) fn found(&self) -> Found {
        Found {
            seq: self.seq,
            uid: self.meta.uid,
            modseq: self.meta.modseq,
        }
    }
}

/// A match as the reply needs it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Found {
    pub(crate) seq: u32,
    pub(crate) uid: Uid,
    /// 0 when the search did not read it (no MODSEQ key).
    pub(crate) modseq: ModSeq,
}

impl Found {
    pub(crate) fn number(&self, uid: UidMode) -> u32 {
        match uid {
            UidMode::Uid => self.uid,
            UidMode::Seq => self.seq,
        }
    }
}

/// [`evaluate`] for criteria that look only at numbers, flags, `\Recent`
/// and text (`ALL`, `UNSEEN`, UID sets, `FROM`, `TEXT`…): answered from
/// the store's UID list or compact flag index and its search index,
/// reading rows and stored texts only for the few messages the index
/// cannot decide (`UID SEARCH ALL` read every row before, a `TEXT` search
/// every candidate's text). `None` when the criteria need more.
pub(crate) async fn evaluate_light(
    s: &Session,
    criteria: &SearchKey,
) -> Result<Option<Vec<Found>>, CmdError> {
    if needs_meta(criteria) {
        return Ok(None);
    }
    let rev2 = s.enabled.rev2;
    let store = &s.shared.store;
    let sel = s
        .selected
        .as_ref()
        .ok_or_else(|| CmdError::bad("No mailbox selected"))?;
    let mb = sel.target.mailbox.id;
    let ix = match needs_content(criteria) {
        true => Some(TextIndex::load(store, mb, criteria).await?),
        false => None,
    };
    let scope = Scope {
        largest_seq: sel.exists(),
        largest_uid: sel.uids.last().copied().unwrap_or(0),
        saved: &sel.saved,
        now: vesontio_store::now(),
        index: ix.as_ref(),
    };
    // When no message can match without a text key matching (`FROM x`,
    // `TEXT x UNDELETED`…) and no flag is asked, only the index's
    // candidates are looked at: no UID list of the whole mailbox.
    let pruned = match &ix {
        Some(ix) if !needs_flags(criteria) && requires_text(criteria, ix) => {
            let mut c: Vec<Uid> = ix.all_candidates().into_iter().collect();
            c.sort_unstable();
            Some(c)
        }
        _ => None,
    };
    let is_pruned = pruned.is_some();
    let index = match (pruned, needs_flags(criteria)) {
        (Some(uids), _) => vesontio_store::MailboxIndex {
            uids,
            ..Default::default()
        },
        (None, true) => {
            let mut index = store.mailbox_index(mb).await?;
            if let Some(set) = sel.seen_set(store).await? {
                // R2: the member's own `\Seen`.
                for (b, u) in index.bits.iter_mut().zip(&index.uids) {
                    *b = (*b & !vesontio_store::SEEN_BIT)
                        | if set.contains(u) {
                            vesontio_store::SEEN_BIT
                        } else {
                            0
                        };
                }
            }
            index
        }
        (None, false) => vesontio_store::MailboxIndex {
            uids: store.uids(mb).await?,
            ..Default::default()
        },
    };
    // The messages both in the view and in the store, as (place in the
    // view, place in the index). A UID of the view missing from the store
    // was expunged elsewhere: it keeps its number, matches nothing.
    let present: Vec<(usize, usize)> = match is_pruned {
        true => index
            .uids
            .iter()
            .enumerate()
            .filter_map(|(j, u)| sel.uids.binary_search(u).ok().map(|i| (i, j)))
            .collect(),
        false => {
            // Both lists ascend: one walk.
            let mut out = Vec::with_capacity(sel.uids.len());
            let mut j = 0;
            for (i, u) in sel.uids.iter().enumerate() {
                while j < index.uids.len() && index.uids[j] < *u {
                    j += 1;
                }
                if index.uids.get(j) == Some(u) {
                    out.push((i, j));
                }
            }
            out
        }
    };
    let mut found = Vec::new();
    // Messages the index left undecided: (seq, uid, flags).
    let mut undecided = Vec::new();
    for (i, j) in present {
        let u = sel.uids[i];
        let flags = match index.bits.get(j) {
            Some(&b) => vesontio_store::flags_of(b, index.keywords_of(u)),
            None => Vec::new(),
        };
        let seq = i as u32 + 1;
        let msg = Msg {
            seq,
            uid: u,
            flags: &flags,
            size: 0,
            internal_date: 0,
            modseq: 0,
            recent: !rev2 && sel.is_recent(u),
            content: None,
            email_id: 0,
            thread_id: 0,
        };
        match decide(criteria, &msg, &scope) {
            Some(true) => found.push(Found {
                seq,
                uid: u,
                modseq: 0,
            }),
            Some(false) => {}
            None => undecided.push((seq, u, flags)),
        }
    }
    if !undecided.is_empty() {
        let uids: Vec<Uid> = undecided.iter().map(|d| d.1).collect();
        let rows = if uids.len() * 2 < sel.uids.len() {
            store.messages_by_uids(mb, &uids).await?
        } else {
            store.messages(mb).await?
        };
        let metas: HashMap<Uid, MessageMeta> = rows.into_iter().map(|m| (m.uid, m)).collect();
        let wanted: Vec<&MessageMeta> = uids.iter().filter_map(|u| metas.get(u)).collect();
        let contents = load_contents(store, &wanted, |u| {
            ix.as_ref().is_none_or(|ix| needs_body_for(criteria, u, ix))
        })
        .await?;
        for (seq, u, flags) in undecided {
            let Some(m) = metas.get(&u) else { continue };
            let recent = !rev2 && sel.is_recent(u);
            let msg = msg_of(seq as usize - 1, m, &flags, recent, contents.get(&u));
            if matches(criteria, &msg, &scope) {
                found.push(Found {
                    seq,
                    uid: u,
                    modseq: 0,
                });
            }
        }
        found.sort_unstable_by_key(|f| f.seq);
    }
    Ok(Some(found))
}

/// The stored search texts of `metas` (their header fields only, unless
/// `body(uid)`), by UID; a row without a stored text (not yet upgraded)
/// has its message decoded.
async fn load_contents(
    store: &vesontio_store::Store,
    metas: &[&MessageMeta],
    body: impl Fn(Uid) -> bool,
) -> Result<HashMap<Uid, Content>, CmdError> {
    let mut out = HashMap::with_capacity(metas.len());
    let (full, head): (Vec<&&MessageMeta>, Vec<&&MessageMeta>) =
        metas.iter().partition(|m| body(m.uid));
    for (group, with_body) in [(full, true), (head, false)] {
        let ids: Vec<i64> = group
            .iter()
            .map(|m| m.content_id)
            .filter(|&c| c > 0)
            .collect();
        if group.is_empty() {
            continue;
        }
        let mut texts = store.search_texts(&ids, with_body).await?;
        for m in group {
            let content = match texts.remove(&m.content_id) {
                Some(t) => Content::from_text(t),
                // No stored text (a row not yet upgraded): decode the body.
                None => Content::parse(&store.read_blob_sized(&m.blob_id, m.size).await?),
            };
            out.insert(m.uid, content);
        }
    }
    Ok(out)
}

/// RFC 9051 §6.4.4, RFC 5256 §3: US-ASCII and UTF-8 must be supported;
/// strings are searched as UTF-8 either way.
pub(crate) fn check_charset(charset: Option<&str>) -> Result<(), CmdError> {
    match charset {
        Some(cs) if !cs.eq_ignore_ascii_case("UTF-8") && !cs.eq_ignore_ascii_case("US-ASCII") => {
            Err(CmdError::no(
                Code::BadCharset(vec!["UTF-8".into(), "US-ASCII".into()]),
                "Unsupported charset",
            ))
        }
        _ => Ok(()),
    }
}

/// The messages of the selected mailbox matching `criteria`, in mailbox
/// order. Turns CONDSTORE on when the criteria use MODSEQ (RFC 7162 §3.1.5).
pub(crate) async fn evaluate(
    s: &mut Session,
    criteria: &SearchKey,
    out: &mut Vec<Response>,
) -> Result<Vec<Hit>, CmdError> {
    if uses_modseq(criteria) {
        super::enable_condstore(s, out);
    }
    let rev2 = s.enabled.rev2;
    let store = s.shared.store.clone();
    let sel = selected(s)?;
    let mb = sel.target.mailbox.id;
    let want_content = needs_content(criteria);
    let ix = match want_content {
        true => Some(TextIndex::load(&store, mb, criteria).await?),
        false => None,
    };
    let scope = Scope {
        largest_seq: sel.exists(),
        largest_uid: sel.uids.last().copied().unwrap_or(0),
        saved: &sel.saved,
        now: vesontio_store::now(),
        index: ix.as_ref(),
    };
    // The messages the index lets match: only their rows are read when
    // that is a small part of the mailbox (a FROM in a 20,000-message
    // INBOX reads hundreds of rows, not all of them); the whole mailbox in
    // one scan otherwise, which costs less than many `IN` lists.
    let candidates = ix.as_ref().and_then(|ix| required(criteria, ix));
    let rows = match &candidates {
        Some(c) if c.len() * 2 < sel.uids.len() => {
            let mut uids: Vec<Uid> = c.iter().copied().collect();
            uids.sort_unstable();
            store.messages_by_uids(mb, &uids).await?
        }
        _ => store.messages(mb).await?,
    };
    let mut metas: HashMap<Uid, MessageMeta> = rows.into_iter().map(|m| (m.uid, m)).collect();
    let seen = sel.seen_set(&store).await?;
    // First without content: the index decides most; then the stored
    // texts of the others, read in one go.
    let mut decided = Vec::new();
    let mut undecided = Vec::new();
    for (i, &u) in sel.uids.iter().enumerate() {
        // Messages expunged elsewhere keep their number but match nothing.
        let Some(m) = metas.get(&u) else { continue };
        if candidates.as_ref().is_some_and(|c| !c.contains(&u)) {
            continue;
        }
        let flags = view_flags(m, seen.as_ref());
        let msg = msg_of(i, m, &flags, !rev2 && sel.is_recent(u), None);
        match decide(criteria, &msg, &scope) {
            Some(true) => decided.push(i),
            Some(false) => {}
            None => undecided.push(i),
        }
    }
    let contents = match undecided.is_empty() {
        true => HashMap::new(),
        false => {
            let wanted: Vec<&MessageMeta> = undecided
                .iter()
                .filter_map(|&i| metas.get(&sel.uids[i]))
                .collect();
            load_contents(&store, &wanted, |u| {
                ix.as_ref().is_none_or(|ix| needs_body_for(criteria, u, ix))
            })
            .await?
        }
    };
    for &i in &undecided {
        let u = sel.uids[i];
        let Some(m) = metas.get(&u) else { continue };
        let flags = view_flags(m, seen.as_ref());
        let msg = msg_of(i, m, &flags, !rev2 && sel.is_recent(u), contents.get(&u));
        if matches(criteria, &msg, &scope) {
            decided.push(i);
        }
    }
    decided.sort_unstable();
    let mut hits = Vec::with_capacity(decided.len());
    for i in decided {
        if let Some(meta) = metas.remove(&sel.uids[i]) {
            hits.push(Hit {
                seq: i as u32 + 1,
                meta,
            });
        }
    }
    Ok(hits)
}

/// SEARCH's view of a row, `i` its place in the client's view.
fn msg_of<'a>(
    i: usize,
    m: &MessageMeta,
    flags: &'a [String],
    recent: bool,
    content: Option<&'a Content>,
) -> Msg<'a> {
    Msg {
        seq: i as u32 + 1,
        uid: m.uid,
        flags,
        size: m.size.max(0) as u64,
        internal_date: m.internal_date,
        modseq: m.modseq,
        recent,
        content,
        email_id: m.email_id,
        thread_id: m.thread_id,
    }
}

/// The UIDs every match must be among: the index's candidates for the
/// text keys of the top-level AND. `None` when no such key narrows.
fn required(k: &SearchKey, ix: &TextIndex) -> Option<HashSet<Uid>> {
    match k {
        SearchKey::And(v) => v
            .iter()
            .filter_map(|x| required(x, ix))
            .reduce(|a, b| a.intersection(&b).copied().collect()),
        _ => ix.candidates(k),
    }
}

/// The result of a searching command (SEARCH or SORT) as an ESEARCH
/// response (RFC 4731 §3.1, RFC 5267 §3.1 and §4.4), `result` being the
/// numbers and modseqs in result order (mailbox order for SEARCH, the
/// requested order for SORT). `None` when nothing is to be sent (RFC 5182
/// §2.1: RETURN (SAVE) alone). SAVE itself is the caller's.
pub(crate) fn esearch(
    tag: &str,
    uid: UidMode,
    opts: &[SearchReturn],
    result: &[(u32, ModSeq)],
    with_modseq: bool,
) -> Option<Response> {
    let all = [SearchReturn::All];
    // RFC 4731 §3.1: RETURN () means ALL.
    let opts = if opts.is_empty() { &all[..] } else { opts };
    if opts == [SearchReturn::Save] {
        return None;
    }
    let mut items = Vec::new();
    // MIN and MAX of ESORT (RFC 5267 §3.1) are the first and last in the
    // requested order; for SEARCH that order is ascending.
    let (first, last) = (result.first(), result.last());
    let mut reported = Vec::new();
    for o in opts {
        match o {
            SearchReturn::Min => {
                if let Some(&(n, m)) = first {
                    items.push(ESearchItem::Min(n));
                    reported.push(m);
                }
            }
            SearchReturn::Max => {
                if let Some(&(n, m)) = last {
                    items.push(ESearchItem::Max(n));
                    reported.push(m);
                }
            }
            SearchReturn::All => {
                if !result.is_empty() {
                    let nums: Vec<u32> = result.iter().map(|r| r.0).collect();
                    items.push(ESearchItem::All(NumSet::from_numbers(&nums)));
                }
            }
            SearchReturn::Count => items.push(ESearchItem::Count(result.len() as u32)),
            SearchReturn::Partial { first, last } => {
                // RFC 5267 §4.4: positions past the end give what exists, or NIL.
                let from = (*first as usize).saturating_sub(1).min(result.len());
                let to = (*last as usize).min(result.len());
                let nums: Vec<u32> = result[from..to.max(from)].iter().map(|r| r.0).collect();
                items.push(ESearchItem::Partial {
                    first: *first,
                    last: *last,
                    set: (!nums.is_empty()).then(|| NumSet::from_numbers(&nums)),
                });
            }
            SearchReturn::Save | SearchReturn::Update | SearchReturn::Context => {}
        }
    }
    if with_modseq {
        // RFC 7162 §3.1.5 (RFC 4731 with CONDSTORE): with only MIN and/or
        // MAX asked for, MODSEQ is the highest of the messages returned,
        // not of the whole result.
        let only_min_max = opts.iter().all(|o| {
            matches!(
                o,
                SearchReturn::Min | SearchReturn::Max | SearchReturn::Save
            )
        });
        let modseq = if only_min_max {
            reported.into_iter().max()
        } else {
            result.iter().map(|r| r.1).max()
        };
        if let Some(m) = modseq {
            items.push(ESearchItem::ModSeq(m));
        }
    }
    Some(Response::Data(Data::ESearch {
        tag: Some(tag.to_string()),
        uid: uid == UidMode::Uid,
        items,
    }))
}

/// Queues the result of a searching command, `order` indexing `hits` in
/// result order: `* SEARCH` or `* SORT` (for `sort` criteria) without
/// RETURN options, else ESEARCH, with SAVE (RFC 5182) and an UPDATE
/// context (RFC 5267 §4.3; the caller checked its tag before searching).
#[allow(clippy::too_many_arguments)]
pub(crate) fn answer(
    s: &mut Session,
    tag: &str,
    uid: UidMode,
    returns: Option<Vec<SearchReturn>>,
    criteria: &SearchKey,
    sort: Option<&[SortCriterion]>,
    hits: &[Found],
    order: &[usize],
    out: &mut Vec<Response>,
) -> Result<(), CmdError> {
    let result: Vec<(u32, ModSeq)> = order
        .iter()
        .map(|&i| (hits[i].number(uid), hits[i].modseq))
        .collect();
    // RFC 7162 §3.1.5: MODSEQ in the criteria adds the highest one.
    let with_modseq = uses_modseq(criteria);
    let update = super::context::wants_update(returns.as_deref());
    match returns {
        None => {
            let ids = result.iter().map(|r| r.0).collect();
            let mod_seq = with_modseq
                .then(|| result.iter().map(|r| r.1).max())
                .flatten();
            out.push(Response::Data(match sort {
                None => Data::Search { ids, mod_seq },
                Some(_) => Data::Sort { ids, mod_seq },
            }));
        }
        Some(opts) => {
            if opts.contains(&SearchReturn::Save) {
                // RFC 5182 §2.1: the saved result is a set, not an order.
                selected(s)?.saved = hits.iter().map(|h| h.uid).collect();
            }
            out.extend(esearch(tag, uid, &opts, &result, with_modseq));
        }
    }
    if update {
        let uids = order.iter().map(|&i| hits[i].uid).collect();
        super::context::register(s, tag, uid, criteria, sort, uids, out);
    }
    Ok(())
}

#[allow(clippy::too_many_arguments)]
pub(crate) async fn search(
    s: &mut Session,
    tag: &str,
    returns: Option<Vec<SearchReturn>>,
    charset: Option<String>,
    criteria: &SearchKey,
    uid: UidMode,
    out: &mut Vec<Response>,
) -> CmdResult {
    check_charset(charset.as_deref())?;
    let update = super::context::wants_update(returns.as_deref());
    if update {
        super::context::check_tag(s, tag)?;
    }
    let hits = match evaluate_light(s, criteria).await? {
        Some(found) => found,
        None => evaluate(s, criteria, out)
            .await?
            .iter()
            .map(Hit::found)
            .collect(),
    };
    let returns = match returns {
        Some(r) => Some(r),
        // RFC 9051 §6.4.4: IMAP4rev2 answers with ESEARCH.
        None if s.enabled.rev2 => Some(vec![]),
        None => None,
    };
    let order: Vec<usize> = (0..hits.len()).collect();
    answer(s, tag, uid, returns, criteria, None, &hits, &order, out)?;
    Ok(Done::ok(match uid {
        UidMode::Uid => "UID SEARCH completed",
        UidMode::Seq => "SEARCH completed",
    }))
}
