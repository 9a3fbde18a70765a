//! Reading the configuration file and lowering it into each crate's own
//! small config. The only place that reads files or the environment.

use anyhow::{Context, Result, bail};
use std::path::{Path, PathBuf};
use vesontio_config::{Settings, StoreBackend};
use vesontio_store::StoreConfig;

/// The settings plus the directory relative paths are resolved against.
pub struct Loaded {
    pub settings: Settings,
    pub base: PathBuf,
}

pub fn load(path: &Path) -> Result<Loaded> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read the configuration file {}", path.display()))?;
    let settings = match Settings::parse(&text) {
        Ok(s) => s,
        Err(errors) => bail!(
            "{} has {} problem(s):\n{errors}",
            path.display(),
            errors.len()
        ),
    };
    let base = path.parent().map(Path::to_path_buf).unwrap_or_default();
    let base = if base.as_os_str().is_empty() {
        PathBuf::from(".")
    } else {
        base
    };
    Ok(Loaded { settings, base })
}

impl Loaded {
    pub fn resolve(&self, p: &str) -> PathBuf {
        let p = Path::new(p);
        if p.is_absolute() {
            p.to_path_buf()
        } else {
            self.base.join(p)
        }
    }

    pub fn data_dir(&self) -> PathBuf {
        self.resolve(&self.settings.server.data_dir)
    }

    pub fn store_config(&self) -> StoreConfig {
        let s = &self.settings.store;
        match s.backend {
            StoreBackend::Sqlite => StoreConfig::Sqlite {
                dir: self.data_dir(),
            },
            StoreBackend::Postgres => StoreConfig::Postgres {
                url: s.postgres_url.clone(),
                schema: s.postgres_schema.clone(),
                blob_dir: self.data_dir().join("blobs"),
            },
        }
    }

    /// Where blob bytes go (`store.blobs`).
    pub fn blob_backend(&self) -> vesontio_store::BlobBackend {
        match self.settings.store.blobs {
            vesontio_config::BlobBackend::Files => vesontio_store::BlobBackend::Files,
            vesontio_config::BlobBackend::Database => vesontio_store::BlobBackend::Database,
            vesontio_config::BlobBackend::Mixed => vesontio_store::BlobBackend::Mixed {
                database_max: self.settings.store.database_blob_max.0,
            },
        }
    }

    pub fn auth_limits(&self) -> vesontio_directory::AuthLimits {
        let a = &self.settings.auth;
        vesontio_directory::AuthLimits {
            max_failures: a.max_failures,
            base_delay_secs: a.base_delay.0.as_secs() as i64,
            max_delay_secs: a.max_delay.0.as_secs() as i64,
            account_max_delay_secs: a.account_max_delay.0.as_secs() as i64,
            max_accounts_per_address: a.max_accounts_per_address,
            cache_ttl_secs: a.cache_ttl.0.as_secs(),
        }
    }
}
