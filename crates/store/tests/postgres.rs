//! The store conformance suite on PostgreSQL: the server at
//! `VESONTIO_TEST_POSTGRES` (default `postgres://postgres@127.0.0.1:5432/test`),
//! each case in its own schema, dropped afterwards is not needed: names are
//! unique per run. With `CI` set an unreachable server fails the test;
//! otherwise the case says it was skipped.

use vesontio_store::{Store, StoreConfig};

async fn postgres(case: &str) -> Option<Store> {
    let url = std::env::var("VESONTIO_TEST_POSTGRES")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into());
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    let schema = format!("t_{case}_{}_{}", std::process::id(), nanos % 1_000_000_000);
    let blob_dir = tempfile::tempdir().expect("tempdir").keep();
    match Store::open(StoreConfig::Postgres {
        url: url.clone(),
        schema,
        blob_dir,
    })
    .await
    {
        Ok(s) => Some(s),
        Err(e)
            if std::env::var_os("CI").is_none()
                && std::env::var_os("VESONTIO_REQUIRE_POSTGRES").is_none() =>
        {
            eprintln!("SKIPPED: PostgreSQL store conformance case {case}: cannot reach {url}: {e}");
            None
        }
        Err(e) => panic!("PostgreSQL required (CI) but unreachable at {url}: {e}"),
    }
}

vesontio_store::conformance_tests!(postgres);
