//! `fetch` (RFC 9051 §6.4.5, RFC 3516 BINARY, RFC 7162 CHANGEDSINCE/VANISHED).

use super::{Cursor, PResult, echo, err};
use crate::command::{CommandBody, FetchAttr, Section, SectionText};
use crate::types::UidMode;

/// `fetch = "FETCH" SP sequence-set SP ("ALL" / "FULL" / "FAST" / fetch-att /
/// "(" fetch-att *(SP fetch-att) ")") [fetch-modifiers]`
pub(crate) fn fetch(c: &mut Cursor<'_>, uid: UidMode) -> PResult<CommandBody> {
    c.sp()?;
    let sequence_set = c.sequence_set()?;
    c.sp()?;
    let items = if c.peek() == Some(b'(') {
        c.paren_list(false, fetch_att)?
    } else if c.eat_keyword("ALL") {
        // RFC 9051 §6.4.5: macros.
        vec![
            FetchAttr::Flags,
            FetchAttr::InternalDate,
            FetchAttr::Rfc822Size,
            FetchAttr::Envelope,
        ]
    } else if c.eat_keyword("FAST") {
        vec![
            FetchAttr::Flags,
            FetchAttr::InternalDate,
            FetchAttr::Rfc822Size,
        ]
    } else if c.eat_keyword("FULL") {
        vec![
            FetchAttr::Flags,
            FetchAttr::InternalDate,
            FetchAttr::Rfc822Size,
            FetchAttr::Envelope,
            FetchAttr::Body,
        ]
    } else {
        vec![fetch_att(c)?]
    };
    let mut changed_since = None;
    let mut vanished = false;
    if c.eat(b' ') {
        c.paren_list(false, |c| {
            if c.eat_keyword("CHANGEDSINCE") {
                c.sp()?;
                changed_since = Some(c.number64()?);
            } else if c.eat_keyword("VANISHED") {
                vanished = true;
            } else {
                return err("Unknown FETCH modifier");
            }
            Ok(())
        })?;
    }
    // RFC 7162 §3.2.6: VANISHED needs UID FETCH and CHANGEDSINCE.
    if vanished && (uid != UidMode::Uid || changed_since.is_none()) {
        return err("VANISHED requires UID FETCH with CHANGEDSINCE");
    }
    Ok(CommandBody::Fetch {
        sequence_set,
        items,
        uid,
        changed_since,
        vanished,
    })
}

fn att_name(c: &mut Cursor<'_>) -> String {
    let rest = c.rest();
    let n = rest
        .iter()
        .take_while(|b| b.is_ascii_alphanumeric() || **b == b'.')
        .count();
    let name = String::from_utf8_lossy(&rest[..n]).to_ascii_uppercase();
    c.skip(n);
    name
}

/// `fetch-att`
fn fetch_att(c: &mut Cursor<'_>) -> PResult<FetchAttr> {
    let name = att_name(c);
    Ok(match name.as_str() {
        "ENVELOPE" => FetchAttr::Envelope,
        "FLAGS" => FetchAttr::Flags,
        "INTERNALDATE" => FetchAttr::InternalDate,
        "RFC822" => FetchAttr::Rfc822,
        "RFC822.HEADER" => FetchAttr::Rfc822Header,
        "RFC822.SIZE" => FetchAttr::Rfc822Size,
        "RFC822.TEXT" => FetchAttr::Rfc822Text,
        "BODYSTRUCTURE" => FetchAttr::BodyStructure,
        "UID" => FetchAttr::Uid,
        "MODSEQ" => FetchAttr::ModSeq,
        "EMAILID" => FetchAttr::EmailId,
        "THREADID" => FetchAttr::ThreadId,
        "BODY" if c.peek() != Some(b'[') => FetchAttr::Body,
        "BODY" | "BODY.PEEK" => {
            let section = section(c)?;
            let partial = partial(c)?;
            FetchAttr::BodySection {
                peek: name == "BODY.PEEK",
                section,
                partial,
            }
        }
        "BINARY" | "BINARY.PEEK" => {
            let section = section_binary(c)?;
            let partial = partial(c)?;
            FetchAttr::Binary {
                peek: name == "BINARY.PEEK",
                section,
                partial,
            }
        }
        "BINARY.SIZE" => FetchAttr::BinarySize {
            section: section_binary(c)?,
        },
        "" => return err("Expected a FETCH item"),
        other => return err(format!("Unknown FETCH item {}", echo(other))),
    })
}

fn section_part(c: &mut Cursor<'_>) -> PResult<Vec<u32>> {
    let mut part = Vec::new();
    while c.peek().is_some_and(|b| b.is_ascii_digit()) {
        part.push(c.nz_number()?);
        if part.len() > 64 {
            return err("Section part too deep");
        }
        if !c.eat(b'.') {
            break;
        }
    }
    Ok(part)
}

/// `section = "[" [section-spec] "]"`
pub(crate) fn section(c: &mut Cursor<'_>) -> PResult<Section> {
    c.expect(b'[')?;
    let part = section_part(c)?;
    let text = if c.peek() == Some(b']') {
        None
    } else {
        let name = att_name(c);
        Some(match name.as_str() {
            "HEADER" => SectionText::Header,
            "TEXT" => SectionText::Text,
            "MIME" if !part.is_empty() => SectionText::Mime,
            "HEADER.FIELDS" | "HEADER.FIELDS.NOT" => {
                c.sp()?;
                let fields = c.paren_list(false, |c| c.astring_text())?;
                if name == "HEADER.FIELDS" {
                    SectionText::HeaderFields(fields)
                } else {
                    SectionText::HeaderFieldsNot(fields)
                }
            }
            _ => return err("Invalid section specifier"),
        })
    };
    c.expect(b']')?;
    Ok(Section { part, text })
}

fn section_binary(c: &mut Cursor<'_>) -> PResult<Vec<u32>> {
    c.expect(b'[')?;
    let part = section_part(c)?;
    c.expect(b']')?;
    Ok(part)
}

/// `partial = "<" number64 "." nz-number64 ">"`
fn partial(c: &mut Cursor<'_>) -> PResult<Option<(u32, u32)>> {
    if !c.eat(b'<') {
        return Ok(None);
    }
    let off = c.number()?;
    c.expect(b'.')?;
    let len = c.nz_number()?;
    c.expect(b'>')?;
    Ok(Some((off, len)))
}
