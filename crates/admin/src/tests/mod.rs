#![allow(clippy::unwrap_used)] // tests may unwrap their own fixtures

//! The administration library on a real SQLite store in a temporary
//! directory; one file per area.

mod accounts;
mod import;
mod lists;
mod quarantine;

use super::*;
use vesontio_directory::AuthLimits;
use vesontio_store::StoreConfig;

const DOMAIN: &str = "ac-demo.fr";

async fn admin() -> Admin {
    let dir = tempfile::tempdir().unwrap().keep();
    let store = Store::open(StoreConfig::Sqlite { dir }).await.unwrap();
    store.add_domain(DOMAIN).await.unwrap();
    let directory = Directory::new(
        store.clone(),
        AuthLimits {
            max_failures: 10,
            base_delay_secs: 1,
            max_delay_secs: 60,
            account_max_delay_secs: 60,
            max_accounts_per_address: 100,
            cache_ttl_secs: 0,
        },
    );
    Admin::new(
        store,
        directory,
        AdminConfig {
            default_quota_bytes: 1 << 30,
        },
    )
}

fn actor() -> Actor {
    Actor::new(Via::Cli, "root")
}

/// The admin audit entries, as JSON.
async fn audit_entries(a: &Admin) -> Vec<serde_json::Value> {
    a.store()
        .audit_entries(0, i64::MAX)
        .await
        .unwrap()
        .into_iter()
        .filter(|e| e.category == "admin")
        .map(|e| serde_json::from_str(&e.data).unwrap())
        .collect()
}
