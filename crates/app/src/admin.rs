//! Administration commands (`account`, `list`, `group`, `audit`). They open
//! the same store as a running server (SQLite WAL and PostgreSQL both allow
//! it) and work while it runs.

use anyhow::{Context, Result, anyhow, bail};
use serde_json::json;
use std::io::BufRead;
use vesontio_config::ByteSize;
use vesontio_directory::{Directory, PasswordChangeError, address, password};
use vesontio_store::{Account, AccountUpdate, NewAccount, Store};
use vesontio_types::{AccountKind, AccountStatus, Address, Secret};

use crate::cli::*;
use crate::settings::Loaded;

pub struct Admin {
    pub loaded: Loaded,
    pub store: Store,
    pub directory: Directory,
}

fn now() -> i64 {
    vesontio_store::now()
}

fn read_password_stdin() -> Result<Secret<String>> {
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .context("cannot read the password from standard input")?;
    let pw = line.trim_end_matches(['\r', '\n']).to_string();
    if pw.is_empty() {
        bail!("no password on standard input");
    }
    Ok(Secret::new(pw))
}

/// A random initial password that passes the strength rule, shown once.
fn generate_password() -> Secret<String> {
    use rand::Rng;
    const ALPHABET: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789-_!%";
    let mut rng = rand::thread_rng();
    loop {
        let pw: String = (0..16)
            .map(|_| ALPHABET[rng.gen_range(0..ALPHABET.len())] as char)
            .collect();
        if password::entropy_bits(&pw) >= password::MIN_BITS {
            return Secret::new(pw);
        }
    }
}

fn parse_size(s: &str) -> Result<i64> {
    let b: ByteSize = s.parse().map_err(|e| anyhow!("--quota {s:?}: {e}"))?;
    Ok(b.0 as i64)
}

fn account_json(a: &Account) -> serde_json::Value {
    json!({
        "address": a.address,
        "kind": a.kind.as_str(),
        "name": a.display_name,
        "status": a.status.as_str(),
        "quota_bytes": a.quota_bytes,
        "quota": ByteSize(a.quota_bytes.max(0) as u64).to_string(),
        "used_bytes": a.bytes_used,
        "manager": a.manager,
        "must_change_password": a.must_change_password,
        "departure_at": a.departure_at,
        "last_read_at": a.last_read_at,
        "forward_to": a.forward_to,
        "forward_keep_copy": a.forward_keep_copy,
    })
}

impl Admin {
    async fn find(&self, address: &str) -> Result<Account> {
        self.store
            .account_by_address(address)
            .await?
            .ok_or_else(|| anyhow!("no account {address}"))
    }

    async fn check_local(&self, addr: &str) -> Result<Address> {
        let a = Address::parse(addr).map_err(|e| anyhow!("{e}"))?;
        if !self.store.is_local_domain(a.domain()).await? {
            bail!(
                "{} is not a local domain (configured: {})",
                a.domain(),
                self.loaded.settings.domains.local.join(", ")
            );
        }
        Ok(a)
    }

