//! Where to send mail for a domain: a configured static route, else the MX
//! records (RFC 5321 §5.1), else the domain's own address ("implicit MX").

use std::net::SocketAddr;
use std::sync::Arc;

use vesontio_smtp_proto::{EnhancedCode, Reply};

use super::dns::{DnsError, MxResolver, norm};

/// The SMTP port of an MX host (RFC 5321 §4.5.4.2 does not say; the
/// registry does).
pub const SMTP_PORT: u16 = 25;

/// How the next hop of a domain was chosen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Route {
    /// A configured `host:port` (offline mode, tests, a smarthost for `*`).
    Static(String),
    /// MX exchanges in the order to try them (preference, then as listed).
    /// With no MX record, the domain itself (RFC 5321 §5.1 implicit MX).
    Mx(Vec<String>),
}

/// One server to try, in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hop {
    /// The host name, for TLS SNI and the DSN's `Remote-MTA`.
    pub name: String,
    /// What to connect to: `ip:port`, or the static `host:port`.
    pub addr: String,
}

/// Why no hop could be found: the reply stands for the whole domain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RouteError {
    /// Do not retry: bounce (NXDOMAIN, null MX).
    Permanent(Reply),
    /// Try again later (DNS failure).
    Transient(Reply),
}

impl RouteError {
    pub fn reply(&self) -> &Reply {
        match self {
            RouteError::Permanent(r) | RouteError::Transient(r) => r,
        }
    }
}

/// Chooses routes. Cheap to clone.
#[derive(Clone)]
pub struct Router {
    /// `(domain, host:port)`, domain lower case; `*` matches every domain.
    static_routes: Vec<(String, String)>,
    dns: Arc<dyn MxResolver>,
}

fn transient(e: &DnsError, what: &str) -> RouteError {
    // RFC 3463 §3.5: 4.4.3 directory server failure.
    RouteError::Transient(Reply::new(
        451,
        EnhancedCode::new(4, 4, 3),
        format!("DNS lookup of {what} failed: {e}"),
    ))
}

impl Router {
    pub fn new(static_routes: Vec<(String, String)>, dns: Arc<dyn MxResolver>) -> Self {
        let static_routes = static_routes
            .into_iter()
            .map(|(d, hp)| (norm(&d), hp))
            .collect();
        Router { static_routes, dns }
    }

    /// The route of `domain`: an exact static route first, then `*`, then DNS.
    pub async fn route(&self, domain: &str) -> Result<Route, RouteError> {
        let domain = norm(domain);
        let by = |d: &str| {
            self.static_routes
                .iter()
                .find(|(k, _)| k == d)
                .map(|(_, v)| v.clone())
        };
        if let Some(hp) = by(&domain).or_else(|| by("*")) {
            return Ok(Route::Static(hp));
        }
        let mut mx = match self.dns.mx(&domain).await {
            Ok(mx) => mx,
            Err(DnsError::NxDomain) => {
                // RFC 3463 §3.2: 5.1.2 bad destination system address.
                return Err(RouteError::Permanent(Reply::new(
                    550,
                    EnhancedCode::new(5, 1, 2),
                    format!("Domain {domain} does not exist"),
                )));
            }
            Err(e) => return Err(transient(&e, &format!("MX {domain}"))),
        };
        // RFC 7505 §3: a single MX of preference 0 and exchange "." says the
        // domain takes no mail; §4.2: fail at once with 556 5.1.10.
        if mx.iter().any(|(_, x)| x.trim_end_matches('.').is_empty()) {
            return Err(RouteError::Permanent(Reply::new(
                556,
                EnhancedCode::new(5, 1, 10),
                format!("Domain {domain} does not accept mail (null MX)"),
            )));
        }
        if mx.is_empty() {
            // RFC 5321 §5.1: no MX, the domain itself is the implicit MX.
            return Ok(Route::Mx(vec![domain]));
        }
        // RFC 5321 §5.1: lowest preference first. The sort is stable, so
        // equal preferences keep the resolver's (already random) order.
        mx.sort_by_key(|(p, _)| *p);
        let mut hosts: Vec<String> = Vec::new();
        for (_, x) in mx {
            let x = norm(&x);
            if !hosts.contains(&x) {
                hosts.push(x);
            }
        }
        Ok(Route::Mx(hosts))
    }

    /// Every address to try for `domain`, in order. A host whose addresses
    /// cannot be found is skipped; if none is left, the last error stands.
    pub async fn hops(&self, domain: &str) -> Result<Vec<Hop>, RouteError> {
        match self.route(domain).await? {
            Route::Static(hp) => {
                let name = hp
                    .rsplit_once(':')
                    .map_or(hp.as_str(), |(h, _)| h)
                    .trim_start_matches('[')
                    .trim_end_matches(']')
                    .to_string();
                Ok(vec![Hop { name, addr: hp }])
            }
            Route::Mx(hosts) => {
                let mut hops = Vec::new();
                let mut last = None;
                let implicit = hosts.len() == 1 && hosts[0] == norm(domain);
                for host in hosts {
                    match self.dns.ips(&host).await {
                        Ok(ips) => {
                            for ip in ips {
                                hops.push(Hop {
                                    name: host.clone(),
                                    addr: SocketAddr::new(ip, SMTP_PORT).to_string(),
                                });
                            }
                        }
                        Err(e) => last = Some((host, e)),
                    }
                }
                if !hops.is_empty() {
                    return Ok(hops);
                }
                match last {
                    // The implicit MX has no address: nothing takes this
                    // domain's mail (RFC 5321 §5.1).
                    Some((_, DnsError::NxDomain)) | None if implicit => {
                        Err(RouteError::Permanent(Reply::new(
                            550,
                            EnhancedCode::new(5, 1, 2),
                            format!("No mail server for {}", norm(domain)),
                        )))
                    }
                    Some((host, e)) => Err(transient(&e, &format!("address of {host}"))),
                    None => Err(RouteError::Transient(Reply::new(
                        451,
                        EnhancedCode::new(4, 4, 4),
                        format!("No address for the mail servers of {}", norm(domain)),
                    ))),
                }
            }
        }
    }
}
