//! Accounts: create (R1, R26), find and page (the console's list), show,
//! change (quota R15, manager R18, status, departure R12, redirection
//! R22), suspend, reset the password, delete.

use chrono::NaiveDate;
use serde::Serialize;
use serde_json::json;
use vesontio_directory::{PasswordChangeError, address, password};
use vesontio_store::{Account, AccountUpdate, NewAccount};
use vesontio_types::{AccountKind, AccountStatus, Secret, UnixTime};

use crate::{Actor, Admin, AdminError, Result, default_display_name, parse_address};

/// Where the password of a new or reset account comes from.
#[derive(Debug, Clone)]
pub enum PasswordChoice {
    /// A random initial one, returned once in the result.
    Generate,
    /// Chosen by the administrator; checked for strength like any other.
    Given(Secret<String>),
}

/// R26: whether the owner must change the password at first login.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FirstLogin {
    /// The usual case: the administrator's password is an initial one.
    MustChange,
    /// Service and scripted accounts: the password is final.
    Final,
}

/// R1: which address shapes a person's account may have.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AddressRule {
    /// `first.last@domain`, homonyms numbered.
    Nominative,
    /// Any address: existing mailboxes being imported.
    Legacy,
}

/// A person (R1) or a functional mailbox (R2); lists are made by
/// [`Admin::create_list`].
#[derive(Debug, Clone)]
pub struct NewAccountInput {
    pub address: String,
    pub kind: AccountKind,
    /// Default: from the address (`jeanne.dupont` → `Jeanne Dupont`).
    pub display_name: Option<String>,
    /// Default: the configuration's `quota.default`.
    pub quota_bytes: Option<u64>,
    /// R18: who approves quota requests.
    pub manager: Option<String>,
    /// Ignored for functional mailboxes, which have no password.
    pub password: PasswordChoice,
    pub first_login: FirstLogin,
    pub address_rule: AddressRule,
}

/// A created account and, when one was generated, its initial password
/// (to be shown once).
#[derive(Debug)]
pub struct Created {
    pub account: AccountView,
    pub initial_password: Option<Secret<String>>,
}

/// One line of the console's account list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AccountSummary {
    pub address: String,
    pub kind: AccountKind,
    pub display_name: String,
    pub status: AccountStatus,
    pub used_bytes: i64,
    pub quota_bytes: i64,
    pub must_change_password: bool,
}

/// One account as the console shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AccountView {
    pub address: String,
    pub kind: AccountKind,
    pub display_name: String,
    pub status: AccountStatus,
    pub quota_bytes: i64,
    pub used_bytes: i64,
    pub manager: Option<String>,
    pub must_change_password: bool,
    pub departure_at: Option<UnixTime>,
    /// R13: when someone last read received mail.
    pub last_read_at: Option<UnixTime>,
    /// Accurate to a day (see `Store::last_login_at`); `None` in pages and
    /// after creation.
    pub last_login_at: Option<UnixTime>,
    pub forward_to: Option<String>,
    pub forward_keep_copy: bool,
    pub created_at: UnixTime,
}

impl AccountView {
    fn of(a: &Account, last_login_at: Option<UnixTime>) -> Self {
        AccountView {
            address: a.address.clone(),
            kind: a.kind,
            display_name: a.display_name.clone(),
            status: a.status,
            quota_bytes: a.quota_bytes,
            used_bytes: a.bytes_used,
            manager: a.manager.clone(),
            must_change_password: a.must_change_password,
            departure_at: a.departure_at,
            last_read_at: a.last_read_at,
            last_login_at,
            forward_to: a.forward_to.clone(),
            forward_keep_copy: a.forward_keep_copy,
            created_at: a.created_at,
        }
    }
}

/// A page request of the account list.
#[derive(Debug, Clone, Default)]
pub struct AccountQuery {
    /// Part of the address or display name.
    pub search: Option<String>,
    pub kind: Option<AccountKind>,
    /// The `next` of the previous page.
    pub after: Option<String>,
    /// At most this many (0 or more than 1,000: 1,000).
    pub limit: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AccountPage {
    pub items: Vec<AccountSummary>,
    /// Pass as `after` for the next page; `None` on the last one.
    pub next: Option<String>,
}

/// R22: redirection of a personal mailbox.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Forward {
    To(String),
    Off,
}

/// A partial change: `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct AccountChanges {
    pub display_name: Option<String>,
    pub quota_bytes: Option<u64>,
    pub manager: Option<Option<String>>,
    pub status: Option<AccountStatus>,
    /// R12: the departure date (midnight UTC); `Some(None)` clears it.
    pub departure: Option<Option<NaiveDate>>,
    pub forward: Option<Forward>,
    pub forward_keep_copy: Option<bool>,
}

const MAX_PAGE: u32 = 1000;

fn quota_i64(bytes: u64) -> i64 {
    i64::try_from(bytes).unwrap_or(i64::MAX)
}

