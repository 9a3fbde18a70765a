//! The DNS answers outbound mail needs, behind a trait so that tests and the
//! offline mode (`[dns] mode = "static"`) never send a query.
//!
//! Two implementations: [`StaticDns`] (a table filled from the config or by a
//! test) and [`SystemDns`] (the system resolver through mail-auth's hickory
//! resolver, for production).

use std::collections::HashMap;
use std::future::Future;
use std::net::IpAddr;
use std::pin::Pin;

use mail_auth::common::cache::NoCache;
use mail_auth::{MX, MessageAuthenticator, RecordSet};

/// A boxed future, as returned by the object-safe traits of this module.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// Why a lookup gave no answer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DnsError {
    /// NXDOMAIN: the name does not exist (a permanent condition).
    #[error("domain does not exist")]
    NxDomain,
    /// SERVFAIL, timeout, no server: try again later.
    #[error("temporary DNS failure: {0}")]
    Temporary(String),
}

/// The lookups of RFC 5321 §5.1. An empty `Ok` means the name exists but has
/// no record of that type (NODATA).
pub trait MxResolver: Send + Sync {
    /// MX records `(preference, exchange)` of `domain`, in any order.
    fn mx<'a>(&'a self, domain: &'a str) -> BoxFuture<'a, Result<Vec<(u16, String)>, DnsError>>;
    /// A and AAAA records of `host`.
    fn ips<'a>(&'a self, host: &'a str) -> BoxFuture<'a, Result<Vec<IpAddr>, DnsError>>;
}

/// Lower case, without the trailing dot: the key of every table here.
pub(crate) fn norm(name: &str) -> String {
    name.trim_end_matches('.').to_ascii_lowercase()
}

/// An in-memory zone: offline mode and tests. A name absent from every
/// table is NXDOMAIN; a name present in one table only has no record of the
/// other types.
#[derive(Debug, Clone, Default)]
pub struct StaticDns {
    mx: HashMap<String, Vec<(u16, String)>>,
    ips: HashMap<String, Vec<IpAddr>>,
    txt: HashMap<String, Vec<String>>,
    /// Names whose lookups fail temporarily (tests of SERVFAIL).
    failing: Vec<String>,
}

impl StaticDns {
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds an MX record. RFC 7505: a "null MX" is `(0, ".")`.
    pub fn mx(mut self, domain: &str, preference: u16, exchange: &str) -> Self {
        self.mx
            .entry(norm(domain))
            .or_default()
            .push((preference, exchange.to_string()));
        self
    }

    /// Adds an A or AAAA record.
    pub fn ip(mut self, host: &str, ip: IpAddr) -> Self {
        self.ips.entry(norm(host)).or_default().push(ip);
        self
    }

    /// Adds a TXT record (SPF, `_dmarc.`, `sel._domainkey.`), as one string.
    pub fn txt(mut self, name: &str, value: &str) -> Self {
        self.txt
            .entry(norm(name))
            .or_default()
            .push(value.to_string());
        self
    }

    /// Every lookup of `name` fails temporarily.
    pub fn servfail(mut self, name: &str) -> Self {
        self.failing.push(norm(name));
        self
    }

    /// The TXT records, for the authentication caches.
    pub fn txt_records(&self) -> impl Iterator<Item = (&str, &[String])> {
        self.txt.iter().map(|(k, v)| (k.as_str(), v.as_slice()))
    }

    /// The A/AAAA records, for the authentication caches.
    pub fn ip_records(&self) -> impl Iterator<Item = (&str, &[IpAddr])> {
        self.ips.iter().map(|(k, v)| (k.as_str(), v.as_slice()))
    }

    /// The MX records, for the authentication caches.
    pub fn mx_records(&self) -> impl Iterator<Item = (&str, &[(u16, String)])> {
        self.mx.iter().map(|(k, v)| (k.as_str(), v.as_slice()))
    }

    fn exists(&self, name: &str) -> bool {
        self.mx.contains_key(name) || self.ips.contains_key(name) || self.txt.contains_key(name)
    }

    fn check(&self, name: &str) -> Result<(), DnsError> {
        if self.failing.iter().any(|f| f == name) {
            return Err(DnsError::Temporary(format!("SERVFAIL for {name}")));
        }
        if !self.exists(name) {
            return Err(DnsError::NxDomain);
        }
        Ok(())
    }
}

