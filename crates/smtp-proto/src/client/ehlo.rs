//! The EHLO reply: RFC 5321 §4.1.1.1 `ehlo-line = ehlo-keyword *( SP ehlo-param )`.

use crate::reply::Reply;

/// The service extensions a peer announced that this client uses.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Extensions {
    /// RFC 1870: `Some(0)` means no fixed limit.
    pub size: Option<u64>,
    pub pipelining: bool,
    pub eight_bit_mime: bool,
    pub smtputf8: bool,
    pub enhanced_status_codes: bool,
    pub dsn: bool,
    pub starttls: bool,
    pub chunking: bool,
    /// Mechanism names of `AUTH`, upper-cased.
    pub auth: Vec<String>,
}

impl Extensions {
    /// Reads the keyword lines (all but the first) of a 250 EHLO reply.
    pub fn parse(reply: &Reply) -> Self {
        let mut e = Extensions::default();
        for line in reply.lines().skip(1) {
            let mut words = line.split_ascii_whitespace();
            let Some(kw) = words.next() else { continue };
            match kw.to_ascii_uppercase().as_str() {
                "SIZE" => e.size = Some(words.next().and_then(|n| n.parse().ok()).unwrap_or(0)),
                "PIPELINING" => e.pipelining = true,
                "8BITMIME" => e.eight_bit_mime = true,
                "SMTPUTF8" => e.smtputf8 = true,
                "ENHANCEDSTATUSCODES" => e.enhanced_status_codes = true,
                "DSN" => e.dsn = true,
                "STARTTLS" => e.starttls = true,
                "CHUNKING" => e.chunking = true,
                "AUTH" => e.auth = words.map(str::to_ascii_uppercase).collect(),
                _ => {}
            }
        }
        e
    }
}
