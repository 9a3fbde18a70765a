//! `search` (RFC 9051 §6.4.4, RFC 3501 §6.4.4, RFC 4731 ESEARCH, RFC 5182
//! SEARCHRES, RFC 7162 §3.1.5 MODSEQ, RFC 5032 WITHIN).

use super::{Cursor, MAX_DEPTH, PResult, echo, err};
use crate::command::{CommandBody, EntryType, SearchKey, SearchReturn};
use crate::types::UidMode;

/// `search = "SEARCH" [search-return-opts] SP search-program`
pub(crate) fn search(c: &mut Cursor<'_>, uid: UidMode) -> PResult<CommandBody> {
    let return_opts = optional_return(c)?;
    let mut charset = None;
    if c.eat_keyword("CHARSET") {
        c.sp()?;
        charset = Some(c.astring_text()?.to_ascii_uppercase());
        c.sp()?;
    }
    Ok(CommandBody::Search {
        return_opts,
        charset,
        criteria: search_keys(c)?,
        uid,
    })
}

/// `[search-return-opts] SP` after a searching command's name.
pub(crate) fn optional_return(c: &mut Cursor<'_>) -> PResult<Option<Vec<SearchReturn>>> {
    c.sp()?;
    if !c.eat_keyword("RETURN") {
        return Ok(None);
    }
    c.sp()?;
    let opts = return_options(c)?;
    c.sp()?;
    Ok(Some(opts))
}

/// `search-return-opts = SP "RETURN" SP "(" [search-return-opt *(SP
/// search-return-opt)] ")"` after RETURN (RFC 4466 §2.6, RFC 4731 §3.1,
/// RFC 5182 §2.1, RFC 5267 §5): the list. RFC 5267 §4.4: at most one of
/// PARTIAL and ALL.
fn return_options(c: &mut Cursor<'_>) -> PResult<Vec<SearchReturn>> {
    let opts = c.paren_list(true, |c| {
        Ok(match c.atom()?.to_ascii_uppercase().as_str() {
            "MIN" => SearchReturn::Min,
            "MAX" => SearchReturn::Max,
            "ALL" => SearchReturn::All,
            "COUNT" => SearchReturn::Count,
            "SAVE" => SearchReturn::Save,
            "UPDATE" => SearchReturn::Update,
            "CONTEXT" => SearchReturn::Context,
            "PARTIAL" => {
                // partial-range = nz-number ":" nz-number (no "*").
                c.sp()?;
                let a = c.nz_number()?;
                c.expect(b':')?;
                let b = c.nz_number()?;
                SearchReturn::Partial {
                    first: a.min(b),
                    last: a.max(b),
                }
            }
            other => return err(format!("Unknown SEARCH RETURN option {}", echo(other))),
        })
    })?;
    let windows = opts
        .iter()
        .filter(|o| matches!(o, SearchReturn::All | SearchReturn::Partial { .. }))
        .count();
    if windows > 1 {
        return err("At most one of ALL and PARTIAL may be asked for");
    }
    Ok(opts)
}

/// `1*(SP search-key)` without the first SP: the keys, as one `And`.
pub(crate) fn search_keys(c: &mut Cursor<'_>) -> PResult<SearchKey> {
    let mut keys = vec![search_key(c)?];
    while c.eat(b' ') {
        keys.push(search_key(c)?);
    }
    Ok(SearchKey::And(keys))
}

fn text(c: &mut Cursor<'_>) -> PResult<String> {
    c.sp()?;
    c.astring_text()
}

/// `search-key` — one key, recursing for NOT, OR and parentheses.
pub(crate) fn search_key(c: &mut Cursor<'_>) -> PResult<SearchKey> {
    if c.depth >= MAX_DEPTH {
        return err("Search criteria nested too deeply");
    }
    c.depth += 1;
    let r = search_key_inner(c);
    c.depth -= 1;
    r
}

