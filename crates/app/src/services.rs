//! Lowering the settings into each service's config and starting the
//! enabled listeners (R10: each service can be switched off alone), plus the
//! background workers (outbound queue, held deliveries).

use anyhow::{Context, Result, anyhow};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;
use vesontio_antivirus::{Clamd, ClamdOptions, Endpoint};
use vesontio_config::{BounceSender, DnsMode, FailurePolicy, ScanVerdict, Service, Settings};
use vesontio_delivery::outbound::{
    self, BoxFuture, LocalSink, MxResolver, OutboundConfig, Runner, StaticDns, SystemDns,
};
use vesontio_delivery::{
    ANTIVIRUS_STAGE, AlertStage, AntivirusStage, ArchiveRule, Delivery, DeliveryConfig, Envelope,
    FilterSettings, Filters, OnFailure, Origin, PhishStage, Recipient, Refused, Rule, ScanLimits,
    ScanRules, SpamStage, Stage, StagePolicy, Thresholds, VirusBounce,
};
use vesontio_imap_server::{ImapConfig, ImapServer};
use vesontio_jobs::{Jobs, JobsConfig};
use vesontio_pop3_server::{Pop3Config, Pop3Server};
use vesontio_smtp_server::{Listener, SmtpConfig, SmtpServer};
use vesontio_types::{Address, SenderPattern};

use crate::runtime::Platform;

/// Binds `service` on every configured address.
pub async fn bind(p: &Platform, service: Service) -> Result<Vec<TcpListener>> {
    let port = p.loaded.settings.port(service);
    let mut out = Vec::new();
    for ip in &p.loaded.settings.server.listen {
        let addr = SocketAddr::new(*ip, port);
        out.push(
            TcpListener::bind(addr)
                .await
                .with_context(|| format!("cannot listen on {addr} ({})", service.key()))?,
        );
    }
    Ok(out)
}

fn retry_intervals(s: &Settings) -> Vec<i64> {
    s.queue
        .retry_intervals
        .iter()
        .map(|d| d.0.as_secs() as i64)
        .collect()
}

fn static_routes(s: &Settings) -> Vec<(String, String)> {
    s.dns
        .routes
        .iter()
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect()
}

pub fn delivery_config(s: &Settings) -> Result<DeliveryConfig> {
    Ok(DeliveryConfig {
        hostname: s.server.hostname.clone(),
        local_domains: s.domains.local.clone(),
        postmaster: Address::parse(&s.domains.postmaster)
            .map_err(|e| anyhow!("domains.postmaster: {e}"))?,
        allowed_outside_senders: s
            .domains
            .allowed_outside_senders
            .iter()
            .map(|p| {
                SenderPattern::parse(p).map_err(|e| anyhow!("domains.allowed_outside_senders: {e}"))
            })
            .collect::<Result<_>>()?,
        message_size_limit: s.limits.message_size.0,
        forbidden_extensions: s.limits.forbidden_extensions.clone(),
        scan: scan_rules(s),
        large_file_url: s.limits.large_file_service_url.clone(),
        recipients_per_message: s.limits.recipients_per_message,
        recipients_per_hour: s.limits.recipients_per_hour,
        quota_warning_percent: s.quota.warning_percent,
        full_mailbox_hold_secs: s.quota.full_mailbox_hold.0.as_secs() as i64,
        retry_intervals_secs: retry_intervals(s),
        queue_expiry_secs: s.queue.expiry.0.as_secs() as i64,
        static_routes: static_routes(s),
        spam_threshold: s.spam.threshold as f32,
    })
}

/// `[filters]` (and `spam.threshold`, the Junk threshold) as the
/// pipeline's settings.
pub fn filter_settings(s: &Settings) -> FilterSettings {
    let f = &s.filters;
    let policy = |timeout: &vesontio_config::HumanDuration, p: FailurePolicy| StagePolicy {
        timeout: timeout.0,
        on_failure: match p {
            FailurePolicy::Tempfail => OnFailure::TempFail,
            FailurePolicy::Pass => OnFailure::Pass,
        },
    };
    let lower = |t: vesontio_config::ScoreThresholds| Thresholds {
        junk: t.junk.map(|x| x as f32),
        quarantine: t.quarantine.map(|x| x as f32),
        reject: t.reject.map(|x| x as f32),
    };
    let junk = s.spam.threshold;
    let mut settings = FilterSettings {
        default: policy(&f.timeout, f.on_failure),
        stages: f
            .stages
            .iter()
            .map(|(name, st)| (name.clone(), policy(&st.timeout, st.on_failure)))
            .collect(),
        thresholds: lower(f.thresholds_for(junk, "")),
        domains: f
            .domains
            .keys()
            .map(|d| (d.clone(), lower(f.thresholds_for(junk, d))))
            .collect(),
    };
    antivirus_policy(s, &mut settings);
    settings
}