impl Admin {
    /// Creates a person or a functional mailbox.
    pub async fn create_account(&self, actor: &Actor, input: NewAccountInput) -> Result<Created> {
        let a = self.local_address(&input.address).await?;
        let address = a.normalized();
        if input.kind == AccountKind::Person && input.address_rule == AddressRule::Nominative {
            address::check_nominative(&address).map_err(|_| AdminError::NotNominative {
                address: address.clone(),
            })?;
        }
        if self.store.account_by_address(&address).await?.is_some() {
            return Err(self.exists(&address, input.kind).await?);
        }
        let display = input
            .display_name
            .filter(|n| !n.trim().is_empty())
            .unwrap_or_else(|| default_display_name(&address));
        let manager = input
            .manager
            .as_deref()
            .map(|m| parse_address(m).map(|m| m.normalized()))
            .transpose()?;
        let (hash, initial) = if input.kind == AccountKind::Person {
            let (pw, shown) = choose(input.password);
            password::check_strength(pw.expose(), &address, &display)
                .map_err(AdminError::WeakPassword)?;
            let h = password::hash_blocking(pw)
                .await
                .map_err(|e| AdminError::Hashing(e.to_string()))?;
            (Some(h), shown)
        } else {
            (None, None)
        };
        let quota = input.quota_bytes.unwrap_or(self.config.default_quota_bytes);
        let acc = self
            .store
            .create_account(NewAccount {
                address: address.clone(),
                kind: input.kind,
                display_name: display,
                must_change_password: hash.is_some() && input.first_login == FirstLogin::MustChange,
                password_hash: hash,
                manager,
                quota_bytes: quota_i64(quota),
                created_at: vesontio_store::now(),
            })
            .await
            .map_err(|e| match e {
                vesontio_store::StoreError::AlreadyExists(_) => AdminError::Exists {
                    address: address.clone(),
                    suggestion: None,
                },
                e => e.into(),
            })?;
        self.audit(
            actor,
            "account_add",
            json!({"address": acc.address, "kind": acc.kind.as_str(), "quota_bytes": acc.quota_bytes}),
        )
        .await?;
        Ok(Created {
            account: AccountView::of(&acc, None),
            initial_password: initial,
        })
    }

    /// The error for a taken address: for a person, with the next free
    /// homonym address (R1).
    pub(crate) async fn exists(&self, address: &str, kind: AccountKind) -> Result<AdminError> {
        let (local, domain) = address.split_once('@').unwrap_or((address, ""));
        let suggestion = match (kind, local.split_once('.')) {
            (AccountKind::Person, Some((first, last))) => {
                let existing = self.store.addresses_with_prefix(local).await?;
                address::propose(
                    first,
                    last.trim_end_matches(|c: char| c.is_ascii_digit()),
                    domain,
                    &existing,
                )
            }
            _ => None,
        };
        Ok(AdminError::Exists {
            address: address.to_string(),
            suggestion,
        })
    }

    /// One page of the account list, ordered by address.
    pub async fn list_accounts(&self, q: &AccountQuery) -> Result<AccountPage> {
        let limit = if q.limit == 0 || q.limit > MAX_PAGE {
            MAX_PAGE
        } else {
            q.limit
        };
        // One more than asked tells whether a next page exists.
        let mut rows = self
            .store
            .search_accounts(q.search.as_deref(), q.kind, q.after.as_deref(), limit + 1)
            .await?;
        let more = rows.len() > limit as usize;
        rows.truncate(limit as usize);
        let next = more
            .then(|| rows.last().map(|a| a.address.clone()))
            .flatten();
        Ok(AccountPage {
            items: rows
                .iter()
                .map(|a| AccountSummary {
                    address: a.address.clone(),
                    kind: a.kind,
                    display_name: a.display_name.clone(),
                    status: a.status,
                    used_bytes: a.bytes_used,
                    quota_bytes: a.quota_bytes,
                    must_change_password: a.must_change_password,
                })
                .collect(),
            next,
        })
    }

    pub async fn show_account(&self, address: &str) -> Result<AccountView> {
        let a = self.find(address).await?;
        let last = self.store.last_login_at(&a.address).await?;
        Ok(AccountView::of(&a, last))
    }

