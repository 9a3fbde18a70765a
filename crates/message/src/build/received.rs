//! The `Received` trace field (RFC 5321 §4.4).

use std::net::IpAddr;

use vesontio_types::{Address, UnixTime};

use crate::date::format_rfc5322_date;

/// The `with` clause of a `Received` field: RFC 3848 (ESMTP variants) and
/// RFC 6531 §3.7.3 (UTF8 variants).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WithProtocol {
    Smtp,
    Esmtp,
    Esmtpa,
    Esmtps,
    Esmtpsa,
    Utf8Smtp,
    Utf8Smtpa,
    Utf8Smtps,
    Utf8Smtpsa,
    Lmtp,
    /// Received over HTTP (webmail submission).
    Http,
}

impl WithProtocol {
    /// The protocol for a session: EHLO or HELO, over TLS or not,
    /// authenticated or not, SMTPUTF8 used or not.
    pub fn for_session(ehlo: bool, tls: bool, auth: bool, utf8: bool) -> Self {
        use WithProtocol::*;
        match (ehlo, utf8, tls, auth) {
            (false, _, _, _) => Smtp,
            (true, false, false, false) => Esmtp,
            (true, false, false, true) => Esmtpa,
            (true, false, true, false) => Esmtps,
            (true, false, true, true) => Esmtpsa,
            (true, true, false, false) => Utf8Smtp,
            (true, true, false, true) => Utf8Smtpa,
            (true, true, true, false) => Utf8Smtps,
            (true, true, true, true) => Utf8Smtpsa,
        }
    }

    pub fn as_str(self) -> &'static str {
        use WithProtocol::*;
        match self {
            Smtp => "SMTP",
            Esmtp => "ESMTP",
            Esmtpa => "ESMTPA",
            Esmtps => "ESMTPS",
            Esmtpsa => "ESMTPSA",
            Utf8Smtp => "UTF8SMTP",
            Utf8Smtpa => "UTF8SMTPA",
            Utf8Smtps => "UTF8SMTPS",
            Utf8Smtpsa => "UTF8SMTPSA",
            Lmtp => "LMTP",
            Http => "HTTP",
        }
    }
}

/// A complete `Received:` field with its CRLF, to prepend to the message.
///
/// RFC 5321 §4.4: `from` carries the client's HELO name and, in a comment,
/// its IP address as a domain literal (`[IPv6:...]` for IPv6, §4.1.3);
/// `for` names the recipient when there is exactly one. The HELO name comes
/// from the peer: characters that could break the field are replaced.
pub fn received_header(
    from_helo: &str,
    from_ip: IpAddr,
    by_host: &str,
    protocol: WithProtocol,
    id: &str,
    for_rcpt: Option<&Address>,
    date: UnixTime,
) -> String {
    let helo = token(from_helo, 255);
    let helo = if helo.is_empty() {
        "unknown".to_string()
    } else {
        helo
    };
    let ip = match from_ip {
        IpAddr::V4(v4) => format!("[{v4}]"),
        IpAddr::V6(v6) => format!("[IPv6:{v6}]"),
    };
    let mut value = format!(
        "from {helo} ({ip}) by {} with {} id {}",
        token(by_host, 255),
        protocol.as_str(),
        token(id, 64)
    );
    if let Some(r) = for_rcpt {
        value.push_str(&format!(" for <{}>", token(&r.to_string(), 256)));
    }
    value.push_str(&format!("; {}", format_rfc5322_date(date)));
    let mut out = String::new();
    super::push_field(&mut out, "Received", &value);
    out
}

/// Printable ASCII without characters that would end or restructure the
/// clause (`;`, parentheses, angle brackets, spaces), bounded in length.
fn token(s: &str, max: usize) -> String {
    s.chars()
        .take(max)
        .map(|c| {
            if c.is_ascii_graphic() && !";()<>\\\"".contains(c) {
                c
            } else {
                '?'
            }
        })
        .collect()
}
