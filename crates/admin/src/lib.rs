//! Administration as a library: what the CLI does today and the web console
//! and its API will do tomorrow, with typed inputs, typed results and typed
//! errors ([`AdminError`], a sentence for a person in French and English).
//! Nothing here prints or reads files.
//!
//! - Accounts ([`accounts`]): R1 address rules and homonyms, R26 strength
//!   and initial passwords (changed at first login), quota (R15), manager
//!   (R18), suspension, departure date (R12), redirection (R22), paged
//!   search for the console.
//! - Lists (R3) and the members of functional mailboxes (R2) ([`lists`]).
//! - Bulk import ([`import`]): argon2id in a bounded pool, so memory stays
//!   flat whatever the file's size, and resumable.
//! - The quarantine ([`quarantine`], R9, R8): list, show, release through
//!   the ingest gate, delete, expiry purge; private messages (R4) show
//!   their envelope only.
//!
//! Invariants
//! - Every change writes one audit entry (R11) naming who made it
//!   ([`Actor`]) and what it changed; never a password.
//! - A password only travels in a [`Secret`]; an initial password is
//!   returned once to the caller, never stored in clear.

pub mod accounts;
mod error;
pub mod import;
pub mod lists;
mod password;
pub mod quarantine;

pub use accounts::{
    AccountChanges, AccountPage, AccountQuery, AccountSummary, AccountView, AddressRule, Created,
    FirstLogin, Forward, NewAccountInput, PasswordChoice,
};
pub use error::AdminError;
pub use import::{ImportOptions, ImportProgress, ImportReport};
pub use password::generate_password;
pub use quarantine::{QuarantineDetail, QuarantineView, Redeliver, Released};

use serde_json::json;
use vesontio_directory::Directory;
use vesontio_store::{Account, Store};
use vesontio_types::{Address, Secret};

pub type Result<T, E = AdminError> = std::result::Result<T, E>;

/// What the administration library needs from the configuration.
#[derive(Debug, Clone)]
pub struct AdminConfig {
    /// R15: the quota of a new account unless one is given.
    pub default_quota_bytes: u64,
}

/// Through which door an administrator acted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Via {
    Cli,
    Web,
    Api,
}

impl Via {
    pub fn as_str(self) -> &'static str {
        match self {
            Via::Cli => "cli",
            Via::Web => "web",
            Via::Api => "api",
        }
    }
}

/// Who does an operation: written into its audit entry (R11: who did what).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    pub via: Via,
    /// The system user for the CLI, the administrator's address for the
    /// console and the API.
    pub name: String,
}

impl Actor {
    pub fn new(via: Via, name: impl Into<String>) -> Self {
        Actor {
            via,
            name: name.into(),
        }
    }
}

/// The administration operations over one store and directory; cheap to
/// clone.
#[derive(Clone)]
pub struct Admin {
    store: Store,
    directory: Directory,
    config: AdminConfig,
}

impl Admin {
    pub fn new(store: Store, directory: Directory, config: AdminConfig) -> Self {
        Admin {
            store,
            directory,
            config,
        }
    }

    pub fn store(&self) -> &Store {
        &self.store
    }

    /// The account at `address`, or [`AdminError::NotFound`].
    async fn find(&self, address: &str) -> Result<Account> {
        self.store
            .account_by_address(address.trim())
            .await?
            .ok_or_else(|| AdminError::NotFound {
                address: address.trim().to_lowercase(),
            })
    }

    /// `input` parsed, in one of the platform's domains.
    async fn local_address(&self, input: &str) -> Result<Address> {
        let a = parse_address(input)?;
        if !self.store.is_local_domain(a.domain()).await? {
            return Err(AdminError::NotLocalDomain {
                domain: a.domain().to_string(),
                local: self.store.domains().await?,
            });
        }
        Ok(a)
    }

    /// R11: one entry per change, naming the actor. `data` holds the
    /// operation's fields (addresses, sizes, dates), never a password.
    async fn audit(&self, actor: &Actor, action: &str, data: serde_json::Value) -> Result<()> {
        let mut data = data;
        data["action"] = json!(action);
        data["by"] = json!(actor.name);
        data["via"] = json!(actor.via.as_str());
        self.store
            .audit_append(vesontio_store::now(), "admin", &data)
            .await?;
        Ok(())
    }
}

fn parse_address(input: &str) -> Result<Address> {
    Address::parse(input.trim()).map_err(|e| AdminError::BadAddress {
        input: input.to_string(),
        reason: e.to_string(),
    })
}

/// `jeanne.dupont@…` → `Jeanne Dupont`: the display name when none is given.
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

/// Keeps `Secret` in the public signatures without a second import for
/// callers.
pub type Password = Secret<String>;

#[cfg(test)]
mod tests;
