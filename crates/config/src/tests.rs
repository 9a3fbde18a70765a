use super::*;
use std::net::IpAddr;
use std::time::Duration;

fn errors(text: &str) -> ConfigErrors {
    match Settings::parse(text) {
        Ok(s) => panic!("expected errors, parsed {s:?}"),
        Err(e) => e,
    }
}

fn message_for<'a>(e: &'a ConfigErrors, key: &str) -> &'a str {
    match e.for_key(key) {
        Some(err) => &err.message,
        None => panic!("no error for {key}; got:\n{e}"),
    }
}

#[test]
fn empty_file_gives_the_charter_defaults() {
    let s = Settings::parse("").unwrap();
    assert_eq!(s.server.hostname, "mail.example.org");
    assert_eq!(s.server.data_dir, "./data");
    assert_eq!(
        s.server.listen,
        vec!["127.0.0.1".parse::<IpAddr>().unwrap()]
    );
    assert_eq!(s.server.port_offset, 0);
    assert!(s.services.smtp && s.services.submission && s.services.imap);
    assert!(s.services.pop3 && s.services.web);
    assert_eq!(s.tls.certificate, "cert.pem");
    assert_eq!(s.tls.private_key, "key.pem");
    assert_eq!(s.store.backend, StoreBackend::Sqlite);
    assert_eq!(s.store.postgres_schema, "vesontio");
    assert_eq!(s.store.blobs, BlobBackend::Mixed);
    assert_eq!(s.store.database_blob_max, ByteSize(64 * 1024));
    assert_eq!(s.store.change_log_retention, HumanDuration::from_days(30));
    assert_eq!(s.domains.local, vec!["ac-demo.fr"]);
    assert_eq!(s.domains.postmaster, "postmaster@ac-demo.fr");
    // R5, R6, R7
    assert_eq!(s.limits.message_size, ByteSize(10 * 1024 * 1024));
    assert_eq!(s.limits.recipients_per_message, 50);
    assert_eq!(s.limits.recipients_per_hour, 200);
    assert_eq!(s.limits.smtp_failed_rcpt_soft_limit, 10);
    assert_eq!(s.limits.smtp_failed_rcpt_hard_limit, 20);
    assert_eq!(s.limits.smtp_failed_rcpt_delay.0, Duration::from_secs(1));
    assert_eq!(
        s.limits.smtp_failed_rcpt_memory.0,
        Duration::from_secs(3600)
    );
    assert_eq!(
        s.limits.forbidden_extensions,
        vec!["exe", "com", "pif", "reg", "scr", "vbs"]
    );
    assert_eq!(
        s.limits.large_file_service_url,
        "https://mail.example.org/files"
    );
    assert_eq!(s.limits.smtp_line_length, ByteSize(4096));
    assert_eq!(s.limits.imap_max_sessions_per_account, 20);
    assert_eq!(s.limits.imap_structure_cache, 20_000);
    assert_eq!(
        s.limits.command_timeout.duration(),
        Duration::from_secs(300)
    );
    assert_eq!(s.limits.idle_timeout.duration(), Duration::from_secs(1800));
    // R7: archives
    assert_eq!(s.attachments.archive_max_depth, 8);
    assert_eq!(s.attachments.archive_max_entries, 10_000);
    assert_eq!(s.attachments.archive_max_expanded, ByteSize(64 << 20));
    assert_eq!(s.attachments.message_max_depth, 8);
    assert_eq!(s.attachments.encrypted_archives, ScanVerdict::Refuse);
    assert_eq!(s.attachments.unscannable, ScanVerdict::Refuse);
    // R15, R16, R17
    assert_eq!(s.quota.default, ByteSize(1 << 30));
    assert_eq!(s.quota.warning_percent, 90);
    assert_eq!(s.quota.full_mailbox_hold, HumanDuration::from_days(5));
    // R12, R13, R14, R11
    assert_eq!(
        s.lifecycle.departed_deletion_after,
        HumanDuration::from_days(365)
    );
    assert_eq!(
        s.lifecycle.departure_warning_before,
        HumanDuration::from_days(60)
    );
    assert_eq!(
        s.lifecycle.functional_inactivity_deletion,
        HumanDuration::from_days(180)
    );
    assert_eq!(
        s.lifecycle.forward_no_copy_after,
        HumanDuration::from_days(120)
    );
    assert_eq!(s.audit.retention, HumanDuration::from_days(365));
    assert_eq!(s.auth.max_failures, 10);
    assert_eq!(s.auth.base_delay, HumanDuration::from_secs(1));
    assert_eq!(s.auth.max_delay, HumanDuration::from_secs(900));
    assert_eq!(s.queue.retry_intervals.len(), 6);
    assert_eq!(s.queue.retry_intervals[0], HumanDuration::from_secs(300));
    assert_eq!(
        s.queue.retry_intervals[5],
        HumanDuration::from_secs(4 * 3600)
    );
    assert_eq!(s.queue.expiry, HumanDuration::from_days(5));
    assert_eq!(s.dns.mode, DnsMode::Static);
    assert!(s.dns.routes.is_empty());
    assert_eq!(s.dkim.selector, "vesontio");
    assert_eq!(s.dkim.private_key, "");
    assert_eq!(s.spam.threshold, 5.0);
    assert_eq!(s.spam.report_local_part, "spam");
    assert!(s.spam.enabled);
    assert_eq!(s.spam.rules, "");
    assert!(s.phishing.enabled && s.phishing.subject_tag.is_empty());
    assert!(
        s.phishing
            .protected_domains
            .contains(&"education.gouv.fr".to_string())
    );
}

