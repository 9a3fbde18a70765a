//! R11 audit events of the IMAP service: one `connection` event per login
//! attempt. Never message content, never a password.

use std::net::IpAddr;

use vesontio_store::Store;
use vesontio_types::UnixTime;

/// How the client tried to log in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Mechanism {
    Login,
    Plain,
}

impl Mechanism {
    fn as_str(self) -> &'static str {
        match self {
            Mechanism::Login => "login",
            Mechanism::Plain => "plain",
        }
    }
}

/// One login attempt. `reason` is `None` on success.
pub(crate) async fn login(
    store: &Store,
    now: UnixTime,
    account: &str,
    ip: IpAddr,
    mech: Mechanism,
    reason: Option<&str>,
) {
    let attempt = vesontio_access::LoginAttempt {
        service: "imap",
        account,
        ip,
        mechanism: mech.as_str(),
        failure: reason,
    };
    vesontio_access::consequences::login(store, now, attempt).await;
}
