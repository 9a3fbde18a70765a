//! The typed configuration tree. Every field's doc comment is the user
//! documentation of its key; every default is the charter's value
//! (`docs/charter.md`, rule ids in brackets).

use std::collections::BTreeMap;
use std::net::{IpAddr, Ipv4Addr};

use serde::Serialize;
use vesontio_types::Protocol;

use crate::spam::Spam;
use crate::storage::Storage;
use crate::units::{ByteSize, HumanDuration};

/// The whole configuration file, validated. Build it with
/// [`Settings::parse`] or [`Settings::example`].
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Settings {
    pub server: Server,
    pub ports: Ports,
    pub services: Services,
    pub tls: Tls,
    pub store: Storage,
    pub domains: Domains,
    pub limits: Limits,
    pub attachments: Attachments,
    pub quota: Quota,
    pub lifecycle: Lifecycle,
    pub audit: Audit,
    pub auth: Auth,
    pub queue: Queue,
    pub dns: Dns,
    pub dkim: Dkim,
    pub spam: Spam,
    /// `[phishing]` (R25).
    pub phishing: crate::phishing::Phishing,
    /// `[filters]`: the filter pipeline (stages' timeouts and failure
    /// policies, score thresholds per domain).
    pub filters: crate::filters::Filters,
    pub web: Web,
    pub antivirus: crate::antivirus::Antivirus,
    /// `[large_files]` (R21).
    pub large_files: crate::large_files::LargeFiles,
}

/// `[server]`: identity and network of this node.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Server {
    /// Host name of this server, used in SMTP greetings, `Received:` fields
    /// and generated links. Default `"mail.example.org"`.
    pub hostname: String,
    /// Directory for the embedded database, message blobs and state. Relative
    /// paths are relative to the configuration file's directory. Set it in
    /// production; default `"./data"`.
    pub data_dir: String,
    /// IP addresses to listen on, e.g. `["0.0.0.0", "::"]`. Default
    /// `["127.0.0.1"]`.
    pub listen: Vec<IpAddr>,
    /// Added to every standard port (25 → 25 + offset, 993 → 993 + offset…)
    /// unless `[ports]` sets it explicitly. Default 0; `vesontio demo` uses
    /// 10000.
    pub port_offset: u16,
}

/// `[ports]`: explicit port numbers. Each key is optional; when absent the
/// port is the standard one plus `server.port_offset`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Ports {
    /// SMTP MX, where other servers deliver (RFC 5321). Standard 25.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub smtp: Option<u16>,
    /// Submission with STARTTLS (RFC 6409). Standard 587.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub submission: Option<u16>,
    /// Submission over implicit TLS (RFC 8314) [R20]. Standard 465.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub submissions: Option<u16>,
    /// IMAP with STARTTLS (RFC 9051). Standard 143.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub imap: Option<u16>,
    /// IMAP over implicit TLS (RFC 8314) [R20]. Standard 993.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub imaps: Option<u16>,
    /// POP3 with STLS (RFC 1939, RFC 2595). Standard 110.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pop3: Option<u16>,
    /// POP3 over implicit TLS (RFC 8314) [R20]. Standard 995.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pop3s: Option<u16>,
    /// Webmail and administration over HTTPS [R19]. Standard 443.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub https: Option<u16>,
    /// Plain HTTP, which only redirects to HTTPS. Standard 80.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub http: Option<u16>,
}

/// `[services]` [R10]: each network service can be switched off alone.
/// All `true` by default.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Services {
    /// SMTP MX (port 25): mail from other servers.
    pub smtp: bool,
    /// Submission (ports 587 and 465): mail from our users' clients.
    pub submission: bool,
    /// IMAP (ports 143 and 993).
    pub imap: bool,
    /// POP3 (ports 110 and 995).
    pub pop3: bool,
    /// Webmail and administration console (ports 443 and 80).
    pub web: bool,
}

/// `[tls]`: the certificate served on every TLS port. TLS 1.2 is the minimum.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Tls {
    /// PEM file with the certificate chain, leaf first. Relative paths are
    /// relative to the configuration file's directory. Default `"cert.pem"`.
    pub certificate: String,
    /// PEM file with the private key (PKCS#8, PKCS#1 or SEC1). Default
    /// `"key.pem"`.
    pub private_key: String,
}

