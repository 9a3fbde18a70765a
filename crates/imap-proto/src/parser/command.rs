//! `command = tag SP (command-any / command-auth / command-nonauth /
//! command-select) CRLF` (RFC 9051 §9) and the extension commands.

use super::{Cursor, PResult, ParseError, ParseOptions, echo, err};
use crate::base64;
use crate::command::{
    AppendMessage, Command, CommandBody, ListReturn, ListSelect, QResync, SelectMode, StatusItem,
    StoreKind, StoreResponse,
};
use crate::types::{Secret, UidMode};

/// Parses one complete command (lines plus literal octets, ending in CRLF).
///
/// On error returns the tag if one could be read, for the `BAD` reply.
pub fn parse_command(
    input: &[u8],
    opts: ParseOptions,
) -> Result<Command, (Option<String>, ParseError)> {
    let mut c = Cursor::new(input, opts);
    let tag = c.tag().map_err(|e| (None, e))?;
    let body = (|| {
        c.sp()?;
        let body = command_body(&mut c)?;
        c.end()?;
        Ok(body)
    })()
    .map_err(|e| (Some(tag.clone()), e))?;
    Ok(Command { tag, body })
}

fn command_body(c: &mut Cursor<'_>) -> PResult<CommandBody> {
    let name = c.atom()?.to_ascii_uppercase();
    let body = match name.as_str() {
        "CAPABILITY" => CommandBody::Capability,
        "NOOP" => CommandBody::Noop,
        "LOGOUT" => CommandBody::Logout,
        "STARTTLS" => CommandBody::StartTls,
        "AUTHENTICATE" => authenticate(c)?,
        "LOGIN" => {
            c.sp()?;
            let username = c.astring_text()?;
            c.sp()?;
            let password = Secret(c.astring()?);
            CommandBody::Login { username, password }
        }
        "ENABLE" => {
            let mut caps = Vec::new();
            while c.eat(b' ') {
                caps.push(c.atom()?.to_ascii_uppercase());
            }
            if caps.is_empty() {
                return err("ENABLE needs at least one capability");
            }
            CommandBody::Enable(caps)
        }
        "SELECT" => select(c, SelectMode::ReadWrite)?,
        "EXAMINE" => select(c, SelectMode::ReadOnly)?,
        "CREATE" => {
            c.sp()?;
            let mailbox = c.new_mailbox()?;
            let mut special_use = Vec::new();
            // RFC 6154 §3: CREATE name (USE (\Sent ...)); RFC 4466 create-params.
            if c.eat(b' ') {
                c.expect(b'(')?;
                loop {
                    let p = c.atom()?.to_ascii_uppercase();
                    if p != "USE" {
                        return err("Unknown CREATE parameter");
                    }
                    c.sp()?;
                    special_use.extend(c.paren_list(true, |c| {
                        c.expect(b'\\')?;
                        Ok(format!("\\{}", c.atom()?))
                    })?);
                    if c.eat(b')') {
                        break;
                    }
                    c.sp()?;
                }
            }
            CommandBody::Create {
                mailbox,
                special_use,
            }
        }
        "DELETE" => CommandBody::Delete(one_mailbox(c)?),
        "RENAME" => {
            c.sp()?;
            let from = c.mailbox()?;
            c.sp()?;
            let to = c.new_mailbox()?;
            CommandBody::Rename { from, to }
        }
        "SUBSCRIBE" => CommandBody::Subscribe(one_mailbox(c)?),
        "UNSUBSCRIBE" => CommandBody::Unsubscribe(one_mailbox(c)?),
        "LIST" => list(c)?,
        "LSUB" => {
            c.sp()?;
            let reference = String::from_utf8_lossy(&c.astring()?).into_owned();
            c.sp()?;
            let pattern = c.list_mailbox()?;
            CommandBody::Lsub { reference, pattern }
        }
        "NAMESPACE" => CommandBody::Namespace,
        "STATUS" => {
            c.sp()?;
            let mailbox = c.mailbox()?;
            c.sp()?;
            let items = c.paren_list(false, status_item)?;
            CommandBody::Status { mailbox, items }
        }
        "APPEND" => append(c)?,
        "IDLE" => CommandBody::Idle,
        "CHECK" => CommandBody::Check,
        "CLOSE" => CommandBody::Close,
        "UNSELECT" => CommandBody::Unselect,
        "EXPUNGE" => CommandBody::Expunge { uids: None },
        "SEARCH" => super::search::search(c, UidMode::Seq)?,
        "SORT" => super::sort::sort(c, UidMode::Seq)?,
        "THREAD" => super::sort::thread(c, UidMode::Seq)?,
        "CANCELUPDATE" => super::sort::cancel_update(c)?,
        "FETCH" => super::fetch::fetch(c, UidMode::Seq)?,
        "STORE" => store(c, UidMode::Seq)?,
        "COPY" => copy_move(c, UidMode::Seq, false)?,
        "MOVE" => copy_move(c, UidMode::Seq, true)?,
        "UID" => {
            c.sp()?;
            let sub = c.atom()?.to_ascii_uppercase();
            match sub.as_str() {
                "SEARCH" => super::search::search(c, UidMode::Uid)?,
                "SORT" => super::sort::sort(c, UidMode::Uid)?,
                "THREAD" => super::sort::thread(c, UidMode::Uid)?,
                "FETCH" => super::fetch::fetch(c, UidMode::Uid)?,
                "STORE" => store(c, UidMode::Uid)?,
                "COPY" => copy_move(c, UidMode::Uid, false)?,
                "MOVE" => copy_move(c, UidMode::Uid, true)?,
                "EXPUNGE" => {
                    c.sp()?;
                    CommandBody::Expunge {
                        uids: Some(c.sequence_set()?),
                    }
                }
                _ => return err(format!("Unknown UID command {}", echo(&sub))),
            }
        }
        "GETQUOTA" => {
            c.sp()?;
            CommandBody::GetQuota(c.astring_text()?)
        }
        "GETQUOTAROOT" => CommandBody::GetQuotaRoot(one_mailbox(c)?),
        "SETQUOTA" => {
            c.sp()?;
            let root = c.astring_text()?;
            c.sp()?;
            let limits = c.paren_list(true, |c| {
                let r = c.atom()?.to_ascii_uppercase();
                c.sp()?;
                Ok((r, c.number64()?))
            })?;
            CommandBody::SetQuota { root, limits }
        }
        "GETACL" => CommandBody::GetAcl(one_mailbox(c)?),
        "SETACL" => {
            c.sp()?;
            let mailbox = c.mailbox()?;
            c.sp()?;
            let identifier = c.astring_text()?;
            c.sp()?;
            let rights = c.astring_text()?;
            CommandBody::SetAcl {
                mailbox,
                identifier,
                rights,
            }
        }
        "DELETEACL" | "LISTRIGHTS" => {
            c.sp()?;
            let mailbox = c.mailbox()?;
            c.sp()?;
            let identifier = c.astring_text()?;
            if name == "DELETEACL" {
                CommandBody::DeleteAcl {
                    mailbox,
                    identifier,
                }
            } else {
                CommandBody::ListRights {
                    mailbox,
                    identifier,
                }
            }
        }
        "MYRIGHTS" => CommandBody::MyRights(one_mailbox(c)?),
        "ID" => {
            c.sp()?;
            if c.eat_keyword("NIL") {
                CommandBody::Id(None)
            } else {
                // RFC 2971 §4: at most 30 pairs.
                let pairs = c.paren_list(true, |c| {
                    let k = String::from_utf8_lossy(&c.string()?).into_owned();
                    c.sp()?;
                    let v = c
                        .nstring()?
                        .map(|v| String::from_utf8_lossy(&v).into_owned());
                    Ok((k, v))
                })?;
                if pairs.len() > 30 {
                    return err("ID takes at most 30 field-value pairs");
                }
                CommandBody::Id(Some(pairs))
            }
        }
        _ => return err(format!("Unknown command {}", echo(&name))),
    };
    Ok(body)
}

