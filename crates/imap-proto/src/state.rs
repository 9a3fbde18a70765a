//! Connection states and which commands each allows (RFC 9051 §3, §6).

/// RFC 9051 §3: the four connection states.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum State {
    /// Before LOGIN/AUTHENTICATE.
    NotAuthenticated,
    /// Logged in, no mailbox selected.
    Authenticated,
    /// A mailbox is selected.
    Selected,
    /// LOGOUT was processed; nothing more is read.
    Logout,
}

/// Where a command is valid.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Allowed {
    /// Any state (RFC 9051 §6.1).
    Any,
    /// Not authenticated only (§6.2).
    NotAuth,
    /// Authenticated only (ENABLE, RFC 5161 §3.1).
    AuthOnly,
    /// Authenticated or selected (§6.3).
    Auth,
    /// Selected only (§6.4).
    Selected,
}

/// The table: command name (as [`crate::CommandBody::name`] spells it) to states.
const TABLE: &[(&str, Allowed)] = &[
    ("CAPABILITY", Allowed::Any),
    ("NOOP", Allowed::Any),
    ("LOGOUT", Allowed::Any),
    ("ID", Allowed::Any),
    ("STARTTLS", Allowed::NotAuth),
    ("AUTHENTICATE", Allowed::NotAuth),
    ("LOGIN", Allowed::NotAuth),
    ("ENABLE", Allowed::AuthOnly),
    ("SELECT", Allowed::Auth),
    ("EXAMINE", Allowed::Auth),
    ("CREATE", Allowed::Auth),
    ("DELETE", Allowed::Auth),
    ("RENAME", Allowed::Auth),
    ("SUBSCRIBE", Allowed::Auth),
    ("UNSUBSCRIBE", Allowed::Auth),
    ("LIST", Allowed::Auth),
    ("LSUB", Allowed::Auth),
    ("NAMESPACE", Allowed::Auth),
    ("STATUS", Allowed::Auth),
    ("APPEND", Allowed::Auth),
    ("IDLE", Allowed::Auth),
    ("GETQUOTA", Allowed::Auth),
    ("GETQUOTAROOT", Allowed::Auth),
    ("SETQUOTA", Allowed::Auth),
    ("GETACL", Allowed::Auth),
    ("SETACL", Allowed::Auth),
    ("DELETEACL", Allowed::Auth),
    ("LISTRIGHTS", Allowed::Auth),
    ("MYRIGHTS", Allowed::Auth),
    ("CHECK", Allowed::Selected),
    ("CLOSE", Allowed::Selected),
    ("UNSELECT", Allowed::Selected),
    ("EXPUNGE", Allowed::Selected),
    ("SEARCH", Allowed::Selected),
    ("SORT", Allowed::Selected),
    ("THREAD", Allowed::Selected),
    ("CANCELUPDATE", Allowed::Selected),
    ("FETCH", Allowed::Selected),
    ("STORE", Allowed::Selected),
    ("COPY", Allowed::Selected),
    ("MOVE", Allowed::Selected),
    ("UID", Allowed::Selected),
];

/// Checks whether command `name` may run in `state`; the error is the text of
/// the `BAD` reply. Unknown names pass (the parser rejects them).
pub fn check(state: State, name: &str) -> Result<(), String> {
    let upper = name.to_ascii_uppercase();
    let Some((_, allowed)) = TABLE.iter().find(|(n, _)| *n == upper) else {
        return Ok(());
    };
    let ok = match (allowed, state) {
        (_, State::Logout) => false,
        (Allowed::Any, _) => true,
        (Allowed::NotAuth, s) => s == State::NotAuthenticated,
        (Allowed::AuthOnly, s) => s == State::Authenticated,
        (Allowed::Auth, s) => s == State::Authenticated || s == State::Selected,
        (Allowed::Selected, s) => s == State::Selected,
    };
    if ok {
        return Ok(());
    }
    Err(match (allowed, state) {
        (_, State::Logout) => "Connection is logging out".to_string(),
        (Allowed::NotAuth, _) => format!("{upper} is only valid before authentication"),
        (Allowed::AuthOnly, State::Selected) => {
            format!("{upper} is only valid in authenticated state; UNSELECT first")
        }
        (_, State::NotAuthenticated) => format!("{upper} requires authentication; LOGIN first"),
        (Allowed::Selected, _) => format!("{upper} requires a selected mailbox; SELECT first"),
        _ => format!("{upper} is not valid in this state"),
    })
}
