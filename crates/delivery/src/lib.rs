//! The one path every message takes into mailboxes, whatever door it came
//! through: the ingest gate (`gate.rs`, with the table of which rule
//! applies to which [`Origin`]). Sending doors (MX, submission, web send,
//! internal notices) call [`Delivery::submit`]: envelope checks (relay,
//! R2, R3, R5) → bytes (R6, header checks) → analysis → identity (R2 on
//! `From:`, our domains from outside) → R7 → SPF/DKIM/DMARC → recipients
//! (lists R3, functional mailboxes R2, forwarding R22) → the filter
//! pipeline (R8, R9, R24 per recipient) → stored form (R4 marking,
//! `Received`) → local copies, queue, holds (R15–R17) → consequences
//! (DSN, R16, R23, R5 count).
//! Filing doors (IMAP APPEND, draft save) call [`Delivery::file`].
//!
//! Public surface: [`Delivery`] (`new`, `with_filters`, `check_sender`,
//! `check_recipient`, `submit`, `file`, `retry_held`, `spawn_held_retrier`,
//! `update_quota_warning`, `is_local_domain`, `dispatch_training`),
//! [`Origin`], the typed refusal [`Refused`] with its [`Rule`], and the
//! filter pipeline ([`filter`]: [`Stage`], [`Verdict`], [`Filters`]).
//! Concurrent `submit` calls share one store transaction for their local
//! copies (group commit in the store).
//!
//! RFCs (in the part the delivery path needs):
//! - RFC 5321 §4.4 (`Received`), §4.5.3.1.10 (recipient limits), §4.5.5
//!   (null reverse path for DSNs), §3.6.2/§7.1 (no open relay)
//! - RFC 6409 §8.3 (submission adds a missing `Message-ID`)
//! - RFC 3461 (NOTIFY, ORCPT, ENVID, RET kept in the queue and honoured
//!   for delay/failure DSNs), RFC 3464 (DSNs), RFC 3463 (enhanced codes)
//! - RFC 3834 and RFC 5230 §4.5 (absence replies), RFC 2919 (`List-Id`)
//! - RFC 2156 §5.3.4 (`Sensitivity: Private`, R4)
//!
//! Invariants
//! - [`Delivery::submit`] returns `Ok` only once the message is fsynced and
//!   committed (in a mailbox or in the queue): a `250` after DATA may rely on it.
//! - Nothing here writes message content to a log; the audit event of a
//!   message never carries its subject or body.
//! - A message that went through a functional mailbox never leaves by a
//!   redirection (R22), whatever the number of internal hops.

pub mod outbound;

mod checks;
mod file;
pub mod filter;
mod gate;
mod held;
mod inbound_auth;
mod notify;
mod refused;
mod resolve;
mod submit;
mod write;

pub use file::{FileError, Filing};
pub use filter::{
    ANTIVIRUS_STAGE, Action, AlertStage, AntivirusStage, Begun, BoxFuture, FilterContext,
    FilterRecipient, FilterSettings, Filters, OnFailure, PhishStage, SpamStage, Stage, StageError,
    StagePolicy, StageResult, Thresholds, VIRUS_REASON, Verdict, VirusBounce, WARNING_FIELD,
};
pub use gate::Origin;
pub use inbound_auth::{DkimVerdict, Outcome, Verdicts};
pub use refused::{Refused, Rule};
/// R7's scan rules, for the configuration of [`DeliveryConfig::scan`].
pub use vesontio_message::ScanLimits;
pub use vesontio_policy::{ArchiveRule, ScanRules};

use std::sync::{Arc, OnceLock};
use vesontio_store::Store;
use vesontio_types::{Address, SenderPattern, UnixTime};

/// One envelope recipient with its RFC 3461 parameters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recipient {
    pub address: Address,
    /// RFC 3461 §4.2 ORCPT, as received (`rfc822;addr`).
    pub orcpt: Option<String>,
    /// RFC 3461 §4.1 NOTIFY, as received (`SUCCESS,FAILURE`, `NEVER`).
    pub notify: Option<String>,
}

/// The SMTP envelope of one message.
#[derive(Debug, Clone)]
pub struct Envelope {
    /// `None` is the null reverse path `<>` (bounces).
    pub mail_from: Option<Address>,
    pub recipients: Vec<Recipient>,
    /// RFC 3461 §4.4 ENVID and §4.3 RET (`FULL` / `HDRS`).
    pub envid: Option<String>,
    pub ret: Option<String>,
    /// RFC 6531 SMTPUTF8 was given.
    pub smtputf8: bool,
}