/// `[domains]`: the mail domains this server is the final destination for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Domains {
    /// Local domains, lower case; at least one. Default `["ac-demo.fr"]`.
    pub local: Vec<String>,
    /// Address of the postmaster (RFC 5321 §4.5.1), sender of notices and
    /// bounces. Default `postmaster@` the first local domain.
    pub postmaster: String,
    /// Mail arriving on the MX (port 25, unauthenticated) whose envelope
    /// sender or `From:` is in a local domain is refused, whatever SPF and
    /// DKIM say: the institution's own people send through submission.
    /// These are the exceptions: addresses (`"lettre@ac-demo.fr"`),
    /// domains with their sub-domains, or client addresses and networks
    /// (`"192.0.2.25"`, `"2001:db8::/32"`) of newsletters and relays the
    /// DSI uses. Default none.
    pub allowed_outside_senders: Vec<String>,
}

/// `[limits]`: per-message and per-sender limits, and protocol limits.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Limits {
    /// Largest message accepted, on emission and on reception [R6].
    /// Announced in SMTP `SIZE` (RFC 1870). Default `"10MB"`.
    pub message_size: ByteSize,
    /// Most recipients in one message [R5]. Default 50.
    pub recipients_per_message: u32,
    /// Most recipients one sender may reach in an hour [R5]. Default 200.
    pub recipients_per_hour: u32,
    /// Attachment extensions refused on emission and reception [R7], lower
    /// case without the dot (`".EXE"` is accepted and stored as `"exe"`).
    /// Default `["exe", "com", "pif", "reg", "scr", "vbs"]`.
    pub forbidden_extensions: Vec<String>,
    /// Address of the large-file transfer service [R21], quoted in the
    /// refusal of a too large message [R6]. Default
    /// `"https://<server.hostname>/files"` (with the HTTPS port if not 443).
    pub large_file_service_url: String,
    /// Longest SMTP command or text line accepted. RFC 5321 §4.5.3.1.4-6
    /// require at least 512 and 1000 octets. A message with a longer line
    /// is refused with `550 5.6.0` once its end is read (nothing of it is
    /// kept past the limit). Default `"4KB"`.
    pub smtp_line_length: ByteSize,
    /// Longest IMAP command line, literals excepted. RFC 7162 §4 asks for at
    /// least 8192 octets. Default `"64KB"`.
    pub imap_line_length: ByteSize,
    /// Most simultaneous IMAP connections per account. Default 20.
    pub imap_max_sessions_per_account: u32,
    /// Messages whose ENVELOPE, BODYSTRUCTURE and header an IMAP process
    /// keeps in memory (a few KiB each; past it the cache starts over), so
    /// FETCH of a message list reads nothing from the store twice. The
    /// bound of the process's memory (issue 14). From 100 to 10,000,000.
    /// Default 20000.
    pub imap_structure_cache: usize,
    /// UIDs of mailbox indexes (UIDs and flags, five bytes each) the
    /// process keeps for its IMAP sessions while a mailbox is unchanged, so
    /// opening a large mailbox again reads one row, not one per message.
    /// The least recently used go past it; 0 keeps none. From 0 to
    /// 100,000,000. Default 2000000 (about 10 MB).
    pub mailbox_index_cache: usize,
    /// Time a client may take to send a command before the connection is
    /// closed (RFC 5321 §4.5.3.2.7 suggests 5 minutes). Default `"5m"`.
    pub command_timeout: HumanDuration,
    /// Time an authenticated IMAP or POP3 client may stay silent (RFC 9051
    /// §5.4: at least 30 minutes; IDLE is restarted by clients before).
    /// Default `"30m"`.
    pub idle_timeout: HumanDuration,
    /// Refused recipients (unknown, relay denied) an unauthenticated SMTP
    /// client may get, in a session or from its address, before each
    /// further refusal is delayed (address harvesting; Postfix's
    /// `smtpd_soft_error_limit`). A delivered message starts the count
    /// again. Default 10.
    pub smtp_failed_rcpt_soft_limit: u32,
    /// The refused recipient after which the session ends with `421 4.7.0`
    /// (Postfix's `smtpd_hard_error_limit`); reconnecting from the same
    /// address (IPv6: the same /64) does not start again. Default 20.
    pub smtp_failed_rcpt_hard_limit: u32,
    /// Delay of the first refusal past the soft limit; the n-th past it
    /// waits n times as long (at most 30 s). Default `"1s"`.
    pub smtp_failed_rcpt_delay: HumanDuration,
    /// How long the count of a client address is kept after its last
    /// refused recipient (in this process's memory). Default `"1h"`.
    pub smtp_failed_rcpt_memory: HumanDuration,
}

