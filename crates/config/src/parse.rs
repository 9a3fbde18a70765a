//! `Settings::parse`: TOML text → validated [`Settings`], reporting every
//! problem at once. Each `read_*` function reads one section with the
//! charter's defaults; `validate` then checks rules spanning several keys.

use std::net::IpAddr;

use toml::Table;
use vesontio_types::{Address, SenderPattern};

use crate::reader::{Reader, Section, expected, string};
use crate::settings::*;
use crate::spam::Spam;
use crate::storage::{BlobBackend, StoreBackend};
use crate::{ConfigError, ConfigErrors};

/// The sections of the file, in the order they are documented.
const SECTIONS: &[&str] = &[
    "server",
    "ports",
    "services",
    "tls",
    "store",
    "domains",
    "limits",
    "attachments",
    "quota",
    "lifecycle",
    "audit",
    "auth",
    "queue",
    "dns",
    "dkim",
    "spam",
    "phishing",
    "web",
    "antivirus",
    "filters",
    "large_files",
];

impl Settings {
    /// Parses and validates a configuration file's text. Absent keys take
    /// the charter's defaults; an empty text is a valid configuration. On
    /// failure, every unknown key and bad value is reported, each naming its
    /// full key path and the expected form.
    pub fn parse(text: &str) -> Result<Settings, ConfigErrors> {
        let table: Table = toml::from_str(text).map_err(|e| syntax_error(text, &e))?;
        let mut r = Reader::default();

        let mut tables = Vec::new();
        {
            let mut root = r.section("", Some(&table));
            for name in SECTIONS {
                tables.push(root.table(name));
            }
            root.finish();
        }
        let t = |name: &str| {
            SECTIONS
                .iter()
                .position(|s| *s == name)
                .and_then(|i| tables[i])
        };

        let server = read_server(r.section("server", t("server")));
        let ports = read_ports(r.section("ports", t("ports")));
        let services = read_services(r.section("services", t("services")));
        let tls = read_tls(r.section("tls", t("tls")));
        let store = crate::storage::read_store(r.section("store", t("store")));
        let domains = read_domains(r.section("domains", t("domains")));
        let limits = read_limits(r.section("limits", t("limits")));
        let attachments = read_attachments(r.section("attachments", t("attachments")));
        let quota = read_quota(r.section("quota", t("quota")));
        let lifecycle = read_lifecycle(r.section("lifecycle", t("lifecycle")));
        let audit = read_audit(r.section("audit", t("audit")));
        let auth = read_auth(r.section("auth", t("auth")));
        let queue = read_queue(r.section("queue", t("queue")));
        let dns = read_dns(&mut r, t("dns"));
        let dkim = read_dkim(r.section("dkim", t("dkim")));
        let (mut spam, threshold_given) = read_spam(r.section("spam", t("spam")));
        let phishing = crate::phishing::read_phishing(r.section("phishing", t("phishing")));
        let web = read_web(r.section("web", t("web")));
        let antivirus = crate::antivirus::read_antivirus(r.section("antivirus", t("antivirus")));
        let (filters, junk) = crate::filters::read_filters(&mut r, t("filters"), threshold_given);
        let large_files =
            crate::large_files::read_large_files(r.section("large_files", t("large_files")));
        // `spam.threshold` is `filters.junk`'s former name: one value,
        // written back as `spam.threshold`.
        spam.threshold = junk;

        let (domains, postmaster_given) = domains;
        let (limits, url_given) = limits;
        let mut settings = Settings {
            server,
            ports,
            services,
            tls,
            store,
            domains,
            limits,
            attachments,
            quota,
            lifecycle,
            audit,
            auth,
            queue,
            dns,
            dkim,
            spam,
            phishing,
            web,
            antivirus,
            filters,
            large_files,
        };
        // Defaults that depend on other keys.
        if !postmaster_given && let Some(first) = settings.domains.local.first() {
            settings.domains.postmaster = format!("postmaster@{first}");
        }
        if !url_given {
            settings.limits.large_file_service_url = settings.default_large_file_url();
        }
        validate(&settings, &mut r);

        let errors = r.finish();
        if errors.is_empty() {
            Ok(settings)
        } else {
            Err(ConfigErrors { errors })
        }
    }
}

