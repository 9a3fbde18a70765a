//! CREATE (RFC 9051 §6.3.4, RFC 6154 §5.1 USE), DELETE (§6.3.5), RENAME
//! (§6.3.6), SUBSCRIBE/UNSUBSCRIBE (§6.3.7, §6.3.8) and STATUS (§6.3.11,
//! RFC 8438 SIZE, RFC 7162 HIGHESTMODSEQ, RFC 7889 APPENDLIMIT).

use vesontio_imap_proto::{Code, Data, Mailbox as Name, Response, StatusItem};
use vesontio_store::{Account, StoreError};

use crate::error::{CmdError, CmdResult, Done};
use crate::mailbox::{self, DELIM, Target, strip_shared};
use crate::ops::{account, nonexistent};
use crate::session::Session;

/// RFC 6154 §2: the attributes CREATE (USE ...) accepts.
const SPECIAL_USES: [&str; 7] = [
    "\\All",
    "\\Archive",
    "\\Drafts",
    "\\Flagged",
    "\\Junk",
    "\\Sent",
    "\\Trash",
];

fn check_name(name: &str) -> Result<String, CmdError> {
    // RFC 9051 §6.3.4: a trailing delimiter only says a hierarchy is intended.
    let n = name.strip_suffix(DELIM).unwrap_or(name);
    if n.is_empty()
        || n.starts_with(DELIM)
        || n.contains("//")
        || n.chars().any(|c| c.is_control() || c == '*' || c == '%')
    {
        return Err(CmdError::no(
            Code::Cannot,
            format!("Invalid mailbox name: {name}"),
        ));
    }
    Ok(n.to_string())
}

fn personal_only(name: &str) -> Result<(), CmdError> {
    if strip_shared(name).is_some() || name == "Shared" {
        return Err(CmdError::no(
            Code::NoPerm,
            "Folders of functional mailboxes are managed by the administrators",
        ));
    }
    Ok(())
}

pub(crate) async fn create(s: &mut Session, name: &str, uses: &[String]) -> CmdResult {
    let acc = account(s)?;
    let n = check_name(name)?;
    personal_only(&n)?;
    if n.eq_ignore_ascii_case("INBOX") {
        return Err(CmdError::no(Code::AlreadyExists, "INBOX always exists"));
    }
    let special = match uses {
        [] => None,
        [one] => match SPECIAL_USES.iter().find(|u| u.eq_ignore_ascii_case(one)) {
            Some(u) => Some(*u),
            None => {
                return Err(CmdError::no(
                    Code::UseAttr,
                    format!("Unsupported use {one}"),
                ));
            }
        },
        _ => {
            return Err(CmdError::no(Code::UseAttr, "One special use per mailbox"));
        }
    };
    match s.shared.store.create_mailbox(acc.id, &n, special).await {
        // RFC 9051 §6.3.7: subscribing is the client's own act; a
        // mailbox created over IMAP starts unsubscribed (unless its name
        // was subscribed before).
        // RFC 8474 §4.1: CREATE's OK carries the new mailbox's id.
        Ok(mb) => Ok(Done {
            code: Some(Code::MailboxId(mb.id.0.max(0) as u64)),
            text: "CREATE completed".into(),
        }),
        Err(StoreError::AlreadyExists(_)) => Err(CmdError::no(
            Code::AlreadyExists,
            format!("Mailbox already exists: {n}"),
        )),
        Err(StoreError::Invalid(_)) => Err(CmdError::no(Code::Cannot, "Invalid mailbox name")),
        Err(e) => Err(e.into()),
    }
}

async fn own(s: &Session, acc: &Account, name: &str) -> Result<Target, CmdError> {
    personal_only(name)?;
    mailbox::resolve(&s.shared.store, acc, name)
        .await?
        .ok_or_else(|| nonexistent(name))
}

pub(crate) async fn delete(s: &mut Session, name: &str) -> CmdResult {
    let acc = account(s)?;
    if name.eq_ignore_ascii_case("INBOX") {
        return Err(CmdError::no(Code::Cannot, "INBOX cannot be deleted"));
    }
    let t = own(s, &acc, name).await?;
    if s.selected
        .as_ref()
        .is_some_and(|sel| sel.target.mailbox.id == t.mailbox.id)
    {
        return Err(CmdError::no(
            Code::InUse,
            "Mailbox is selected; CLOSE it first",
        ));
    }
    s.shared.store.delete_mailbox(t.mailbox.id).await?;
    // R17: the messages' room is free again.
    super::expunge::wake_held(s).await;
    Ok(Done::ok("DELETE completed"))
}

