//! What the server tells the session: its settings, the maildrop it opened,
//! and the RFC 2449 §8 / RFC 3206 response codes it may attach to an error.

/// RFC 2449 §4: "Keywords and arguments ... a command line is limited to 255
/// octets, including the terminating CRLF."
pub const RFC_MAX_COMMAND_LINE: usize = 255;

/// What the server should pass as [`Config::max_line`]: RFC 2449 §4 fixes 255
/// octets for commands, but a lenient server accepts somewhat longer lines
/// (long user names, AUTH PLAIN initial responses) before refusing them.
pub const RECOMMENDED_MAX_LINE: usize = 1024;

/// Settings of one session, fixed when it starts (the server lowers its
/// configuration into this; there is deliberately no `Default`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    /// Host name shown in the greeting and the sign-off line.
    pub greeting_host: String,
    /// The connection is already encrypted (port 995, RFC 8314 implicit TLS).
    pub tls_active: bool,
    /// The server can upgrade this connection with STLS (RFC 2595 §4).
    pub stls_available: bool,
    /// Accept USER/PASS and AUTH on a connection without TLS. Off in
    /// production: plaintext passwords never cross an unencrypted link.
    pub allow_plaintext_auth: bool,
    /// Longest accepted command line in octets, including CRLF. Longer
    /// lines are answered `-ERR line too long` and skipped without being
    /// buffered. RFC 2449 §4 says 255 ([`RFC_MAX_COMMAND_LINE`]); pass
    /// [`RECOMMENDED_MAX_LINE`] to be lenient. SASL response lines after
    /// `+ ` may always be up to 1026 octets (the longest PLAIN response).
    pub max_line: usize,
    /// Value of the RFC 2449 §6.9 IMPLEMENTATION capability.
    pub implementation: String,
    /// RFC 2449 §6.7 EXPIRE: days the server keeps messages once retrieved;
    /// `None` advertises `EXPIRE NEVER`.
    pub expire: Option<u32>,
    /// After this many bad commands (unknown, syntax, wrong state, too long)
    /// the session answers a last `-ERR` and closes.
    pub max_bad_commands: u32,
    /// After this many `[AUTH]` failures the session closes.
    pub max_auth_failures: u32,
}

/// Response codes a `-ERR` may carry (RFC 2449 §8, RFC 3206).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrCode {
    /// RFC 2449 §8.1.2 `[IN-USE]`: the maildrop is locked by another session.
    InUse,
    /// RFC 2449 §8.1.1 `[LOGIN-DELAY]`: logged in too recently.
    LoginDelay,
    /// RFC 3206 §5 `[AUTH]`: the credentials (or their transport) are refused.
    Auth,
    /// RFC 3206 §4 `[SYS/TEMP]`: temporary system problem, try later.
    SysTemp,
    /// RFC 3206 §4 `[SYS/PERM]`: permanent system problem, call an administrator.
    SysPerm,
}

impl ErrCode {
    /// The code as written on the wire, without brackets.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrCode::InUse => "IN-USE",
            ErrCode::LoginDelay => "LOGIN-DELAY",
            ErrCode::Auth => "AUTH",
            ErrCode::SysTemp => "SYS/TEMP",
            ErrCode::SysPerm => "SYS/PERM",
        }
    }
}

/// One message of the maildrop, in the order the server wants it numbered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MessageInfo {
    /// RFC 1939 §11: the exact size the client will receive, i.e. the message
    /// after CRLF normalisation (a final CRLF added if missing), *not*
    /// counting byte-stuffing nor the terminating `.CRLF`. Compute it with
    /// [`crate::octet_size`] on the raw bytes (or store it at delivery).
    pub size: u64,
    /// RFC 1939 §7 unique-id: 1 to 70 characters in 0x21..=0x7E, stable
    /// across sessions. The server guarantees this; it is sent as is.
    pub uidl: String,
}

/// The maildrop opened for a session after a successful login. Message `k`
/// (1-based on the wire) is `messages[k - 1]`, fixed for the whole session.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Maildrop {
    pub messages: Vec<MessageInfo>,
}
