//! Administration commands (`account`, `list`, `group`, `audit`): argument
//! parsing and printing only; the operations, their rules and their audit
//! entries are `vesontio_admin`'s. They open the same store as a running
//! server (SQLite WAL and PostgreSQL both allow it) and work while it runs.
//!
//! Output goes through `writeln!` on a locked stdout, never `println!`, so
//! that a reader that goes away (`vesontio account list | head -1`) ends
//! the command with a broken-pipe error that `main` turns into a quiet
//! exit, not a panic.

use anyhow::{Context, Result, anyhow, bail};
use serde_json::json;
use std::io::{BufRead, IsTerminal, Write};
use vesontio_admin::lists::{ListSide, MemberChanges};
use vesontio_admin::{
    AccountChanges, AccountQuery, AccountView, Actor, AddressRule, Admin, FirstLogin, Forward,
    ImportOptions, ImportProgress, NewAccountInput, PasswordChoice, Via,
};
use vesontio_config::ByteSize;
use vesontio_types::{AccountKind, AccountStatus, Secret};

use crate::cli::*;

/// The administration library and who is using it.
pub struct AdminCli {
    pub admin: Admin,
    pub actor: Actor,
}

/// The system user running the command, for the audit entries.
pub fn cli_actor() -> Actor {
    let user = std::env::var("SUDO_USER")
        .or_else(|_| std::env::var("USER"))
        .unwrap_or_else(|_| "unknown".into());
    Actor::new(Via::Cli, user)
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

fn password_choice(from_stdin: bool) -> Result<PasswordChoice> {
    Ok(if from_stdin {
        PasswordChoice::Given(read_password_stdin()?)
    } else {
        PasswordChoice::Generate
    })
}

fn first_login(no_change: bool) -> FirstLogin {
    if no_change {
        FirstLogin::Final
    } else {
        FirstLogin::MustChange
    }
}

fn address_rule(legacy: bool) -> AddressRule {
    if legacy {
        AddressRule::Legacy
    } else {
        AddressRule::Nominative
    }
}

fn parse_size(s: &str) -> Result<u64> {
    let b: ByteSize = s.parse().map_err(|e| anyhow!("--quota {s:?}: {e}"))?;
    Ok(b.0)
}

fn size(bytes: i64) -> String {
    ByteSize(bytes.max(0) as u64).to_string()
}

fn account_json(a: &AccountView) -> serde_json::Value {
    json!({
        "address": a.address,
        "kind": a.kind.as_str(),
        "name": a.display_name,
        "status": a.status.as_str(),
        "quota_bytes": a.quota_bytes,
        "quota": size(a.quota_bytes),
        "used_bytes": a.used_bytes,
        "manager": a.manager,
        "must_change_password": a.must_change_password,
        "departure_at": a.departure_at,
        "last_read_at": a.last_read_at,
        "last_login_at": a.last_login_at,
        "forward_to": a.forward_to,
        "forward_keep_copy": a.forward_keep_copy,
    })
}

fn kind(k: KindArg) -> AccountKind {
    match k {
        KindArg::Person => AccountKind::Person,
        KindArg::Functional => AccountKind::Functional,
    }
}

/// The import's progress: created accounts (and initial passwords) on
/// stdout, a bar on stderr when it is a terminal, else a count line every
/// 1,000 rows.
struct Progress<W: Write> {
    out: W,
    rows: usize,
    done: usize,
    tty: bool,
    last_draw: std::time::Instant,
    /// The first write error (a closed stdout): reported at the end.
    error: Option<std::io::Error>,
}

impl<W: Write> Progress<W> {
    fn tick(&mut self) {
        self.done += 1;
        if self.tty {
            if self.done == self.rows
                || self.last_draw.elapsed() >= std::time::Duration::from_millis(100)
            {
                self.last_draw = std::time::Instant::now();
                let width = 30;
                let filled = (self.done * width).checked_div(self.rows).unwrap_or(width);
                eprint!(
                    "\r[{}{}] {}/{}",
                    "#".repeat(filled),
                    ".".repeat(width - filled),
                    self.done,
                    self.rows
                );
                if self.done == self.rows {
                    eprintln!();
                }
            }
        } else if self.done.is_multiple_of(1000) || self.done == self.rows {
            eprintln!("{}/{} rows", self.done, self.rows);
        }
    }

    fn line(&mut self, text: std::fmt::Arguments<'_>) {
        if self.error.is_none() {
            if let Err(e) = self
                .out
                .write_fmt(text)
                .and_then(|_| self.out.write_all(b"\n"))
            {
                self.error = Some(e);
            }
        }
    }
}

impl<W: Write> ImportProgress for Progress<W> {
    fn started(&mut self, rows: usize) {
        self.rows = rows;
    }
    fn created(&mut self, address: &str, pw: Option<&Secret<String>>) {
        match pw {
            Some(pw) => self.line(format_args!(
                "created {address} initial password: {}",
                pw.expose()
            )),
            None => self.line(format_args!("created {address}")),
        }
        self.tick();
    }
    fn skipped(&mut self, address: &str) {
        self.line(format_args!("exists  {address}"));
        self.tick();
    }
}

impl AdminCli {
    pub async fn account(&self, cmd: AccountCmd, out: &mut impl Write) -> Result<()> {
        let (admin, actor) = (&self.admin, &self.actor);
        match cmd {
            AccountCmd::Import {
                file,
                kind: k,
                no_change_at_first_login,
                legacy_address,
            } => {
                let text = std::fs::read_to_string(&file)
                    .with_context(|| format!("cannot read {}", file.display()))?;
                let opts = ImportOptions {
                    first_login: first_login(no_change_at_first_login),
                    address_rule: address_rule(legacy_address),
                    ..ImportOptions::new(kind(k))
                };
                let mut progress = Progress {
                    out: &mut *out,
                    rows: 0,
                    done: 0,
                    tty: std::io::stderr().is_terminal(),
                    last_draw: std::time::Instant::now(),
                    error: None,
                };
                let r = admin
                    .import_accounts(actor, &text, &opts, &mut progress)
                    .await?;
                if let Some(e) = progress.error {
                    return Err(e.into());
                }
                if r.skipped > 0 {
                    writeln!(out, "{} account(s) already existed, skipped", r.skipped)?;
                }
                writeln!(out, "{} account(s) created", r.created)?;
            }
            AccountCmd::Add {
                address,
                name,
                kind: k,
                quota,
                manager,
                password_stdin,
                no_change_at_first_login,
                legacy_address,
            } => {
                let input = NewAccountInput {
                    address,
                    kind: kind(k),
                    display_name: name,
                    quota_bytes: quota.as_deref().map(parse_size).transpose()?,
                    manager,
                    password: if k == KindArg::Person {
                        password_choice(password_stdin)?
                    } else {
                        PasswordChoice::Generate
                    },
                    first_login: first_login(no_change_at_first_login),
                    address_rule: address_rule(legacy_address),
                };
                let c = admin.create_account(actor, input).await?;
                writeln!(
                    out,
                    "created {} ({}, quota {})",
                    c.account.address,
                    c.account.kind.as_str(),
                    size(c.account.quota_bytes)
                )?;
                if let Some(pw) = c.initial_password {
                    writeln!(out, "initial password: {}", pw.expose())?;
                    writeln!(out, "the owner must change it at first login (webmail)")?;
                }
            }
            AccountCmd::List { json } => self.account_list(json, out).await?,
            AccountCmd::Show { address, json } => {
                let v = account_json(&admin.show_account(&address).await?);
                if json {
                    writeln!(out, "{}", serde_json::to_string_pretty(&v)?)?;
                } else if let Some(o) = v.as_object() {
                    for (k, v) in o {
                        writeln!(out, "{k:<22} {v}")?;
                    }
                }
            }
            AccountCmd::Set(args) => {
                let address = args.address.clone();
                let changes = set_changes(args)?;
                let v = admin.update_account(actor, &address, changes).await?;
                writeln!(out, "{}", serde_json::to_string_pretty(&account_json(&v))?)?;
            }
            AccountCmd::Delete { address } => {
                admin.delete_account(actor, &address).await?;
                writeln!(out, "deleted {}", address.trim().to_lowercase())?;
            }
            AccountCmd::Passwd {
                address,
                password_stdin,
                no_change_at_first_login,
            } => {
                let shown = admin
                    .reset_password(
                        actor,
                        &address,
                        password_choice(password_stdin)?,
                        first_login(no_change_at_first_login),
                    )
                    .await?;
                writeln!(out, "password of {} changed", address.trim().to_lowercase())?;
                if let Some(pw) = shown {
                    writeln!(out, "initial password: {}", pw.expose())?;
                }
            }
        }
        Ok(())
    }

    /// Every account, a page at a time (memory does not grow with the
    /// number of accounts in the text form).
    async fn account_list(&self, json: bool, out: &mut impl Write) -> Result<()> {
        let mut q = AccountQuery {
            limit: 500,
            ..Default::default()
        };
        let mut all = Vec::new();
        if !json {
            writeln!(
                out,
                "{:<40} {:<10} {:<9} {:>10} {:>10}",
                "ADDRESS", "KIND", "STATUS", "USED", "QUOTA"
            )?;
        }
        loop {
            let page = self.admin.list_accounts(&q).await?;
            for a in &page.items {
                if json {
                    all.push(json!({
                        "address": a.address,
                        "kind": a.kind.as_str(),
                        "name": a.display_name,
                        "status": a.status.as_str(),
                        "quota_bytes": a.quota_bytes,
                        "quota": size(a.quota_bytes),
                        "used_bytes": a.used_bytes,
                        "must_change_password": a.must_change_password,
                    }));
                } else {
                    writeln!(
                        out,
                        "{:<40} {:<10} {:<9} {:>10} {:>10}",
                        a.address,
                        a.kind.as_str(),
                        a.status.as_str(),
                        size(a.used_bytes),
                        size(a.quota_bytes)
                    )?;
                }
            }
            match page.next {
                Some(n) => q.after = Some(n),
                None => break,
            }
        }
        if json {
            writeln!(out, "{}", serde_json::to_string_pretty(&all)?)?;
        }
        Ok(())
    }

    pub async fn list(&self, cmd: ListCmd, out: &mut impl Write) -> Result<()> {
        match cmd {
            ListCmd::Add { address, name } => {
                let a = self.admin.create_list(&self.actor, &address, name).await?;
                writeln!(out, "created list {a}")?;
            }
            ListCmd::Members(m) => self.list_edit(m, ListSide::Members, out).await?,
            ListCmd::Senders(m) => self.list_edit(m, ListSide::Senders, out).await?,
        }
        Ok(())
    }

    async fn list_edit(&self, m: MemberArgs, side: ListSide, out: &mut impl Write) -> Result<()> {
        let changes = MemberChanges {
            add: m.add,
            remove: m.remove,
        };
        let all = self
            .admin
            .edit_list(&self.actor, &m.address, side, changes)
            .await?;
        if m.json {
            writeln!(out, "{}", serde_json::to_string_pretty(&all)?)?;
        } else {
            for a in all {
                writeln!(out, "{a}")?;
            }
        }
        Ok(())
    }

    pub async fn group(&self, cmd: GroupCmd, out: &mut impl Write) -> Result<()> {
        let GroupCmd::Members {
            address,
            add,
            rights,
            remove,
            json,
        } = cmd;
        let members = self
            .admin
            .edit_group(
                &self.actor,
                &address,
                MemberChanges { add, remove },
                &rights,
            )
            .await?;
        if json {
            writeln!(out, "{}", serde_json::to_string_pretty(&members)?)?;
        } else {
            for m in members {
                writeln!(out, "{:<40} {}", m.address, m.rights)?;
            }
        }
        Ok(())
    }

    pub async fn audit_cmd(&self, cmd: AuditCmd, out: &mut impl Write) -> Result<()> {
        let store = self.admin.store();
        match cmd {
            AuditCmd::Verify => match store.audit_verify().await? {
                Ok(n) => writeln!(out, "audit log intact: {n} entries checked")?,
                Err(b) => bail!("audit log broken at entry {}: {}", b.seq, b.reason),
            },
            AuditCmd::Export { from, to } => {
                let from = from.as_deref().map(day).transpose()?.unwrap_or(0);
                let to = to.as_deref().map(day).transpose()?.unwrap_or(i64::MAX);
                for e in store.audit_entries(from, to).await? {
                    writeln!(out, "{}", serde_json::to_string(&e)?)?;
                }
            }
        }
        Ok(())
    }
}

fn date(s: &str) -> Result<chrono::NaiveDate> {
    chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .map_err(|_| anyhow!("{s:?}: expected YYYY-MM-DD"))
}

fn day(s: &str) -> Result<i64> {
    date(s)?
        .and_hms_opt(0, 0, 0)
        .map(|t| t.and_utc().timestamp())
        .ok_or_else(|| anyhow!("bad date"))
}

fn set_changes(args: SetArgs) -> Result<AccountChanges> {
    Ok(AccountChanges {
        display_name: args.name,
        quota_bytes: args.quota.as_deref().map(parse_size).transpose()?,
        manager: args.manager.map(Some),
        status: args.status.map(|s| match s {
            StatusArg::Active => AccountStatus::Active,
            StatusArg::Departed => AccountStatus::Departed,
            StatusArg::Disabled => AccountStatus::Disabled,
        }),
        departure: args
            .departure_date
            .as_deref()
            .map(|d| date(d).context("--departure-date").map(Some))
            .transpose()?,
        forward: match (args.forward, args.no_forward) {
            (Some(f), _) => Some(Forward::To(f)),
            (None, true) => Some(Forward::Off),
            (None, false) => None,
        },
        forward_keep_copy: args.keep_copy,
    })
}