pub(crate) async fn rename(s: &mut Session, from: &str, to: &str) -> CmdResult {
    let acc = account(s)?;
    let to = check_name(to)?;
    personal_only(&to)?;
    let t = own(s, &acc, from).await?;
    let store = s.shared.store.clone();
    if store.mailbox_by_name(acc.id, &to).await?.is_some() || to.eq_ignore_ascii_case("INBOX") {
        return Err(CmdError::no(
            Code::AlreadyExists,
            format!("Mailbox already exists: {to}"),
        ));
    }
    if t.mailbox.name == "INBOX" {
        // RFC 9051 §6.3.6: renaming INBOX moves its messages to a new
        // mailbox and leaves INBOX empty.
        let dst = store.create_mailbox(acc.id, &to, None).await?;
        let uids: Vec<u32> = store
            .messages(t.mailbox.id)
            .await?
            .iter()
            .map(|m| m.uid)
            .collect();
        if !uids.is_empty() {
            store.move_messages(t.mailbox.id, &uids, dst.id).await?;
        }
        return Ok(Done::ok("RENAME completed"));
    }
    match store.rename_mailbox(t.mailbox.id, &to).await {
        Ok(()) => Ok(Done::ok("RENAME completed")),
        Err(StoreError::AlreadyExists(_)) => Err(CmdError::no(
            Code::AlreadyExists,
            format!("Mailbox already exists: {to}"),
        )),
        Err(e) => Err(e.into()),
    }
}

/// RFC 9051 §6.3.7, §6.3.8. Subscriptions are names: subscribing needs
/// the mailbox to exist, unsubscribing does not (a subscription outlives
/// its mailbox, and the client must be able to drop it).
pub(crate) async fn subscribe(s: &mut Session, name: &str, on: bool) -> CmdResult {
    let acc = account(s)?;
    let store = &s.shared.store;
    let target = mailbox::resolve(store, &acc, name).await?;
    if target.as_ref().is_some_and(|t| t.shared) || strip_shared(name).is_some() {
        // Members always see the folders of their functional mailboxes.
        return Ok(Done::ok("Shared folders are always subscribed"));
    }
    let name = match (&target, on) {
        (Some(t), _) => t.name.clone(),
        (None, true) => return Err(nonexistent(name)),
        (None, false) => name.to_string(),
    };
    store.set_subscribed(acc.id, &name, on).await?;
    Ok(Done::ok(if on {
        "SUBSCRIBE completed"
    } else {
        "UNSUBSCRIBE completed"
    }))
}

/// The values of STATUS items for one mailbox (also used by LIST-STATUS).
pub(crate) async fn status_items(
    s: &Session,
    t: &Target,
    items: &[StatusItem],
) -> Result<Vec<(StatusItem, u64)>, StoreError> {
    let store = &s.shared.store;
    // Read in this command (resolve or LIST): current enough.
    let mb = &t.mailbox;
    let recent_from = s.shared.recent.peek(mb.id);
    let need_counts = items.iter().any(|i| {
        matches!(
            i,
            StatusItem::Messages
                | StatusItem::Unseen
                | StatusItem::Deleted
                | StatusItem::Size
                | StatusItem::Recent
        )
    });
    // Kept counts; in a functional mailbox the unseen one is the
    // member's own (R2), also kept.
    let counts = match (need_counts, s.account.as_ref()) {
        (true, Some(acc)) => {
            vesontio_access::seen::counts_from(store, t, acc.id, recent_from.max(1)).await?
        }
        (true, None) => store.counts_from(mb.id, recent_from.max(1)).await?,
        (false, _) => Default::default(),
    };
    // RFC 3501 §2.3.2: messages no session has claimed yet (STATUS claims none).
    let recent = counts.from;
    Ok(items
        .iter()
        .map(|i| {
            let v = match i {
                StatusItem::Messages => u64::from(counts.messages),
                StatusItem::UidNext => u64::from(mb.uidnext),
                StatusItem::UidValidity => u64::from(mb.uidvalidity),
                StatusItem::Unseen => u64::from(counts.unseen),
                StatusItem::Deleted => u64::from(counts.deleted),
                StatusItem::Size => counts.size.max(0) as u64,
                StatusItem::Recent => u64::from(recent),
                StatusItem::HighestModSeq => mb.highestmodseq,
                StatusItem::AppendLimit => s.shared.cfg.max_literal,
                StatusItem::MailboxId => mb.id.0.max(0) as u64,
            };
            (*i, v)
        })
        .collect())
}

pub(crate) async fn status(
    s: &mut Session,
    name: &str,
    items: &[StatusItem],
    out: &mut Vec<Response>,
) -> CmdResult {
    let acc = account(s)?;
    let Some(t) = mailbox::resolve(&s.shared.store, &acc, name).await? else {
        return Err(nonexistent(name));
    };
    if !t.may('r') {
        return Err(CmdError::no(Code::NoPerm, "You may not read this mailbox"));
    }
    let values = status_items(s, &t, items).await?;
    out.push(Response::Data(Data::Status {
        mailbox: Name::new(t.name.clone()),
        items: values,
    }));
    Ok(Done::ok("STATUS completed"))
}
