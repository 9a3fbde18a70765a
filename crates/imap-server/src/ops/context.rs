//! RFC 5267 §4.3 UPDATE contexts at work: creating one for a SEARCH or
//! SORT, CANCELUPDATE, and [`refresh`], which re-evaluates the contexts
//! after each batch of mailbox updates and queues their ADDTO and
//! REMOVEFROM (see [`crate::context`]).
//!
//! A refresh re-runs the search over the mailbox: cheap for flag and date
//! criteria, a read of every blob for text ones (as SEARCH itself does
//! until the store has a text index). It runs only when the mailbox
//! changed (highest modseq, count or last UID) or, for a functional
//! mailbox, whose readers' `\Seen` has no modseq, after every command.

use vesontio_imap_proto::{
    Code, Data, ESearchItem, Response, SearchKey, SearchReturn, SortCriterion, UidMode,
};
use vesontio_types::Uid;

use crate::context::{Context, MAX_CONTEXTS, diff, freeze};
use crate::error::{CmdError, CmdResult, Done};
use crate::ops::search::{Hit, evaluate};
use crate::session::Session;
use crate::sortkeys;

/// The number the client knows a UID by, in some view.
type Number<'a> = Box<dyn Fn(Uid) -> Option<u32> + 'a>;

/// Whether the RETURN options ask for updates.
pub(crate) fn wants_update(opts: Option<&[SearchReturn]>) -> bool {
    opts.is_some_and(|o| o.contains(&SearchReturn::Update))
}

/// RFC 5267 §4.3: UPDATE under a tag already used by an updating search is BAD.
pub(crate) fn check_tag(s: &Session, tag: &str) -> Result<(), CmdError> {
    let used = s
        .selected
        .as_ref()
        .is_some_and(|sel| sel.contexts.list.iter().any(|c| c.tag == tag));
    if used {
        return Err(CmdError::bad(format!(
            "Tag {tag} already names an updating search; use a new tag"
        )));
    }
    Ok(())
}

/// Keeps the search `criteria` (and `sort`) of command `tag`, whose
/// result was `result` (UIDs in result order), for updates; past
/// [`MAX_CONTEXTS`] says `* NO [NOUPDATE "tag"]` instead (RFC 5267 §4.3.1).
pub(crate) fn register(
    s: &mut Session,
    tag: &str,
    uid: UidMode,
    criteria: &SearchKey,
    sort: Option<&[SortCriterion]>,
    result: Vec<Uid>,
    out: &mut Vec<Response>,
) {
    let Some(sel) = s.selected.as_mut() else {
        return;
    };
    if sel.contexts.list.len() >= MAX_CONTEXTS {
        out.push(Response::Status {
            tag: None,
            status: vesontio_imap_proto::Status::No,
            code: Some(Code::NoUpdate(tag.to_string())),
            text: format!("At most {MAX_CONTEXTS} searches are kept up to date; CANCELUPDATE one"),
        });
        return;
    }
    if sel.contexts.list.is_empty() {
        sel.contexts.base = sel.uids.clone();
        sel.contexts.seen = sel.context_state();
    }
    let criteria = freeze(criteria, &sel.uids, &sel.saved);
    sel.contexts.list.push(Context {
        tag: tag.to_string(),
        uid,
        criteria,
        sort: sort.map(<[SortCriterion]>::to_vec),
        result,
    });
}

/// CANCELUPDATE (RFC 5267 §4.3.5).
pub(crate) fn cancel(s: &mut Session, tags: &[String]) -> CmdResult {
    let Some(sel) = s.selected.as_mut() else {
        return Err(CmdError::bad("No mailbox selected"));
    };
    if let Some(t) = tags
        .iter()
        .find(|t| !sel.contexts.list.iter().any(|c| &c.tag == *t))
    {
        return Err(CmdError::bad(format!("No updating search has tag {t}")));
    }
    sel.contexts.list.retain(|c| !tags.contains(&c.tag));
    Ok(Done::ok("No further updates"))
}

/// The UIDs of a result in result order: sorted for SORT contexts.
pub(crate) async fn ordered(
    s: &Session,
    hits: &[Hit],
    sort: Option<&[SortCriterion]>,
) -> Result<Vec<Uid>, vesontio_store::StoreError> {
    let Some(criteria) = sort else {
        return Ok(hits.iter().map(|h| h.meta.uid).collect());
    };
    let metas: Vec<_> = hits.iter().map(|h| &h.meta).collect();
    let keys = sortkeys::keys(&s.shared, &metas, sortkeys::needs_content(criteria)).await?;
    Ok(sortkeys::order(criteria, &keys)
        .into_iter()
        .map(|i| hits[i].meta.uid)
        .collect())
}

/// Re-evaluates the contexts after a batch of updates (`out`, which may
/// hold EXPUNGE or VANISHED responses): REMOVEFROM goes before the first
/// of those, ADDTO at the end (RFC 5267 §4.3.3, §4.3.4).
pub(crate) async fn refresh(s: &mut Session, out: &mut Vec<Response>) {
    let Some(sel) = s.selected.as_mut() else {
        return;
    };
    let state = sel.context_state();
    if sel.contexts.list.is_empty() || (state == sel.contexts.seen && sel.seen_reader.is_none()) {
        return;
    }
    let mut ctx = std::mem::take(&mut sel.contexts);
    let (mut removals, mut additions) = (Vec::new(), Vec::new());
    for c in &mut ctx.list {
        let mut scratch = Vec::new();
        let new = match evaluate(s, &c.criteria, &mut scratch).await {
            Ok(hits) => ordered(s, &hits, c.sort.as_deref()).await,
            Err(CmdError::Internal(e)) => Err(e),
            Err(_) => continue,
        };
        let new = match new {
            Ok(n) => n,
            Err(e) => {
                let id = crate::error::error_id();
                tracing::error!(error_id = %id, error = %e, "search context refresh failed");
                continue;
            }
        };
        let Some(sel) = s.selected.as_ref() else {
            return;
        };
        let seq_in = |view: &[Uid], u: Uid| view.binary_search(&u).ok().map(|i| i as u32 + 1);
        let (before, after): (Number<'_>, Number<'_>) = match c.uid {
            UidMode::Uid => (Box::new(Some), Box::new(Some)),
            UidMode::Seq => (
                Box::new(|u| seq_in(&ctx.base, u)),
                Box::new(|u| seq_in(&sel.uids, u)),
            ),
        };
        let (rm, add) = diff(&c.result, &new, c.sort.is_some(), &*before, &*after);
        let esearch = |item: ESearchItem| {
            Response::Data(Data::ESearch {
                tag: Some(c.tag.clone()),
                uid: c.uid == UidMode::Uid,
                items: vec![item],
            })
        };
        removals.extend(rm.map(esearch));
        additions.extend(add.map(esearch));
        c.result = new;
    }
    if let Some(sel) = s.selected.as_mut() {
        ctx.base = sel.uids.clone();
        ctx.seen = state;
        sel.contexts = ctx;
    }
    let first_expunge = out
        .iter()
        .position(|r| matches!(r, Response::Data(Data::Expunge(_) | Data::Vanished { .. })))
        .unwrap_or(out.len());
    out.splice(first_expunge..first_expunge, removals);
    out.extend(additions);
}