/// What R7 does with something it cannot look into.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ScanVerdict {
    /// The message is refused, as if it carried a forbidden file.
    Refuse,
    /// The message goes on; what could not be looked into is not checked.
    Accept,
}

/// `[attachments]` [R7]: how far archives are looked into for forbidden
/// files, and what happens to what cannot be looked into. The forbidden
/// extensions themselves are `limits.forbidden_extensions`. Archives are
/// recognised by their first bytes, whatever their name: zip, gzip and tar
/// are opened; rar, 7z, cab, bzip2, xz and ISO images are recognised but
/// not opened, so they count as unscannable.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Attachments {
    /// How deep archives inside archives are opened, 1 to 64 (1: only the
    /// archives attached to the message). A deeper archive is unscannable.
    /// Default 8.
    pub archive_max_depth: usize,
    /// Most archive entries listed in one message, 1 to 1,000,000; an
    /// archive with more is unscannable. Default 10000.
    pub archive_max_entries: usize,
    /// Most bytes decompressed to look into the archives of one message; an
    /// archive that expands further is unscannable. At least `"1MB"`.
    /// Default `"64MB"`.
    pub archive_max_expanded: ByteSize,
    /// How deep messages attached to messages (`message/rfc822`) are
    /// followed, 1 to 64; a deeper one is unscannable. Default 8.
    pub message_max_depth: usize,
    /// `"refuse"` or `"accept"` a message carrying a password-protected
    /// (encrypted) archive, whose contents cannot be checked. Default
    /// `"refuse"`.
    pub encrypted_archives: ScanVerdict,
    /// `"refuse"` or `"accept"` a message carrying anything else that
    /// cannot be looked into: an archive over the limits above, damaged, or
    /// of a format that is not opened. Default `"refuse"`.
    pub unscannable: ScanVerdict,
}

/// `[quota]` [R15–R17].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Quota {
    /// Quota of a new mailbox, all folders together [R15]; adjustable per
    /// account. Default `"1GB"`.
    pub default: ByteSize,
    /// Usage, in percent of the quota, at which the user is warned [R16].
    /// 1 to 100. Default 90.
    pub warning_percent: u8,
    /// How long mail for a full mailbox waits for room before it is
    /// destroyed and its sender told [R17]. Default `"5d"`.
    pub full_mailbox_hold: HumanDuration,
}

/// `[lifecycle]` [R12–R14]. A month is 30 days, a year 365.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Lifecycle {
    /// A personal account is deleted this long after its owner left [R12].
    /// Default `"1y"`.
    pub departed_deletion_after: HumanDuration,
    /// The owner is warned this long before that deletion [R12]; must be
    /// shorter than `departed_deletion_after`. Default `"2mo"`.
    pub departure_warning_before: HumanDuration,
    /// A functional mailbox nobody has read for this long is deleted [R13].
    /// Default `"6mo"`.
    pub functional_inactivity_deletion: HumanDuration,
    /// A user forwarding to an outside address who has not read mail here for
    /// this long gets "keep no copy" switched on, and is told [R14].
    /// Default `"4mo"`.
    pub forward_no_copy_after: HumanDuration,
}

/// `[audit]` [R11].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Audit {
    /// How long connection and message logs are kept before being purged.
    /// Default `"1y"`.
    pub retention: HumanDuration,
}

/// `[auth]`: defence against password guessing (CNIL 2022-100: no more
/// than 10 tries before a delay or a lock), aimed so that nobody can lock
/// someone else out: failures count per (account, client address) with
/// delays and a lock, per account with delays only, which never hold an
/// address the owner logged in from before, and per address in distinct
/// accounts (ARCHITECTURE.md, directory).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Auth {
    /// Consecutive failed logins of one account from one client address
    /// after which that address is locked out of that account, 1 to 10.
    /// Default 10.
    pub max_failures: u32,
    /// Delay imposed after the third consecutive failure (the first three
    /// are free: typing mistakes); it doubles with each further failure.
    /// Default `"1s"`.
    pub base_delay: HumanDuration,
    /// Upper bound of that delay, and the lock once `max_failures` is
    /// reached; at least `base_delay`. Also how long an account's and an
    /// address's failures are remembered. Default `"15m"`.
    pub max_delay: HumanDuration,
    /// Longest delay the failures of an account from every address impose
    /// on addresses it never logged in from; never a lock. At least
    /// `base_delay`, at most `max_delay`. Default `"1m"`.
    pub account_max_delay: HumanDuration,
    /// Distinct accounts that may fail to log in from one client address
    /// (IPv6: one /64) within `max_delay` before it is refused for accounts
    /// that never logged in from it (password spraying). High enough for a
    /// school behind one NAT address. Default 100.
    pub max_accounts_per_address: u32,
    /// How long a successful login is remembered, so that clients logging
    /// in again and again with the same password do not cost an argon2id
    /// verification each time (like Dovecot's auth cache). A password
    /// change invalidates it at once. Default `"1h"`.
    pub cache_ttl: HumanDuration,
}

