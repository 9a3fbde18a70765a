//! The R11 traceability record of one SMTP connection: protocol, client,
//! account, success or failure of logins, messages accepted. Never message
//! content, never a password.

use std::net::IpAddr;

use serde_json::{Value, json};
use vesontio_types::UnixTime;

use crate::Listener;

/// How the session ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum End {
    Quit,
    ClientClosed,
    Timeout,
    Shutdown,
    TooManyErrors,
    TlsFailed,
    IoError,
}

impl End {
    fn as_str(self) -> &'static str {
        match self {
            End::Quit => "quit",
            End::ClientClosed => "client_closed",
            End::Timeout => "timeout",
            End::Shutdown => "shutdown",
            End::TooManyErrors => "too_many_errors",
            End::TlsFailed => "tls_failed",
            End::IoError => "io_error",
        }
    }
}

/// One AUTH attempt: the login given and the outcome.
#[derive(Debug, Clone)]
pub(crate) struct AuthAttempt {
    pub(crate) login: String,
    /// `success`, or the reason of the failure (`invalid`, `locked`,
    /// `must_change_password`, `disabled`, `store_error`).
    pub(crate) result: &'static str,
    pub(crate) at: UnixTime,
}

/// Accumulated during the session, appended once at its end.
#[derive(Debug, Clone)]
pub(crate) struct ConnectionRecord {
    pub(crate) session_id: String,
    pub(crate) listener: Listener,
    pub(crate) client_ip: IpAddr,
    pub(crate) started_at: UnixTime,
    pub(crate) helo: Option<String>,
    pub(crate) tls: Option<String>,
    pub(crate) account: Option<String>,
    pub(crate) auth: Vec<AuthAttempt>,
    /// Messages acknowledged with `250` after DATA.
    pub(crate) messages: u32,
    /// Messages refused after DATA (by the session or the delivery path).
    pub(crate) refused: u32,
    pub(crate) end: Option<End>,
}

impl ConnectionRecord {
    pub(crate) fn new(
        session_id: String,
        listener: Listener,
        client_ip: IpAddr,
        now: UnixTime,
    ) -> Self {
        ConnectionRecord {
            session_id,
            listener,
            client_ip,
            started_at: now,
            helo: None,
            tls: None,
            account: None,
            auth: Vec::new(),
            messages: 0,
            refused: 0,
            end: None,
        }
    }

    /// The JSON object of the `connection` audit event.
    pub(crate) fn to_json(&self, now: UnixTime) -> Value {
        let success = match self.auth.last() {
            // A session that tried to log in succeeded only if it ended logged in.
            Some(_) => self.account.is_some(),
            None => true,
        };
        json!({
            "protocol": self.listener.protocol().as_str(),
            "listener": self.listener.as_str(),
            "session": self.session_id,
            "client_ip": self.client_ip.to_string(),
            "helo": self.helo,
            "tls": self.tls.is_some(),
            "tls_version": self.tls,
            "account": self.account,
            "auth": self.auth.iter().map(|a| json!({
                "login": a.login,
                "result": a.result,
                "at": a.at,
            })).collect::<Vec<_>>(),
            "success": success,
            "messages": self.messages,
            "refused": self.refused,
            "started_at": self.started_at,
            "duration_secs": now - self.started_at,
            "end": self.end.map(End::as_str),
        })
    }
}