/// The filter stages the configuration turns on, in the order they run.
pub fn stages(p: &Platform) -> Result<Vec<Arc<dyn Stage>>> {
    let s = &p.loaded.settings;
    let mut stages: Vec<Arc<dyn Stage>> = Vec::new();
    // R9 first: an infected message is isolated before any other stage
    // reads it (and never teaches the spam classifier anything).
    if let Some(clamd) = clamd(s)? {
        stages.push(Arc::new(AntivirusStage::new(Arc::new(clamd))));
    }
    // R8: an administrator's security alerts hold matching mail first.
    stages.push(Arc::new(AlertStage::new(p.store.clone())));
    if s.phishing.enabled {
        // R25: the local domains are always protected.
        let ph = &s.phishing;
        stages.push(Arc::new(
            PhishStage::new(
                &s.domains.local,
                &ph.protected_domains,
                &ph.internal_names,
                &ph.subject_tag,
            )
            .with_directory(p.store.clone()),
        ));
    }
    if s.spam.enabled {
        // R24: the phrase rules (built in, or the file, reread when it
        // changes at most once a minute) and the store's models.
        let path = (!s.spam.rules.is_empty()).then(|| std::path::Path::new(&s.spam.rules));
        let rules =
            vesontio_spam::Reloading::open(path, Duration::from_secs(60)).map_err(|errors| {
                let said: Vec<String> = errors.iter().map(ToString::to_string).collect();
                anyhow!("spam.rules: {}", said.join("; "))
            })?;
        stages.push(Arc::new(SpamStage::new(
            p.store.clone(),
            Arc::new(rules),
            &s.spam.report_local_part,
        )));
    }
    Ok(stages)
}

/// `[antivirus]` (R9) as a clamd client; `None` when `antivirus.clamd`
/// is empty (no scanning).
pub fn clamd(s: &Settings) -> Result<Option<Clamd>> {
    let a = &s.antivirus;
    if !a.enabled() {
        return Ok(None);
    }
    let endpoint = Endpoint::parse(&a.clamd).ok_or_else(|| {
        anyhow!(
            "antivirus.clamd: {:?} is neither a path nor host:port",
            a.clamd
        )
    })?;
    let mut opts = ClamdOptions::new(endpoint);
    opts.timeout = a.timeout.0;
    opts.pool = a.connections as usize;
    // R6 has refused anything larger before the filters run.
    opts.max_size = usize::try_from(s.limits.message_size.0).unwrap_or(usize::MAX);
    Ok(Some(Clamd::new(opts)))
}

/// R9: the antivirus stage's timeout and policy come from `[antivirus]`
/// unless `[filters.stages.antivirus]` gives its own. The stage waits a
/// little longer than the client, so clamd's own timeout is the one seen.
fn antivirus_policy(s: &Settings, f: &mut FilterSettings) {
    if !s.antivirus.enabled() || s.filters.stages.contains_key(ANTIVIRUS_STAGE) {
        return;
    }
    f.stages.insert(
        ANTIVIRUS_STAGE.to_string(),
        StagePolicy {
            timeout: s.antivirus.timeout.0 + Duration::from_secs(5),
            on_failure: match s.antivirus.on_failure {
                vesontio_config::OnFailure::Tempfail => OnFailure::TempFail,
                vesontio_config::OnFailure::Accept => OnFailure::Pass,
            },
        },
    );
}

/// `antivirus.bounce_sender` for the delivery path.
pub fn virus_bounce(s: &Settings) -> VirusBounce {
    match s.antivirus.bounce_sender {
        BounceSender::Authenticated => VirusBounce::Authenticated,
        BounceSender::Local => VirusBounce::Local,
        BounceSender::Never => VirusBounce::Never,
    }
}

/// `[attachments]` (R7) as the delivery path's rules.
fn scan_rules(s: &Settings) -> ScanRules {
    let a = &s.attachments;
    let rule = |v: ScanVerdict| match v {
        ScanVerdict::Refuse => ArchiveRule::Refuse,
        ScanVerdict::Accept => ArchiveRule::Accept,
    };
    ScanRules {
        limits: ScanLimits {
            max_archive_depth: a.archive_max_depth,
            max_entries: a.archive_max_entries,
            max_expanded_bytes: a.archive_max_expanded.0,
            max_message_depth: a.message_max_depth,
        },
        encrypted_archives: rule(a.encrypted_archives),
        unscannable: rule(a.unscannable),
    }
}

