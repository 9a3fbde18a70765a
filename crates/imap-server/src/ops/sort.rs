//! SORT and UID SORT (RFC 5256 BASE.6.4.SORT, RFC 5957 DISPLAYFROM and
//! DISPLAYTO), with ESORT return options, PARTIAL and UPDATE (RFC 5267
//! §3, §4.3, §4.4).
//! The search is SEARCH's ([`super::search::evaluate`]); the keys and the
//! order are in [`crate::sortkeys`].

use vesontio_imap_proto::{Response, SearchKey, SearchReturn, SortCriterion, UidMode};

use crate::error::{CmdResult, Done};
use crate::ops::search::{answer, check_charset, evaluate};
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
    let found: Vec<_> = hits.iter().map(|h| h.found()).collect();
    answer(
        s,
        tag,
        uid,
        returns,
        search,
        Some(criteria),
        &found,
        &order,
        out,
    )?;
    Ok(Done::ok(match uid {
        UidMode::Uid => "UID SORT completed",
        UidMode::Seq => "SORT completed",
    }))
}