/// `[queue]`: outbound mail that could not be delivered at once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Queue {
    /// Waits between delivery attempts; the last one repeats until `expiry`.
    /// Default `["5m", "15m", "30m", "1h", "2h", "4h"]`.
    pub retry_intervals: Vec<HumanDuration>,
    /// Age at which an undelivered message is bounced to its sender
    /// (RFC 5321 §4.5.4.1 suggests 4–5 days). Default `"5d"`.
    pub expiry: HumanDuration,
}

/// How outbound mail finds the next server.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum DnsMode {
    /// Offline: only the routes of `[dns.routes]`; no DNS query is ever sent.
    Static,
    /// The system resolver: MX, SPF, DKIM and DMARC lookups (production).
    System,
}

/// `[dns]`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Dns {
    /// `"static"` (offline, the default: only `[dns.routes]`) or `"system"`.
    pub mode: DnsMode,
    /// Static routes: domain → `"host:port"` of the server that takes its
    /// mail, e.g. `"example.org" = "127.0.0.1:2525"`. The key `"*"` is a
    /// smarthost: mail for every non-local domain without a route of its
    /// own goes there (`"*" = "relay.example.org:25"`); local domains are
    /// always delivered here. Default none.
    pub routes: BTreeMap<String, String>,
}

/// `[dkim]` (RFC 6376): signing of outgoing mail.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Dkim {
    /// DKIM selector published in DNS as `<selector>._domainkey.<domain>`.
    /// Default `"vesontio"`.
    pub selector: String,
    /// PEM file with the signing key; empty means no signing. Default empty.
    pub private_key: String,
}

/// `[web]`: the webmail's sessions (the listeners are `services.web` and
/// the ports `https`/`http`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Web {
    /// A webmail session unused for this long is closed; the person logs
    /// in again. Default `"30m"`.
    pub session_idle: HumanDuration,
    /// A webmail session is closed this long after login, however much it
    /// is used (a computer left open in a staff room). At least
    /// `session_idle`. Default `"12h"`.
    pub session_absolute: HumanDuration,
}

impl Default for Web {
    fn default() -> Self {
        Web {
            session_idle: HumanDuration::from_secs(30 * 60),
            session_absolute: HumanDuration::from_secs(12 * 3600),
        }
    }
}

/// A listening port, for [`Settings::port`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Service {
    Smtp,
    Submission,
    Submissions,
    Imap,
    Imaps,
    Pop3,
    Pop3s,
    Https,
    Http,
}

impl Service {
    pub const ALL: [Service; 9] = [
        Service::Smtp,
        Service::Submission,
        Service::Submissions,
        Service::Imap,
        Service::Imaps,
        Service::Pop3,
        Service::Pop3s,
        Service::Https,
        Service::Http,
    ];

    /// The IANA port (RFC 5321, 6409, 8314, 9051, 1939, 9110).
    pub const fn standard_port(self) -> u16 {
        match self {
            Service::Smtp => 25,
            Service::Submission => 587,
            Service::Submissions => 465,
            Service::Imap => 143,
            Service::Imaps => 993,
            Service::Pop3 => 110,
            Service::Pop3s => 995,
            Service::Https => 443,
            Service::Http => 80,
        }
    }

