//! R25 as a pipeline stage: the `spam` crate's phishing checks on mail
//! from outside (MX). Each finding is a `Score` verdict named after it (so
//! a look-alike sender alone files into Junk at the default threshold);
//! when any fires, `X-Vesontio-Warning` (a code and a French sentence)
//! tells the reader, and the subject gets the configured tag.
//!
//! Mail from a local account (submission, webmail) is not checked: it was
//! authenticated, and the institution's own mail is never flagged.
//!
//! With [`PhishStage::with_directory`], the display names of the
//! directory's accounts are protected too (`DISPLAY_NAME_STAFF`): read
//! from the store when the stage first runs and again every
//! [`STAFF_REFRESH`], so an account created on any node is known within
//! minutes without a restart.

use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use vesontio_spam::phish::{self, Protected};
use vesontio_store::Store;

use super::spam::auth_of;
use super::{Action, BoxFuture, FilterContext, Stage, StageError, Verdict, WARNING_FIELD};
use crate::Origin;

/// How long the directory's display names are kept before being read again.
pub const STAFF_REFRESH: Duration = Duration::from_secs(600);

pub struct PhishStage {
    /// Domains and service names, from the configuration.
    base: Protected,
    /// `base` with the directory's names, swapped at each refresh.
    current: RwLock<Arc<Protected>>,
    directory: Option<Directory>,
    subject_tag: String,
}

/// Where the staff names come from, and when they were last read.
struct Directory {
    store: Store,
    read_at: tokio::sync::Mutex<Option<Instant>>,
}

impl PhishStage {
    /// `local`: the local domains; `others`: the protected domains of the
    /// configuration; `names`: internal service names.
    pub fn new(local: &[String], others: &[String], names: &[String], subject_tag: &str) -> Self {
        let base = Protected::new(local, others, names);
        PhishStage {
            current: RwLock::new(Arc::new(base.clone())),
            base,
            directory: None,
            subject_tag: subject_tag.trim().to_string(),
        }
    }

    /// Also protects the display names of the store's accounts (R25:
    /// mail imitating an internal sender).
    pub fn with_directory(mut self, store: Store) -> Self {
        self.directory = Some(Directory {
            store,
            read_at: tokio::sync::Mutex::new(None),
        });
        self
    }

    /// The protection to apply, the staff names read again when stale.
    /// One task reads; the others go on with the names they have.
    async fn protected(&self) -> Arc<Protected> {
        if let Some(dir) = &self.directory {
            if let Ok(mut read_at) = dir.read_at.try_lock() {
                if read_at.is_none_or(|t| t.elapsed() >= STAFF_REFRESH) {
                    match dir.store.display_names().await {
                        Ok(names) => {
                            let p = self.base.with_staff(names.iter().map(String::as_str));
                            tracing::debug!(staff = p.staff_len(), "phishing: staff names read");
                            if let Ok(mut cur) = self.current.write() {
                                *cur = Arc::new(p);
                            }
                        }
                        // Kept as they were; tried again after the period.
                        Err(e) => tracing::warn!(error = %e, "phishing: staff names not read"),
                    }
                    *read_at = Some(Instant::now());
                }
            }
        }
        match self.current.read() {
            Ok(p) => p.clone(),
            Err(_) => Arc::new(self.base.clone()),
        }
    }
}

/// The raw value of the first `Subject:` field (continuation lines
/// unfolded), as it is written: encoded words stay encoded.
fn raw_subject(raw: &[u8]) -> Option<String> {
    let text = String::from_utf8_lossy(&raw[..raw.len().min(64 * 1024)]);
    let mut lines = text.split('\n');
    while let Some(line) = lines.next() {
        let line = line.trim_end_matches('\r');
        if line.is_empty() {
            return None;
        }
        let Some((name, value)) = line.split_once(':') else {
            continue;
        };
        if !name.trim_end().eq_ignore_ascii_case("subject") {
            continue;
        }
        let mut v = value.trim().to_string();
        for next in lines.by_ref() {
            let next = next.trim_end_matches('\r');
            if next.starts_with([' ', '\t']) {
                v.push(' ');
                v.push_str(next.trim());
            } else {
                break;
            }
        }
        return Some(v);
    }
    None
}

impl Stage for PhishStage {
    fn name(&self) -> &str {
        "phishing"
    }

    fn run<'a>(
        &'a self,
        ctx: &'a FilterContext,
    ) -> BoxFuture<'a, Result<Vec<Verdict>, StageError>> {
        Box::pin(async move {
            if !matches!(ctx.origin, Origin::Mx { .. }) {
                return Ok(Vec::new());
            }
            let sender = ctx.envelope.mail_from.as_ref().map(ToString::to_string);
            let protected = self.protected().await;
            let f =
                phish::check_message(ctx.message(), sender.as_deref(), &protected, auth_of(ctx));
            let mut out: Vec<Verdict> = f
                .hits
                .iter()
                .map(|h| Verdict::score(h.points, &h.rule))
                .collect();
            if let Some(w) = f.warning {
                out.push(Verdict::message(Action::SetHeader {
                    name: WARNING_FIELD.to_string(),
                    value: w.header_value(),
                }));
                if !self.subject_tag.is_empty() {
                    let subject = raw_subject(&ctx.raw).unwrap_or_default();
                    let tagged = if subject.starts_with(&self.subject_tag) {
                        subject
                    } else {
                        let tag = if self.subject_tag.is_ascii() {
                            self.subject_tag.clone()
                        } else {
                            phish::encode_words(&self.subject_tag)
                        };
                        format!("{tag} {subject}").trim_end().to_string()
                    };
                    out.push(Verdict::message(Action::SetHeader {
                        name: "Subject".to_string(),
                        value: tagged,
                    }));
                }
            }
            Ok(out)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::raw_subject;

    #[test]
    fn the_raw_subject_is_unfolded_and_left_encoded() {
        let raw = b"From: a@b.fr\r\nSubject: =?utf-8?q?R=C3=A9union?=\r\n du lundi\r\nTo: c@d.fr\r\n\r\nSubject: body";
        assert_eq!(
            raw_subject(raw).as_deref(),
            Some("=?utf-8?q?R=C3=A9union?= du lundi")
        );
        assert_eq!(raw_subject(b"From: a@b.fr\r\n\r\nSubject: body"), None);
    }
}
