//! The CAPABILITY list (RFC 9051 §6.1.1): what is advertised is what is
//! implemented, and it depends on the connection's state.

/// Where the session is, as far as capabilities go.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum CapState {
    /// Clear text, before STARTTLS.
    PlainPreAuth,
    /// TLS, before login.
    TlsPreAuth,
    /// Logged in.
    Authenticated,
}

/// Capabilities for a state; `max_literal` is APPENDLIMIT.
pub(crate) fn capabilities(state: CapState, max_literal: u64) -> Vec<String> {
    let mut c: Vec<String> = vec!["IMAP4rev1".into(), "IMAP4rev2".into()];
    match state {
        CapState::PlainPreAuth => {
            // RFC 9051 §6.2.1, §11.1: no password in clear.
            c.extend(["STARTTLS", "LOGINDISABLED"].map(String::from));
        }
        CapState::TlsPreAuth => {
            c.extend(["AUTH=PLAIN", "SASL-IR"].map(String::from));
        }
        CapState::Authenticated => {}
    }
    c.extend(
        [
            "LITERAL+",
            "ENABLE",
            "ID",
            "IDLE",
            "NAMESPACE",
            "UNSELECT",
            "UIDPLUS",
            "MOVE",
            "CHILDREN",
            "LIST-EXTENDED",
            "LIST-STATUS",
            "SPECIAL-USE",
            "CREATE-SPECIAL-USE",
            "ESEARCH",
            "SEARCHRES",
            "SORT",
            "SORT=DISPLAY",
            "ESORT",
            "CONTEXT=SEARCH",
            "CONTEXT=SORT",
            "THREAD=ORDEREDSUBJECT",
            "THREAD=REFERENCES",
            "WITHIN",
            "CONDSTORE",
            "QRESYNC",
            "QUOTA",
            "QUOTA=RES-STORAGE",
            "STATUS=SIZE",
            "BINARY",
            "UTF8=ACCEPT",
            "ACL",
            "OBJECTID",
            "MULTIAPPEND",
        ]
        .map(String::from),
    );
    c.push(format!("APPENDLIMIT={max_literal}"));
    c
}
