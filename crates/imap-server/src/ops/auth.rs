//! LOGIN and AUTHENTICATE PLAIN (RFC 9051 §6.2.2, §6.2.3, RFC 4616,
//! SASL-IR RFC 4959), over TLS only.

use vesontio_access::SessionKind;
use vesontio_directory::AuthError;
use vesontio_imap_proto::{Code, Response, Secret as WireSecret, State};
use vesontio_types::Secret;

use crate::audit::{self, Mechanism};
use crate::error::{CmdError, CmdResult, Done};
use crate::session::Session;

/// RFC 9051 §6.2.3: LOGIN. Refused in clear text (LOGINDISABLED).
pub(crate) async fn login(
    s: &mut Session,
    user: &str,
    password: &[u8],
    out: &mut Vec<Response>,
) -> CmdResult {
    if !s.tls {
        return Err(privacy_required());
    }
    check(s, user, password, Mechanism::Login, out).await
}

fn privacy_required() -> CmdError {
    CmdError::no(
        Code::PrivacyRequired,
        "Passwords are only accepted over TLS: use STARTTLS or port 993",
    )
}

/// AUTHENTICATE: returns the initial response when there is one, `None`
/// after sending an empty challenge (the response comes as an event).
pub(crate) fn authenticate(
    s: &mut Session,
    mechanism: &str,
    initial: Option<WireSecret>,
) -> Result<Option<Vec<u8>>, CmdError> {
    if !s.tls {
        return Err(privacy_required());
    }
    if !mechanism.eq_ignore_ascii_case("PLAIN") {
        return Err(CmdError::no(
            Code::Cannot,
            format!("Unsupported mechanism {mechanism}; use PLAIN"),
        ));
    }
    match initial {
        Some(d) => Ok(Some(d.0)),
        None => {
            // RFC 4616 §2: the client sends the message after an empty challenge.
            s.conn.auth_challenge(b"");
            Ok(None)
        }
    }
}

/// RFC 4616 §2: `[authzid] NUL authcid NUL passwd`.
pub(crate) async fn plain(s: &mut Session, data: &[u8], out: &mut Vec<Response>) -> CmdResult {
    let mut parts = data.split(|&b| b == 0);
    let (Some(authz), Some(authc), Some(pass), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(CmdError::bad("Malformed PLAIN message"));
    };
    let authc = String::from_utf8_lossy(authc).into_owned();
    if !authz.is_empty() && !authz.eq_ignore_ascii_case(authc.as_bytes()) {
        return Err(CmdError::no(
            Code::AuthorizationFailed,
            "Logging in as another user is not allowed",
        ));
    }
    check(s, &authc, pass, Mechanism::Plain, out).await
}

/// Checks the credentials with the directory, audits the attempt (R11)
/// and enters the authenticated state.
async fn check(
    s: &mut Session,
    user: &str,
    password: &[u8],
    mech: Mechanism,
    out: &mut Vec<Response>,
) -> CmdResult {
    let store = s.shared.store.clone();
    let now = vesontio_store::now();
    let ip = s.peer.ip();
    let Ok(pw) = String::from_utf8(password.to_vec()) else {
        s.auth_failures += 1;
        audit::login(&store, now, user, ip, mech, Some("invalid")).await;
        return Err(failed());
    };
    let res = s
        .shared
        .directory
        .authenticate(user, &Secret::new(pw), ip, now)
        .await;
    let account = match res {
        Ok(a) => a,
        Err(e) => {
            let (reason, err) = match e {
                AuthError::Invalid | AuthError::Disabled => {
                    s.auth_failures += 1;
                    ("invalid", failed())
                }
                AuthError::Locked { retry_after } => (
                    "locked",
                    CmdError::no(
                        Code::Unavailable,
                        format!(
                            "Too many failed logins for this account or address; retry in {retry_after} s"
                        ),
                    ),
                ),
                AuthError::MustChangePassword(_) => (
                    "must-change-password",
                    // R26: say where to change it.
                    CmdError::Refused {
                        code: Some(Code::Alert),
                        text: format!(
                            "Your password was set by an administrator: change it in the webmail (https://{}/) first",
                            s.shared.cfg.hostname
                        ),
                    },
                ),
                AuthError::Store(e) => ("internal", CmdError::Internal(e)),
            };
            audit::login(&store, now, user, ip, mech, Some(reason)).await;
            return Err(err);
        }
    };
    let max = s.shared.cfg.max_sessions_per_account;
    let slot = match s
        .shared
        .sessions
        .take(account.id, SessionKind::Imap, max)
        .await
    {
        Ok(Some(slot)) => slot,
        Ok(None) => {
            audit::login(&store, now, user, ip, mech, Some("too-many-sessions")).await;
            return Err(CmdError::no(
                Code::Limit,
                "Too many simultaneous connections for this account; close another client",
            ));
        }
        Err(e) => {
            audit::login(&store, now, user, ip, mech, Some("internal")).await;
            return Err(CmdError::Internal(e));
        }
    };
    audit::login(&store, now, &account.address, ip, mech, None).await;
    // R16: warn above the configured share of the quota.
    if let Ok(q) = store.quota_usage(account.id).await
        && q.limit > 0
        && q.used.saturating_mul(100)
            >= q.limit
                .saturating_mul(i64::from(s.shared.cfg.quota_warning_percent))
    {
        let pct = q.used.saturating_mul(100) / q.limit;
        out.push(Response::untagged_ok(
            Some(Code::Alert),
            &format!(
                "Your mailbox is {pct}% full ({} of {} MB): delete messages or ask for more room in the webmail",
                q.used / 1_000_000,
                q.limit / 1_000_000
            ),
        ));
    }
    s.account = Some(account);
    s.slot = Some(slot);
    s.conn.set_state(State::Authenticated);
    Ok(Done::with(Code::Capability(s.capabilities()), "Logged in"))
}

fn failed() -> CmdError {
    CmdError::no(Code::AuthenticationFailed, "Authentication failed")
}