#[test]
fn full_file_is_read() {
    let text = r#"
[server]
hostname = "Mail.AC-Besancon.fr"
data_dir = "/var/lib/vesontio"
listen = ["0.0.0.0", "::"]
port_offset = 10000

[ports]
smtp = 2525

[services]
pop3 = false

[tls]
certificate = "/etc/vesontio/cert.pem"
private_key = "/etc/vesontio/key.pem"

[store]
backend = "postgres"
postgres_url = "postgres://vesontio@127.0.0.1:5432/test"
postgres_schema = "mail_1"
blobs = "database"
change_log_retention = "90d"

[domains]
local = ["ac-besancon.fr", "Education.Example."]

[limits]
message_size = "20MB"
recipients_per_message = 100
forbidden_extensions = [".EXE", "js"]
command_timeout = "10m"

[quota]
default = "2GB"
warning_percent = 80
full_mailbox_hold = "1w"

[lifecycle]
departed_deletion_after = "2y"
departure_warning_before = "3mo"

[audit]
retention = "6mo"

[auth]
max_failures = 5
base_delay = "500ms"
max_delay = "1h"

[queue]
retry_intervals = ["1m", "1h30m"]
expiry = "3d"

[dns]
mode = "system"
[dns.routes]
"example.org" = "127.0.0.1:2525"
"v6.example" = "[::1]:25"

[dkim]
selector = "2026.mail"
private_key = "dkim.pem"

[spam]
threshold = 7
report_local_part = "Signal-Spam"
enabled = false
rules = "/etc/vesontio/spam-rules.toml"

[phishing]
protected_domains = ["Education.gouv.fr", "ac-dijon.fr"]
internal_names = ["DSI", "Rectorat"]
subject_tag = "[Attention]"

[large_files]
max_size = "900MB"
"#;
    let s = Settings::parse(text).unwrap();
    assert_eq!(s.server.hostname, "mail.ac-besancon.fr");
    assert_eq!(s.server.listen.len(), 2);
    assert_eq!(s.port(Service::Smtp), 2525);
    assert_eq!(s.port(Service::Imaps), 10993);
    assert_eq!(s.port(Service::Https), 10443);
    assert!(!s.service_enabled(Service::Pop3s));
    assert!(!s.service_enabled(Service::Pop3));
    assert!(s.service_enabled(Service::Imaps));
    assert_eq!(s.store.backend, StoreBackend::Postgres);
    assert_eq!(s.domains.local, vec!["ac-besancon.fr", "education.example"]);
    assert_eq!(s.domains.postmaster, "postmaster@ac-besancon.fr");
    assert_eq!(s.limits.message_size, ByteSize(20 << 20));
    assert_eq!(s.limits.forbidden_extensions, vec!["exe", "js"]);
    // The default URL follows the host name and the HTTPS port.
    assert_eq!(
        s.limits.large_file_service_url,
        "https://mail.ac-besancon.fr:10443/files"
    );
    assert_eq!(s.quota.default, ByteSize(2 << 30));
    assert_eq!(s.quota.warning_percent, 80);
    assert_eq!(s.quota.full_mailbox_hold, HumanDuration::from_days(7));
    assert_eq!(
        s.lifecycle.departed_deletion_after,
        HumanDuration::from_days(730)
    );
    assert_eq!(s.audit.retention, HumanDuration::from_days(180));
    assert_eq!(s.store.change_log_retention, HumanDuration::from_days(90));
    assert_eq!(s.store.blobs, BlobBackend::Database);
    assert_eq!(s.auth.base_delay.duration(), Duration::from_millis(500));
    assert_eq!(
        s.queue.retry_intervals,
        vec![HumanDuration::from_secs(60), HumanDuration::from_secs(5400)]
    );
    assert_eq!(s.dns.mode, DnsMode::System);
    assert_eq!(s.dns.routes["example.org"], "127.0.0.1:2525");
    assert_eq!(s.dns.routes["v6.example"], "[::1]:25");
    assert_eq!(s.dkim.selector, "2026.mail");
    assert_eq!(s.spam.threshold, 7.0);
    assert_eq!(s.spam.report_local_part, "signal-spam");
    assert!(!s.spam.enabled);
    assert_eq!(s.spam.rules, "/etc/vesontio/spam-rules.toml");
    assert!(s.phishing.enabled);
    assert_eq!(
        s.phishing.protected_domains,
        ["education.gouv.fr", "ac-dijon.fr"]
    );
    assert_eq!(s.phishing.internal_names, ["DSI", "Rectorat"]);
    assert_eq!(s.phishing.subject_tag, "[Attention]");
}