    pub async fn account(&self, cmd: AccountCmd) -> Result<()> {
        match cmd {
            AccountCmd::Import {
                file,
                kind,
                no_change_at_first_login,
                legacy_address,
            } => {
                self.import(&file, kind, no_change_at_first_login, legacy_address)
                    .await?;
            }
            AccountCmd::Add {
                address,
                name,
                kind,
                quota,
                manager,
                password_stdin,
                no_change_at_first_login,
                legacy_address,
            } => {
                let a = self.check_local(&address).await?;
                let normalized = a.normalized();
                if kind == KindArg::Person && !legacy_address {
                    if let Err(why) = address::check_nominative(&normalized) {
                        bail!("{why}");
                    }
                }
                if self.store.account_by_address(&normalized).await?.is_some() {
                    let existing = self
                        .store
                        .addresses_with_prefix(normalized.split('@').next().unwrap_or(""))
                        .await?;
                    let (first, last) = normalized
                        .split('@')
                        .next()
                        .unwrap_or("")
                        .split_once('.')
                        .unwrap_or(("", ""));
                    let hint = address::propose(
                        first,
                        last.trim_end_matches(|c: char| c.is_ascii_digit()),
                        a.domain(),
                        &existing,
                    )
                    .map(|p| format!(" (homonym? try {p})"))
                    .unwrap_or_default();
                    bail!("{normalized} already exists{hint}");
                }
                let display = name.unwrap_or_else(|| default_display_name(&normalized));
                let quota = match quota {
                    Some(q) => parse_size(&q)?,
                    None => self.loaded.settings.quota.default.0 as i64,
                };
                let (hash, must_change, shown) = match kind {
                    KindArg::Functional => (None, false, None),
                    KindArg::Person => {
                        let (pw, shown) = if password_stdin {
                            (read_password_stdin()?, None)
                        } else {
                            let p = generate_password();
                            let s = p.expose().clone();
                            (p, Some(s))
                        };
                        if let Err(w) = password::check_strength(pw.expose(), &normalized, &display)
                        {
                            bail!("password refused: {w}");
                        }
                        let h = password::hash_blocking(pw)
                            .await
                            .map_err(|e| anyhow!("hashing failed: {e}"))?;
                        (Some(h), !no_change_at_first_login, shown)
                    }
                };
                let acc = self
                    .store
                    .create_account(NewAccount {
                        address: normalized.clone(),
                        kind: kind.into(),
                        display_name: display,
                        password_hash: hash,
                        must_change_password: must_change,
                        manager,
                        quota_bytes: quota,
                        created_at: now(),
                    })
                    .await?;
                self.audit(
                    "account_add",
                    json!({"address": acc.address, "kind": acc.kind.as_str()}),
                )
                .await?;
                println!(
                    "created {} ({}, quota {})",
                    acc.address,
                    acc.kind.as_str(),
                    ByteSize(acc.quota_bytes as u64)
                );
                if let Some(pw) = shown {
                    println!("initial password: {pw}");
                    println!("the owner must change it at first login (webmail)");
                }
            }
            AccountCmd::List { json } => {
                let all = self.store.list_accounts(None).await?;
                if json {
                    println!(
                        "{}",
                        serde_json::to_string_pretty(
                            &all.iter().map(account_json).collect::<Vec<_>>()
                        )?
                    );
                } else {
                    println!(
                        "{:<40} {:<10} {:<9} {:>10} {:>10}",
                        "ADDRESS", "KIND", "STATUS", "USED", "QUOTA"
                    );
                    for a in all {
                        println!(
                            "{:<40} {:<10} {:<9} {:>10} {:>10}",
                            a.address,
                            a.kind.as_str(),
                            a.status.as_str(),
                            ByteSize(a.bytes_used.max(0) as u64).to_string(),
                            ByteSize(a.quota_bytes.max(0) as u64).to_string()
                        );
                    }
                }
            }
            AccountCmd::Show { address, json } => {
                let a = self.find(&address).await?;
                let v = account_json(&a);
                if json {
                    println!("{}", serde_json::to_string_pretty(&v)?);
                } else if let Some(o) = v.as_object() {
                    for (k, v) in o {
                        println!("{k:<22} {v}");
                    }
                }
            }
            AccountCmd::Set(args) => self.account_set(args).await?,
            AccountCmd::Delete { address } => {
                let a = self.find(&address).await?;
                self.store.delete_account(a.id).await?;
                self.audit("account_delete", json!({"address": a.address}))
                    .await?;
                println!("deleted {}", a.address);
            }
            AccountCmd::Passwd {
                address,
                password_stdin,
                no_change_at_first_login,
            } => {
                let a = self.find(&address).await?;
                let (pw, shown) = if password_stdin {
                    (read_password_stdin()?, None)
                } else {
                    let p = generate_password();
                    let s = p.expose().clone();
                    (p, Some(s))
                };
                match self
                    .directory
                    .set_password(&a, &pw, !no_change_at_first_login)
                    .await
                {
                    Ok(_) => {}
                    Err(PasswordChangeError::Weak(w)) => bail!("password refused: {w}"),
                    Err(e) => return Err(e.into()),
                }
                self.audit("account_passwd", json!({"address": a.address}))
                    .await?;
                println!("password of {} changed", a.address);
                if let Some(pw) = shown {
                    println!("initial password: {pw}");
                }
            }
        }
        Ok(())
    }

