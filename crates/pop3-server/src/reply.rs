//! How a refused login reads on the wire (RFC 2449 §8, RFC 3206), and the
//! reason recorded in the audit log.

use vesontio_directory::AuthError;
use vesontio_pop3_proto::ErrCode;

/// The answer to a refused login.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthReply {
    pub code: ErrCode,
    /// Text after `-ERR [CODE] `.
    pub text: String,
    /// Short reason for the audit log (R11).
    pub reason: &'static str,
}

/// Maps a directory refusal to its POP3 reply. `hostname` names the webmail
/// for R26; `error_id` is quoted for a store failure, whose details go to
/// the log line carrying the same id, never to the client.
pub fn auth_reply(err: &AuthError, hostname: &str, error_id: &str) -> AuthReply {
    match err {
        AuthError::Invalid => AuthReply {
            code: ErrCode::Auth,
            text: "authentication failed".into(),
            reason: "invalid-credentials",
        },
        // RFC 2449 §8.1.1 LOGIN-DELAY: the client may retry later.
        AuthError::Locked { retry_after } => AuthReply {
            code: ErrCode::LoginDelay,
            text: format!("too many failed attempts, retry in {retry_after} s"),
            reason: "locked",
        },
        // R26: an administrator set the password; it is changed in the
        // webmail before any other client may use it.
        AuthError::MustChangePassword(_) => AuthReply {
            code: ErrCode::Auth,
            text: format!(
                "your password was set by an administrator: change it in the webmail \
                 (https://{hostname}/) before using POP3"
            ),
            reason: "must-change-password",
        },
        AuthError::Disabled => AuthReply {
            code: ErrCode::Auth,
            text: "account disabled".into(),
            reason: "disabled",
        },
        // RFC 3206 §4 SYS/TEMP: a failure of ours, the client may retry.
        AuthError::Store(_) => AuthReply {
            code: ErrCode::SysTemp,
            text: format!("temporary server failure, try again later (error id {error_id})"),
            reason: "server-error",
        },
    }
}
