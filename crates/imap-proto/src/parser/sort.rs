//! `sort` and `thread` (RFC 5256 §5, RFC 5957 §4, RFC 5267 §5 extended
//! SORT) and `CANCELUPDATE` (RFC 5267 §4.3.5).

use super::search::{optional_return, search_keys};
use super::{Cursor, PResult, err};
use crate::command::{CommandBody, SearchKey, SortCriterion, SortKey, ThreadAlgorithm};
use crate::types::UidMode;

/// `sort = ["UID" SP] "SORT" [search-return-opts] SP sort-criteria SP
/// search-criteria` (RFC 5256 §5, RFC 5267 §5 `extended-sort`).
pub(crate) fn sort(c: &mut Cursor<'_>, uid: UidMode) -> PResult<CommandBody> {
    let return_opts = optional_return(c)?;
    let criteria = c.paren_list(false, sort_criterion)?;
    c.sp()?;
    let (charset, search) = search_criteria(c)?;
    Ok(CommandBody::Sort {
        return_opts,
        criteria,
        charset,
        search,
        uid,
    })
}

/// `sort-criterion = ["REVERSE" SP] sort-key`
fn sort_criterion(c: &mut Cursor<'_>) -> PResult<SortCriterion> {
    let reverse = c.eat_keyword("REVERSE");
    if reverse {
        c.sp()?;
    }
    let key = match c.atom()?.to_ascii_uppercase().as_str() {
        "ARRIVAL" => SortKey::Arrival,
        "CC" => SortKey::Cc,
        "DATE" => SortKey::Date,
        "FROM" => SortKey::From,
        "SIZE" => SortKey::Size,
        "SUBJECT" => SortKey::Subject,
        "TO" => SortKey::To,
        "DISPLAYFROM" => SortKey::DisplayFrom,
        "DISPLAYTO" => SortKey::DisplayTo,
        other => return err(format!("Unknown sort criterion {other}")),
    };
    Ok(SortCriterion { reverse, key })
}

/// `thread = ["UID" SP] "THREAD" SP thread-alg SP search-criteria`
pub(crate) fn thread(c: &mut Cursor<'_>, uid: UidMode) -> PResult<CommandBody> {
    c.sp()?;
    let algorithm = match c.atom()?.to_ascii_uppercase().as_str() {
        "ORDEREDSUBJECT" => ThreadAlgorithm::OrderedSubject,
        "REFERENCES" => ThreadAlgorithm::References,
        other => return err(format!("Unknown threading algorithm {other}")),
    };
    c.sp()?;
    let (charset, search) = search_criteria(c)?;
    Ok(CommandBody::Thread {
        algorithm,
        charset,
        search,
        uid,
    })
}

/// `search-criteria = charset 1*(SP search-key)`, `charset = atom / quoted`
/// (mandatory here, unlike SEARCH), upper-cased.
fn search_criteria(c: &mut Cursor<'_>) -> PResult<(String, SearchKey)> {
    let charset = c.astring_text()?.to_ascii_uppercase();
    c.sp()?;
    Ok((charset, search_keys(c)?))
}

/// `"CANCELUPDATE" 1*(SP quoted)`; tags are also accepted as atoms.
pub(crate) fn cancel_update(c: &mut Cursor<'_>) -> PResult<CommandBody> {
    let mut tags = Vec::new();
    while c.eat(b' ') {
        tags.push(c.astring_text()?);
    }
    if tags.is_empty() {
        return err("CANCELUPDATE needs the tag of a command");
    }
    Ok(CommandBody::CancelUpdate(tags))
}