/// A TOML syntax error, located by line and column.
fn syntax_error(text: &str, e: &toml::de::Error) -> ConfigErrors {
    let place = e
        .span()
        .map(|span| {
            let before = &text[..span.start.min(text.len())];
            let line = before.matches('\n').count() + 1;
            let column = before.len() - before.rfind('\n').map_or(0, |i| i + 1) + 1;
            format!(" at line {line}, column {column}")
        })
        .unwrap_or_default();
    ConfigErrors {
        errors: vec![ConfigError {
            key: String::new(),
            message: format!("not valid TOML{place}: {}", e.message().trim()),
        }],
    }
}

fn read_server(mut s: Section<'_, '_>) -> Server {
    let d = Server::default();
    let hostname = s.get("hostname", d.hostname, |v| {
        let h = string(v)?;
        if is_domain(&h) {
            Ok(h.to_ascii_lowercase())
        } else {
            Err(expected("a host name such as \"mail.ac-demo.fr\"", v))
        }
    });
    let data_dir = s.get("data_dir", d.data_dir, |v| {
        let p = string(v)?;
        if p.trim().is_empty() {
            Err(expected("a directory path", v))
        } else {
            Ok(p)
        }
    });
    let listen = s.get("listen", d.listen, |v| {
        let form = "a list of IP addresses such as [\"127.0.0.1\", \"::1\"]";
        let items = v.as_array().ok_or_else(|| expected(form, v))?;
        if items.is_empty() {
            return Err(expected(form, v) + " with nothing in it");
        }
        items
            .iter()
            .enumerate()
            .map(|(i, x)| {
                x.as_str()
                    .and_then(|a| a.trim().parse::<IpAddr>().ok())
                    .ok_or_else(|| format!("item {}: {}", i + 1, expected("an IP address", x)))
            })
            .collect()
    });
    let port_offset = s.int("port_offset", d.port_offset, 0, i64::from(u16::MAX));
    s.finish();
    Server {
        hostname,
        data_dir,
        listen,
        port_offset,
    }
}

fn read_ports(mut s: Section<'_, '_>) -> Ports {
    let mut ports = Ports::default();
    for service in Service::ALL {
        let port = s.int_opt(service.key(), 1, i64::from(u16::MAX));
        ports.set(service, port);
    }
    s.finish();
    ports
}

fn read_services(mut s: Section<'_, '_>) -> Services {
    let d = Services::default();
    let services = Services {
        smtp: s.bool("smtp", d.smtp),
        submission: s.bool("submission", d.submission),
        imap: s.bool("imap", d.imap),
        pop3: s.bool("pop3", d.pop3),
        web: s.bool("web", d.web),
    };
    s.finish();
    services
}

fn read_tls(mut s: Section<'_, '_>) -> Tls {
    let d = Tls::default();
    let tls = Tls {
        certificate: s.get("certificate", d.certificate, path),
        private_key: s.get("private_key", d.private_key, path),
    };
    s.finish();
    tls
}

/// Returns the section and whether `postmaster` was given.
fn read_domains(mut s: Section<'_, '_>) -> (Domains, bool) {
    let d = Domains::default();
    let local = s.get("local", d.local, |v| {
        let form = "a list of domain names such as [\"ac-demo.fr\"]";
        let items = v.as_array().ok_or_else(|| expected(form, v))?;
        items
            .iter()
            .enumerate()
            .map(|(i, x)| match x.as_str() {
                Some(dom) if is_domain(dom) => Ok(dom.trim_end_matches('.').to_ascii_lowercase()),
                _ => Err(format!(
                    "item {}: {}",
                    i + 1,
                    expected("a domain name such as \"ac-demo.fr\"", x)
                )),
            })
            .collect()
    });
    let postmaster = s.get_opt("postmaster", |v| {
        let text = string(v)?;
        Address::parse(&text)
            .map(|a| a.to_string())
            .map_err(|e| format!("expected an address such as \"postmaster@ac-demo.fr\": {e}"))
    });
    let allowed_outside_senders = s.get("allowed_outside_senders", d.allowed_outside_senders, |v| {
        let form = "a list of addresses, domains or IP networks such as [\"lettre@ac-demo.fr\", \"192.0.2.0/24\"]";
        let items = v.as_array().ok_or_else(|| expected(form, v))?;
        items
            .iter()
            .enumerate()
            .map(|(i, x)| {
                let text = x.as_str().ok_or_else(|| format!("item {}: {}", i + 1, expected(form, x)))?;
                SenderPattern::parse(text)
                    .map(|p| p.to_string())
                    .map_err(|e| format!("item {}: {e}", i + 1))
            })
            .collect()
    });
    s.finish();
    let given = postmaster.is_some();
    (
        Domains {
            local,
            postmaster: postmaster.unwrap_or(d.postmaster),
            allowed_outside_senders,
        },
        given,
    )
}