fn one_mailbox(c: &mut Cursor<'_>) -> PResult<crate::types::Mailbox> {
    c.sp()?;
    c.mailbox()
}

/// `authenticate = "AUTHENTICATE" SP auth-type [SP (base64 / "=")]` (RFC 4959).
fn authenticate(c: &mut Cursor<'_>) -> PResult<CommandBody> {
    c.sp()?;
    let mechanism = c.atom()?.to_ascii_uppercase();
    let initial_response = if c.eat(b' ') {
        if c.eat(b'=') {
            Some(Secret(Vec::new()))
        } else {
            let start = c.rest();
            let len = start
                .iter()
                .take_while(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'='))
                .count();
            let data = base64::decode(&start[..len])
                .ok_or_else(|| ParseError("Invalid base64 initial response".into()))?;
            c.skip(len);
            Some(Secret(data))
        }
    } else {
        None
    };
    Ok(CommandBody::Authenticate {
        mechanism,
        initial_response,
    })
}

/// `select = "SELECT" SP mailbox [select-params]` with RFC 7162 §3.1.8/§3.2.5 params.
fn select(c: &mut Cursor<'_>, mode: SelectMode) -> PResult<CommandBody> {
    c.sp()?;
    let mailbox = c.mailbox()?;
    let mut condstore = false;
    let mut qresync = None;
    if c.eat(b' ') {
        c.expect(b'(')?;
        loop {
            let p = c.atom()?.to_ascii_uppercase();
            match p.as_str() {
                "CONDSTORE" => condstore = true,
                "QRESYNC" => {
                    c.sp()?;
                    c.expect(b'(')?;
                    let uid_validity = c.nz_number()?;
                    c.sp()?;
                    let mod_seq = c.number64()?;
                    let mut known_uids = None;
                    let mut seq_match = None;
                    if c.eat(b' ') {
                        if c.peek() != Some(b'(') {
                            known_uids = Some(c.sequence_set()?);
                            if c.eat(b' ') {
                                seq_match = Some(seq_match_data(c)?);
                            }
                        } else {
                            seq_match = Some(seq_match_data(c)?);
                        }
                    }
                    c.expect(b')')?;
                    qresync = Some(QResync {
                        uid_validity,
                        mod_seq,
                        known_uids,
                        seq_match,
                    });
                }
                _ => return err(format!("Unknown SELECT parameter {}", echo(&p))),
            }
            if c.eat(b')') {
                break;
            }
            c.sp()?;
        }
    }
    Ok(CommandBody::Select {
        mailbox,
        mode,
        condstore,
        qresync,
    })
}