/// The issue's acceptance test: a misspelt key and a bad size are reported
/// together, each naming its full key path and what is expected.
#[test]
fn misspelt_key_and_bad_size_are_reported_together() {
    let e = errors("[limits]\nmesage_size = \"10MB\"\n\n[quota]\ndefault = \"1 gigabyte\"\n");
    assert_eq!(e.len(), 2, "{e}");
    let typo = message_for(&e, "limits.mesage_size");
    assert!(typo.contains("unknown key"), "{typo}");
    assert!(typo.contains("did you mean `message_size`?"), "{typo}");
    let size = message_for(&e, "quota.default");
    assert!(size.contains("expected a size such as \"10MB\""), "{size}");
    assert!(size.contains("\"1 gigabyte\""), "{size}");
    // One line per problem, each starting with its key.
    let text = e.to_string();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 2);
    assert!(lines[0].starts_with("limits.mesage_size: unknown key"));
    assert!(lines[1].starts_with("quota.default: expected a size"));
}

#[test]
fn many_problems_are_all_reported() {
    let text = r#"
[server]
hostnme = "x"
port_offset = -1
[store]
backend = "mysql"
[quota]
warning_percent = 150
[lifecycle]
retention = "1y"
departed_deletion_after = "soon"
[auth]
max_failures = 11
[limts]
message_size = "1MB"
"#;
    let e = errors(text);
    assert_eq!(e.len(), 8, "{e}");
    assert!(message_for(&e, "server.hostnme").contains("did you mean `hostname`?"));
    assert!(message_for(&e, "server.port_offset").contains("an integer from 0 to 65535, found -1"));
    assert_eq!(
        message_for(&e, "store.backend"),
        "expected one of \"sqlite\", \"postgres\", found \"mysql\""
    );
    assert_eq!(
        message_for(&e, "quota.warning_percent"),
        "expected an integer from 1 to 100, found 150"
    );
    assert_eq!(
        message_for(&e, "lifecycle.retention"),
        "unknown key; `retention` belongs in section [audit]"
    );
    let d = message_for(&e, "lifecycle.departed_deletion_after");
    assert!(d.starts_with("expected a duration such as \"30s\""), "{d}");
    assert!(d.ends_with("found \"soon\""), "{d}");
    assert_eq!(
        message_for(&e, "auth.max_failures"),
        "expected an integer from 1 to 10, found 11"
    );
    assert_eq!(
        message_for(&e, "limts"),
        "unknown section; did you mean [limits]?"
    );
}

#[test]
fn bad_durations() {
    let e = errors(
        "[quota]\nfull_mailbox_hold = 5\n[audit]\nretention = \"0d\"\n[queue]\nretry_intervals = [\"5m\", \"often\"]\nexpiry = \"5 jours\"\n",
    );
    assert_eq!(e.len(), 4, "{e}");
    assert!(
        message_for(&e, "quota.full_mailbox_hold").contains("found the number 5: write its unit")
    );
    assert_eq!(
        message_for(&e, "audit.retention"),
        "must be longer than zero, found \"0d\""
    );
    let r = message_for(&e, "queue.retry_intervals");
    assert!(r.starts_with("item 2: expected a duration"), "{r}");
    assert!(r.contains("\"often\""), "{r}");
    assert!(message_for(&e, "queue.expiry").contains("\"5 jours\""));
}

