//! SEARCH and UID SEARCH (RFC 9051 §6.4.4) with ESEARCH results (RFC 4731,
//! IMAP4rev2) and SEARCHRES (RFC 5182). Criteria are evaluated in
//! [`crate::search`].

use std::collections::HashMap;

use vesontio_imap_proto::{
    Code, Data, ESearchItem, NumSet, Response, SearchKey, SearchReturn, UidMode,
};
use vesontio_types::Uid;

use crate::error::{CmdError, CmdResult, Done};
use crate::ops::selected;
use crate::search::{Content, Msg, Scope, matches, needs_content, required_terms, uses_modseq};
use crate::selected::view_flags;
use crate::session::Session;

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
    if let Some(cs) = &charset
        && !cs.eq_ignore_ascii_case("UTF-8")
        && !cs.eq_ignore_ascii_case("US-ASCII")
    {
        return Err(CmdError::no(
            Code::BadCharset(vec!["UTF-8".into(), "US-ASCII".into()]),
            "Unsupported charset",
        ));
    }
    let with_modseq = uses_modseq(criteria);
    if with_modseq {
        super::enable_condstore(s, out);
    }
    let rev2 = s.enabled.rev2;
    let store = s.shared.store.clone();
    let sel = selected(s)?;
    let mb = sel.target.mailbox.id;
    let metas: HashMap<Uid, _> = store
        .messages(mb)
        .await?
        .into_iter()
        .map(|m| (m.uid, m))
        .collect();
    let seen = sel.seen_set(&store).await?;
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
        true => store.search_candidates(mb, &required_terms(criteria)).await?,
        false => None,
    };
    let look = |u: &Uid| candidates.as_ref().is_none_or(|c| c.contains(u));
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
        texts = store.search_texts(&ids).await?;
    }
    let mut hits: Vec<(u32, Uid, u64)> = Vec::new();
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
        if matches(criteria, &msg, &scope) {
            hits.push((msg.seq, u, m.modseq));
        }
    }
    let nums: Vec<u32> = hits
        .iter()
        .map(|h| if uid == UidMode::Uid { h.1 } else { h.0 })
        .collect();
    let top_modseq = with_modseq
        .then(|| hits.iter().map(|h| h.2).max())
        .flatten();
    let returns = match returns {
        Some(r) => Some(r),
        // RFC 9051 §6.4.4: IMAP4rev2 answers with ESEARCH.
        None if rev2 => Some(vec![]),
        None => None,
    };
    match returns {
        None => out.push(Response::Data(Data::Search {
            ids: nums,
            mod_seq: top_modseq,
        })),
        Some(opts) => {
            let opts = if opts.is_empty() {
                vec![SearchReturn::All]
            } else {
                opts
            };
            if opts.contains(&SearchReturn::Save) {
                sel.saved = hits.iter().map(|h| h.1).collect();
            }
            // RFC 5182 §2.1: RETURN (SAVE) alone sends no ESEARCH.
            if opts != [SearchReturn::Save] {
                let mut items = Vec::new();
                for o in &opts {
                    match o {
                        SearchReturn::Min => {
                            if let Some(n) = nums.iter().min() {
                                items.push(ESearchItem::Min(*n));
                            }
                        }
                        SearchReturn::Max => {
                            if let Some(n) = nums.iter().max() {
                                items.push(ESearchItem::Max(*n));
                            }
                        }
                        SearchReturn::All => {
                            if !nums.is_empty() {
                                let mut sorted = nums.clone();
                                sorted.sort_unstable();
                                items.push(ESearchItem::All(NumSet::from_numbers(&sorted)));
                            }
                        }
                        SearchReturn::Count => items.push(ESearchItem::Count(nums.len() as u32)),
                        SearchReturn::Save => {}
                    }
                }
                // RFC 7162 §3.1.5 (RFC 4731 with CONDSTORE): with only MIN
                // and/or MAX asked for, MODSEQ is the highest of the
                // messages returned, not of the whole result.
                let only_min_max = opts.iter().all(|o| {
                    matches!(
                        o,
                        SearchReturn::Min | SearchReturn::Max | SearchReturn::Save
                    )
                });
                let modseq = if only_min_max {
                    top_modseq.and(
                        hits.iter()
                            .filter(|h| {
                                items.iter().any(|i| match i {
                                    ESearchItem::Min(n) | ESearchItem::Max(n) => {
                                        *n == if uid == UidMode::Uid { h.1 } else { h.0 }
                                    }
                                    _ => false,
                                })
                            })
                            .map(|h| h.2)
                            .max(),
                    )
                } else {
                    top_modseq
                };
                if let Some(m) = modseq {
                    items.push(ESearchItem::ModSeq(m));
                }
                out.push(Response::Data(Data::ESearch {
                    tag: Some(tag.to_string()),
                    uid: uid == UidMode::Uid,
                    items,
                }));
            }
        }
    }
    Ok(Done::ok(match uid {
        UidMode::Uid => "UID SEARCH completed",
        UidMode::Seq => "SEARCH completed",
    }))
}