fn seq_match_data(
    c: &mut Cursor<'_>,
) -> PResult<(crate::types::SequenceSet, crate::types::SequenceSet)> {
    c.expect(b'(')?;
    let a = c.sequence_set()?;
    c.sp()?;
    let b = c.sequence_set()?;
    c.expect(b')')?;
    Ok((a, b))
}

/// `list = "LIST" [SP list-select-opts] SP mailbox SP mbox-or-pat [SP list-return-opts]`
/// (RFC 5258 §6).
fn list(c: &mut Cursor<'_>) -> PResult<CommandBody> {
    c.sp()?;
    let mut selection = Vec::new();
    if c.peek() == Some(b'(') {
        selection = c.paren_list(true, |c| {
            Ok(match c.atom()?.to_ascii_uppercase().as_str() {
                "SUBSCRIBED" => ListSelect::Subscribed,
                "REMOTE" => ListSelect::Remote,
                "RECURSIVEMATCH" => ListSelect::RecursiveMatch,
                "SPECIAL-USE" => ListSelect::SpecialUse,
                other => ListSelect::Other(other.to_string()),
            })
        })?;
        c.sp()?;
    }
    let reference = String::from_utf8_lossy(&c.astring()?).into_owned();
    let reference = if c.opts.utf8 || !reference.contains('&') {
        reference
    } else {
        // Kept as sent when not valid modified UTF-7: it then matches nothing.
        crate::utf7::decode_utf7(&reference).unwrap_or(reference)
    };
    c.sp()?;
    let patterns = if c.peek() == Some(b'(') {
        c.paren_list(false, |c| c.list_mailbox())?
    } else {
        vec![c.list_mailbox()?]
    };
    let mut return_opts = Vec::new();
    if c.eat(b' ') {
        if !c.eat_keyword("RETURN") {
            return err("Expected RETURN");
        }
        c.sp()?;
        return_opts = c.paren_list(true, |c| {
            Ok(match c.atom()?.to_ascii_uppercase().as_str() {
                "SUBSCRIBED" => ListReturn::Subscribed,
                "CHILDREN" => ListReturn::Children,
                "SPECIAL-USE" => ListReturn::SpecialUse,
                "STATUS" => {
                    c.sp()?;
                    ListReturn::Status(c.paren_list(false, status_item)?)
                }
                other => ListReturn::Other(other.to_string()),
            })
        })?;
    }
    Ok(CommandBody::List {
        selection,
        reference,
        patterns,
        return_opts,
    })
}

