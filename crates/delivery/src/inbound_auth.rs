//! Authentication of inbound mail (what arrives on the MX): SPF (RFC
//! 7208), DKIM (RFC 6376) and DMARC (RFC 7489) through mail-auth, as
//! structured results ([`Verdicts`]: one outcome per method, which the
//! gate's context carries to later stages) and as one
//! `Authentication-Results:` field (RFC 8601) for the stored message.
//!
//! mail-auth consults a cache before each DNS query; [`AuthDns::offline`]
//! fills those caches from a [`StaticDns`] zone and answers "does not exist"
//! for every other name, so that tests and the offline mode evaluate real
//! records without a single packet. [`AuthDns::system`] leaves the caches
//! empty and queries the system resolver.

use std::borrow::Borrow;
use std::collections::HashMap;
use std::hash::Hash;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::sync::Arc;

use mail_auth::common::headers::HeaderWriter;
use mail_auth::common::parse::TxtRecordParser;
use mail_auth::common::verify::DomainKey;
use mail_auth::dmarc::Dmarc;
use mail_auth::dmarc::verify::DmarcParameters;
use mail_auth::hickory_resolver::config::{ResolverConfig, ResolverOpts};
use mail_auth::hickory_resolver::proto::op::ResponseCode;
use mail_auth::spf::Spf;
use mail_auth::spf::verify::SpfParameters;
use mail_auth::{
    AuthenticatedMessage, AuthenticationResults, DkimResult, DmarcResult, DnssecStatus, MX,
    MessageAuthenticator, Parameters, RecordSet, ResolverCache, SpfResult, Txt,
};

use crate::outbound::dns::{DnsError, StaticDns, SystemDns, norm};

/// A fixed table standing in front of mail-auth's resolver. With `miss`
/// set, a name not in the table gets that answer instead of a query.
struct Table<K, V> {
    map: HashMap<K, V>,
    miss: Option<V>,
}

impl<K: Hash + Eq, V: Clone> ResolverCache<K, V> for Table<K, V> {
    fn get<Q>(&self, name: &Q) -> Option<V>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        self.map.get(name).cloned().or_else(|| self.miss.clone())
    }

    fn remove<Q>(&self, _: &Q) -> Option<V>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        None
    }

    /// Answers from real DNS are cached by the resolver itself.
    fn insert(&self, _: K, _: V, _: std::time::Instant) {}
}

fn set<T>(v: Vec<T>) -> RecordSet<T> {
    RecordSet {
        rrset: Arc::from(v),
        dnssec_status: DnssecStatus::Indeterminate,
    }
}

fn fqdn(name: &str) -> Box<str> {
    format!("{}.", norm(name)).into_boxed_str()
}

/// Parses a TXT record set the way mail-auth does: by the kind of record the
/// name holds, the first record that parses wins.
fn parse_txt(name: &str, records: &[String]) -> Txt {
    let label = norm(name);
    let mut out = Txt::Error(mail_auth::Error::Dns(
        mail_auth::DnsError::InvalidRecordType,
    ));
    for r in records {
        let parsed: Option<Txt> = if label.starts_with("_dmarc.") {
            Dmarc::parse(r.as_bytes()).ok().map(Into::into)
        } else if label.contains("._domainkey.") {
            DomainKey::parse(r.as_bytes()).ok().map(Into::into)
        } else {
            Spf::parse(r.as_bytes()).ok().map(Into::into)
        };
        if let Some(t) = parsed {
            out = t;
            break;
        }
    }
    out
}

/// DNS for the authentication checks.
pub struct AuthDns {
    auth: MessageAuthenticator,
    txt: Table<Box<str>, Txt>,
    mx: Table<Box<str>, RecordSet<MX>>,
    v4: Table<Box<str>, RecordSet<Ipv4Addr>>,
    v6: Table<Box<str>, RecordSet<Ipv6Addr>>,
    ptr: Table<IpAddr, RecordSet<Box<str>>>,
}