#[test]
fn database_blobs_limit_large_files() {
    let e = errors("[store]\nblobs = \"database\"\n");
    assert_eq!(e.len(), 1, "{e}");
    let m = message_for(&e, "large_files.max_size");
    assert!(
        m.starts_with("must be at most \"950MB\" when store.blobs = \"database\""),
        "{m}"
    );
    let ok =
        Settings::parse("[store]\nblobs = \"database\"\n[large_files]\nmax_size = \"900MB\"\n")
            .expect("900MB fits");
    assert_eq!(ok.store.blobs, BlobBackend::Database);
    let e = errors("[store]\nblobs = \"s3\"\n");
    assert!(message_for(&e, "store.blobs").contains("\"files\""), "{e}");
}

/// "mixed" takes any bound up to 16 MB, and files large files whatever
/// their size (no 950 MB limit as with "database").
#[test]
fn mixed_blobs_bound() {
    let ok =
        Settings::parse("[store]\nblobs = \"mixed\"\ndatabase_blob_max = \"1MB\"\n").expect("1MB");
    assert_eq!(ok.store.blobs, BlobBackend::Mixed);
    assert_eq!(ok.store.database_blob_max, ByteSize(1 << 20));
    assert_eq!(
        ok.large_files.max_size,
        ByteSize(2 << 30),
        "large files stay files"
    );
    let none = Settings::parse("[store]\ndatabase_blob_max = 0\n").expect("0: every body a file");
    assert_eq!(none.store.database_blob_max, ByteSize(0));
    let e = errors("[store]\ndatabase_blob_max = \"20MB\"\n");
    assert_eq!(e.len(), 1, "{e}");
    let m = message_for(&e, "store.database_blob_max");
    assert!(m.starts_with("must be at most \"16MB\""), "{m}");
}

#[test]
fn postgres_without_url() {
    let e = errors("[store]\nbackend = \"postgres\"\n");
    assert_eq!(e.len(), 1, "{e}");
    assert!(
        message_for(&e, "store.postgres_url")
            .starts_with("required when store.backend = \"postgres\"")
    );
    let e = errors("[store]\npostgres_url = \"mysql://x\"\n");
    assert!(message_for(&e, "store.postgres_url").contains("postgres://"));
}

#[test]
fn empty_domains() {
    let e = errors("[domains]\nlocal = []\n");
    assert_eq!(e.len(), 1, "{e}");
    assert!(message_for(&e, "domains.local").starts_with("expected at least one local domain"));
    let e = errors("[domains]\nlocal = [\"ac demo.fr\"]\npostmaster = \"nobody\"\n");
    assert!(message_for(&e, "domains.local").starts_with("item 1: expected a domain name"));
    assert!(message_for(&e, "domains.postmaster").contains("has no '@'"));
}

#[test]
fn cross_key_rules() {
    let e = errors(
        "[lifecycle]\ndeparted_deletion_after = \"2mo\"\ndeparture_warning_before = \"3mo\"\n[auth]\nbase_delay = \"1h\"\nmax_delay = \"1m\"\n",
    );
    // The third: account_max_delay (default 1m) is now below base_delay.
    assert_eq!(e.len(), 3, "{e}");
    assert_eq!(
        message_for(&e, "auth.account_max_delay"),
        "must be between auth.base_delay (1h) and auth.max_delay (1m), found 1m"
    );
    assert_eq!(
        message_for(&e, "lifecycle.departure_warning_before"),
        "must be shorter than lifecycle.departed_deletion_after (2mo), found 3mo"
    );
    assert_eq!(
        message_for(&e, "auth.max_delay"),
        "must be at least auth.base_delay (1h), found 1m"
    );
}