/// `status-att` (RFC 9051 §9 plus RECENT, HIGHESTMODSEQ, APPENDLIMIT).
pub(crate) fn status_item(c: &mut Cursor<'_>) -> PResult<StatusItem> {
    Ok(match c.atom()?.to_ascii_uppercase().as_str() {
        "MESSAGES" => StatusItem::Messages,
        "UIDNEXT" => StatusItem::UidNext,
        "UIDVALIDITY" => StatusItem::UidValidity,
        "UNSEEN" => StatusItem::Unseen,
        "DELETED" => StatusItem::Deleted,
        "SIZE" => StatusItem::Size,
        "RECENT" => StatusItem::Recent,
        "HIGHESTMODSEQ" => StatusItem::HighestModSeq,
        "APPENDLIMIT" => StatusItem::AppendLimit,
        "MAILBOXID" => StatusItem::MailboxId,
        other => return err(format!("Unknown STATUS item {}", echo(other))),
    })
}

/// `append = "APPEND" SP mailbox 1*append-message` (RFC 3502, RFC 9051 §9),
/// `append-message = [SP flag-list] [SP date-time] SP literal`.
fn append(c: &mut Cursor<'_>) -> PResult<CommandBody> {
    c.sp()?;
    let mailbox = c.mailbox()?;
    let mut messages = Vec::new();
    while c.eat(b' ') {
        let mut flags = Vec::new();
        let mut date = None;
        if c.peek() == Some(b'(') {
            flags = c.flag_list()?;
            c.sp()?;
        }
        if c.peek() == Some(b'"') {
            date = Some(c.date_time()?);
            c.sp()?;
        }
        // RFC 3516 §4.4: "UTF8 (" literal8 ")" from RFC 6855 is also accepted.
        let utf8 = c.eat_keyword("UTF8");
        if utf8 {
            c.sp()?;
            c.expect(b'(')?;
        }
        let (data, binary) = c.string8()?;
        if utf8 {
            c.expect(b')')?;
        }
        messages.push(AppendMessage {
            flags,
            date,
            data,
            binary,
        });
    }
    if messages.is_empty() {
        return err("APPEND needs a message literal");
    }
    Ok(CommandBody::Append { mailbox, messages })
}

/// `store = "STORE" SP sequence-set [SP "(" "UNCHANGEDSINCE" SP mod-sequence-value ")"]
/// SP store-att-flags` (RFC 9051 §9, RFC 7162 §3.1.3).
fn store(c: &mut Cursor<'_>, uid: UidMode) -> PResult<CommandBody> {
    c.sp()?;
    let sequence_set = c.sequence_set()?;
    c.sp()?;
    let mut unchanged_since = None;
    if c.eat(b'(') {
        if !c.eat_keyword("UNCHANGEDSINCE") {
            return err("Unknown STORE modifier");
        }
        c.sp()?;
        unchanged_since = Some(c.number64()?);
        c.expect(b')')?;
        c.sp()?;
    }
    let kind = if c.eat(b'+') {
        StoreKind::Add
    } else if c.eat(b'-') {
        StoreKind::Remove
    } else {
        StoreKind::Replace
    };
    let what = c.atom()?.to_ascii_uppercase();
    let response = match what.as_str() {
        "FLAGS" => StoreResponse::Answer,
        "FLAGS.SILENT" => StoreResponse::Silent,
        _ => return err("Expected FLAGS, +FLAGS or -FLAGS"),
    };
    c.sp()?;
    // RFC 9051 §9: store-att-flags = ... (flag-list / (flag *(SP flag)))
    let flags = if c.peek() == Some(b'(') {
        c.flag_list()?
    } else {
        let mut f = vec![c.flag()?];
        while c.eat(b' ') {
            f.push(c.flag()?);
        }
        f
    };
    Ok(CommandBody::Store {
        sequence_set,
        kind,
        response,
        flags,
        unchanged_since,
        uid,
    })
}

fn copy_move(c: &mut Cursor<'_>, uid: UidMode, is_move: bool) -> PResult<CommandBody> {
    c.sp()?;
    let sequence_set = c.sequence_set()?;
    c.sp()?;
    let mailbox = c.mailbox()?;
    Ok(if is_move {
        CommandBody::Move {
            sequence_set,
            mailbox,
            uid,
        }
    } else {
        CommandBody::Copy {
            sequence_set,
            mailbox,
            uid,
        }
    })
}
