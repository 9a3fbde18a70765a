//! SORT and UID SORT (RFC 5256 BASE.6.4.SORT, RFC 5957 DISPLAYFROM and
//! DISPLAYTO), with ESORT return options, PARTIAL and UPDATE (RFC 5267
//! §3, §4.3, §4.4).
//! The search is SEARCH's ([`super::search::evaluate`]); the keys and the
//! order are in [`crate::sortkeys`].

use vesontio_imap_proto::{Data, Response, SearchKey, SearchReturn, SortCriterion, UidMode};
use vesontio_types::ModSeq;

use crate::error::{CmdResult, Done};
use crate::ops::search::{check_charset, esearch, evaluate};
use crate::ops::selected;
use crate::search::uses_modseq;
use crate::session::Session;
use crate::sortkeys;

#[allow(clippy::too_many_arguments)]
pub(crate) async fn sort(
    s: &mut Session,
    tag: &str,
    returns: Option<Vec<SearchReturn>>,
    criteria: &[SortCriterion],
    charset: &str,
    search: &SearchKey,
    uid: UidMode,
    out: &mut Vec<Response>,
) -> CmdResult {
    check_charset(Some(charset))?;
    let update = super::context::wants_update(returns.as_deref());
    if update {
        super::context::check_tag(s, tag)?;
    }
    let hits = evaluate(s, search, out).await?;
    let metas: Vec<_> = hits.iter().map(|h| &h.meta).collect();
    let keys = sortkeys::keys(&s.shared, &metas, sortkeys::needs_content(criteria)).await?;
    let order = sortkeys::order(criteria, &keys);
    let result: Vec<(u32, ModSeq)> = order
        .iter()
        .map(|&i| (hits[i].number(uid), hits[i].meta.modseq))
        .collect();
    // RFC 7162 §3.1.5: MODSEQ in the criteria adds the highest one.
    let with_modseq = uses_modseq(search);
    match returns {
        None => out.push(Response::Data(Data::Sort {
            ids: result.iter().map(|r| r.0).collect(),
            mod_seq: with_modseq
                .then(|| result.iter().map(|r| r.1).max())
                .flatten(),
        })),
        Some(opts) => {
            if opts.contains(&SearchReturn::Save) {
                // RFC 5182 §2.1: the saved result is a set, not an order.
                selected(s)?.saved = hits.iter().map(|h| h.meta.uid).collect();
            }
            out.extend(esearch(tag, uid, &opts, &result, with_modseq));
        }
    }
    if update {
        let uids = order.iter().map(|&i| hits[i].meta.uid).collect();
        super::context::register(s, tag, uid, search, Some(criteria), uids, out);
    }
    Ok(Done::ok(match uid {
        UidMode::Uid => "UID SORT completed",
        UidMode::Seq => "SORT completed",
    }))
}
