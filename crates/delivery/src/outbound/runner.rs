//! The queue runner: claims due `Remote` entries, delivers them, records
//! each recipient's fate, retries with backoff (RFC 5321 §4.5.4.1) and
//! reports failures (RFC 3464).

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use tokio::sync::{Notify, Semaphore};
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;
use vesontio_smtp_proto::client::{Envelope, Recipient};
use vesontio_smtp_proto::{
    EnhancedCode, ForwardPath, Mailbox, Notify as DsnNotify, Orcpt, Reply, Ret, ReversePath,
};
use vesontio_store::{
    NewQueueEntry, NewQueueRcpt, QueueEntry, QueueKind, QueueRcpt, RcptStatus, Store,
};
use vesontio_types::UnixTime;

use super::bounce::{self, Failure};
use super::client::{self, Attempt, ClientOptions, REPLY_TIMEOUT};
use super::dns::{MxResolver, norm};
use super::route::{RouteError, Router};
use super::{LocalSink, OutboundConfig};

/// How long a claimed entry stays ours: longer than the slowest attempt.
const LEASE_SECS: i64 = 3 * 600;
/// Entries claimed per pass.
const BATCH: i64 = 100;
/// Entries worked on at once.
const PARALLEL: usize = 16;
/// Without `poke`, look at the queue this often.
const IDLE_POLL: Duration = Duration::from_secs(5);
/// When the schedule is empty (a config error), retry after this.
const DEFAULT_RETRY_SECS: i64 = 900;

/// What became of one recipient in one attempt.
#[derive(Debug, Clone)]
enum Fate {
    Delivered,
    Transient { reply: Reply, mta: Option<String> },
    Permanent { reply: Reply, mta: Option<String> },
}

fn fate_of(reply: Reply, mta: Option<String>) -> Fate {
    if reply.is_positive() {
        Fate::Delivered
    } else if reply.is_permanent() {
        Fate::Permanent { reply, mta }
    } else {
        Fate::Transient { reply, mta }
    }
}

/// Runs the outbound queue. Cheap to clone.
#[derive(Clone)]
pub struct Runner {
    inner: Arc<Inner>,
}

struct Inner {
    cfg: OutboundConfig,
    store: Store,
    router: Router,
    client: ClientOptions,
    local: Option<Arc<dyn LocalSink>>,
    wake: Notify,
    seq: AtomicU64,
}

impl Runner {
    /// `resolver` answers MX/A/AAAA for domains without a static route.
    pub fn new(cfg: OutboundConfig, store: Store, resolver: Arc<dyn MxResolver>) -> Runner {
        let tls = match vesontio_tls::dangerous_client_config_no_verify() {
            Ok(t) => Some(t),
            Err(e) => {
                tracing::warn!("no TLS for outbound STARTTLS: {e}");
                None
            }
        };
        let client = ClientOptions {
            hostname: cfg.hostname.clone(),
            connect_timeout: cfg.connect_timeout,
            reply_timeout: REPLY_TIMEOUT,
            tls,
        };
        let router = Router::new(cfg.static_routes.clone(), resolver);
        Runner {
            inner: Arc::new(Inner {
                cfg,
                store,
                router,
                client,
                local: None,
                wake: Notify::new(),
                seq: AtomicU64::new(0),
            }),
        }
    }

    /// Hands queued mail for `local_domains` to `sink` (call before cloning
    /// or spawning).
    pub fn with_local_sink(self, sink: Arc<dyn LocalSink>) -> Runner {
        let inner = match Arc::try_unwrap(self.inner) {
            Ok(mut i) => {
                i.local = Some(sink);
                i
            }
            Err(shared) => Inner {
                cfg: shared.cfg.clone(),
                store: shared.store.clone(),
                router: shared.router.clone(),
                client: shared.client.clone(),
                local: Some(sink),
                wake: Notify::new(),
                seq: AtomicU64::new(shared.seq.load(Ordering::Relaxed)),
            },
        };
        Runner {
            inner: Arc::new(inner),
        }
    }

    /// The router, e.g. for an admin "where would this go" command.
    pub fn router(&self) -> &Router {
        &self.inner.router
    }

    /// Something was queued: run a pass now rather than at the next poll.
    pub fn poke(&self) {
        self.inner.wake.notify_one();
    }

