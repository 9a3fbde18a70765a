//! What the session asks of the server.

use vesontio_types::Secret;

/// Something the server must act on. Events marked "answer" pause the
/// session: no further command is read until the server calls the named
/// method.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// Check these credentials. Answer: `auth_ok(maildrop)` or
    /// `auth_failed(code, text)`.
    Authenticate {
        user: String,
        password: Secret<String>,
        mechanism: Mechanism,
    },
    /// Send message `index` (0-based; the client said `index + 1`), the whole
    /// of it (`top_lines == None`, RETR) or its header and that many body
    /// lines (TOP). Answer: `send_message(raw)` (or the streaming
    /// `start_message` / `message_chunk` / `finish_message`) or `send_error`.
    Retrieve {
        index: usize,
        top_lines: Option<u32>,
    },
    /// QUIT in TRANSACTION (RFC 1939 §6): remove these messages (0-based,
    /// ascending, possibly empty), then answer `update_done(result)`.
    Update { deleted: Vec<usize> },
    /// `+OK` to STLS is in the output: flush it, do the TLS handshake, then
    /// answer `tls_established()` (or drop the connection if it fails).
    StartTls,
    /// The client sent NOOP (already answered). Informational.
    Noop,
    /// Flush the output and close the connection. No answer.
    Close { reason: CloseReason },
}

/// How the client authenticated, for the connection log (R11).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Mechanism {
    /// RFC 1939 §7 USER + PASS.
    UserPass,
    /// RFC 5034 AUTH PLAIN (RFC 4616).
    Plain,
}

/// Why the session ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CloseReason {
    /// The client sent QUIT.
    Quit,
    /// `max_bad_commands` reached.
    TooManyBadCommands,
    /// `max_auth_failures` reached.
    TooManyAuthFailures,
    /// The server called `abort`.
    Aborted,
}
