//! The store conformance suite on SQLite (embedded default).

use vesontio_store::{Store, StoreConfig};

async fn sqlite(_case: &str) -> Option<Store> {
    let dir = tempfile::tempdir().expect("tempdir").keep();
    Some(
        Store::open(StoreConfig::Sqlite { dir })
            .await
            .expect("open sqlite store"),
    )
}

vesontio_store::conformance_tests!(sqlite);