impl AuthDns {
    /// Every answer comes from `zone`; other names do not exist.
    pub fn offline(zone: &StaticDns) -> Result<Self, DnsError> {
        // A resolver with no server: never used, since every lookup is
        // answered by the tables below.
        let auth = MessageAuthenticator::new(
            ResolverConfig::from_parts(None, vec![], vec![]),
            ResolverOpts::default(),
        )
        .map_err(|e| DnsError::Temporary(e.to_string()))?;
        let nx = Txt::Error(mail_auth::Error::Dns(mail_auth::DnsError::RecordNotFound(
            ResponseCode::NXDomain,
        )));
        let mut v4 = HashMap::new();
        let mut v6 = HashMap::new();
        for (name, ips) in zone.ip_records() {
            let (mut a, mut aaaa) = (Vec::<Ipv4Addr>::new(), Vec::<Ipv6Addr>::new());
            for ip in ips {
                match ip {
                    IpAddr::V4(x) => a.push(*x),
                    IpAddr::V6(x) => aaaa.push(*x),
                }
            }
            v4.insert(fqdn(name), set(a));
            v6.insert(fqdn(name), set(aaaa));
        }
        let mut mx = HashMap::new();
        for (name, records) in zone.mx_records() {
            let mut sorted = records.to_vec();
            sorted.sort_by_key(|(p, _)| *p);
            let list: Vec<MX> = sorted
                .into_iter()
                .map(|(preference, x)| MX {
                    exchanges: vec![fqdn(&x)].into_boxed_slice(),
                    preference,
                })
                .collect();
            mx.insert(fqdn(name), set(list));
        }
        let txt = zone
            .txt_records()
            .map(|(name, records)| (fqdn(name), parse_txt(name, records)))
            .collect();
        Ok(AuthDns {
            auth,
            txt: Table {
                map: txt,
                miss: Some(nx),
            },
            mx: Table {
                map: mx,
                miss: Some(set(vec![])),
            },
            v4: Table {
                map: v4,
                miss: Some(set(vec![])),
            },
            v6: Table {
                map: v6,
                miss: Some(set(vec![])),
            },
            ptr: Table {
                map: HashMap::new(),
                miss: Some(set(vec![])),
            },
        })
    }

    /// Real DNS through the system resolver.
    pub fn system(dns: &SystemDns) -> Self {
        AuthDns {
            auth: dns.authenticator().clone(),
            txt: Table {
                map: HashMap::new(),
                miss: None,
            },
            mx: Table {
                map: HashMap::new(),
                miss: None,
            },
            v4: Table {
                map: HashMap::new(),
                miss: None,
            },
            v6: Table {
                map: HashMap::new(),
                miss: None,
            },
            ptr: Table {
                map: HashMap::new(),
                miss: None,
            },
        }
    }
}

/// The result of one method (RFC 8601 §2.7 result names).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Pass,
    Fail,
    SoftFail,
    Neutral,
    None,
    TempError,
    PermError,
}

impl Outcome {
    /// The RFC 8601 §2.7 result name.
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Pass => "pass",
            Outcome::Fail => "fail",
            Outcome::SoftFail => "softfail",
            Outcome::Neutral => "neutral",
            Outcome::None => "none",
            Outcome::TempError => "temperror",
            Outcome::PermError => "permerror",
        }
    }

    fn of_spf(r: SpfResult) -> Self {
        match r {
            SpfResult::Pass => Outcome::Pass,
            SpfResult::Fail => Outcome::Fail,
            SpfResult::SoftFail => Outcome::SoftFail,
            SpfResult::Neutral => Outcome::Neutral,
            SpfResult::TempError => Outcome::TempError,
            SpfResult::PermError => Outcome::PermError,
            SpfResult::None => Outcome::None,
        }
    }

    fn of_dkim(r: &DkimResult) -> Self {
        match r {
            DkimResult::Pass => Outcome::Pass,
            DkimResult::Neutral(_) => Outcome::Neutral,
            DkimResult::Fail(_) => Outcome::Fail,
            DkimResult::PermError(_) => Outcome::PermError,
            DkimResult::TempError(_) => Outcome::TempError,
            DkimResult::None => Outcome::None,
        }
    }

    fn of_dmarc(r: &DmarcResult) -> Self {
        match r {
            DmarcResult::Pass => Outcome::Pass,
            DmarcResult::Fail(_) => Outcome::Fail,
            DmarcResult::TempError(_) => Outcome::TempError,
            DmarcResult::PermError(_) => Outcome::PermError,
            DmarcResult::None => Outcome::None,
        }
    }
}

/// One DKIM signature's result.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DkimVerdict {
    /// The signing domain (`d=`), when the signature could be read.
    pub domain: Option<String>,
    pub outcome: Outcome,
}

/// What the checks of one message found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verdicts {
    /// SPF for the MAIL FROM identity.
    pub spf: Outcome,
    /// Every DKIM signature, in the order of the header.
    pub dkim: Vec<DkimVerdict>,
    /// DMARC for the `From:` domain: pass when SPF or DKIM passed aligned
    /// (RFC 7489 §4.2); `None` when the message could not be parsed or the
    /// domain publishes no policy.
    pub dmarc: Outcome,
    /// The `Authentication-Results:` field with its CRLF, to prepend to the
    /// message (RFC 8601 §2.2).
    pub field: String,
    /// The envelope sender is authenticated, DMARC-style (RFC 7489 §3.1):
    /// SPF passed for the MAIL FROM domain, or a DKIM signature passed
    /// whose `d=` is that domain, a parent or a child of it. Only then may
    /// a DSN about this message go to the envelope sender: otherwise it
    /// would go to whoever the sender forged (backscatter).
    pub sender_authenticated: bool,
}