fn webmail_url(s: &Settings) -> String {
    match s.port(Service::Https) {
        443 => format!("https://{}/", s.server.hostname),
        p => format!("https://{}:{p}/", s.server.hostname),
    }
}

/// Queued mail for a local domain (DSNs to local senders) re-enters the
/// inbound path.
struct InboundSink(Delivery);

impl LocalSink for InboundSink {
    fn deliver_local<'a>(
        &'a self,
        sender: Option<&'a str>,
        rcpt: &'a str,
        raw: Vec<u8>,
    ) -> BoxFuture<'a, Result<(), Refused>> {
        Box::pin(async move {
            let rcpt = Address::parse(rcpt).map_err(|e| {
                Refused::new(
                    Rule::UnknownRecipient,
                    550,
                    "5.1.3",
                    format!("bad recipient: {e}"),
                )
            })?;
            let mail_from = sender
                .filter(|s| !s.is_empty())
                .and_then(|s| Address::parse(s).ok());
            let env = Envelope {
                mail_from,
                recipients: vec![Recipient {
                    address: rcpt,
                    orcpt: None,
                    notify: None,
                }],
                envid: None,
                ret: None,
                smtputf8: false,
            };
            self.0
                .submit(Origin::Internal, env, raw, vesontio_store::now())
                .await
                .map(|_| ())
        })
    }
}