/// Returns the section and whether `large_file_service_url` was given.
fn read_limits(mut s: Section<'_, '_>) -> (Limits, bool) {
    let d = Limits::default();
    let message_size = s.size("message_size", d.message_size, 1);
    let recipients_per_message = s.int(
        "recipients_per_message",
        d.recipients_per_message,
        1,
        100_000,
    );
    let recipients_per_hour = s.int("recipients_per_hour", d.recipients_per_hour, 1, 10_000_000);
    let forbidden_extensions = s.get("forbidden_extensions", d.forbidden_extensions, |v| {
        let form = "a list of file extensions such as [\"exe\", \"scr\"]";
        let items = v.as_array().ok_or_else(|| expected(form, v))?;
        items
            .iter()
            .enumerate()
            .map(|(i, x)| {
                let ext = x
                    .as_str()
                    .map(|e| e.trim().trim_start_matches('.').to_lowercase())
                    .filter(|e| {
                        !e.is_empty()
                            && !e
                                .chars()
                                .any(|c| c.is_whitespace() || c == '/' || c == '\\')
                    });
                ext.ok_or_else(|| {
                    format!(
                        "item {}: {}",
                        i + 1,
                        expected("a file extension such as \"exe\" or \".exe\"", x)
                    )
                })
            })
            .collect()
    });
    let url = s.get_opt("large_file_service_url", |v| {
        let url = string(v)?;
        if url.starts_with("https://") || url.starts_with("http://") {
            Ok(url)
        } else {
            Err(expected("an http:// or https:// URL", v))
        }
    });
    // RFC 5321 §4.5.3.1.4: a command line may be 512 octets; §4.5.3.1.6: a
    // text line 1000. Smaller limits would break conforming clients.
    let smtp_line_length = s.size("smtp_line_length", d.smtp_line_length, 1000);
    // RFC 7162 §4: servers SHOULD accept command lines of at least 8192 octets.
    let imap_line_length = s.size("imap_line_length", d.imap_line_length, 8192);
    let imap_max_sessions_per_account = s.int(
        "imap_max_sessions_per_account",
        d.imap_max_sessions_per_account,
        1,
        10_000,
    );
    // Fewer than a page of a message list would parse every FETCH again.
    let imap_structure_cache = s.int(
        "imap_structure_cache",
        d.imap_structure_cache,
        100,
        10_000_000,
    );
    let mailbox_index_cache = s.int("mailbox_index_cache", d.mailbox_index_cache, 0, 100_000_000);
    let command_timeout = s.duration("command_timeout", d.command_timeout);
    let idle_timeout = s.duration("idle_timeout", d.idle_timeout);
    let smtp_failed_rcpt_soft_limit = s.int(
        "smtp_failed_rcpt_soft_limit",
        d.smtp_failed_rcpt_soft_limit,
        0,
        1_000_000,
    );
    let smtp_failed_rcpt_hard_limit = s.int(
        "smtp_failed_rcpt_hard_limit",
        d.smtp_failed_rcpt_hard_limit,
        1,
        1_000_000,
    );
    let smtp_failed_rcpt_delay = s.duration("smtp_failed_rcpt_delay", d.smtp_failed_rcpt_delay);
    let smtp_failed_rcpt_memory = s.duration("smtp_failed_rcpt_memory", d.smtp_failed_rcpt_memory);
    s.finish();
    let given = url.is_some();
    (
        Limits {
            message_size,
            recipients_per_message,
            recipients_per_hour,
            forbidden_extensions,
            large_file_service_url: url.unwrap_or(d.large_file_service_url),
            smtp_line_length,
            imap_line_length,
            imap_max_sessions_per_account,
            imap_structure_cache,
            mailbox_index_cache,
            command_timeout,
            idle_timeout,
            smtp_failed_rcpt_soft_limit,
            smtp_failed_rcpt_hard_limit,
            smtp_failed_rcpt_delay,
            smtp_failed_rcpt_memory,
        },
        given,
    )
}