/// The platform's settings the delivery path needs (lowered from the
/// config file by `app`).
#[derive(Debug, Clone)]
pub struct DeliveryConfig {
    pub hostname: String,
    pub local_domains: Vec<String>,
    pub postmaster: Address,
    /// Senders in a local domain that may still arrive on the MX
    /// (newsletters, relays of the DSI); every other one is refused there.
    pub allowed_outside_senders: Vec<SenderPattern>,
    pub message_size_limit: u64,
    pub forbidden_extensions: Vec<String>,
    /// R7: how far archives are looked into, and what happens to what
    /// cannot be.
    pub scan: ScanRules,
    pub large_file_url: String,
    pub recipients_per_message: u32,
    pub recipients_per_hour: u32,
    pub quota_warning_percent: u8,
    /// R17: how long a message for a full mailbox waits.
    pub full_mailbox_hold_secs: i64,
    /// Outbound retry schedule and expiry.
    pub retry_intervals_secs: Vec<i64>,
    pub queue_expiry_secs: i64,
    /// Static routes `domain -> host:port` (offline mode, tests).
    pub static_routes: Vec<(String, String)>,
    /// R24: a spam score at or above this sends the message to `Junk`,
    /// when no [`FilterSettings`] are given ([`Delivery::with_filters`]).
    pub spam_threshold: f32,
}

impl DeliveryConfig {
    /// The charter's numbers (R5 50 recipients per message and 200 per
    /// hour, R6 10 MB, R7's list, R17 five days) for `hostname` serving
    /// `local_domains`: the configuration's defaults, for tools and tests
    /// that have no file.
    pub fn charter_defaults(hostname: &str, local_domains: Vec<String>) -> Self {
        let first = local_domains
            .first()
            .cloned()
            .unwrap_or_else(|| hostname.to_string());
        DeliveryConfig {
            hostname: hostname.to_string(),
            postmaster: Address::parse(&format!("postmaster@{first}"))
                .unwrap_or_else(|_| Address::parse("postmaster@localhost").expect("valid")),
            local_domains,
            allowed_outside_senders: Vec::new(),
            message_size_limit: 10 * 1024 * 1024,
            forbidden_extensions: ["exe", "com", "pif", "reg", "scr", "vbs"]
                .iter()
                .map(|s| s.to_string())
                .collect(),
            scan: ScanRules::CHARTER,
            large_file_url: format!("https://{hostname}/fichiers"),
            recipients_per_message: 50,
            recipients_per_hour: 200,
            quota_warning_percent: 90,
            full_mailbox_hold_secs: 5 * 86_400,
            retry_intervals_secs: vec![900, 3600],
            queue_expiry_secs: 5 * 86_400,
            static_routes: Vec::new(),
            spam_threshold: 5.0,
        }
    }
}

/// What `submit` answers on success.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Accepted {
    /// An id for the `250` text and the audit log.
    pub queue_id: String,
    pub message_id: String,
}

/// The delivery path. Cheap to clone.
#[derive(Clone)]
pub struct Delivery {
    inner: Arc<Inner>,
}

struct Inner {
    cfg: DeliveryConfig,
    store: Store,
    /// The filter pipeline (R8, R9, R24, R25 as stages), run after the
    /// authentication checks and before anything is stored.
    filters: Filters,
    /// Serialises the R16 check-and-set of `quota_warned`.
    quota_warning_lock: tokio::sync::Mutex<()>,
    ids: std::sync::atomic::AtomicU64,
    id_seed: u64,
    /// DNS for SPF/DKIM/DMARC evaluation of mail arriving on the MX; unset,
    /// no `Authentication-Results` is added.
    inbound_auth: OnceLock<outbound::AuthDns>,
    /// R9: who is told of an infected message; set once, at start.
    virus_bounce: OnceLock<VirusBounce>,
}

impl Delivery {
    pub fn new(cfg: DeliveryConfig, store: Store) -> Self {
        let filters = Filters::new(FilterSettings::with_junk(cfg.spam_threshold), Vec::new());
        Self::with_filters(cfg, store, filters)
    }

    /// Like [`Delivery::new`], with the filter pipeline: its stages, run in
    /// order for every message from outside or from users, and its
    /// settings (timeouts, failure policies, score thresholds).
    pub fn with_filters(cfg: DeliveryConfig, store: Store, filters: Filters) -> Self {
        use std::hash::{BuildHasher, Hasher};
        // A per-process random seed for queue ids (std's RandomState is
        // randomly keyed), so ids stay unique across restarts.
        let mut h = std::collections::hash_map::RandomState::new().build_hasher();
        h.write_u64(0x7665_736f_6e74_696f);
        Delivery {
            inner: Arc::new(Inner {
                cfg,
                store,
                filters,
                quota_warning_lock: tokio::sync::Mutex::new(()),
                ids: std::sync::atomic::AtomicU64::new(0),
                id_seed: h.finish(),
                inbound_auth: OnceLock::new(),
                virus_bounce: OnceLock::new(),
            }),
        }
    }

