use std::fmt;
use std::net::IpAddr;

use crate::Address;

/// One entry of a list of senders, as an administrator writes it: an
/// address (`lettre@ac-demo.fr`), a domain and its sub-domains
/// (`partenaire.example`), or a client address or network (`192.0.2.7`,
/// `2001:db8::/32`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SenderPattern {
    /// Normalised ([`Address::normalized`]).
    Address(String),
    /// Lower case, without a trailing dot.
    Domain(String),
    /// A network in CIDR notation (a single address has the full prefix).
    Network { addr: IpAddr, prefix: u8 },
}

impl SenderPattern {
    /// Parses one entry; the error says which form was expected.
    pub fn parse(s: &str) -> Result<SenderPattern, String> {
        let s = s.trim();
        if s.contains('@') {
            return Address::parse(s)
                .map(|a| SenderPattern::Address(a.normalized()))
                .map_err(|e| e.to_string());
        }
        let (ip, prefix) = match s.split_once('/') {
            Some((ip, p)) => (ip, Some(p)),
            None => (s, None),
        };
        if let Ok(addr) = ip.parse::<IpAddr>() {
            let max = if addr.is_ipv4() { 32 } else { 128 };
            let prefix = match prefix {
                None => max,
                Some(p) => match p.parse::<u8>() {
                    Ok(p) if p <= max => p,
                    _ => return Err(format!("{s:?}: the prefix length must be 0 to {max}")),
                },
            };
            return Ok(SenderPattern::Network { addr, prefix });
        }
        let domain = s.trim_end_matches('.').to_ascii_lowercase();
        let label_ok = |l: &str| {
            !l.is_empty()
                && !l.starts_with('-')
                && !l.ends_with('-')
                && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        };
        if prefix.is_none() && domain.contains('.') && domain.split('.').all(label_ok) {
            return Ok(SenderPattern::Domain(domain));
        }
        Err(format!(
            "{s:?} is not an address, a domain or an IP network (such as \"lettre@ac-demo.fr\", \
             \"partenaire.example\", \"192.0.2.0/24\")"
        ))
    }

    /// True when mail from `sender`, coming from `client`, is covered.
    pub fn matches(&self, sender: &Address, client: IpAddr) -> bool {
        match self {
            SenderPattern::Address(a) => sender.normalized() == *a,
            SenderPattern::Domain(d) => {
                let sd = sender.domain().trim_end_matches('.');
                sd == d || sd.ends_with(&format!(".{d}"))
            }
            SenderPattern::Network { addr, prefix } => in_network(client, *addr, *prefix),
        }
    }
}

/// Whether `ip` is in `net/prefix` (IPv4-mapped IPv6 clients count as IPv4).
fn in_network(ip: IpAddr, net: IpAddr, prefix: u8) -> bool {
    let ip = match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    };
    match (ip, net) {
        (IpAddr::V4(a), IpAddr::V4(n)) => {
            let mask = u32::MAX.checked_shl(32 - u32::from(prefix)).unwrap_or(0);
            u32::from(a) & mask == u32::from(n) & mask
        }
        (IpAddr::V6(a), IpAddr::V6(n)) => {
            let mask = u128::MAX.checked_shl(128 - u32::from(prefix)).unwrap_or(0);
            u128::from(a) & mask == u128::from(n) & mask
        }
        _ => false,
    }
}

impl fmt::Display for SenderPattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SenderPattern::Address(a) | SenderPattern::Domain(a) => f.write_str(a),
            SenderPattern::Network { addr, prefix } => write!(f, "{addr}/{prefix}"),
        }
    }
}