fn read_attachments(mut s: Section<'_, '_>) -> Attachments {
    let d = Attachments::default();
    let verdicts = [
        ("refuse", ScanVerdict::Refuse),
        ("accept", ScanVerdict::Accept),
    ];
    let a = Attachments {
        archive_max_depth: s.int("archive_max_depth", d.archive_max_depth, 1, 64),
        archive_max_entries: s.int("archive_max_entries", d.archive_max_entries, 1, 1_000_000),
        archive_max_expanded: s.size("archive_max_expanded", d.archive_max_expanded, 1 << 20),
        message_max_depth: s.int("message_max_depth", d.message_max_depth, 1, 64),
        encrypted_archives: s.choice("encrypted_archives", d.encrypted_archives, &verdicts),
        unscannable: s.choice("unscannable", d.unscannable, &verdicts),
    };
    s.finish();
    a
}

fn read_quota(mut s: Section<'_, '_>) -> Quota {
    let d = Quota::default();
    let quota = Quota {
        default: s.size("default", d.default, 1),
        warning_percent: s.int("warning_percent", d.warning_percent, 1, 100),
        full_mailbox_hold: s.duration("full_mailbox_hold", d.full_mailbox_hold),
    };
    s.finish();
    quota
}

fn read_lifecycle(mut s: Section<'_, '_>) -> Lifecycle {
    let d = Lifecycle::default();
    let lifecycle = Lifecycle {
        departed_deletion_after: s.duration("departed_deletion_after", d.departed_deletion_after),
        departure_warning_before: s
            .duration("departure_warning_before", d.departure_warning_before),
        functional_inactivity_deletion: s.duration(
            "functional_inactivity_deletion",
            d.functional_inactivity_deletion,
        ),
        forward_no_copy_after: s.duration("forward_no_copy_after", d.forward_no_copy_after),
    };
    s.finish();
    lifecycle
}

fn read_audit(mut s: Section<'_, '_>) -> Audit {
    let d = Audit::default();
    let audit = Audit {
        retention: s.duration("retention", d.retention),
    };
    s.finish();
    audit
}

fn read_web(mut s: Section<'_, '_>) -> Web {
    let d = Web::default();
    let web = Web {
        session_idle: s.duration("session_idle", d.session_idle),
        session_absolute: s.duration("session_absolute", d.session_absolute),
    };
    s.finish();
    web
}

fn read_auth(mut s: Section<'_, '_>) -> Auth {
    let d = Auth::default();
    let auth = Auth {
        max_failures: s.int("max_failures", d.max_failures, 1, 10),
        base_delay: s.duration("base_delay", d.base_delay),
        max_delay: s.duration("max_delay", d.max_delay),
        account_max_delay: s.duration("account_max_delay", d.account_max_delay),
        max_accounts_per_address: s.int(
            "max_accounts_per_address",
            d.max_accounts_per_address,
            1,
            1_000_000,
        ),
        cache_ttl: s.duration("cache_ttl", d.cache_ttl),
    };
    s.finish();
    auth
}