/// Issue 11: the lockout model's keys.
#[test]
fn auth_lockout_keys() {
    let s = Settings::parse("").unwrap();
    assert_eq!(s.auth.account_max_delay.0, Duration::from_secs(60));
    assert_eq!(s.auth.max_accounts_per_address, 100);
    let s = Settings::parse("[auth]\naccount_max_delay = \"5m\"\nmax_accounts_per_address = 500\n")
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(s.auth.account_max_delay.0, Duration::from_secs(300));
    assert_eq!(s.auth.max_accounts_per_address, 500);
    let e = errors("[auth]\naccount_max_delay = \"1h\"\nmax_accounts_per_address = 0\n");
    assert_eq!(e.len(), 2, "{e}");
    assert!(message_for(&e, "auth.account_max_delay").contains("between"));
    assert!(message_for(&e, "auth.max_accounts_per_address").contains("from 1"));
}

/// Issue 11: the harvesting limits are read, and the soft one stays below
/// the hard one.
#[test]
fn failed_rcpt_limits() {
    let s = Settings::parse(
        "[limits]\nsmtp_failed_rcpt_soft_limit = 3\nsmtp_failed_rcpt_hard_limit = 6\n\
         smtp_failed_rcpt_delay = \"2s\"\nsmtp_failed_rcpt_memory = \"1d\"\n",
    )
    .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        (
            s.limits.smtp_failed_rcpt_soft_limit,
            s.limits.smtp_failed_rcpt_hard_limit
        ),
        (3, 6)
    );
    assert_eq!(s.limits.smtp_failed_rcpt_delay.0, Duration::from_secs(2));
    assert_eq!(
        s.limits.smtp_failed_rcpt_memory.0,
        Duration::from_secs(86_400)
    );
    let e =
        errors("[limits]\nsmtp_failed_rcpt_soft_limit = 20\nsmtp_failed_rcpt_hard_limit = 20\n");
    assert_eq!(
        message_for(&e, "limits.smtp_failed_rcpt_soft_limit"),
        "must be below limits.smtp_failed_rcpt_hard_limit (20), found 20"
    );
    let e = errors("[limits]\nsmtp_failed_rcpt_hard_limit = 0\n");
    assert!(
        message_for(&e, "limits.smtp_failed_rcpt_hard_limit").contains("from 1"),
        "{e}"
    );
}

#[test]
fn port_rules() {
    let e = errors("[server]\nport_offset = 65000\n");
    assert_eq!(e.len(), 1, "{e}");
    assert!(message_for(&e, "server.port_offset").contains("above 65535"));
    let e = errors("[ports]\nimaps = 993\nimap = 993\n");
    assert_eq!(
        message_for(&e, "ports.imaps"),
        "port 993 is also used by imap"
    );
    let e = errors("[ports]\nhttp = 0\n");
    assert_eq!(
        message_for(&e, "ports.http"),
        "expected an integer from 1 to 65535, found 0"
    );
}

#[test]
fn wrong_types_and_shapes() {
    let e = errors(
        "limits = 5\n[services]\nsmtp = \"yes\"\n[server]\nlisten = \"127.0.0.1\"\n[dns]\nroutes = \"none\"\n[spam]\nthreshold = \"high\"\n",
    );
    assert_eq!(e.len(), 5, "{e}");
    assert_eq!(
        message_for(&e, "limits"),
        "expected a table [limits], found 5"
    );
    assert_eq!(
        message_for(&e, "services.smtp"),
        "expected true or false, found \"yes\""
    );
    assert!(message_for(&e, "server.listen").starts_with("expected a list of IP addresses"));
    assert!(message_for(&e, "dns.routes").starts_with("expected a table [dns.routes]"));
    assert!(message_for(&e, "spam.threshold").starts_with("expected a number from 0 to 1000"));
}

#[test]
fn dns_routes_are_checked_per_domain() {
    let e = errors(
        "[dns.routes]\n\"example.org\" = \"mx.example.org\"\n\"ok.example\" = \"127.0.0.1:25\"\n\"bad domain\" = \"127.0.0.1:25\"\n",
    );
    assert_eq!(e.len(), 2, "{e}");
    assert!(message_for(&e, "dns.routes.\"example.org\"").contains("\"host:port\""));
    assert!(message_for(&e, "dns.routes.\"bad domain\"").contains("domain name as key"));
}