    /// Runs until `shutdown`: a pass at start, after each `poke`, and every
    /// few seconds. An attempt in flight at shutdown is abandoned; its lease
    /// expires and another pass retries it (the peer may get it twice,
    /// which RFC 5321 §4.5.4.1 accepts over losing it).
    pub fn spawn(self, shutdown: CancellationToken) -> tokio::task::JoinHandle<()> {
        tokio::spawn(async move {
            loop {
                let now = vesontio_store::now();
                tokio::select! {
                    _ = shutdown.cancelled() => break,
                    n = self.run_once(now) => {
                        if n >= BATCH as usize {
                            continue;
                        }
                    }
                }
                tokio::select! {
                    _ = shutdown.cancelled() => break,
                    _ = self.inner.wake.notified() => {}
                    _ = tokio::time::sleep(IDLE_POLL) => {}
                }
            }
        })
    }

    /// One pass at time `now`: claims the due entries and works on them.
    /// Returns how many entries were worked on.
    pub async fn run_once(&self, now: UnixTime) -> usize {
        let entries = match self
            .inner
            .store
            .claim_due_kind(now, LEASE_SECS, BATCH, QueueKind::Remote)
            .await
        {
            Ok(e) => e,
            Err(e) => {
                tracing::error!("outbound queue claim failed: {e}");
                return 0;
            }
        };
        let n = entries.len();
        let sem = Arc::new(Semaphore::new(PARALLEL));
        let mut tasks = JoinSet::new();
        for e in entries {
            let me = self.clone();
            let sem = sem.clone();
            tasks.spawn(async move {
                let _permit = sem.acquire_owned().await;
                me.process(e, now).await;
            });
        }
        while let Some(r) = tasks.join_next().await {
            if let Err(e) = r {
                tracing::error!("outbound task failed: {e}");
            }
        }
        n
    }

    fn is_local(&self, domain: &str) -> bool {
        self.inner.local.is_some()
            && self
                .inner
                .cfg
                .local_domains
                .iter()
                .any(|d| norm(d) == domain)
    }

    fn retry_after(&self, attempts: i64) -> i64 {
        let iv = &self.inner.cfg.retry_intervals_secs;
        let i = usize::try_from(attempts)
            .unwrap_or(0)
            .min(iv.len().saturating_sub(1));
        iv.get(i).copied().unwrap_or(DEFAULT_RETRY_SECS).max(1)
    }

    async fn process(&self, e: QueueEntry, now: UnixTime) {
        let store = &self.inner.store;
        let raw = match store.read_blob(&e.blob_id).await {
            Ok(r) => r,
            Err(err) => {
                tracing::error!(queue_id = e.id, "cannot read queued message: {err}");
                let _ = store
                    .reschedule(e.id, now + self.retry_after(e.attempts), e.delay_notified)
                    .await;
                return;
            }
        };
        let pending: Vec<QueueRcpt> = e
            .recipients
            .iter()
            .filter(|r| r.status == RcptStatus::Pending)
            .cloned()
            .collect();
        let mut by_domain: BTreeMap<String, Vec<QueueRcpt>> = BTreeMap::new();
        for r in pending {
            let domain = r.address.rsplit_once('@').map_or("", |(_, d)| d);
            by_domain.entry(norm(domain)).or_default().push(r);
        }
        let signed = self.sign(&e.sender, &raw);
        let mut fates: Vec<(QueueRcpt, Fate)> = Vec::new();
        for (domain, rcpts) in by_domain {
            let f = if self.is_local(&domain) {
                self.deliver_local(&e, &rcpts, &raw).await
            } else {
                self.deliver_remote(&e, &domain, &rcpts, &signed).await
            };
            fates.extend(rcpts.into_iter().zip(f));
        }
        self.record(e, &raw, fates, now).await;
    }

    /// DKIM: the signer of the sender's domain, or of the postmaster's for
    /// the null sender (our DSNs).
    fn sign(&self, sender: &str, raw: &[u8]) -> Vec<u8> {
        let from = if sender.is_empty() {
            self.inner.cfg.postmaster.as_str()
        } else {
            sender
        };
        let domain = norm(from.rsplit_once('@').map_or("", |(_, d)| d));
        match self.inner.cfg.dkim.iter().find(|s| s.domain() == domain) {
            Some(s) => match s.sign_message(raw) {
                Ok(m) => m,
                Err(err) => {
                    tracing::warn!("DKIM signing failed, sending unsigned: {err}");
                    raw.to_vec()
                }
            },
            None => raw.to_vec(),
        }
    }