    /// The key of this port in `[ports]`.
    pub const fn key(self) -> &'static str {
        match self {
            Service::Smtp => "smtp",
            Service::Submission => "submission",
            Service::Submissions => "submissions",
            Service::Imap => "imap",
            Service::Imaps => "imaps",
            Service::Pop3 => "pop3",
            Service::Pop3s => "pop3s",
            Service::Https => "https",
            Service::Http => "http",
        }
    }

    /// The R10 switch (`[services]`) that turns this port on or off.
    pub const fn protocol(self) -> Protocol {
        match self {
            Service::Smtp => Protocol::Smtp,
            Service::Submission | Service::Submissions => Protocol::Submission,
            Service::Imap | Service::Imaps => Protocol::Imap,
            Service::Pop3 | Service::Pop3s => Protocol::Pop3,
            Service::Https | Service::Http => Protocol::Web,
        }
    }

    /// Whether the port speaks TLS from the first byte (RFC 8314).
    pub const fn implicit_tls(self) -> bool {
        matches!(
            self,
            Service::Submissions | Service::Imaps | Service::Pop3s | Service::Https
        )
    }
}

impl std::fmt::Display for Service {
    /// The `[ports]` key, e.g. `imaps`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.key())
    }
}

impl Ports {
    pub fn get(&self, service: Service) -> Option<u16> {
        match service {
            Service::Smtp => self.smtp,
            Service::Submission => self.submission,
            Service::Submissions => self.submissions,
            Service::Imap => self.imap,
            Service::Imaps => self.imaps,
            Service::Pop3 => self.pop3,
            Service::Pop3s => self.pop3s,
            Service::Https => self.https,
            Service::Http => self.http,
        }
    }

    pub fn set(&mut self, service: Service, port: Option<u16>) {
        let slot = match service {
            Service::Smtp => &mut self.smtp,
            Service::Submission => &mut self.submission,
            Service::Submissions => &mut self.submissions,
            Service::Imap => &mut self.imap,
            Service::Imaps => &mut self.imaps,
            Service::Pop3 => &mut self.pop3,
            Service::Pop3s => &mut self.pop3s,
            Service::Https => &mut self.https,
            Service::Http => &mut self.http,
        };
        *slot = port;
    }
}

impl Services {
    /// Whether the R10 switch of `protocol` is on.
    pub fn enabled(&self, protocol: Protocol) -> bool {
        match protocol {
            Protocol::Smtp => self.smtp,
            Protocol::Submission => self.submission,
            Protocol::Imap => self.imap,
            Protocol::Pop3 => self.pop3,
            Protocol::Web => self.web,
        }
    }
}

impl Settings {
    /// The port `service` listens on: `[ports]` if set, else the standard
    /// port plus `server.port_offset`. Validation guarantees this fits in
    /// 16 bits; should a hand-built `Settings` overflow, it saturates.
    pub fn port(&self, service: Service) -> u16 {
        self.ports.get(service).unwrap_or_else(|| {
            service
                .standard_port()
                .saturating_add(self.server.port_offset)
        })
    }

    /// Whether `service` should be started (its R10 switch is on).
    pub fn service_enabled(&self, service: Service) -> bool {
        self.services.enabled(service.protocol())
    }

    /// The configuration `vesontio demo` writes: charter defaults, the given
    /// data directory, host name, single local domain and port offset,
    /// listening on 127.0.0.1, offline DNS.
    pub fn example(data_dir: &str, hostname: &str, domain: &str, port_offset: u16) -> Settings {
        let domain = domain.trim().trim_end_matches('.').to_ascii_lowercase();
        let mut s = Settings {
            server: Server {
                hostname: hostname.trim().to_ascii_lowercase(),
                data_dir: data_dir.to_string(),
                listen: vec![IpAddr::V4(Ipv4Addr::LOCALHOST)],
                port_offset,
            },
            ports: Ports::default(),
            services: Services::default(),
            tls: Tls::default(),
            store: Storage::default(),
            domains: Domains {
                postmaster: format!("postmaster@{domain}"),
                local: vec![domain],
                allowed_outside_senders: Vec::new(),
            },
            limits: Limits::default(),
            attachments: Attachments::default(),
            quota: Quota::default(),
            lifecycle: Lifecycle::default(),
            audit: Audit::default(),
            auth: Auth::default(),
            queue: Queue::default(),
            dns: Dns::default(),
            dkim: Dkim::default(),
            spam: Spam::default(),
            phishing: crate::phishing::Phishing::default(),
            web: Web::default(),
            antivirus: crate::antivirus::Antivirus::default(),
            filters: crate::filters::Filters::default(),
            large_files: crate::large_files::LargeFiles::default(),
        };
        s.limits.large_file_service_url = s.default_large_file_url();
        s
    }

    /// `https://<hostname>[:port]/files`, the default of
    /// `limits.large_file_service_url`.
    pub(crate) fn default_large_file_url(&self) -> String {
        match self.port(Service::Https) {
            443 => format!("https://{}/files", self.server.hostname),
            port => format!("https://{}:{port}/files", self.server.hostname),
        }
    }
}