/// Issue 11: `check-config` refused the smarthost key the router knows.
#[test]
fn dns_routes_take_a_star_smarthost() {
    let s = Settings::parse(
        "[dns.routes]\n\"*\" = \"relay.ac-demo.fr:25\"\n\"example.org\" = \"127.0.0.1:2525\"\n",
    )
    .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(s.dns.routes["*"], "relay.ac-demo.fr:25");
    assert_eq!(s.dns.routes["example.org"], "127.0.0.1:2525");
    // Only the bare `*`: no wildcard patterns.
    let e =
        errors("[dns.routes]\n\"*.example.org\" = \"127.0.0.1:25\"\n\"**\" = \"127.0.0.1:25\"\n");
    assert_eq!(e.len(), 2, "{e}");
    assert!(message_for(&e, "dns.routes.\"*.example.org\"").contains("or \"*\" for a smarthost"));
    // A smarthost still needs a host:port.
    let e = errors("[dns.routes]\n\"*\" = \"relay\"\n");
    assert!(
        message_for(&e, "dns.routes.\"*\"").contains("\"host:port\""),
        "{e}"
    );
}

#[test]
fn unknown_keys_get_useful_hints() {
    let e = errors(
        "hostname = \"x\"\n[services]\npop = false\n[limits]\nfoo = 1\n[quota]\nwarning_precent = 90\n",
    );
    assert_eq!(e.len(), 4, "{e}");
    assert_eq!(
        message_for(&e, "hostname"),
        "unknown key; `hostname` belongs in section [server]"
    );
    assert_eq!(
        message_for(&e, "services.pop"),
        "unknown key; did you mean `pop3`?"
    );
    let foo = message_for(&e, "limits.foo");
    assert!(
        foo.starts_with("unknown key; expected one of: message_size, "),
        "{foo}"
    );
    assert_eq!(
        message_for(&e, "quota.warning_precent"),
        "unknown key; did you mean `warning_percent`?"
    );
}

#[test]
fn syntax_error_names_the_line() {
    let e = errors("[server]\nhostname = \"a\"\nport_offset = = 3\n");
    assert_eq!(e.len(), 1);
    assert_eq!(e.errors[0].key, "");
    assert!(
        e.errors[0].message.starts_with("not valid TOML at line 3"),
        "{}",
        e.errors[0].message
    );
}

#[test]
fn ports_follow_the_offset_unless_overridden() {
    let s = Settings::parse("[server]\nport_offset = 10000\n[ports]\nhttps = 8443\n").unwrap();
    let expected = [
        (Service::Smtp, 10025),
        (Service::Submission, 10587),
        (Service::Submissions, 10465),
        (Service::Imap, 10143),
        (Service::Imaps, 10993),
        (Service::Pop3, 10110),
        (Service::Pop3s, 10995),
        (Service::Https, 8443),
        (Service::Http, 10080),
    ];
    for (service, port) in expected {
        assert_eq!(s.port(service), port, "{service:?}");
    }
    let s = Settings::parse("").unwrap();
    for service in Service::ALL {
        assert_eq!(s.port(service), service.standard_port());
    }
}

#[test]
fn example_and_round_trip() {
    let s = Settings::example("/tmp/demo/data", "localhost", "AC-Demo.fr", 10000);
    assert_eq!(s.server.data_dir, "/tmp/demo/data");
    assert_eq!(s.domains.local, vec!["ac-demo.fr"]);
    assert_eq!(s.domains.postmaster, "postmaster@ac-demo.fr");
    assert_eq!(s.port(Service::Imaps), 10993);
    assert_eq!(
        s.limits.large_file_service_url,
        "https://localhost:10443/files"
    );
    let text = s.to_toml();
    let back = Settings::parse(&text).unwrap_or_else(|e| panic!("{e}\n---\n{text}"));
    assert_eq!(back, s);
    assert!(text.contains("message_size = \"10MB\""), "{text}");
    assert!(
        text.contains("departure_warning_before = \"2mo\""),
        "{text}"
    );
}

#[test]
fn round_trip_of_a_customised_file() {
    let mut s = Settings::example("data", "mail.ac-demo.fr", "ac-demo.fr", 0);
    s.ports.smtp = Some(2525);
    s.services.pop3 = false;
    s.dns
        .routes
        .insert("example.org".into(), "127.0.0.1:2525".into());
    s.dns
        .routes
        .insert("*".into(), "relay.ac-demo.fr:25".into());
    s.spam.threshold = 6.5;
    s.auth.base_delay = HumanDuration(Duration::from_millis(250));
    s.quota.default = ByteSize(1536 << 20);
    s.domains.local.push("ac-other.fr".into());
    let text = s.to_toml();
    let back = Settings::parse(&text).unwrap_or_else(|e| panic!("{e}\n---\n{text}"));
    assert_eq!(back, s);
    // Parsing the written file of the defaults gives the defaults.
    let d = Settings::parse("").unwrap();
    assert_eq!(Settings::parse(&d.to_toml()).unwrap(), d);
}