fn search_key_inner(c: &mut Cursor<'_>) -> PResult<SearchKey> {
    match c.peek() {
        Some(b'(') => {
            let keys = c.paren_list(false, search_key)?;
            return Ok(SearchKey::And(keys));
        }
        Some(b'0'..=b'9') | Some(b'*') | Some(b'$') => {
            return Ok(SearchKey::SequenceSet(c.sequence_set()?));
        }
        _ => {}
    }
    let name = c.atom()?.to_ascii_uppercase();
    let date = |c: &mut Cursor<'_>| -> PResult<crate::types::Date> {
        c.sp()?;
        c.date()
    };
    Ok(match name.as_str() {
        "ALL" => SearchKey::All,
        "ANSWERED" => SearchKey::Answered,
        "BCC" => SearchKey::Bcc(text(c)?),
        "BEFORE" => SearchKey::Before(date(c)?),
        "BODY" => SearchKey::Body(text(c)?),
        "CC" => SearchKey::Cc(text(c)?),
        "DELETED" => SearchKey::Deleted,
        "DRAFT" => SearchKey::Draft,
        "FLAGGED" => SearchKey::Flagged,
        "FROM" => SearchKey::From(text(c)?),
        "HEADER" => {
            let field = text(c)?;
            SearchKey::Header(field, text(c)?)
        }
        "KEYWORD" => {
            c.sp()?;
            SearchKey::Keyword(c.atom()?)
        }
        "UNKEYWORD" => {
            c.sp()?;
            SearchKey::Unkeyword(c.atom()?)
        }
        // RFC 8474 §6: objectid = 1*255(ALPHA / DIGIT / "_" / "-").
        "EMAILID" => {
            c.sp()?;
            SearchKey::EmailId(c.atom()?)
        }
        "THREADID" => {
            c.sp()?;
            SearchKey::ThreadId(c.atom()?)
        }
        "LARGER" => {
            c.sp()?;
            SearchKey::Larger(c.number64()?)
        }
        "SMALLER" => {
            c.sp()?;
            SearchKey::Smaller(c.number64()?)
        }
        "NEW" => SearchKey::New,
        "OLD" => SearchKey::Old,
        "RECENT" => SearchKey::Recent,
        "NOT" => {
            c.sp()?;
            SearchKey::Not(Box::new(search_key(c)?))
        }
        "OR" => {
            c.sp()?;
            let a = search_key(c)?;
            c.sp()?;
            let b = search_key(c)?;
            SearchKey::Or(Box::new(a), Box::new(b))
        }
        "ON" => SearchKey::On(date(c)?),
        "SEEN" => SearchKey::Seen,
        "SENTBEFORE" => SearchKey::SentBefore(date(c)?),
        "SENTON" => SearchKey::SentOn(date(c)?),
        "SENTSINCE" => SearchKey::SentSince(date(c)?),
        "SINCE" => SearchKey::Since(date(c)?),
        "SUBJECT" => SearchKey::Subject(text(c)?),
        "TEXT" => SearchKey::Text(text(c)?),
        "TO" => SearchKey::To(text(c)?),
        "UID" => {
            c.sp()?;
            SearchKey::Uid(c.sequence_set()?)
        }
        "UNANSWERED" => SearchKey::Unanswered,
        "UNDELETED" => SearchKey::Undeleted,
        "UNDRAFT" => SearchKey::Undraft,
        "UNFLAGGED" => SearchKey::Unflagged,
        "UNSEEN" => SearchKey::Unseen,
        "OLDER" => {
            c.sp()?;
            SearchKey::Older(c.nz_number()?)
        }
        "YOUNGER" => {
            c.sp()?;
            SearchKey::Younger(c.nz_number()?)
        }
        "MODSEQ" => {
            // RFC 7162 §3.1.5: MODSEQ [SP entry-name SP entry-type-req] SP mod-sequence-valzer
            c.sp()?;
            let mut entry = None;
            if c.peek() == Some(b'"') || c.peek() == Some(b'{') {
                let name = String::from_utf8_lossy(&c.string()?).into_owned();
                c.sp()?;
                let t = match c.atom()?.to_ascii_lowercase().as_str() {
                    "priv" => EntryType::Private,
                    "shared" => EntryType::Shared,
                    "all" => EntryType::All,
                    _ => return err("Invalid MODSEQ entry type"),
                };
                c.sp()?;
                entry = Some((name, t));
            }
            SearchKey::ModSeq {
                entry,
                mod_seq: c.number64()?,
            }
        }
        other => return err(format!("Unknown search key {}", echo(other))),
    })
}
