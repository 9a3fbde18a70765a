//! Bulk import of accounts from `address;name;password` lines (name empty:
//! from the address; password empty: a random initial one).
//!
//! Memory: argon2id takes 19 MiB per hash, so hashes run in a pool of
//! `workers` (the number of cores by default) fed one row at a time: at
//! most `workers` hashes and `workers` hashed rows waiting for their insert
//! exist at once, whatever the file's size. (The earlier code started one
//! hash per row at once: 3.4 GB for 1,000 accounts.)
//!
//! Resumption: every row is checked against the store before it is hashed;
//! an address that exists is skipped and counted, so running the same file
//! again after an interruption creates only what is missing (and does not
//! pay argon2id for the rest). Each account is committed with its own
//! audit entry, so an interruption loses at most the rows in the pool.
//!
//! Every line is checked first (address shape R1, local domain, password
//! strength R26) and every problem reported at once; nothing is created
//! from a file with a bad line.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use serde_json::json;
use tokio::task::JoinSet;
use vesontio_directory::{address, password};
use vesontio_store::{NewAccount, StoreError};
use vesontio_types::{AccountKind, Address, Secret};

use crate::accounts::{AddressRule, FirstLogin};
use crate::{Actor, Admin, AdminError, Result, default_display_name};

/// A password hash function: the directory's argon2id by default; tests
/// give a cheaper or slower one.
pub type HashFn = fn(&Secret<String>) -> std::result::Result<String, String>;

#[derive(Debug, Clone)]
pub struct ImportOptions {
    pub kind: AccountKind,
    pub first_login: FirstLogin,
    pub address_rule: AddressRule,
    /// Hashes running at once.
    pub workers: usize,
    pub hash: HashFn,
}

impl ImportOptions {
    /// Persons, nominative addresses, initial passwords, one hash per core.
    pub fn new(kind: AccountKind) -> Self {
        ImportOptions {
            kind,
            first_login: FirstLogin::MustChange,
            address_rule: AddressRule::Nominative,
            workers: std::thread::available_parallelism()
                .map(|n| n.get())
                .unwrap_or(2),
            hash: |pw| password::hash(pw).map_err(|e| e.to_string()),
        }
    }
}

/// What the caller is told as the import goes (a progress bar, the list of
/// initial passwords). Called on the importing task, in row order for
/// `skipped`, in completion order for `created`. The import's future is
/// `Send` when the progress is (the console's), not otherwise (the CLI's
/// locked stdout).
pub trait ImportProgress {
    /// Rows in the file (after the check), before any is created.
    fn started(&mut self, _rows: usize) {}
    /// `initial_password` when one was generated: shown once, then gone.
    fn created(&mut self, _address: &str, _initial_password: Option<&Secret<String>>) {}
    /// The address already exists (an earlier run, or an older account).
    fn skipped(&mut self, _address: &str) {}
}

/// Ignores every event.
impl ImportProgress for () {}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ImportReport {
    pub rows: usize,
    pub created: usize,
    pub skipped: usize,
    /// The most hashes observed running at once (≤ `workers`).
    pub peak_hashing: usize,
}

/// One checked line.
struct Row {
    address: String,
    display_name: String,
    password: Option<Secret<String>>,
}

/// The line's row, `None` for blank and `#` lines.
fn parse_line(
    line: &str,
    domains: &[String],
    opts: &ImportOptions,
) -> Option<std::result::Result<Row, AdminError>> {
    let line = line.trim();
    if line.is_empty() || line.starts_with('#') {
        return None;
    }
    let mut f = line.splitn(3, ';');
    let (addr, name, pw) = (
        f.next().unwrap_or("").trim(),
        f.next().unwrap_or("").trim(),
        f.next().unwrap_or(""),
    );
    Some((|| {
        let a = Address::parse(addr).map_err(|e| AdminError::BadAddress {
            input: addr.to_string(),
            reason: e.to_string(),
        })?;
        if !domains.iter().any(|d| d == a.domain()) {
            return Err(AdminError::NotLocalDomain {
                domain: a.domain().to_string(),
                local: domains.to_vec(),
            });
        }
        let address = a.normalized();
        let person = opts.kind == AccountKind::Person;
        if person && opts.address_rule == AddressRule::Nominative {
            address::check_nominative(&address).map_err(|_| AdminError::NotNominative {
                address: address.clone(),
            })?;
        }
        let display_name = if name.is_empty() {
            default_display_name(&address)
        } else {
            name.to_string()
        };
        if person && !pw.is_empty() {
            password::check_strength(pw, &address, &display_name)
                .map_err(AdminError::WeakPassword)?;
        }
        Ok(Row {
            address,
            display_name,
            password: (person && !pw.is_empty()).then(|| Secret::new(pw.to_string())),
        })
    })())
}