    async fn deliver_local(&self, e: &QueueEntry, rcpts: &[QueueRcpt], raw: &[u8]) -> Vec<Fate> {
        let mut out = Vec::new();
        let sender = (!e.sender.is_empty()).then_some(e.sender.as_str());
        for r in rcpts {
            let fate = match &self.inner.local {
                Some(sink) => match sink.deliver_local(sender, &r.address, raw.to_vec()).await {
                    Ok(()) => Fate::Delivered,
                    Err(rep) => {
                        let enhanced = EnhancedCode::parse(&rep.enhanced).unwrap_or(
                            EnhancedCode::new(if rep.code >= 500 { 5 } else { 4 }, 0, 0),
                        );
                        fate_of(
                            Reply::new(rep.code, enhanced, rep.text),
                            Some(self.inner.cfg.hostname.clone()),
                        )
                    }
                },
                None => Fate::Transient {
                    reply: Reply::new(451, EnhancedCode::new(4, 3, 0), "no local delivery"),
                    mta: None,
                },
            };
            out.push(fate);
        }
        out
    }

    async fn deliver_remote(
        &self,
        e: &QueueEntry,
        domain: &str,
        rcpts: &[QueueRcpt],
        message: &[u8],
    ) -> Vec<Fate> {
        let all = |f: Fate| vec![f; rcpts.len()];
        let hops = match self.inner.router.hops(domain).await {
            Ok(h) => h,
            Err(RouteError::Permanent(reply)) => return all(Fate::Permanent { reply, mta: None }),
            Err(RouteError::Transient(reply)) => return all(Fate::Transient { reply, mta: None }),
        };
        let envelope = match envelope(e, rcpts) {
            Ok(env) => env,
            Err(reply) => return all(fate_of(reply, None)),
        };
        let mut last = Reply::new(451, EnhancedCode::new(4, 4, 0), "no server tried");
        let mut last_mta = None;
        for hop in &hops {
            match client::deliver(&self.inner.client, hop, &envelope, message).await {
                Attempt::Done { replies, .. } => {
                    return replies
                        .into_iter()
                        .map(|r| fate_of(r, Some(hop.name.clone())))
                        .collect();
                }
                Attempt::Failed { reply, .. } if reply.is_permanent() => {
                    return all(Fate::Permanent {
                        reply,
                        mta: Some(hop.name.clone()),
                    });
                }
                // RFC 5321 §5.1: a transient failure moves on to the next MX.
                Attempt::Failed { reply, .. } => {
                    tracing::info!(queue_id = e.id, host = %hop.name, "attempt failed: {}", bounce::diagnostic(&reply));
                    last = reply;
                    last_mta = Some(hop.name.clone());
                }
            }
        }
        all(Fate::Transient {
            reply: last,
            mta: last_mta,
        })
    }

    /// Stores the fates, queues the DSN, reschedules or dequeues.
    async fn record(
        &self,
        e: QueueEntry,
        raw: &[u8],
        fates: Vec<(QueueRcpt, Fate)>,
        now: UnixTime,
    ) {
        let store = &self.inner.store;
        let expired = now >= e.created_at + self.inner.cfg.expiry_secs;
        let mut failures = Vec::new();
        let mut still_pending = false;
        for (r, fate) in fates {
            let (status, error, audit) = match &fate {
                Fate::Delivered => (RcptStatus::Done, None, "delivered"),
                Fate::Permanent { reply, .. } => (
                    RcptStatus::Failed,
                    Some(bounce::diagnostic(reply)),
                    "failed",
                ),
                Fate::Transient { reply, .. } if expired => (
                    RcptStatus::Failed,
                    Some(format!("expired: {}", bounce::diagnostic(reply))),
                    "expired",
                ),
                Fate::Transient { reply, .. } => {
                    still_pending = true;
                    (
                        RcptStatus::Pending,
                        Some(bounce::diagnostic(reply)),
                        "deferred",
                    )
                }
            };
            if let Err(err) = store
                .set_rcpt_status(r.id, status.clone(), error.as_deref())
                .await
            {
                tracing::error!(queue_id = e.id, "cannot record recipient status: {err}");
                still_pending = true;
                continue;
            }
            let (code, mta) = match &fate {
                Fate::Delivered => (None, None),
                Fate::Permanent { reply, mta } | Fate::Transient { reply, mta } => {
                    (Some(reply.code), mta.clone())
                }
            };
            let _ = store
                .audit_append(
                    now,
                    "outbound",
                    &serde_json::json!({
                        "queue_id": e.id, "sender": e.sender, "rcpt": r.address,
                        "result": audit, "code": code, "mta": mta, "attempt": e.attempts + 1,
                    }),
                )
                .await;
            if status == RcptStatus::Failed {
                let (reply, mta) = match fate {
                    Fate::Permanent { reply, mta } | Fate::Transient { reply, mta } => (reply, mta),
                    Fate::Delivered => continue,
                };
                failures.push(Failure {
                    rcpt: r,
                    reply,
                    mta,
                });
            }
        }
        if !failures.is_empty() && !self.queue_dsn(&e, raw, &failures, now).await {
            // The report could not be stored: keep the entry, try again.
            still_pending = true;
        }
        let r = if still_pending {
            // Never wait past expiry: the last attempt is at expiry.
            let next = (now + self.retry_after(e.attempts))
                .min((e.created_at + self.inner.cfg.expiry_secs).max(now + 1));
            store.reschedule(e.id, next, e.delay_notified).await
        } else {
            store.dequeue(e.id).await
        };
        if let Err(err) = r {
            tracing::error!(queue_id = e.id, "cannot update queue entry: {err}");
        }
    }