    /// Changes several settings at once (one audit entry naming them).
    pub async fn update_account(
        &self,
        actor: &Actor,
        address: &str,
        c: AccountChanges,
    ) -> Result<AccountView> {
        let a = self.find(address).await?;
        let mut u = AccountUpdate {
            display_name: c.display_name.clone(),
            quota_bytes: c.quota_bytes.map(quota_i64),
            status: c.status,
            forward_keep_copy: c.forward_keep_copy,
            ..Default::default()
        };
        let mut changed = Vec::new();
        if let Some(m) = &c.manager {
            u.manager = Some(
                m.as_deref()
                    .map(|m| parse_address(m).map(|m| m.normalized()))
                    .transpose()?,
            );
            changed.push("manager");
        }
        if let Some(d) = c.departure {
            u.departure_at = Some(d.map(midnight_utc));
            // A new date starts R12's warning period again.
            u.departure_warned_at = Some(None);
            changed.push("departure");
        }
        match &c.forward {
            Some(Forward::To(to)) => {
                vesontio_policy::forwarding_allowed(a.kind, false).map_err(|refusal| {
                    AdminError::ForwardRefused {
                        address: a.address.clone(),
                        refusal,
                    }
                })?;
                u.forward_to = Some(Some(parse_address(to)?.normalized()));
                u.forward_since = Some(Some(vesontio_store::now()));
                changed.push("forward");
            }
            Some(Forward::Off) => {
                u.forward_to = Some(None);
                u.forward_since = Some(None);
                changed.push("forward");
            }
            None => {}
        }
        for (set, name) in [
            (c.display_name.is_some(), "name"),
            (c.quota_bytes.is_some(), "quota"),
            (c.status.is_some(), "status"),
            (c.forward_keep_copy.is_some(), "keep_copy"),
        ] {
            if set {
                changed.push(name);
            }
        }
        let a = self.store.update_account(a.id, u).await?;
        self.audit(
            actor,
            "account_set",
            json!({
                "address": a.address,
                "changed": changed,
                "quota_bytes": c.quota_bytes,
                "status": c.status.map(|s| s.as_str()),
                "departure_at": a.departure_at,
            }),
        )
        .await?;
        let last = self.store.last_login_at(&a.address).await?;
        Ok(AccountView::of(&a, last))
    }

    /// Logins refused, mail still received.
    pub async fn suspend(&self, actor: &Actor, address: &str) -> Result<AccountView> {
        self.set_status(actor, address, AccountStatus::Disabled)
            .await
    }

    pub async fn reactivate(&self, actor: &Actor, address: &str) -> Result<AccountView> {
        self.set_status(actor, address, AccountStatus::Active).await
    }

    async fn set_status(
        &self,
        actor: &Actor,
        address: &str,
        status: AccountStatus,
    ) -> Result<AccountView> {
        let changes = AccountChanges {
            status: Some(status),
            ..Default::default()
        };
        self.update_account(actor, address, changes).await
    }

    /// R15: the account's quota.
    pub async fn set_quota(&self, actor: &Actor, address: &str, bytes: u64) -> Result<AccountView> {
        let changes = AccountChanges {
            quota_bytes: Some(bytes),
            ..Default::default()
        };
        self.update_account(actor, address, changes).await
    }

    /// R12: the owner leaves on `date`; the account is deleted a year
    /// later, after a warning. `None` cancels a departure.
    pub async fn set_departure(
        &self,
        actor: &Actor,
        address: &str,
        date: Option<NaiveDate>,
    ) -> Result<AccountView> {
        let changes = AccountChanges {
            status: Some(if date.is_some() {
                AccountStatus::Departed
            } else {
                AccountStatus::Active
            }),
            departure: Some(date),
            ..Default::default()
        };
        self.update_account(actor, address, changes).await
    }

    /// R26: a new password set by an administrator; an initial one (changed
    /// at first login) unless `first_login` is [`FirstLogin::Final`].
    /// Returns the generated password, if one was.
    pub async fn reset_password(
        &self,
        actor: &Actor,
        address: &str,
        choice: PasswordChoice,
        first_login: FirstLogin,
    ) -> Result<Option<Secret<String>>> {
        let a = self.find(address).await?;
        if a.kind != AccountKind::Person {
            return Err(AdminError::WrongKind {
                address: a.address,
                kind: a.kind,
                needed: AccountKind::Person,
            });
        }
        let (pw, shown) = choose(choice);
        match self
            .directory
            .set_password(&a, &pw, first_login == FirstLogin::MustChange)
            .await
        {
            Ok(_) => {}
            Err(PasswordChangeError::Weak(w)) => return Err(AdminError::WeakPassword(w)),
            Err(PasswordChangeError::Store(e)) => return Err(e.into()),
            Err(e) => return Err(AdminError::Hashing(e.to_string())),
        }
        self.audit(
            actor,
            "account_passwd",
            json!({"address": a.address, "must_change": first_login == FirstLogin::MustChange}),
        )
        .await?;
        Ok(shown)
    }

    /// Deletes an account and its mail.
    pub async fn delete_account(&self, actor: &Actor, address: &str) -> Result<()> {
        let a = self.find(address).await?;
        self.store.delete_account(a.id).await?;
        self.audit(actor, "account_delete", json!({"address": a.address}))
            .await
    }
}

/// The password to set and, when generated, the copy to show once.
pub(crate) fn choose(choice: PasswordChoice) -> (Secret<String>, Option<Secret<String>>) {
    match choice {
        PasswordChoice::Given(p) => (p, None),
        PasswordChoice::Generate => {
            let p = crate::generate_password();
            (p.clone(), Some(p))
        }
    }
}

fn midnight_utc(d: NaiveDate) -> UnixTime {
    d.and_hms_opt(0, 0, 0)
        .map(|t| t.and_utc().timestamp())
        .unwrap_or(0)
}