fn read_queue(mut s: Section<'_, '_>) -> Queue {
    let d = Queue::default();
    let retry_intervals = s.durations("retry_intervals", d.retry_intervals.clone());
    let retry_intervals = if retry_intervals.is_empty() {
        s.error(
            "retry_intervals",
            "expected at least one duration, such as [\"5m\", \"1h\"], found an empty list",
        );
        d.retry_intervals
    } else {
        retry_intervals
    };
    let expiry = s.duration("expiry", d.expiry);
    s.finish();
    Queue {
        retry_intervals,
        expiry,
    }
}

fn read_dns(r: &mut Reader, table: Option<&Table>) -> Dns {
    let d = Dns::default();
    let mut s = r.section("dns", table);
    let mode = s.choice(
        "mode",
        d.mode,
        &[("static", DnsMode::Static), ("system", DnsMode::System)],
    );
    let routes_table = s.table("routes");
    s.finish();

    let mut routes = d.routes;
    if let Some(t) = routes_table {
        let mut s = r.section("dns.routes", Some(t));
        for (domain, v) in t {
            // Every key of [dns.routes] is a domain, so none is "unknown";
            // `*` is the smarthost for every domain without its own route.
            if domain != "*" && !is_domain(domain) {
                s.error(
                    domain,
                    "expected a domain name as key, such as \"example.org\", or \"*\" for a smarthost",
                );
                continue;
            }
            match v.as_str().filter(|hp| is_host_port(hp)) {
                Some(hp) => {
                    routes.insert(
                        domain.trim_end_matches('.').to_ascii_lowercase(),
                        hp.to_string(),
                    );
                }
                None => s.error(
                    domain,
                    expected(
                        "\"host:port\", such as \"127.0.0.1:2525\" or \"[::1]:25\"",
                        v,
                    ),
                ),
            }
        }
    }
    Dns { mode, routes }
}

fn read_dkim(mut s: Section<'_, '_>) -> Dkim {
    let d = Dkim::default();
    let selector = s.get("selector", d.selector, |v| {
        let sel = string(v)?;
        // RFC 6376 §3.1: the selector is a sub-domain (dot-separated labels).
        if sel.split('.').all(is_label) {
            Ok(sel)
        } else {
            Err(expected(
                "a selector such as \"vesontio\" or \"2026.mail\"",
                v,
            ))
        }
    });
    let private_key = s.get("private_key", d.private_key, string);
    s.finish();
    Dkim {
        selector,
        private_key,
    }
}

fn read_spam(mut s: Section<'_, '_>) -> (Spam, Option<f64>) {
    let d = Spam::default();
    let given = s.float_opt("threshold", 0.0, 1000.0);
    let spam = Spam {
        threshold: given.unwrap_or(d.threshold),
        report_local_part: s.get("report_local_part", d.report_local_part, |v| {
            let local = string(v)?;
            let ok = !local.is_empty()
                && local
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "._-+".contains(c));
            if ok {
                Ok(local.to_ascii_lowercase())
            } else {
                Err(expected("the part before '@', such as \"spam\"", v))
            }
        }),
        enabled: s.bool("enabled", d.enabled),
        // Empty (as written back by default) means the built-in rules.
        rules: s.get("rules", d.rules, string),
    };
    s.finish();
    (spam, given)
}

