//! `[large_files]` [R21]: the webmail's large-file transfer service, for
//! anything over the message size limit (R6): how big a file may be, how
//! much each person may keep, and how long a download link lives. Its own
//! file so that the section's type, defaults and reading sit together.
//!
//! ```toml
//! [large_files]
//! enabled = true
//! max_size = "2GB"
//! quota = "5GB"
//! default_expiry = "7d"
//! max_expiry = "30d"
//! abandoned_upload = "1d"
//! ```

use serde::Serialize;

use crate::reader::Section;
use crate::units::{ByteSize, HumanDuration};

/// `[large_files]` [R21].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LargeFiles {
    /// Whether the webmail offers the service (its pages, its links, and
    /// the offer to send an oversized message's attachments as links).
    /// Default true.
    pub enabled: bool,
    /// The largest file taken. At most `quota`. Default `"2GB"`.
    pub max_size: ByteSize,
    /// What one person's files may take together, uploads in progress
    /// included; separate from the mailbox quota (R15). Default `"5GB"`.
    pub quota: ByteSize,
    /// How long a link lives unless its owner chooses otherwise. At most
    /// `max_expiry`. Default `"7d"`.
    pub default_expiry: HumanDuration,
    /// The longest life an owner may give a link; expired files are
    /// deleted by the hourly jobs. Default `"30d"`.
    pub max_expiry: HumanDuration,
    /// An upload with no new data for this long is given up and its
    /// partial file deleted by the jobs. Default `"1d"`.
    pub abandoned_upload: HumanDuration,
}

impl Default for LargeFiles {
    fn default() -> Self {
        LargeFiles {
            enabled: true,
            max_size: ByteSize(2 << 30),
            quota: ByteSize(5 << 30),
            default_expiry: HumanDuration::from_days(7),
            max_expiry: HumanDuration::from_days(30),
            abandoned_upload: HumanDuration::from_days(1),
        }
    }
}

pub(crate) fn read_large_files(mut s: Section<'_, '_>) -> LargeFiles {
    let d = LargeFiles::default();
    let mut l = LargeFiles {
        enabled: s.bool("enabled", d.enabled),
        max_size: s.size("max_size", d.max_size, 1),
        quota: s.size("quota", d.quota, 1),
        default_expiry: s.duration("default_expiry", d.default_expiry),
        max_expiry: s.duration("max_expiry", d.max_expiry),
        abandoned_upload: s.duration("abandoned_upload", d.abandoned_upload),
    };
    if l.max_size > l.quota {
        s.error(
            "max_size",
            format!(
                "must be at most large_files.quota ({}), found {}",
                l.quota, l.max_size
            ),
        );
        l.max_size = l.quota;
    }
    if l.default_expiry > l.max_expiry {
        s.error(
            "default_expiry",
            format!(
                "must be at most large_files.max_expiry ({}), found {}",
                l.max_expiry, l.default_expiry
            ),
        );
        l.default_expiry = l.max_expiry;
    }
    s.finish();
    l
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::Settings;

    #[test]
    fn r21_defaults_and_values() {
        let s = Settings::parse("").unwrap();
        let l = &s.large_files;
        assert_eq!(l, &LargeFiles::default());
        assert_eq!(l.max_size.0, 2 << 30);
        assert_eq!(l.default_expiry.as_secs(), 7 * 86_400);
        assert_eq!(l.max_expiry.as_secs(), 30 * 86_400);
        let s = Settings::parse(
            "[large_files]\nenabled = false\nmax_size = \"100MB\"\nquota = \"1GB\"\n\
             default_expiry = \"2d\"\nmax_expiry = \"14d\"\nabandoned_upload = \"6h\"\n",
        )
        .unwrap();
        let l = &s.large_files;
        assert!(!l.enabled);
        assert_eq!((l.max_size.0, l.quota.0), (100 << 20, 1 << 30));
        assert_eq!(l.default_expiry.as_secs(), 2 * 86_400);
        assert_eq!(l.max_expiry.as_secs(), 14 * 86_400);
        assert_eq!(l.abandoned_upload.as_secs(), 6 * 3600);
        assert_eq!(Settings::parse(&s.to_toml()).unwrap(), s);
    }

    #[test]
    fn r21_bad_values_are_reported() {
        let e = Settings::parse(
            "[large_files]\nmax_size = \"2GB\"\nquota = \"1GB\"\ndefault_expiry = \"40d\"\n\
             max_expiry = \"30d\"\nabandoned_upload = \"0s\"\nexpiry = 1\n",
        )
        .unwrap_err();
        let keys: Vec<&str> = e.errors.iter().map(|e| e.key.as_str()).collect();
        for k in [
            "large_files.max_size",
            "large_files.default_expiry",
            "large_files.abandoned_upload",
            "large_files.expiry",
        ] {
            assert!(keys.contains(&k), "{k} not in {keys:?}");
        }
        let text = e.to_string();
        assert!(text.contains("at most large_files.max_expiry"), "{text}");
    }
}