    async fn import(
        &self,
        file: &std::path::Path,
        kind: KindArg,
        no_change: bool,
        legacy: bool,
    ) -> Result<()> {
        let text = std::fs::read_to_string(file)
            .with_context(|| format!("cannot read {}", file.display()))?;
        let mut rows = Vec::new();
        for (n, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let mut f = line.splitn(3, ';');
            let (addr, name, pw) = (
                f.next().unwrap_or(""),
                f.next().unwrap_or(""),
                f.next().unwrap_or(""),
            );
            let a = self
                .check_local(addr)
                .await
                .with_context(|| format!("line {}", n + 1))?;
            let normalized = a.normalized();
            if kind == KindArg::Person && !legacy {
                address::check_nominative(&normalized)
                    .map_err(|e| anyhow!("line {}: {e}", n + 1))?;
            }
            let display = if name.is_empty() {
                default_display_name(&normalized)
            } else {
                name.to_string()
            };
            if kind == KindArg::Person && !pw.is_empty() {
                password::check_strength(pw, &normalized, &display)
                    .map_err(|w| anyhow!("line {}: password refused: {w}", n + 1))?;
            }
            rows.push((normalized, display, pw.to_string()));
        }
        // Hash on every core: argon2id costs tens of milliseconds each.
        let mut hashes = tokio::task::JoinSet::new();
        for (i, (_, _, pw)) in rows.iter().enumerate() {
            if kind == KindArg::Person {
                let pw = if pw.is_empty() {
                    generate_password()
                } else {
                    Secret::new(pw.clone())
                };
                hashes.spawn(
                    async move { (i, pw.expose().clone(), password::hash_blocking(pw).await) },
                );
            }
        }
        let mut hashed = vec![None; rows.len()];
        while let Some(r) = hashes.join_next().await {
            let (i, pw, h) = r?;
            hashed[i] = Some((pw, h.map_err(|e| anyhow!("hashing failed: {e}"))?));
        }
        let quota = self.loaded.settings.quota.default.0 as i64;
        let mut created = 0;
        for ((address, display, given), h) in rows.into_iter().zip(hashed) {
            if self.store.account_by_address(&address).await?.is_some() {
                println!("exists  {address}");
                continue;
            }
            let (hash, shown) = match h {
                Some((pw, hash)) => (Some(hash), given.is_empty().then_some(pw)),
                None => (None, None),
            };
            self.store
                .create_account(NewAccount {
                    address: address.clone(),
                    kind: kind.into(),
                    display_name: display,
                    must_change_password: hash.is_some() && !no_change,
                    password_hash: hash,
                    manager: None,
                    quota_bytes: quota,
                    created_at: now(),
                })
                .await?;
            created += 1;
            match shown {
                Some(pw) => println!("created {address} initial password: {pw}"),
                None => println!("created {address}"),
            }
        }
        self.audit(
            "account_import",
            json!({"file": file.display().to_string(), "created": created}),
        )
        .await?;
        println!("{created} account(s) created");
        Ok(())
    }

    async fn account_set(&self, args: SetArgs) -> Result<()> {
        let a = self.find(&args.address).await?;
        let mut u = AccountUpdate {
            display_name: args.name,
            ..Default::default()
        };
        if let Some(q) = args.quota {
            u.quota_bytes = Some(parse_size(&q)?);
        }
        if let Some(m) = args.manager {
            u.manager = Some(Some(m.to_lowercase()));
        }
        if let Some(s) = args.status {
            u.status = Some(match s {
                StatusArg::Active => AccountStatus::Active,
                StatusArg::Departed => AccountStatus::Departed,
                StatusArg::Disabled => AccountStatus::Disabled,
            });
        }
        if let Some(d) = args.departure_date {
            let date = chrono::NaiveDate::parse_from_str(&d, "%Y-%m-%d")
                .map_err(|_| anyhow!("--departure-date {d:?}: expected YYYY-MM-DD"))?;
            let ts = date
                .and_hms_opt(0, 0, 0)
                .map(|t| t.and_utc().timestamp())
                .ok_or_else(|| anyhow!("bad date"))?;
            u.departure_at = Some(Some(ts));
        }
        if let Some(f) = args.forward {
            // R22: never for functional mailboxes.
            if a.kind != AccountKind::Person {
                bail!(
                    "{} is a {} mailbox: redirection is only allowed for personal mailboxes (charter R22)",
                    a.address,
                    a.kind.as_str()
                );
            }
            let to = Address::parse(&f).map_err(|e| anyhow!("--forward: {e}"))?;
            u.forward_to = Some(Some(to.normalized()));
            u.forward_since = Some(Some(now()));
        }
        if args.no_forward {
            u.forward_to = Some(None);
            u.forward_since = Some(None);
        }
        if let Some(k) = args.keep_copy {
            u.forward_keep_copy = Some(k);
        }
        let a = self.store.update_account(a.id, u).await?;
        self.audit("account_set", json!({"address": a.address}))
            .await?;
        println!("{}", serde_json::to_string_pretty(&account_json(&a))?);
        Ok(())
    }

    pub async fn list(&self, cmd: ListCmd) -> Result<()> {
        match cmd {
            ListCmd::Add { address, name } => {
                let a = self.check_local(&address).await?;
                let acc = self
                    .store
                    .create_account(NewAccount {
                        address: a.normalized(),
                        kind: AccountKind::List,
                        display_name: name.unwrap_or_else(|| default_display_name(&a.normalized())),
                        password_hash: None,
                        must_change_password: false,
                        manager: None,
                        quota_bytes: 0,
                        created_at: now(),
                    })
                    .await?;
                self.audit("list_add", json!({"address": acc.address}))
                    .await?;
                println!("created list {}", acc.address);
            }
            ListCmd::Members(m) => self.list_edit(m, false).await?,
            ListCmd::Senders(m) => self.list_edit(m, true).await?,
        }
        Ok(())
    }