/// Rules that involve several keys. Run after every section was read, so
/// they are reported along with the per-key problems.
fn validate(s: &Settings, r: &mut Reader) {
    validate_ports(s, r);
    if s.store.backend == StoreBackend::Postgres && s.store.postgres_url.is_empty() {
        r.error(
            "store.postgres_url",
            "required when store.backend = \"postgres\"; expected a URL such as \"postgres://user@host:5432/database\"",
        );
    }
    // A content is one database value: PostgreSQL's `bytea` holds at most
    // 1 GB and SQLite's blobs 10^9 bytes.
    const DATABASE_BLOB_MAX: u64 = 950 << 20;
    if s.store.blobs == BlobBackend::Database
        && s.large_files.enabled
        && s.large_files.max_size.0 > DATABASE_BLOB_MAX
    {
        r.error(
            "large_files.max_size",
            format!(
                "must be at most \"950MB\" when store.blobs = \"database\" (one database value per file), found {}; or keep store.blobs = \"files\"",
                s.large_files.max_size
            ),
        );
    }
    if s.domains.local.is_empty() {
        r.error(
            "domains.local",
            "expected at least one local domain, such as [\"ac-demo.fr\"], found an empty list",
        );
    }
    let l = &s.lifecycle;
    if l.departure_warning_before >= l.departed_deletion_after {
        r.error(
            "lifecycle.departure_warning_before",
            format!(
                "must be shorter than lifecycle.departed_deletion_after ({}), found {}",
                l.departed_deletion_after, l.departure_warning_before
            ),
        );
    }
    if s.limits.smtp_failed_rcpt_soft_limit >= s.limits.smtp_failed_rcpt_hard_limit {
        r.error(
            "limits.smtp_failed_rcpt_soft_limit",
            format!(
                "must be below limits.smtp_failed_rcpt_hard_limit ({}), found {}",
                s.limits.smtp_failed_rcpt_hard_limit, s.limits.smtp_failed_rcpt_soft_limit
            ),
        );
    }
    if s.web.session_absolute < s.web.session_idle {
        r.error(
            "web.session_absolute",
            format!(
                "must be at least web.session_idle ({}), found {}",
                s.web.session_idle, s.web.session_absolute
            ),
        );
    }
    let a = &s.auth;
    if a.account_max_delay < a.base_delay || a.account_max_delay > a.max_delay {
        r.error(
            "auth.account_max_delay",
            format!(
                "must be between auth.base_delay ({}) and auth.max_delay ({}), found {}",
                a.base_delay, a.max_delay, a.account_max_delay
            ),
        );
    }
    if s.auth.base_delay > s.auth.max_delay {
        r.error(
            "auth.max_delay",
            format!(
                "must be at least auth.base_delay ({}), found {}",
                s.auth.base_delay, s.auth.max_delay
            ),
        );
    }
}

/// Every port fits in 16 bits and no two services share one.
fn validate_ports(s: &Settings, r: &mut Reader) {
    for service in Service::ALL {
        if s.ports.get(service).is_none()
            && service
                .standard_port()
                .checked_add(s.server.port_offset)
                .is_none()
        {
            r.error(
                "server.port_offset",
                format!(
                    "{} + port {} ({}) is above 65535; use a smaller offset or set ports.{}",
                    s.server.port_offset,
                    service.standard_port(),
                    service.key(),
                    service.key()
                ),
            );
            // Every later port would be wrong too: report the cause once.
            return;
        }
    }
    let mut used: Vec<(u16, Service)> = Vec::new();
    for service in Service::ALL {
        let port = s.port(service);
        if let Some((_, other)) = used.iter().find(|(p, _)| *p == port) {
            r.error(
                format!("ports.{}", service.key()),
                format!("port {port} is also used by {}", other.key()),
            );
        }
        used.push((port, service));
    }
}

fn path(v: &toml::Value) -> Result<String, String> {
    let p = string(v)?;
    if p.trim().is_empty() {
        Err(expected("a file path", v))
    } else {
        Ok(p)
    }
}

/// A DNS label: letters, digits, '-' not at either end (RFC 1123 §2.1).
fn is_label(l: &str) -> bool {
    !l.is_empty()
        && l.len() <= 63
        && !l.starts_with('-')
        && !l.ends_with('-')
        && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
}

/// A host or domain name in ASCII (A-labels for IDNs), one trailing dot allowed.
fn is_domain(d: &str) -> bool {
    let d = d.strip_suffix('.').unwrap_or(d);
    !d.is_empty() && d.len() <= 253 && d.split('.').all(is_label)
}

/// `host:port` or `[ipv6]:port`.
pub(crate) fn is_host_port(hp: &str) -> bool {
    let Some((host, port)) = hp.rsplit_once(':') else {
        return false;
    };
    let host_ok = match host.strip_prefix('[').and_then(|h| h.strip_suffix(']')) {
        Some(v6) => v6.parse::<std::net::Ipv6Addr>().is_ok(),
        None => host.parse::<std::net::Ipv4Addr>().is_ok() || is_domain(host),
    };
    host_ok && port.parse::<u16>().is_ok_and(|p| p > 0)
}