/// Starts what is enabled; returns one line per endpoint.
pub async fn start(
    p: &Platform,
    shutdown: &CancellationToken,
    tracker: &TaskTracker,
) -> Result<Vec<String>> {
    let s = &p.loaded.settings;
    let tls = p.tls_acceptor()?;
    let mut endpoints = Vec::new();

    // The filter pipeline: its settings and its stages, in order.
    let filters = Filters::new(filter_settings(s), stages(p)?);
    let delivery = Delivery::with_filters(delivery_config(s)?, p.store.clone(), filters);
    delivery.set_virus_bounce(virus_bounce(s));
    tracker.spawn({
        let d = delivery.clone();
        let t = shutdown.clone();
        async move {
            let _ = d.spawn_held_retrier(t).await;
        }
    });
    // Training events (moves into and out of Junk) for the filters that
    // learn, handed out by one node at a time.
    tracker.spawn({
        let d = delivery.clone();
        let t = shutdown.clone();
        let holder = format!("{}:{}", s.server.hostname, std::process::id());
        async move {
            let _ = d.spawn_trainer(holder, t).await;
        }
    });
    // The clock-driven charter rules (R11 retention, R12–R14 lifecycle).
    let secs = |d: &vesontio_config::HumanDuration| d.0.as_secs() as i64;
    let jobs = Jobs::new(
        JobsConfig {
            departed_deletion_after: secs(&s.lifecycle.departed_deletion_after),
            departure_warning_before: secs(&s.lifecycle.departure_warning_before),
            functional_inactivity_deletion: secs(&s.lifecycle.functional_inactivity_deletion),
            forward_no_copy_after: secs(&s.lifecycle.forward_no_copy_after),
            audit_retention: secs(&s.audit.retention),
            change_log_retention: secs(&s.store.change_log_retention),
            web_session_idle: secs(&s.web.session_idle),
            web_session_absolute: secs(&s.web.session_absolute),
            quarantine_expiry: secs(&s.antivirus.quarantine_expiry),
            large_file_abandoned: secs(&s.large_files.abandoned_upload),
            interval: Duration::from_secs(3600),
        },
        p.store.clone(),
        delivery.clone(),
    );
    tracker.spawn({
        let t = shutdown.clone();
        async move {
            let _ = jobs.spawn(t).await;
        }
    });

    // Offline by default (docs/design.md): the static zone answers every lookup.
    let resolver: Arc<dyn MxResolver> = match s.dns.mode {
        DnsMode::Static => {
            let zone = StaticDns::new();
            delivery.set_inbound_auth(
                outbound::AuthDns::offline(&zone).map_err(|e| anyhow!("dns: {e}"))?,
            );
            Arc::new(zone)
        }
        DnsMode::System => {
            let dns = SystemDns::new().map_err(|e| anyhow!("dns: {e}"))?;
            delivery.set_inbound_auth(outbound::AuthDns::system(&dns));
            Arc::new(dns)
        }
    };
    let mut dkim = Vec::new();
    if !s.dkim.private_key.is_empty() {
        let pem = std::fs::read_to_string(p.loaded.resolve(&s.dkim.private_key))
            .context("cannot read dkim.private_key")?;
        for d in &s.domains.local {
            dkim.push(Arc::new(
                outbound::dkim::Signer::from_pem(d, &s.dkim.selector, &pem)
                    .map_err(|e| anyhow!("dkim: {e}"))?,
            ));
        }
    }
    let runner = Runner::new(
        OutboundConfig {
            hostname: s.server.hostname.clone(),
            retry_intervals_secs: retry_intervals(s),
            expiry_secs: s.queue.expiry.0.as_secs() as i64,
            static_routes: static_routes(s),
            postmaster: s.domains.postmaster.clone(),
            dkim,
            connect_timeout: Duration::from_secs(30),
            local_domains: s.domains.local.clone(),
        },
        p.store.clone(),
        resolver,
    )
    .with_local_sink(Arc::new(InboundSink(delivery.clone())));
    tracker.spawn({
        let t = shutdown.clone();
        async move {
            let _ = runner.spawn(t).await;
        }
    });

    // Message data beyond DATA_IN_MEMORY, in unlinked files.
    let spool_dir = p.loaded.data_dir().join("spool");
    std::fs::create_dir_all(&spool_dir)
        .with_context(|| format!("cannot create {}", spool_dir.display()))?;
    let smtp = SmtpServer::new(
        SmtpConfig {
            hostname: s.server.hostname.clone(),
            size_limit: s.limits.message_size.0,
            max_recipients: s.limits.recipients_per_message as usize,
            max_line_length: s.limits.smtp_line_length.0 as usize,
            max_bad_commands: 20,
            command_timeout: s.limits.command_timeout.0,
            data_timeout: Duration::from_secs(180),
            data_termination_timeout: Duration::from_secs(600),
            large_file_url: s.limits.large_file_service_url.clone(),
            webmail_url: webmail_url(s),
            data_line_endings: vesontio_smtp_server::LineEndings::Normalise,
            data_in_memory: vesontio_smtp_server::DATA_IN_MEMORY,
            spool_dir: spool_dir.clone(),
            rcpt_limits: vesontio_smtp_server::RcptLimits {
                soft: s.limits.smtp_failed_rcpt_soft_limit,
                hard: s.limits.smtp_failed_rcpt_hard_limit,
                delay: s.limits.smtp_failed_rcpt_delay.0,
                memory: s.limits.smtp_failed_rcpt_memory.0,
            },
        },
        delivery.clone(),
        p.directory.clone(),
        tls.clone(),
    );
    for (service, kind, label) in [
        (Service::Smtp, Listener::Mx, "SMTP MX"),
        (
            Service::Submission,
            Listener::Submission,
            "submission (STARTTLS)",
        ),
        (
            Service::Submissions,
            Listener::Submissions,
            "submission (implicit TLS)",
        ),
    ] {
        if !s.service_enabled(service) {
            continue;
        }
        for l in bind(p, service).await? {
            endpoints.push(format!("{label:<28} {}", l.local_addr()?));
            let (smtp, t, tr) = (smtp.clone(), shutdown.clone(), tracker.clone());
            tracker.spawn(async move { smtp.run(l, kind, t, tr).await });
        }
    }

    if s.service_enabled(Service::Imap) {
        let imap = Arc::new(ImapServer::new(
            ImapConfig {
                hostname: s.server.hostname.clone(),
                max_command_len: s.limits.imap_line_length.0 as usize,
                max_literal: s.limits.message_size.0,
                max_sessions_per_account: s.limits.imap_max_sessions_per_account,
                // RFC 9051 §5.4: the autologout timer is at least 30 minutes.
                idle_timeout: s.limits.idle_timeout.0.max(Duration::from_secs(1800)),
                quota_warning_percent: s.quota.warning_percent,
                structure_cache: s.limits.imap_structure_cache,
            },
            p.directory.clone(),
            delivery.clone(),
            tls.clone(),
        ));
        for (service, implicit, label) in [
            (Service::Imap, false, "IMAP (STARTTLS)"),
            (Service::Imaps, true, "IMAPS"),
        ] {
            for l in bind(p, service).await? {
                endpoints.push(format!("{label:<28} {}", l.local_addr()?));
                let (imap, t, tr) = (imap.clone(), shutdown.clone(), tracker.clone());
                tracker.spawn(async move { imap.run(l, implicit, t, tr).await });
            }
        }
    }

    if s.service_enabled(Service::Pop3) {
        let pop3 = Pop3Server::new(
            Pop3Config {
                hostname: s.server.hostname.clone(),
                idle_timeout: Duration::from_secs(600),
                max_line: 1024,
                expire_days: None,
                implementation: format!("vesontio {}", env!("CARGO_PKG_VERSION")),
            },
            p.directory.clone(),
            p.store.clone(),
            tls.clone(),
        );
        let pop3 = Arc::new(pop3);
        for (service, implicit, label) in [
            (Service::Pop3, false, "POP3 (STLS)"),
            (Service::Pop3s, true, "POP3S"),
        ] {
            for l in bind(p, service).await? {
                endpoints.push(format!("{label:<28} {}", l.local_addr()?));
                let (pop3, t, tr) = (pop3.clone(), shutdown.clone(), tracker.clone());
                tracker.spawn(async move { pop3.run(l, implicit, t, tr).await });
            }
        }
    }
    if s.service_enabled(Service::Https) || s.service_enabled(Service::Http) {
        start_web(p, &tls, &delivery, shutdown, tracker, &mut endpoints).await?;
    }
    Ok(endpoints)
}