/// Evaluates SPF for the MAIL FROM identity (RFC 7208 §2.4: for the null
/// sender, `postmaster@<helo>`), every DKIM signature, and DMARC for the
/// `From:` domain; returns the `Authentication-Results:` field (RFC 8601,
/// `authserv-id` = `hostname`) and whether the envelope sender is
/// authenticated.
pub async fn evaluate(
    dns: &AuthDns,
    raw: &[u8],
    client_ip: IpAddr,
    helo: &str,
    mail_from: Option<&str>,
    hostname: &str,
) -> Verdicts {
    let sender = match mail_from {
        Some(s) if !s.is_empty() => s.to_string(),
        _ => format!("postmaster@{helo}"),
    };
    let sender_domain = sender.rsplit_once('@').map_or(helo, |(_, d)| d).to_string();
    let spf_params = SpfParameters::verify_mail_from(client_ip, helo, hostname, &sender);
    let spf = dns
        .auth
        .verify_spf(
            Parameters::new(spf_params)
                .with_txt_cache(&dns.txt)
                .with_mx_cache(&dns.mx)
                .with_ipv4_cache(&dns.v4)
                .with_ipv6_cache(&dns.v6)
                .with_ptr_cache(&dns.ptr),
        )
        .await;
    let mail_from_text = mail_from.unwrap_or("");
    // The null sender gets no DSN whatever the checks say (RFC 3461 §6.2).
    let has_sender = mail_from.is_some_and(|s| !s.is_empty());
    let spf_pass = has_sender && spf.result() == SpfResult::Pass;
    let Some(msg) = AuthenticatedMessage::parse(raw) else {
        // Not a parsable message: SPF alone.
        return Verdicts {
            spf: Outcome::of_spf(spf.result()),
            dkim: Vec::new(),
            dmarc: Outcome::None,
            field: AuthenticationResults::new(hostname)
                .with_spf_mailfrom_result(&spf, client_ip, mail_from_text, helo)
                .to_header(),
            sender_authenticated: spf_pass,
        };
    };
    let dkim = dns
        .auth
        .verify_dkim(
            Parameters::new(&msg)
                .with_txt_cache(&dns.txt)
                .with_mx_cache(&dns.mx)
                .with_ipv4_cache(&dns.v4)
                .with_ipv6_cache(&dns.v6)
                .with_ptr_cache(&dns.ptr),
        )
        .await;
    let dkim_aligned = has_sender
        && dkim.iter().any(|d| {
            matches!(d.result(), DkimResult::Pass)
                && d.signature().is_some_and(|s| aligned(&s.d, &sender_domain))
        });
    let dmarc = dns
        .auth
        .verify_dmarc(
            Parameters::new(DmarcParameters::new(&msg, &dkim, &sender_domain, &spf))
                .with_txt_cache(&dns.txt)
                .with_mx_cache(&dns.mx)
                .with_ipv4_cache(&dns.v4)
                .with_ipv6_cache(&dns.v6)
                .with_ptr_cache(&dns.ptr),
        )
        .await;
    let dmarc_outcome = match (
        Outcome::of_dmarc(dmarc.dkim_result()),
        Outcome::of_dmarc(dmarc.spf_result()),
    ) {
        (Outcome::Pass, _) | (_, Outcome::Pass) => Outcome::Pass,
        (Outcome::None, o) | (o, _) => o,
    };
    Verdicts {
        spf: Outcome::of_spf(spf.result()),
        dkim: dkim
            .iter()
            .map(|d| DkimVerdict {
                domain: d.signature().map(|s| s.d.clone()),
                outcome: Outcome::of_dkim(d.result()),
            })
            .collect(),
        dmarc: dmarc_outcome,
        field: AuthenticationResults::new(hostname)
            .with_dkim_results(&dkim, msg.from())
            .with_spf_mailfrom_result(&spf, client_ip, mail_from_text, helo)
            .with_dmarc_result(&dmarc)
            .to_header(),
        sender_authenticated: spf_pass || dkim_aligned,
    }
}

/// RFC 7489 §3.1.1 relaxed alignment, without the public suffix list: the
/// same domain, or one a sub-domain of the other. (Siblings under one
/// organisational domain are not aligned here: fewer DSNs, never more.)
pub(crate) fn aligned(a: &str, b: &str) -> bool {
    let (a, b) = (norm(a), norm(b));
    a == b || a.ends_with(&format!(".{b}")) || b.ends_with(&format!(".{a}"))
}