    /// Queues the failure report to the sender. `true` when there was
    /// nothing to send or it is stored.
    async fn queue_dsn(
        &self,
        e: &QueueEntry,
        raw: &[u8],
        failures: &[Failure],
        now: UnixTime,
    ) -> bool {
        let cfg = &self.inner.cfg;
        let n = self.inner.seq.fetch_add(1, Ordering::Relaxed);
        let message_id = format!("dsn.{}.{}.{}@{}", e.id, now, n, cfg.hostname);
        let Some((to, dsn)) = bounce::build(
            &cfg.hostname,
            &cfg.postmaster,
            e,
            raw,
            failures,
            now,
            message_id,
        ) else {
            return true;
        };
        let store = &self.inner.store;
        let blob = match store.put_blob(dsn).await {
            Ok((b, _)) => b,
            Err(err) => {
                tracing::error!(queue_id = e.id, "cannot store DSN: {err}");
                return false;
            }
        };
        let entry = NewQueueEntry {
            kind: QueueKind::Remote,
            blob,
            // RFC 5321 §4.5.5: a DSN goes out with the null reverse path.
            sender: String::new(),
            envid: None,
            ret: None,
            recipients: vec![NewQueueRcpt {
                address: to.to_string(),
                orcpt: None,
                notify: None,
            }],
            created_at: now,
            next_attempt_at: now,
        };
        match store.enqueue(entry).await {
            Ok(_) => {
                self.poke();
                true
            }
            Err(err) => {
                tracing::error!(queue_id = e.id, "cannot queue DSN: {err}");
                false
            }
        }
    }
}

fn mailbox(addr: &str) -> Option<Mailbox> {
    let (l, d) = addr.rsplit_once('@')?;
    (!l.is_empty() && !d.is_empty()).then(|| Mailbox {
        local_part: l.to_string(),
        domain: d.to_string(),
    })
}

fn notify(s: &str) -> DsnNotify {
    let mut n = DsnNotify::default();
    for k in s.split(',') {
        match k.trim().to_ascii_uppercase().as_str() {
            "NEVER" => n.never = true,
            "SUCCESS" => n.success = true,
            "FAILURE" => n.failure = true,
            "DELAY" => n.delay = true,
            _ => {}
        }
    }
    n
}

fn orcpt(s: &str) -> Orcpt {
    match s.split_once(';') {
        Some((t, a)) => Orcpt {
            addr_type: t.trim().to_string(),
            address: a.trim().to_string(),
        },
        None => Orcpt {
            addr_type: "rfc822".into(),
            address: s.trim().to_string(),
        },
    }
}

/// The SMTP envelope of `rcpts` (RFC 3461 parameters carried over).
fn envelope(e: &QueueEntry, rcpts: &[QueueRcpt]) -> Result<Envelope, Reply> {
    let bad = |a: &str| Reply::new(553, EnhancedCode::new(5, 1, 3), format!("Bad address {a}"));
    let reverse_path = if e.sender.is_empty() {
        ReversePath::Null
    } else {
        ReversePath::Mailbox(mailbox(&e.sender).ok_or_else(|| bad(&e.sender))?)
    };
    let recipients = rcpts
        .iter()
        .map(|r| {
            Ok(Recipient {
                forward_path: ForwardPath::Mailbox(
                    mailbox(&r.address).ok_or_else(|| bad(&r.address))?,
                ),
                notify: r.notify.as_deref().map(notify),
                orcpt: r.orcpt.as_deref().map(orcpt),
            })
        })
        .collect::<Result<Vec<_>, Reply>>()?;
    let ret = match e.ret.as_deref().map(str::to_ascii_uppercase).as_deref() {
        Some("FULL") => Some(Ret::Full),
        Some("HDRS") => Some(Ret::Hdrs),
        _ => None,
    };
    Ok(Envelope {
        reverse_path,
        recipients,
        ret,
        envid: e.envid.clone(),
        smtputf8: false,
    })
}
