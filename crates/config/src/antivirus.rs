//! `[antivirus]` [R9]: the ClamAV daemon every message goes through, what
//! happens when it cannot answer, who is told about an infected message,
//! and how long the quarantine keeps it. Its own file so that the
//! section's type, defaults and reading sit together.

use serde::Serialize;

use crate::reader::{Section, expected, string};
use crate::units::HumanDuration;

/// `[antivirus]` [R9].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Antivirus {
    /// Where clamd listens: the path of its Unix socket (clamd.conf's
    /// `LocalSocket`, Debian's is `"/run/clamav/clamd.ctl"`) or
    /// `"host:port"` (`TCPAddr`/`TCPSocket`). Empty: no scanning (the
    /// charter wants one: set it in production). clamd.conf's
    /// `StreamMaxLength` must be at least `limits.message_size`, or larger
    /// messages are not scanned (and so handled as `on_failure` says).
    /// clamd writes every stream it scans to a file in its
    /// `TemporaryDirectory` (and a message's decoded parts beside it): put
    /// that on a tmpfs (e.g. `/dev/shm` or a dedicated mount), which
    /// measured at less than half clamd's CPU per 10 KB message against a
    /// disk directory (benches/README.md). Default empty.
    pub clamd: String,
    /// Longest wait for one scan, connection included. Default `"30s"`.
    /// (A `[filters.stages.antivirus]` table, when present, sets the
    /// stage's timeout and failure policy instead of this key and
    /// `on_failure`.)
    pub timeout: HumanDuration,
    /// Scans at the same time, each on a kept clamd connection (clamd's
    /// `MaxThreads` is 10 by default). 1 to 64. Default 8.
    pub connections: u32,
    /// A message that could not be scanned (clamd unreachable, too slow,
    /// over its size limit): `"tempfail"` refuses it for now (4xx, the
    /// sender tries again later, nothing unscanned is delivered) or
    /// `"accept"` delivers it unscanned. Default `"tempfail"`.
    pub on_failure: OnFailure,
    /// Who gets a bounce for an infected message: `"authenticated"` our own
    /// users (submission, webmail) and outside senders that SPF or aligned
    /// DKIM authenticates; `"local"` our own users only; `"never"`. Mail
    /// from outside with a forged sender never gets one (no backscatter).
    /// The intended recipients always get a short notice. Default
    /// `"authenticated"`.
    pub bounce_sender: BounceSender,
    /// Quarantined messages are deleted after this long. Default `"30d"`.
    pub quarantine_expiry: HumanDuration,
}

/// `antivirus.on_failure`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum OnFailure {
    /// Temporary failure (SMTP 4xx): nothing unscanned is delivered.
    Tempfail,
    /// Delivered without a scan.
    Accept,
}

/// `antivirus.bounce_sender`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum BounceSender {
    Authenticated,
    Local,
    Never,
}

impl BounceSender {
    /// Whether the sender gets a bounce: `local` is true for our own doors
    /// (submission, webmail, internal), `authenticated` for an outside
    /// sender that SPF or aligned DKIM authenticates.
    pub fn bounces(self, local: bool, authenticated: bool) -> bool {
        match self {
            BounceSender::Never => false,
            BounceSender::Local => local,
            BounceSender::Authenticated => local || authenticated,
        }
    }
}

impl Antivirus {
    /// Whether scanning is on.
    pub fn enabled(&self) -> bool {
        !self.clamd.trim().is_empty()
    }
}

impl Default for Antivirus {
    fn default() -> Self {
        Antivirus {
            clamd: String::new(),
            timeout: HumanDuration::from_secs(30),
            connections: 8,
            on_failure: OnFailure::Tempfail,
            bounce_sender: BounceSender::Authenticated,
            quarantine_expiry: HumanDuration::from_days(30),
        }
    }
}

pub(crate) fn read_antivirus(mut s: Section<'_, '_>) -> Antivirus {
    let d = Antivirus::default();
    let clamd = s.get("clamd", d.clamd, |v| {
        let text = string(v)?;
        let t = text.trim();
        // A path as clamd.conf's LocalSocket (absolute), or host:port.
        if t.is_empty() || t.starts_with('/') || crate::parse::is_host_port(t) {
            Ok(t.to_string())
        } else {
            Err(expected(
                "a Unix socket path such as \"/run/clamav/clamd.ctl\" or \"host:port\" such as \"127.0.0.1:3310\"",
                v,
            ))
        }
    });
    let a = Antivirus {
        clamd,
        timeout: s.duration("timeout", d.timeout),
        connections: s.int("connections", d.connections, 1, 64),
        on_failure: s.choice(
            "on_failure",
            d.on_failure,
            &[
                ("tempfail", OnFailure::Tempfail),
                ("accept", OnFailure::Accept),
            ],
        ),
        bounce_sender: s.choice(
            "bounce_sender",
            d.bounce_sender,
            &[
                ("authenticated", BounceSender::Authenticated),
                ("local", BounceSender::Local),
                ("never", BounceSender::Never),
            ],
        ),
        quarantine_expiry: s.duration("quarantine_expiry", d.quarantine_expiry),
    };
    s.finish();
    a
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::Settings;

    #[test]
    fn defaults_and_values() {
        let s = Settings::parse("").unwrap();
        assert_eq!(s.antivirus, Antivirus::default());
        assert!(!s.antivirus.enabled());
        let s = Settings::parse(
            "[antivirus]\nclamd = \"/run/clamav/clamd.ctl\"\ntimeout = \"5s\"\nconnections = 4\n\
             on_failure = \"accept\"\nbounce_sender = \"never\"\nquarantine_expiry = \"7d\"\n",
        )
        .unwrap();
        let a = &s.antivirus;
        assert!(a.enabled());
        assert_eq!(a.clamd, "/run/clamav/clamd.ctl");
        assert_eq!(a.timeout.as_secs(), 5);
        assert_eq!(a.connections, 4);
        assert_eq!(a.on_failure, OnFailure::Accept);
        assert_eq!(a.bounce_sender, BounceSender::Never);
        assert_eq!(a.quarantine_expiry.as_secs(), 7 * 86_400);
        let s = Settings::parse("[antivirus]\nclamd = \"127.0.0.1:3310\"\n").unwrap();
        assert_eq!(s.antivirus.clamd, "127.0.0.1:3310");
        // Written by to_toml, read back the same.
        assert_eq!(Settings::parse(&s.to_toml()).unwrap(), s);
    }

    #[test]
    fn every_bad_value_is_reported() {
        let e = Settings::parse(
            "[antivirus]\nclamd = \"clamd\"\ntimeout = \"0s\"\nconnections = 0\n\
             on_failure = \"drop\"\nbounce_sender = \"always\"\nquarantine_expiry = 3\nclamav = 1\n",
        )
        .unwrap_err();
        let keys: Vec<&str> = e.errors.iter().map(|e| e.key.as_str()).collect();
        for k in [
            "antivirus.clamd",
            "antivirus.timeout",
            "antivirus.connections",
            "antivirus.on_failure",
            "antivirus.bounce_sender",
            "antivirus.quarantine_expiry",
            "antivirus.clamav",
        ] {
            assert!(keys.contains(&k), "{k} not in {keys:?}");
        }
    }

    #[test]
    fn who_gets_a_bounce() {
        use BounceSender::*;
        assert!(Authenticated.bounces(true, false));
        assert!(Authenticated.bounces(false, true));
        assert!(!Authenticated.bounces(false, false));
        assert!(Local.bounces(true, false));
        assert!(!Local.bounces(false, true));
        assert!(!Never.bounces(true, true));
    }
}
