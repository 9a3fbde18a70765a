//! Configuration of vesontio: the one TOML file read by `vesontio serve
//! --config FILE` and `vesontio check-config --config FILE`.
//!
//! Every number of the académie's charter (`docs/charter.md`, R1–R27) is a
//! key whose default is the charter's value. Sizes and durations are written
//! for people (`"10MB"`, `"5d"`; see [`ByteSize`], [`HumanDuration`]).
//! [`Settings::parse`] reports *every* unknown key and bad value at once,
//! each with its full key path and the expected form, and suggests the
//! right spelling of a misspelt key.
//!
//! Standards referred to by the defaults and checks: RFC 5321 (SMTP line
//! lengths §4.5.3.1, timeouts §4.5.3.2, queue lifetime §4.5.4.1, postmaster
//! §4.5.1), RFC 6409 and RFC 8314 (submission and implicit-TLS ports),
//! RFC 9051 §5.4 (IMAP autologout), RFC 7162 §4 (IMAP command length),
//! RFC 6376 §3.1 (DKIM selector), RFC 1123 §2.1 (host names).
//!
//! Invariants
//! - No I/O: this crate parses a `&str`; only the `app` crate reads files,
//!   and it resolves relative paths (`tls.certificate`, `server.data_dir`…)
//!   against the configuration file's directory.
//! - A `Settings` returned by [`Settings::parse`] has passed validation, and
//!   [`Settings::to_toml`] writes a file that parses back to an equal value.

mod antivirus;
mod filters;
mod large_files;
mod parse;
mod phishing;
mod reader;
mod settings;
mod spam;
mod storage;
mod units;

use std::fmt;

pub use antivirus::{Antivirus, BounceSender, OnFailure};
pub use filters::{FailurePolicy, Filters, ScoreThresholds, StageSettings};
pub use large_files::LargeFiles;
pub use phishing::Phishing;
pub use spam::Spam;

/// The phishing defaults' lists (`[phishing]`).
pub mod phishing_defaults {
    pub use crate::phishing::{
        DEFAULT_INTERNAL_NAMES as INTERNAL_NAMES, DEFAULT_PROTECTED as PROTECTED,
    };
}
pub use settings::{
    Attachments, Audit, Auth, Dkim, Dns, DnsMode, Domains, Lifecycle, Limits, Ports, Quota,
    ScanVerdict, Server, Service, Services, Settings, Tls,
};
pub use storage::{BlobBackend, Storage, StoreBackend};
pub use units::{ByteSize, DURATION_FORM, HumanDuration, SIZE_FORM, UnitError};

/// One problem in a configuration file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    /// Full dotted key path, e.g. `limits.message_size`; empty for a TOML
    /// syntax error (the message then gives line and column).
    pub key: String,
    /// What is wrong and what is expected.
    pub message: String,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.key.is_empty() {
            f.write_str(&self.message)
        } else {
            write!(f, "{}: {}", self.key, self.message)
        }
    }
}

/// Every problem found in a configuration file (never empty). `Display`
/// prints one line per problem.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigErrors {
    pub errors: Vec<ConfigError>,
}

impl ConfigErrors {
    pub fn iter(&self) -> std::slice::Iter<'_, ConfigError> {
        self.errors.iter()
    }
    pub fn len(&self) -> usize {
        self.errors.len()
    }
    pub fn is_empty(&self) -> bool {
        self.errors.is_empty()
    }
    /// The error about `key`, if any (for tests and tooling).
    pub fn for_key(&self, key: &str) -> Option<&ConfigError> {
        self.errors.iter().find(|e| e.key == key)
    }
}

impl fmt::Display for ConfigErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, e) in self.errors.iter().enumerate() {
            if i > 0 {
                f.write_str("\n")?;
            }
            write!(f, "{e}")?;
        }
        Ok(())
    }
}

impl std::error::Error for ConfigErrors {}

impl<'a> IntoIterator for &'a ConfigErrors {
    type Item = &'a ConfigError;
    type IntoIter = std::slice::Iter<'a, ConfigError>;
    fn into_iter(self) -> Self::IntoIter {
        self.errors.iter()
    }
}

impl Settings {
    /// The configuration as a TOML file that [`Settings::parse`] reads back
    /// to an equal `Settings` (every key written, defaults included). Used
    /// by `vesontio demo` to write `DIR/vesontio.toml`.
    pub fn to_toml(&self) -> String {
        let body = match toml::to_string(self) {
            Ok(body) => body,
            // Unreachable: every field is a string, number, bool, list or
            // string map, all of which TOML represents.
            Err(e) => format!("# could not serialise the configuration: {e}\n"),
        };
        format!(
            "# vesontio configuration. Sizes: \"10MB\" (1024-based); durations: \
             \"30s\", \"10m\", \"2h\", \"5d\", \"2w\", \"4mo\", \"1y\".\n\
             # Check it with: vesontio check-config --config FILE\n\n{body}"
        )
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests;