    /// Evaluate SPF, DKIM and DMARC (RFC 7208, 6376, 7489) of mail arriving
    /// on the MX with this DNS and record the verdicts in an
    /// `Authentication-Results` field (RFC 8601). Set once, at start.
    pub fn set_inbound_auth(&self, dns: outbound::AuthDns) {
        let _ = self.inner.inbound_auth.set(dns);
    }

    pub(crate) fn inbound_auth(&self) -> Option<&outbound::AuthDns> {
        self.inner.inbound_auth.get()
    }

    /// R9 (`antivirus.bounce_sender`): which senders of an infected
    /// message get a DSN. Set once, at start; unset, the default.
    pub fn set_virus_bounce(&self, b: VirusBounce) {
        let _ = self.inner.virus_bounce.set(b);
    }

    pub(crate) fn virus_bounce(&self) -> VirusBounce {
        self.inner.virus_bounce.get().copied().unwrap_or_default()
    }

    pub fn filters(&self) -> &Filters {
        &self.inner.filters
    }

    pub fn config(&self) -> &DeliveryConfig {
        &self.inner.cfg
    }

    pub fn store(&self) -> &Store {
        &self.inner.store
    }

    /// Called at `RCPT TO`: may this recipient be accepted from this origin
    /// and sender? Unknown local user `550 5.1.1`, relay attempt on MX
    /// `550 5.7.1`, list posting not authorised `550 5.7.1` (R3), R5
    /// per-message limit `452 4.5.3`, hourly limit `450 4.7.1`.
    pub async fn check_recipient(
        &self,
        origin: &Origin,
        sender: Option<&Address>,
        rcpt: &Address,
        rcpt_count_so_far: usize,
        now: UnixTime,
    ) -> Result<(), Refused> {
        checks::check_recipient(self, origin, sender, rcpt, rcpt_count_so_far, now).await
    }

    /// Called at `MAIL FROM`. On submission: may this account send as this
    /// address (its own, or a functional mailbox it has the send right on,
    /// R2)? On the MX: a sender in one of our domains is refused, unless
    /// `allowed_outside_senders` covers it.
    pub async fn check_sender(
        &self,
        origin: &Origin,
        sender: Option<&Address>,
        now: UnixTime,
    ) -> Result<(), Refused> {
        checks::check_sender(self, origin, sender, now).await
    }

    /// Accepts a complete message after DATA. Runs the charter's checks,
    /// resolves recipients, stores it durably (mailboxes and/or queue) and
    /// only then returns `Ok`.
    pub async fn submit(
        &self,
        origin: Origin,
        envelope: Envelope,
        raw: Vec<u8>,
        now: UnixTime,
    ) -> Result<Accepted, Refused> {
        submit::submit(self, origin, envelope, raw, now).await
    }

    /// Files messages into one of the account's folders (IMAP APPEND,
    /// draft save: `origin` says which, and the mailbox): R6, the header
    /// checks and R7, R4's private flag, then the store. Several messages
    /// are all stored or none (RFC 3502 §6.3.11).
    pub async fn file(
        &self,
        origin: &Origin,
        messages: Vec<Filing>,
        now: UnixTime,
    ) -> Result<Vec<vesontio_store::Appended>, FileError> {
        file::file(self, origin, messages, now).await
    }

    /// True when `domain` is one of ours (configuration or store).
    pub async fn is_local_domain(&self, domain: &str) -> bool {
        let d = domain.to_ascii_lowercase();
        if self
            .inner
            .cfg
            .local_domains
            .iter()
            .any(|l| l.eq_ignore_ascii_case(&d))
        {
            return true;
        }
        self.inner.store.is_local_domain(&d).await.unwrap_or(false)
    }

    /// A new id, unique on this host: for queue ids and Message-IDs.
    pub(crate) fn new_id(&self, now: UnixTime) -> String {
        let n = self
            .inner
            .ids
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        format!(
            "{:x}{:08x}{:04x}",
            now.max(0),
            (self.inner.id_seed as u32),
            n & 0xffff_ffff
        )
    }
}

#[cfg(test)]
mod tests;