#[test]
fn serialised_settings_name_every_key_the_parser_reads() {
    // Every key written by to_toml is accepted by parse (round trip above),
    // and every known key appears in the output: an unknown key in this list
    // would be rejected, and a key the serialiser forgot would be missing.
    let text = Settings::example("d", "h.example", "ac-demo.fr", 0).to_toml();
    for key in [
        "hostname",
        "data_dir",
        "listen",
        "port_offset",
        "certificate",
        "backend",
        "postgres_url",
        "postgres_schema",
        "blobs",
        "change_log_retention",
        "local",
        "postmaster",
        "allowed_outside_senders",
        "message_size",
        "recipients_per_message",
        "recipients_per_hour",
        "forbidden_extensions",
        "large_file_service_url",
        "smtp_line_length",
        "imap_line_length",
        "imap_max_sessions_per_account",
        "imap_structure_cache",
        "mailbox_index_cache",
        "command_timeout",
        "idle_timeout",
        "archive_max_depth",
        "archive_max_entries",
        "archive_max_expanded",
        "message_max_depth",
        "encrypted_archives",
        "unscannable",
        "smtp_failed_rcpt_soft_limit",
        "smtp_failed_rcpt_hard_limit",
        "smtp_failed_rcpt_delay",
        "smtp_failed_rcpt_memory",
        "default",
        "warning_percent",
        "full_mailbox_hold",
        "departed_deletion_after",
        "departure_warning_before",
        "functional_inactivity_deletion",
        "forward_no_copy_after",
        "retention",
        "max_failures",
        "base_delay",
        "max_delay",
        "account_max_delay",
        "max_accounts_per_address",
        "cache_ttl",
        "retry_intervals",
        "expiry",
        "mode",
        "selector",
        "private_key",
        "threshold",
        "report_local_part",
        "enabled",
        "rules",
    ] {
        assert!(
            text.lines().any(|l| l.starts_with(&format!("{key} = "))),
            "{key} missing from:\n{text}"
        );
    }
}

#[test]
fn settings_are_serializable_to_json_like_formats() {
    // serde::Serialize is part of the API (e.g. `check-config --json`).
    let s = Settings::parse("").unwrap();
    let v = toml::Value::try_from(&s).unwrap();
    assert_eq!(v["limits"]["message_size"].as_str(), Some("10MB"));
    assert_eq!(v["store"]["backend"].as_str(), Some("sqlite"));
    assert_eq!(v["server"]["listen"][0].as_str(), Some("127.0.0.1"));
}

/// Issue 14: the IMAP structure cache's bound is a key, checked.
#[test]
fn imap_structure_cache_is_bounded() {
    let s = Settings::parse("[limits]\nimap_structure_cache = 5000\n").unwrap();
    assert_eq!(s.limits.imap_structure_cache, 5000);
    for bad in ["0", "99", "10000001", "\"big\""] {
        let e = errors(&format!("[limits]\nimap_structure_cache = {bad}\n"));
        assert_eq!(e.len(), 1, "{e}");
        let m = message_for(&e, "limits.imap_structure_cache");
        assert!(m.contains("an integer from 100 to 10000000"), "{m}");
    }
}

/// Issue 14: the bound of the mailbox indexes kept in memory is a key.
#[test]
fn mailbox_index_cache_is_bounded() {
    assert_eq!(
        Settings::parse("").unwrap().limits.mailbox_index_cache,
        2_000_000
    );
    let s = Settings::parse("[limits]\nmailbox_index_cache = 0\n").unwrap();
    assert_eq!(s.limits.mailbox_index_cache, 0);
    for bad in ["-1", "100000001", "\"big\""] {
        let e = errors(&format!("[limits]\nmailbox_index_cache = {bad}\n"));
        assert_eq!(e.len(), 1, "{e}");
        let m = message_for(&e, "limits.mailbox_index_cache");
        assert!(m.contains("an integer from 0 to 100000000"), "{m}");
    }
}

/// The content sections: attachments (R7), outside senders, the web's
/// sessions, the filter pipeline and phishing (R25).
mod filtering;
