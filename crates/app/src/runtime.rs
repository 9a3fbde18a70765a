//! Opening the platform (store, directory, TLS) and running its services
//! until SIGINT/SIGTERM.

use anyhow::{Context, Result};
use std::time::Duration;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;
use vesontio_directory::Directory;
use vesontio_store::Store;

use crate::settings::Loaded;

/// Everything a running platform shares.
pub struct Platform {
    pub loaded: Loaded,
    pub store: Store,
    pub directory: Directory,
}

pub async fn open(loaded: Loaded) -> Result<Platform> {
    let store = Store::open_with_blobs(loaded.store_config(), loaded.blob_backend())
        .await
        .with_context(|| {
            format!(
                "cannot open the store under {}",
                loaded.data_dir().display()
            )
        })?;
    store.set_mailbox_index_cache(loaded.settings.limits.mailbox_index_cache);
    for d in &loaded.settings.domains.local {
        store.add_domain(d).await?;
    }
    let directory = Directory::new(store.clone(), loaded.auth_limits());
    Ok(Platform {
        loaded,
        store,
        directory,
    })
}

impl Platform {
    pub fn tls_acceptor(&self) -> Result<tokio_rustls::TlsAcceptor> {
        let t = &self.loaded.settings.tls;
        let cert_path = self.loaded.resolve(&t.certificate);
        let key_path = self.loaded.resolve(&t.private_key);
        let cert = std::fs::read(&cert_path)
            .with_context(|| format!("cannot read tls.certificate {}", cert_path.display()))?;
        let key = std::fs::read(&key_path)
            .with_context(|| format!("cannot read tls.private_key {}", key_path.display()))?;
        Ok(vesontio_tls::acceptor(&cert, &key)?)
    }

    /// Starts every enabled service, then waits for SIGINT/SIGTERM and
    /// stops them: listeners close at once, sessions get their protocol's
    /// goodbye, and the store is closed after the last one ended.
    pub async fn serve(self, banner: impl FnOnce(&[String])) -> Result<()> {
        let shutdown = CancellationToken::new();
        let tracker = TaskTracker::new();
        let endpoints = crate::services::start(&self, &shutdown, &tracker).await?;
        banner(&endpoints);
        wait_for_signal().await;
        tracing::info!("shutting down");
        shutdown.cancel();
        tracker.close();
        if tokio::time::timeout(Duration::from_secs(10), tracker.wait())
            .await
            .is_err()
        {
            tracing::warn!("some sessions did not end within 10 s");
        }
        self.store.close().await;
        Ok(())
    }
}

async fn wait_for_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let mut term = match signal(SignalKind::terminate()) {
            Ok(s) => s,
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
                return;
            }
        };
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}