impl MxResolver for StaticDns {
    fn mx<'a>(&'a self, domain: &'a str) -> BoxFuture<'a, Result<Vec<(u16, String)>, DnsError>> {
        let name = norm(domain);
        let r = self
            .check(&name)
            .map(|()| self.mx.get(&name).cloned().unwrap_or_default());
        Box::pin(async move { r })
    }

    fn ips<'a>(&'a self, host: &'a str) -> BoxFuture<'a, Result<Vec<IpAddr>, DnsError>> {
        let name = norm(host);
        let r = self
            .check(&name)
            .map(|()| self.ips.get(&name).cloned().unwrap_or_default());
        Box::pin(async move { r })
    }
}

/// The system resolver (`/etc/resolv.conf`), shared with SPF/DKIM/DMARC.
#[derive(Clone)]
pub struct SystemDns {
    auth: MessageAuthenticator,
}

impl SystemDns {
    pub fn new() -> Result<Self, DnsError> {
        let auth = MessageAuthenticator::new_system_conf()
            .map_err(|e| DnsError::Temporary(format!("resolver configuration: {e}")))?;
        Ok(SystemDns { auth })
    }

    /// The same resolver, as mail-auth wants it.
    pub fn authenticator(&self) -> &MessageAuthenticator {
        &self.auth
    }
}

fn map_err(e: mail_auth::Error) -> DnsError {
    use mail_auth::hickory_resolver::proto::op::ResponseCode;
    match e {
        mail_auth::Error::Dns(mail_auth::DnsError::RecordNotFound(ResponseCode::NXDomain)) => {
            DnsError::NxDomain
        }
        other => DnsError::Temporary(other.to_string()),
    }
}

/// NODATA (`RecordNotFound(NoError)`) is an empty answer, not an error.
fn nodata<T>(r: mail_auth::Result<Vec<T>>) -> Result<Vec<T>, DnsError> {
    use mail_auth::hickory_resolver::proto::op::ResponseCode;
    match r {
        Err(mail_auth::Error::Dns(mail_auth::DnsError::RecordNotFound(ResponseCode::NoError))) => {
            Ok(Vec::new())
        }
        other => other.map_err(map_err),
    }
}

impl MxResolver for SystemDns {
    fn mx<'a>(&'a self, domain: &'a str) -> BoxFuture<'a, Result<Vec<(u16, String)>, DnsError>> {
        Box::pin(async move {
            let r = self
                .auth
                .mx_lookup(domain, None::<&NoCache<Box<str>, RecordSet<MX>>>)
                .await
                .map(|set| {
                    set.rrset
                        .iter()
                        .flat_map(|mx| {
                            mx.exchanges
                                .iter()
                                .map(move |x| (mx.preference, x.to_string()))
                        })
                        .collect::<Vec<_>>()
                });
            nodata(r)
        })
    }

    fn ips<'a>(&'a self, host: &'a str) -> BoxFuture<'a, Result<Vec<IpAddr>, DnsError>> {
        Box::pin(async move {
            let v4 = self
                .auth
                .ipv4_lookup(
                    host,
                    None::<&NoCache<Box<str>, RecordSet<std::net::Ipv4Addr>>>,
                )
                .await
                .map(|s| s.rrset.iter().map(|ip| IpAddr::V4(*ip)).collect::<Vec<_>>());
            let v6 = self
                .auth
                .ipv6_lookup(
                    host,
                    None::<&NoCache<Box<str>, RecordSet<std::net::Ipv6Addr>>>,
                )
                .await
                .map(|s| s.rrset.iter().map(|ip| IpAddr::V6(*ip)).collect::<Vec<_>>());
            match (nodata(v4), nodata(v6)) {
                (Ok(mut a), Ok(b)) => {
                    a.extend(b);
                    Ok(a)
                }
                (Ok(a), Err(_)) if !a.is_empty() => Ok(a),
                (Err(_), Ok(b)) if !b.is_empty() => Ok(b),
                (Err(e), _) | (_, Err(e)) => Err(e),
            }
        })
    }
}