    async fn list_edit(&self, m: MemberArgs, senders: bool) -> Result<()> {
        let list = self.find(&m.address).await?;
        if list.kind != AccountKind::List {
            bail!("{} is not a list", list.address);
        }
        for a in &m.add {
            let addr = Address::parse(a)
                .map_err(|e| anyhow!("{a}: {e}"))?
                .normalized();
            if senders {
                self.store.add_list_sender(list.id, &addr).await?
            } else {
                self.store.add_list_member(list.id, &addr).await?
            }
        }
        for a in &m.remove {
            let removed = if senders {
                self.store.remove_list_sender(list.id, a).await?
            } else {
                self.store.remove_list_member(list.id, a).await?
            };
            if !removed {
                bail!("{a} was not in {}", list.address);
            }
        }
        let all = if senders {
            self.store.list_senders(list.id).await?
        } else {
            self.store.list_members(list.id).await?
        };
        if m.json {
            println!("{}", serde_json::to_string_pretty(&all)?);
        } else {
            all.iter().for_each(|a| println!("{a}"));
        }
        Ok(())
    }

    pub async fn group(&self, cmd: GroupCmd) -> Result<()> {
        let GroupCmd::Members {
            address,
            add,
            rights,
            remove,
            json,
        } = cmd;
        let group = self.find(&address).await?;
        if group.kind != AccountKind::Functional {
            bail!("{} is not a functional mailbox", group.address);
        }
        if !rights.chars().all(|c| "lrswipkxtea".contains(c)) {
            bail!("--rights {rights:?}: expected RFC 4314 letters among lrswipkxtea");
        }
        for a in &add {
            let m = self.find(a).await?;
            if m.kind != AccountKind::Person {
                bail!("{} is not a person: only persons can be members", m.address);
            }
            self.store.set_member(group.id, m.id, &rights).await?;
        }
        for a in &remove {
            let m = self.find(a).await?;
            if !self.store.remove_member(group.id, m.id).await? {
                bail!("{} was not a member of {}", m.address, group.address);
            }
        }
        let members = self.store.members(group.id).await?;
        if json {
            let v: Vec<_> = members
                .iter()
                .map(|(a, r)| json!({"address": a.address, "rights": r}))
                .collect();
            println!("{}", serde_json::to_string_pretty(&v)?);
        } else {
            members
                .iter()
                .for_each(|(a, r)| println!("{:<40} {r}", a.address));
        }
        Ok(())
    }

    pub async fn audit_cmd(&self, cmd: AuditCmd) -> Result<()> {
        match cmd {
            AuditCmd::Verify => match self.store.audit_verify().await? {
                Ok(n) => println!("audit log intact: {n} entries checked"),
                Err(b) => bail!("audit log broken at entry {}: {}", b.seq, b.reason),
            },
            AuditCmd::Export { from, to } => {
                let day = |s: &str| -> Result<i64> {
                    let d = chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d")
                        .map_err(|_| anyhow!("{s:?}: expected YYYY-MM-DD"))?;
                    d.and_hms_opt(0, 0, 0)
                        .map(|t| t.and_utc().timestamp())
                        .ok_or_else(|| anyhow!("bad date"))
                };
                let from = from.as_deref().map(day).transpose()?.unwrap_or(0);
                let to = to.as_deref().map(day).transpose()?.unwrap_or(i64::MAX);
                for e in self.store.audit_entries(from, to).await? {
                    println!("{}", serde_json::to_string(&e)?);
                }
            }
        }
        Ok(())
    }

    async fn audit(&self, action: &str, data: serde_json::Value) -> Result<()> {
        let mut data = data;
        data["action"] = json!(action);
        data["by"] = json!("cli");
        self.store.audit_append(now(), "admin", &data).await?;
        Ok(())
    }
}

impl From<KindArg> for AccountKind {
    fn from(k: KindArg) -> Self {
        match k {
            KindArg::Person => AccountKind::Person,
            KindArg::Functional => AccountKind::Functional,
        }
    }
}

/// `jeanne.dupont@…` → `Jeanne Dupont`.
pub fn default_display_name(address: &str) -> String {
    address
        .split('@')
        .next()
        .unwrap_or("")
        .split(['.', '-'])
        .filter(|p| !p.is_empty())
        .map(|p| {
            let p = p.trim_end_matches(|c: char| c.is_ascii_digit());
            let mut c = p.chars();
            c.next()
                .map(|f| f.to_uppercase().collect::<String>() + c.as_str())
                .unwrap_or_default()
        })
        .collect::<Vec<_>>()
        .join(" ")
}