/// A row whose hash is done, waiting for its insert.
struct Hashed {
    row: Row,
    hash: std::result::Result<String, String>,
    shown: Option<Secret<String>>,
}

impl Admin {
    /// Imports `text` (the file's content). See the module comment for
    /// memory, resumption and checks.
    pub async fn import_accounts<P: ImportProgress + ?Sized>(
        &self,
        actor: &Actor,
        text: &str,
        opts: &ImportOptions,
        progress: &mut P,
    ) -> Result<ImportReport> {
        let domains = self.store.domains().await?;
        let mut bad = Vec::new();
        let mut rows = 0;
        for (n, line) in text.lines().enumerate() {
            match parse_line(line, &domains, opts) {
                Some(Ok(_)) => rows += 1,
                Some(Err(e)) => bad.push((n + 1, e)),
                None => {}
            }
        }
        if !bad.is_empty() {
            return Err(AdminError::ImportInvalid(bad));
        }
        progress.started(rows);
        let mut report = ImportReport {
            rows,
            ..Default::default()
        };
        let workers = opts.workers.max(1);
        let running = Arc::new(AtomicUsize::new(0));
        let peak = Arc::new(AtomicUsize::new(0));
        let mut pool: JoinSet<Hashed> = JoinSet::new();
        let quota = i64::try_from(self.config.default_quota_bytes).unwrap_or(i64::MAX);
        for line in text.lines() {
            let Some(Ok(row)) = parse_line(line, &domains, opts) else {
                continue;
            };
            if self.store.account_by_address(&row.address).await?.is_some() {
                report.skipped += 1;
                progress.skipped(&row.address);
                continue;
            }
            if opts.kind != AccountKind::Person {
                let done = Hashed {
                    row,
                    hash: Err(String::new()),
                    shown: None,
                };
                self.insert(actor, done, opts, quota, &mut report, progress)
                    .await?;
                continue;
            }
            // The pool is full: insert a finished row before hashing another.
            while pool.len() >= workers {
                if let Some(done) = pool.join_next().await {
                    let done = done.map_err(|e| AdminError::Hashing(e.to_string()))?;
                    self.insert(actor, done, opts, quota, &mut report, progress)
                        .await?;
                }
            }
            let (running, peak, hash) = (running.clone(), peak.clone(), opts.hash);
            pool.spawn_blocking(move || {
                let now = running.fetch_add(1, Ordering::SeqCst) + 1;
                peak.fetch_max(now, Ordering::SeqCst);
                let (pw, shown) = match &row.password {
                    Some(p) => (p.clone(), None),
                    None => {
                        let p = crate::generate_password();
                        (p.clone(), Some(p))
                    }
                };
                let h = hash(&pw);
                running.fetch_sub(1, Ordering::SeqCst);
                Hashed {
                    row,
                    hash: h,
                    shown,
                }
            });
        }
        while let Some(done) = pool.join_next().await {
            let done = done.map_err(|e| AdminError::Hashing(e.to_string()))?;
            self.insert(actor, done, opts, quota, &mut report, progress)
                .await?;
        }
        report.peak_hashing = peak.load(Ordering::SeqCst);
        self.audit(
            actor,
            "account_import",
            json!({"rows": report.rows, "created": report.created, "skipped": report.skipped}),
        )
        .await?;
        Ok(report)
    }

    /// Creates one imported account and its audit entry. An address taken
    /// meanwhile (the same address twice in the file, or another
    /// administrator) is skipped like an existing one.
    async fn insert<P: ImportProgress + ?Sized>(
        &self,
        actor: &Actor,
        done: Hashed,
        opts: &ImportOptions,
        quota: i64,
        report: &mut ImportReport,
        progress: &mut P,
    ) -> Result<()> {
        let Hashed { row, hash, shown } = done;
        let hash = match opts.kind {
            AccountKind::Person => Some(hash.map_err(AdminError::Hashing)?),
            _ => None,
        };
        let created = self
            .store
            .create_account(NewAccount {
                address: row.address.clone(),
                kind: opts.kind,
                display_name: row.display_name,
                must_change_password: hash.is_some() && opts.first_login == FirstLogin::MustChange,
                password_hash: hash,
                manager: None,
                quota_bytes: quota,
                created_at: vesontio_store::now(),
            })
            .await;
        match created {
            Ok(acc) => {
                self.audit(
                    actor,
                    "account_add",
                    json!({"address": acc.address, "kind": acc.kind.as_str(), "import": true}),
                )
                .await?;
                report.created += 1;
                progress.created(&acc.address, shown.as_ref());
            }
            Err(StoreError::AlreadyExists(_)) => {
                report.skipped += 1;
                progress.skipped(&row.address);
            }
            Err(e) => return Err(e.into()),
        }
        Ok(())
    }
}
