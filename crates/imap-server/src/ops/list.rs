//! LIST (RFC 9051 §6.3.9) with LIST-EXTENDED basics (RFC 5258),
//! SPECIAL-USE (RFC 6154), CHILDREN (RFC 3348), LIST-STATUS (RFC 5819),
//! and LSUB (RFC 3501 §6.3.9).

use std::collections::BTreeMap;
use vesontio_imap_proto::parser::echo;

use vesontio_imap_proto::{
    Data, ListExtended, ListItem, ListReturn, ListSelect, Mailbox as Name, Response, StatusItem,
};

use crate::error::{CmdError, CmdResult, Done};
use crate::mailbox::{self, DELIM, Target, pattern_match};
use crate::ops::account;
use crate::ops::mailboxes::status_items;
use crate::session::Session;

/// What a name in the hierarchy stands for.
enum Entry {
    Mailbox(Target),
    /// A parent implied by a deeper name; nothing is stored under it.
    Parent,
    /// Subscribed, but no such mailbox exists (RFC 5258 `\NonExistent`).
    Gone,
}

/// A name's entry and whether it is subscribed.
type Tree = BTreeMap<String, (Entry, bool)>;

/// Every name to consider: the mailboxes and their missing parents, and
/// with `with_gone` the subscribed names no mailbox carries any more.
/// Shared folders count as subscribed: members see them in clients that
/// show only subscribed folders.
fn tree(targets: Vec<Target>, subscribed: &[String], with_gone: bool) -> Tree {
    fn parents(m: &mut Tree, name: &str) {
        let mut at = 0;
        while let Some(i) = name[at..].find(DELIM) {
            m.entry(name[..at + i].to_string())
                .or_insert((Entry::Parent, false));
            at += i + 1;
        }
    }
    let mut m = Tree::new();
    for t in targets {
        parents(&mut m, &t.name);
        let sub = t.shared;
        m.insert(t.name.clone(), (Entry::Mailbox(t), sub));
    }
    for name in subscribed {
        match m.get_mut(name) {
            Some((Entry::Mailbox(_), sub)) => *sub = true,
            Some((_, sub)) if with_gone => *sub = true,
            None if with_gone => {
                parents(&mut m, name);
                m.insert(name.clone(), (Entry::Gone, true));
            }
            _ => {}
        }
    }
    m
}

fn has_children(m: &Tree, name: &str) -> bool {
    descendants(m, name).any(|(_, (e, _))| !matches!(e, Entry::Gone))
}

/// The names below `name` in the hierarchy.
fn descendants<'a>(
    m: &'a Tree,
    name: &str,
) -> impl Iterator<Item = (&'a String, &'a (Entry, bool))> {
    let prefix = format!("{name}{DELIM}");
    m.range(prefix.clone()..)
        .take_while(move |(k, _)| k.starts_with(&prefix))
}

/// INBOX first, then by name.
fn ordered(m: &Tree) -> Vec<(&String, &(Entry, bool))> {
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
            ListSelect::Other(x) => {
                return Err(CmdError::bad(format!("Unknown LIST option {}", echo(x))));
            }
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
                return Err(CmdError::bad(format!(
                    "Unknown LIST return option {}",
                    echo(x)
                )));
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
    let store = &s.shared.store;
    let subs = store.subscriptions(acc.id).await?;
    let m = tree(mailbox::all(store, &acc).await?, &subs, sel_subscribed);
    for (name, (entry, sub)) in ordered(&m) {
        if !full.iter().any(|p| pattern_match(p, name)) {
            continue;
        }
        // RFC 5258 §3.5: with RECURSIVEMATCH, a mailbox is also listed
        // (with CHILDINFO) when a descendant that no pattern matches is
        // subscribed.
        let childinfo = recursive
            && sel_subscribed
            && descendants(&m, name)
                .any(|(d, (_, sub))| *sub && !full.iter().any(|p| pattern_match(p, d)));
        if sel_subscribed && !sub && !childinfo {
            continue;
        }
        let t = match entry {
            Entry::Mailbox(t) => Some(t),
            _ => None,
        };
        if sel_special && t.is_none_or(|t| t.mailbox.special_use.is_none()) {
            continue;
        }
        let mut attributes = Vec::new();
        match entry {
            Entry::Parent => attributes.push("\\Noselect".to_string()),
            Entry::Gone => attributes.push("\\NonExistent".to_string()),
            Entry::Mailbox(t) => {
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
        if ret_subscribed && *sub {
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
    let store = &s.shared.store;
    let subs = store.subscriptions(acc.id).await?;
    let m = tree(mailbox::all(store, &acc).await?, &subs, true);
    for (name, (_, sub)) in ordered(&m) {
        if !pattern_match(&full, name) {
            continue;
        }
        // RFC 3501 §6.3.9: with "%", a parent that is not subscribed itself
        // but has a subscribed descendant the pattern does not reach is
        // listed with \Noselect.
        let attributes = if *sub {
            vec![]
        } else if descendants(&m, name).any(|(d, (_, sub))| *sub && !pattern_match(&full, d)) {
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
