//! LIST (RFC 9051 §6.3.9) with LIST-EXTENDED basics (RFC 5258),
//! SPECIAL-USE (RFC 6154), CHILDREN (RFC 3348), LIST-STATUS (RFC 5819),
//! and LSUB (RFC 3501 §6.3.9).

use std::collections::BTreeMap;

use vesontio_imap_proto::{
    Data, ListExtended, ListItem, ListReturn, ListSelect, Mailbox as Name, Response, StatusItem,
};

use crate::error::{CmdError, CmdResult, Done};
use crate::mailbox::{self, DELIM, Target, pattern_match};
use crate::ops::account;
use crate::ops::mailboxes::status_items;
use crate::session::Session;

/// Every name to consider: real mailboxes and their missing parents.
fn tree(targets: Vec<Target>) -> BTreeMap<String, Option<Target>> {
    let mut m: BTreeMap<String, Option<Target>> = BTreeMap::new();
    for t in targets {
        let mut prefix = String::new();
        let parts: Vec<&str> = t.name.split(DELIM).collect();
        for p in &parts[..parts.len().saturating_sub(1)] {
            if !prefix.is_empty() {
                prefix.push(DELIM);
            }
            prefix.push_str(p);
            m.entry(prefix.clone()).or_insert(None);
        }
        m.insert(t.name.clone(), Some(t));
    }
    m
}

fn has_children(m: &BTreeMap<String, Option<Target>>, name: &str) -> bool {
    let prefix = format!("{name}{DELIM}");
    m.range(prefix.clone()..)
        .next()
        .is_some_and(|(k, _)| k.starts_with(&prefix))
}

/// The names below `name` in the hierarchy.
fn descendants<'a>(
    m: &'a BTreeMap<String, Option<Target>>,
    name: &str,
) -> impl Iterator<Item = (&'a String, &'a Option<Target>)> {
    let prefix = format!("{name}{DELIM}");
    m.range(prefix.clone()..)
        .take_while(move |(k, _)| k.starts_with(&prefix))
}

fn subscribed(t: &Option<Target>) -> bool {
    t.as_ref().is_some_and(|t| t.shared || t.mailbox.subscribed)
}

/// INBOX first, then by name.
fn ordered(m: &BTreeMap<String, Option<Target>>) -> Vec<(&String, &Option<Target>)> {
    let mut v: Vec<_> = m.iter().collect();
    v.sort_by_key(|(k, _)| (k.as_str() != "INBOX", (*k).clone()));
    v
}

pub(crate) async fn list(
    s: &mut Session,
    selection: &[ListSelect],
    reference: &str,
    patterns: &[String],
    returns: &[ListReturn],
    out: &mut Vec<Response>,
) -> CmdResult {
    let acc = account(s)?;
    let mut sel_subscribed = false;
    let mut sel_special = false;
    let mut recursive = false;
    for o in selection {
        match o {
            ListSelect::Subscribed => sel_subscribed = true,
            ListSelect::SpecialUse => sel_special = true,
            ListSelect::RecursiveMatch => recursive = true,
            ListSelect::Remote => {}
            // RFC 5258 §3: unknown selection options are an error.
            ListSelect::Other(x) => return Err(CmdError::bad(format!("Unknown LIST option {x}"))),
        }
    }
    // RFC 5258 §3: RECURSIVEMATCH needs another selection option (REMOTE
    // does not count).
    if recursive && !sel_subscribed && !sel_special {
        return Err(CmdError::bad(
            "RECURSIVEMATCH needs another selection option",
        ));
    }
    let mut ret_subscribed = sel_subscribed;
    let mut status: Option<&[StatusItem]> = None;
    for r in returns {
        match r {
            ListReturn::Subscribed => ret_subscribed = true,
            ListReturn::Status(items) => status = Some(items),
            ListReturn::Children | ListReturn::SpecialUse => {}
            // RFC 5258 §3: so are unknown return options.
            ListReturn::Other(x) => {
                return Err(CmdError::bad(format!("Unknown LIST return option {x}")));
            }
        }
    }
    // RFC 9051 §6.3.9: an empty pattern asks for the delimiter.
    if patterns.len() == 1 && patterns[0].is_empty() && selection.is_empty() {
        out.push(Response::Data(Data::List(ListItem {
            attributes: vec!["\\Noselect".into()],
            delimiter: Some(DELIM),
            mailbox: Name(String::new()),
            extended: vec![],
        })));
        return Ok(Done::ok("LIST completed"));
    }
    let full: Vec<String> = patterns.iter().map(|p| format!("{reference}{p}")).collect();
    let m = tree(mailbox::all(&s.shared.store, &acc).await?);
    for (name, t) in ordered(&m) {
        if !full.iter().any(|p| pattern_match(p, name)) {
            continue;
        }
        // RFC 5258 §3.5: with RECURSIVEMATCH, a mailbox is also listed
        // (with CHILDINFO) when a descendant that no pattern matches is
        // subscribed.
        let childinfo = recursive
            && sel_subscribed
            && descendants(&m, name)
                .any(|(d, dt)| subscribed(dt) && !full.iter().any(|p| pattern_match(p, d)));
        if sel_subscribed && !subscribed(t) && !childinfo {
            continue;
        }
        if sel_special && t.as_ref().is_none_or(|t| t.mailbox.special_use.is_none()) {
            continue;
        }
        let mut attributes = Vec::new();
        match t {
            None => attributes.push("\\Noselect".to_string()),
            Some(t) => {
                if let Some(u) = &t.mailbox.special_use {
                    attributes.push(u.clone());
                }
            }
        }
        attributes.push(if has_children(&m, name) {
            "\\HasChildren".into()
        } else {
            "\\HasNoChildren".into()
        });
        if ret_subscribed && subscribed(t) {
            attributes.push("\\Subscribed".into());
        }
        out.push(Response::Data(Data::List(ListItem {
            attributes,
            delimiter: Some(DELIM),
            mailbox: Name::new(name.clone()),
            extended: if childinfo {
                vec![ListExtended::ChildInfoSubscribed]
            } else {
                vec![]
            },
        })));
        // RFC 5819 §2: STATUS right after the mailbox's LIST line.
        if let (Some(items), Some(t)) = (status, t)
            && t.may('r')
        {
            let values = status_items(s, t, items).await?;
            out.push(Response::Data(Data::Status {
                mailbox: Name::new(name.clone()),
                items: values,
            }));
        }
    }
    Ok(Done::ok("LIST completed"))
}

/// IMAP4rev1 LSUB: the subscribed mailboxes matching the pattern.
pub(crate) async fn lsub(
    s: &mut Session,
    reference: &str,
    pattern: &str,
    out: &mut Vec<Response>,
) -> CmdResult {
    let acc = account(s)?;
    let full = format!("{reference}{pattern}");
    let m = tree(mailbox::all(&s.shared.store, &acc).await?);
    for (name, t) in ordered(&m) {
        if !pattern_match(&full, name) {
            continue;
        }
        // RFC 3501 §6.3.9: with "%", a parent that is not subscribed itself
        // but has a subscribed descendant the pattern does not reach is
        // listed with \Noselect.
        let attributes = if subscribed(t) {
            vec![]
        } else if descendants(&m, name).any(|(d, dt)| subscribed(dt) && !pattern_match(&full, d)) {
            vec!["\\Noselect".to_string()]
        } else {
            continue;
        };
        out.push(Response::Data(Data::Lsub(ListItem {
            attributes,
            delimiter: Some(DELIM),
            mailbox: Name::new(name.clone()),
            extended: vec![],
        })));
    }
    Ok(Done::ok("LSUB completed"))
}
