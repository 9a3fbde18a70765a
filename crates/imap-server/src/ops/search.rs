//! SEARCH and UID SEARCH (RFC 9051 §6.4.4) with ESEARCH results (RFC 4731,
//! IMAP4rev2), SEARCHRES (RFC 5182) and PARTIAL (RFC 5267 §4.4).
//! Criteria are evaluated in [`crate::search`]; [`evaluate`] and
//! [`esearch`] are shared with SORT and THREAD, which search first.

use std::collections::HashMap;

use vesontio_imap_proto::{
    Code, Data, ESearchItem, NumSet, Response, SearchKey, SearchReturn, SortCriterion, UidMode,
};
use vesontio_store::MessageMeta;
use vesontio_types::{ModSeq, Uid};

use crate::error::{CmdError, CmdResult, Done};
use crate::ops::selected;
use crate::search::{
    Content, Msg, Scope, matches, needs_body, needs_content, needs_flags, needs_row,
    required_terms, uses_modseq,
};
use crate::selected::view_flags;
use crate::session::Session;

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

/// [`evaluate`] for criteria that look only at numbers, flags and
/// `\Recent` (`ALL`, `UNSEEN`, UID sets…), answered from the store's UID
/// list or its compact flag index without reading a row (`UID SEARCH ALL`
/// read every row before). `None` when the criteria need more.
pub(crate) async fn evaluate_light(
    s: &Session,
    criteria: &SearchKey,
) -> Result<Option<Vec<Found>>, CmdError> {
    if needs_row(criteria) {
        return Ok(None);
    }
    let rev2 = s.enabled.rev2;
    let store = &s.shared.store;
    let sel = s
        .selected
        .as_ref()
        .ok_or_else(|| CmdError::bad("No mailbox selected"))?;
    let mb = sel.target.mailbox.id;
    let scope = Scope {
        largest_seq: sel.exists(),
        largest_uid: sel.uids.last().copied().unwrap_or(0),
        saved: &sel.saved,
        now: vesontio_store::now(),
    };
    let index = match needs_flags(criteria) {
        true => {
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
        false => vesontio_store::MailboxIndex {
            uids: store.uids(mb).await?,
            ..Default::default()
        },
    };
    let mut found = Vec::new();
    // Both lists ascend: one walk. A UID of the view missing from the
    // store was expunged elsewhere: it keeps its number, matches nothing.
    let mut j = 0;
    for (i, &u) in sel.uids.iter().enumerate() {
        while j < index.uids.len() && index.uids[j] < u {
            j += 1;
        }
        if index.uids.get(j) != Some(&u) {
            continue;
        }
        let flags = match index.bits.get(j) {
            Some(&b) => vesontio_store::flags_of(b, index.keywords_of(u)),
            None => Vec::new(),
        };
        let msg = Msg {
            seq: i as u32 + 1,
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
        if matches(criteria, &msg, &scope) {
            found.push(Found {
                seq: i as u32 + 1,
                uid: u,
                modseq: 0,
            });
        }
    }
    Ok(Some(found))
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
    let scope = Scope {
        largest_seq: sel.exists(),
        largest_uid: sel.uids.last().copied().unwrap_or(0),
        saved: &sel.saved,
        now: vesontio_store::now(),
    };
    // Text keys every match must satisfy narrow the messages to look at
    // through the store's trigram index; the others are then checked on
    // their stored search text, exactly (IMAP substring semantics).
    let candidates = match want_content {
        true => {
            store
                .search_candidates(mb, &required_terms(criteria))
                .await?
        }
        false => None,
    };
    let look = |u: &Uid| candidates.as_ref().is_none_or(|c| c.contains(u));
    // The rows to check: only the candidates' when the index narrowed the
    // search to a small part of the mailbox (a FROM in a 20,000-message
    // INBOX reads hundreds of rows, not all of them); the whole mailbox
    // in one scan otherwise, which costs less than many `IN` lists.
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
    let mut texts = HashMap::new();
    if want_content {
        let ids: Vec<i64> = sel
            .uids
            .iter()
            .filter(|u| look(u))
            .filter_map(|u| metas.get(u))
            .map(|m| m.content_id)
            .filter(|&c| c > 0)
            .collect();
        texts = store.search_texts(&ids, needs_body(criteria)).await?;
    }
    let mut hits = Vec::new();
    for (i, &u) in sel.uids.iter().enumerate() {
        // Messages expunged elsewhere keep their number but match nothing.
        let Some(m) = metas.get(&u) else { continue };
        if !look(&u) {
            continue;
        }
        let content = if want_content {
            match texts.remove(&m.content_id) {
                Some(t) => Some(Content::from_text(t)),
                // No stored text (a row not yet upgraded): decode the body.
                None => match store.read_blob_sized(&m.blob_id, m.size).await {
                    Ok(raw) => Some(Content::parse(&raw)),
                    Err(e) => return Err(e.into()),
                },
            }
        } else {
            None
        };
        let flags = view_flags(m, seen.as_ref());
        let msg = Msg {
            seq: i as u32 + 1,
            uid: u,
            flags: &flags,
            size: m.size.max(0) as u64,
            internal_date: m.internal_date,
            modseq: m.modseq,
            recent: !rev2 && sel.is_recent(u),
            content: content.as_ref(),
            email_id: m.email_id,
            thread_id: m.thread_id,
        };
        if matches(criteria, &msg, &scope)
            && let Some(meta) = metas.remove(&u)
        {
            hits.push(Hit {
                seq: i as u32 + 1,
                meta,
            });
        }
    }
    Ok(hits)
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