// Defaults: the charter's values. They are `Default` impls on sections only;
// a whole `Settings` comes from `parse` (an empty file gives all defaults) or
// `example`.

pub(crate) const DEFAULT_HOSTNAME: &str = "mail.example.org";
pub(crate) const DEFAULT_DOMAIN: &str = "ac-demo.fr";

impl Default for Server {
    fn default() -> Self {
        Server {
            hostname: DEFAULT_HOSTNAME.into(),
            data_dir: "./data".into(),
            listen: vec![IpAddr::V4(Ipv4Addr::LOCALHOST)],
            port_offset: 0,
        }
    }
}

impl Default for Services {
    fn default() -> Self {
        Services {
            smtp: true,
            submission: true,
            imap: true,
            pop3: true,
            web: true,
        }
    }
}

impl Default for Tls {
    fn default() -> Self {
        Tls {
            certificate: "cert.pem".into(),
            private_key: "key.pem".into(),
        }
    }
}

impl Default for Domains {
    fn default() -> Self {
        Domains {
            local: vec![DEFAULT_DOMAIN.into()],
            postmaster: format!("postmaster@{DEFAULT_DOMAIN}"),
            allowed_outside_senders: Vec::new(),
        }
    }
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            message_size: ByteSize(10 << 20),
            recipients_per_message: 50,
            recipients_per_hour: 200,
            forbidden_extensions: ["exe", "com", "pif", "reg", "scr", "vbs"]
                .map(String::from)
                .to_vec(),
            large_file_service_url: format!("https://{DEFAULT_HOSTNAME}/files"),
            smtp_line_length: ByteSize(4096),
            imap_line_length: ByteSize(64 << 10),
            imap_max_sessions_per_account: 20,
            imap_structure_cache: 20_000,
            mailbox_index_cache: 2_000_000,
            command_timeout: HumanDuration::from_secs(5 * 60),
            idle_timeout: HumanDuration::from_secs(30 * 60),
            smtp_failed_rcpt_soft_limit: 10,
            smtp_failed_rcpt_hard_limit: 20,
            smtp_failed_rcpt_delay: HumanDuration::from_secs(1),
            smtp_failed_rcpt_memory: HumanDuration::from_secs(3600),
        }
    }
}

impl Default for Attachments {
    fn default() -> Self {
        Attachments {
            archive_max_depth: 8,
            archive_max_entries: 10_000,
            archive_max_expanded: ByteSize(64 << 20),
            message_max_depth: 8,
            encrypted_archives: ScanVerdict::Refuse,
            unscannable: ScanVerdict::Refuse,
        }
    }
}

impl Default for Quota {
    fn default() -> Self {
        Quota {
            default: ByteSize(1 << 30),
            warning_percent: 90,
            full_mailbox_hold: HumanDuration::from_days(5),
        }
    }
}

impl Default for Lifecycle {
    fn default() -> Self {
        Lifecycle {
            departed_deletion_after: HumanDuration::from_days(365),
            departure_warning_before: HumanDuration::from_days(60),
            functional_inactivity_deletion: HumanDuration::from_days(180),
            forward_no_copy_after: HumanDuration::from_days(120),
        }
    }
}

impl Default for Audit {
    fn default() -> Self {
        Audit {
            retention: HumanDuration::from_days(365),
        }
    }
}

impl Default for Auth {
    fn default() -> Self {
        Auth {
            max_failures: 10,
            base_delay: HumanDuration::from_secs(1),
            max_delay: HumanDuration::from_secs(15 * 60),
            account_max_delay: HumanDuration::from_secs(60),
            max_accounts_per_address: 100,
            cache_ttl: HumanDuration::from_secs(3600),
        }
    }
}

impl Default for Queue {
    fn default() -> Self {
        Queue {
            retry_intervals: [5, 15, 30, 60, 120, 240]
                .map(|m| HumanDuration::from_secs(m * 60))
                .to_vec(),
            expiry: HumanDuration::from_days(5),
        }
    }
}

impl Default for Dns {
    fn default() -> Self {
        Dns {
            mode: DnsMode::Static,
            routes: BTreeMap::new(),
        }
    }
}

impl Default for Dkim {
    fn default() -> Self {
        Dkim {
            selector: "vesontio".into(),
            private_key: String::new(),
        }
    }
}
