//! One function per command, grouped one file per command family (the
//! same names as in `vesontio-imap-proto`). Each takes the session and a
//! vector for its untagged replies, and returns the tagged outcome; none
//! writes to the socket.

pub(crate) mod acl;
pub(crate) mod any;
pub(crate) mod append;
pub(crate) mod auth;
pub(crate) mod context;
pub(crate) mod copy;
pub(crate) mod expunge;
pub(crate) mod fetch;
pub(crate) mod list;
pub(crate) mod mailboxes;
pub(crate) mod quota;
pub(crate) mod search;
pub(crate) mod select;
pub(crate) mod sort;
pub(crate) mod store;
pub(crate) mod thread;

use vesontio_imap_proto::parser::echo;
use vesontio_imap_proto::{Code, CommandBody, Flag, Response};
use vesontio_store::Account;

use crate::error::{CmdError, CmdResult};
use crate::selected::Selected;
use crate::session::Session;

/// What the loop does after a command.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Next {
    Continue,
    /// Send the OK, then start TLS.
    StartTls,
    /// Send the replies, then close.
    Logout,
}

/// Runs a command. `None` as the result means "no tagged reply yet"
/// (AUTHENTICATE waiting for the client's SASL response).
pub(crate) async fn dispatch(
    s: &mut Session,
    tag: &str,
    body: CommandBody,
    out: &mut Vec<Response>,
) -> (Option<CmdResult>, Next) {
    use CommandBody as C;
    let r = match body {
        C::Capability => any::capability(s, out),
        C::Noop | C::Check => any::noop(),
        C::Logout => {
            out.push(Response::bye("Logging out"));
            s.conn.set_state(vesontio_imap_proto::State::Logout);
            return (
                Some(Ok(crate::error::Done::ok("LOGOUT completed"))),
                Next::Logout,
            );
        }
        C::StartTls => {
            if s.tls {
                Err(CmdError::bad("TLS is already active"))
            } else {
                return (
                    Some(Ok(crate::error::Done::ok("Begin TLS negotiation now"))),
                    Next::StartTls,
                );
            }
        }
        C::Login { username, password } => auth::login(s, &username, password.expose(), out).await,
        C::Authenticate {
            mechanism,
            initial_response,
        } => match auth::authenticate(s, &mechanism, initial_response) {
            Ok(Some(data)) => auth::plain(s, &data, out).await,
            Ok(None) => return (None, Next::Continue),
            Err(e) => Err(e),
        },
        C::Enable(caps) => any::enable(s, &caps, out),
        C::Id(_) => any::id(out),
        C::Namespace => any::namespace(out),
        C::Select {
            mailbox,
            mode,
            condstore,
            qresync,
        } => select::select(s, mailbox.as_str(), mode, condstore, qresync, out).await,
        C::Close => select::close(s).await,
        C::Unselect => select::unselect(s),
        C::Create {
            mailbox,
            special_use,
        } => mailboxes::create(s, mailbox.as_str(), &special_use).await,
        C::Delete(m) => mailboxes::delete(s, m.as_str()).await,
        C::Rename { from, to } => mailboxes::rename(s, from.as_str(), to.as_str()).await,
        C::Subscribe(m) => mailboxes::subscribe(s, m.as_str(), true).await,
        C::Unsubscribe(m) => mailboxes::subscribe(s, m.as_str(), false).await,
        C::Status { mailbox, items } => mailboxes::status(s, mailbox.as_str(), &items, out).await,
        C::List {
            selection,
            reference,
            patterns,
            return_opts,
        } => list::list(s, &selection, &reference, &patterns, &return_opts, out).await,
        C::Lsub { reference, pattern } => list::lsub(s, &reference, &pattern, out).await,
        C::Append { mailbox, messages } => append::append(s, mailbox.as_str(), messages, out).await,
        C::Idle => Err(CmdError::bad("IDLE is handled by the connection")),
        C::Expunge { uids } => expunge::expunge(s, uids.as_ref(), out).await,
        C::Search {
            return_opts,
            charset,
            criteria,
            uid,
        } => search::search(s, tag, return_opts, charset, &criteria, uid, out).await,
        C::Sort {
            return_opts,
            criteria,
            charset,
            search,
            uid,
        } => sort::sort(s, tag, return_opts, &criteria, &charset, &search, uid, out).await,
        C::Thread {
            algorithm,
            charset,
            search,
            uid,
        } => thread::thread(s, algorithm, &charset, &search, uid, out).await,
        C::CancelUpdate(tags) => context::cancel(s, &tags),
        C::Fetch {
            sequence_set,
            items,
            uid,
            changed_since,
            vanished,
        } => fetch::fetch(s, &sequence_set, &items, uid, changed_since, vanished, out).await,
        C::Store {
            sequence_set,
            kind,
            response,
            flags,
            unchanged_since,
            uid,
        } => {
            store::store(
                s,
                &sequence_set,
                kind,
                response,
                &flags,
                unchanged_since,
                uid,
                out,
            )
            .await
        }
        C::Copy {
            sequence_set,
            mailbox,
            uid,
        } => {
            copy::copy(
                s,
                &sequence_set,
                mailbox.as_str(),
                uid,
                copy::Mode::Copy,
                out,
            )
            .await
        }
        C::Move {
            sequence_set,
            mailbox,
            uid,
        } => {
            copy::copy(
                s,
                &sequence_set,
                mailbox.as_str(),
                uid,
                copy::Mode::Move,
                out,
            )
            .await
        }
        C::GetQuota(root) => quota::get_quota(s, &root, out).await,
        C::GetQuotaRoot(m) => quota::get_quota_root(s, m.as_str(), out).await,
        C::SetQuota { .. } => Err(CmdError::no(
            Code::NoPerm,
            "Quotas are set by the administrators; ask for more room in the webmail",
        )),
        C::MyRights(m) => acl::my_rights(s, m.as_str(), out).await,
        C::GetAcl(m) => acl::get_acl(s, m.as_str(), out).await,
        C::ListRights {
            mailbox,
            identifier,
        } => acl::list_rights(s, mailbox.as_str(), &identifier, out).await,
        C::SetAcl { .. } | C::DeleteAcl { .. } => Err(CmdError::no(
            Code::NoPerm,
            "Access to functional mailboxes is managed by the administrators",
        )),
    };
    (Some(r), Next::Continue)
}