/// `[web]` lowered for the webmail.
pub fn web_config(s: &Settings) -> vesontio_web::WebConfig {
    vesontio_web::WebConfig {
        hostname: s.server.hostname.clone(),
        https_port: s.port(Service::Https),
        session_idle_secs: s.web.session_idle.0.as_secs() as i64,
        session_absolute_secs: s.web.session_absolute.0.as_secs() as i64,
        quota_warning_percent: s.quota.warning_percent,
        spam_report_local_part: s.spam.report_local_part.clone(),
        large_files: vesontio_web::LargeFilesConfig {
            enabled: s.large_files.enabled,
            max_size: s.large_files.max_size.0,
            quota: s.large_files.quota.0,
            default_expiry_secs: s.large_files.default_expiry.0.as_secs() as i64,
            max_expiry_secs: s.large_files.max_expiry.0.as_secs() as i64,
        },
    }
}

/// The webmail over HTTPS and the HTTP listener that only redirects to it.
async fn start_web(
    p: &Platform,
    tls: &tokio_rustls::TlsAcceptor,
    delivery: &Delivery,
    shutdown: &CancellationToken,
    tracker: &TaskTracker,
    endpoints: &mut Vec<String>,
) -> Result<()> {
    let s = &p.loaded.settings;
    let web = vesontio_web::Web::new(
        web_config(s),
        p.directory.clone(),
        delivery.clone(),
        vesontio_web::Clock::System,
    );
    if s.service_enabled(Service::Https) {
        for l in bind(p, Service::Https).await? {
            endpoints.push(format!("{:<28} {}", "webmail (HTTPS)", l.local_addr()?));
            let (web, tls, t, tr) = (web.clone(), tls.clone(), shutdown.clone(), tracker.clone());
            tracker.spawn(async move {
                if let Err(e) = vesontio_web::serve_https(web, l, tls, t, tr).await {
                    tracing::error!(error = %e, "webmail listener stopped");
                }
            });
        }
        endpoints.push(format!("{:<28} {}", "webmail URL", webmail_url(s)));
    }
    if s.service_enabled(Service::Http) {
        for l in bind(p, Service::Http).await? {
            endpoints.push(format!(
                "{:<28} {}",
                "HTTP (redirects to HTTPS)",
                l.local_addr()?
            ));
            let (config, t) = (web_config(s), shutdown.clone());
            tracker.spawn(async move {
                if let Err(e) = vesontio_web::serve_redirect(config, l, t).await {
                    tracing::error!(error = %e, "HTTP redirect listener stopped");
                }
            });
        }
    }
    Ok(())
}

#[cfg(test)]
mod phishing_defaults {
    /// `config` keeps its own copy of the phishing defaults (it depends on
    /// no filter crate): they must stay the scorer's lists.
    #[test]
    fn config_defaults_are_the_scorers_lists() {
        let mut scorer: Vec<&str> = vesontio_spam::phish::MINISTRY.to_vec();
        scorer.extend(vesontio_spam::phish::ACADEMIES);
        assert_eq!(
            vesontio_config::phishing_defaults::PROTECTED,
            scorer.as_slice()
        );
        assert_eq!(
            vesontio_config::phishing_defaults::INTERNAL_NAMES,
            vesontio_spam::phish::INTERNAL_NAMES
        );
    }
}