/// The logged-in account (the state table guarantees one).
pub(crate) fn account(s: &Session) -> Result<Account, CmdError> {
    s.account
        .clone()
        .ok_or_else(|| CmdError::bad("Not authenticated"))
}

/// The selected mailbox (the state table guarantees one).
pub(crate) fn selected(s: &mut Session) -> Result<&mut Selected, CmdError> {
    s.selected
        .as_mut()
        .ok_or_else(|| CmdError::bad("No mailbox selected"))
}

/// Flags to store: `\Recent` and `\*` cannot be set (RFC 9051 §2.3.2).
pub(crate) fn storable(flags: &[Flag]) -> Vec<String> {
    flags
        .iter()
        .filter(|f| !matches!(f, Flag::Recent | Flag::Wildcard))
        .map(|f| f.to_string())
        .collect()
}

/// `NO [NONEXISTENT]` for a name that designates nothing.
pub(crate) fn nonexistent(name: &str) -> CmdError {
    CmdError::no(
        Code::NonExistent,
        format!("No such mailbox: {}", echo(name)),
    )
}

/// Turns CONDSTORE on for a CONDSTORE-enabling command (RFC 7162 §3.1:
/// SELECT/EXAMINE (CONDSTORE), FETCH MODSEQ or CHANGEDSINCE, STORE
/// UNCHANGEDSINCE, SEARCH MODSEQ, ENABLE). RFC 7162 §3.1: the first one
/// issued while a mailbox is selected gets `* OK [HIGHESTMODSEQ n]` first.
pub(crate) fn enable_condstore(s: &mut Session, out: &mut Vec<Response>) {
    if s.enabled.condstore {
        return;
    }
    s.enabled.condstore = true;
    if let Some(sel) = &s.selected {
        out.push(Response::untagged_ok(
            Some(Code::HighestModSeq(sel.highest_modseq)),
            "Highest",
        ));
    }
}
