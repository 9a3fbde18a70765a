//! `[phishing]` (R25): what mail from outside must not imitate.
//!
//! ```toml
//! [phishing]
//! enabled = true
//! # Besides the local domains (always protected):
//! protected_domains = ["education.gouv.fr", "ac-dijon.fr"]
//! internal_names = ["DSI", "Rectorat", "Service informatique"]
//! subject_tag = "[Attention]"   # empty: the subject is left alone
//! ```

use serde::Serialize;

use crate::reader::{Section, expected};

/// `[phishing]`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Phishing {
    /// Whether the phishing checks run as a filter stage. Default true.
    pub enabled: bool,
    /// Domains that mail from outside must not imitate, besides the local
    /// domains. Default: the thirty académies' domains and the ministry's.
    pub protected_domains: Vec<String>,
    /// Names of internal services that an outside sender's display name
    /// must not take. Default: "DSI", "Rectorat", "Service informatique"…
    pub internal_names: Vec<String>,
    /// Put before the subject of a message the checks warn about; empty
    /// leaves subjects alone. Default empty.
    pub subject_tag: String,
}

/// The defaults' lists, written here so that `config` needs no filter
/// crate: the same as `vesontio_spam::phish::{ACADEMIES, MINISTRY,
/// INTERNAL_NAMES}` (a test in `app` checks they agree).
pub const DEFAULT_PROTECTED: &[&str] = &[
    "education.gouv.fr",
    "enseignementsup-recherche.gouv.fr",
    "ac-aix-marseille.fr",
    "ac-amiens.fr",
    "ac-besancon.fr",
    "ac-bordeaux.fr",
    "ac-clermont.fr",
    "ac-corse.fr",
    "ac-creteil.fr",
    "ac-dijon.fr",
    "ac-grenoble.fr",
    "ac-guadeloupe.fr",
    "ac-guyane.fr",
    "ac-lille.fr",
    "ac-limoges.fr",
    "ac-lyon.fr",
    "ac-martinique.fr",
    "ac-mayotte.fr",
    "ac-montpellier.fr",
    "ac-nancy-metz.fr",
    "ac-nantes.fr",
    "ac-nice.fr",
    "ac-normandie.fr",
    "ac-orleans-tours.fr",
    "ac-paris.fr",
    "ac-poitiers.fr",
    "ac-reims.fr",
    "ac-rennes.fr",
    "ac-reunion.fr",
    "ac-strasbourg.fr",
    "ac-toulouse.fr",
    "ac-versailles.fr",
];

pub const DEFAULT_INTERNAL_NAMES: &[&str] = &[
    "DSI",
    "Rectorat",
    "Service informatique",
    "Support informatique",
    "Assistance informatique",
    "Administrateur messagerie",
    "Service messagerie",
    "Helpdesk",
    "Webmaster",
    "Ministère de l'Éducation nationale",
];

impl Default for Phishing {
    fn default() -> Self {
        Phishing {
            enabled: true,
            protected_domains: DEFAULT_PROTECTED.iter().map(|s| s.to_string()).collect(),
            internal_names: DEFAULT_INTERNAL_NAMES
                .iter()
                .map(|s| s.to_string())
                .collect(),
            subject_tag: String::new(),
        }
    }
}

fn strings(v: &toml::Value, form: &str, check: fn(&str) -> bool) -> Result<Vec<String>, String> {
    let items = v.as_array().ok_or_else(|| expected(form, v))?;
    items
        .iter()
        .enumerate()
        .map(|(i, x)| match x.as_str() {
            Some(t) if check(t.trim()) => Ok(t.trim().to_string()),
            _ => Err(format!("item {}: {}", i + 1, expected(form, x))),
        })
        .collect()
}

fn is_domain(d: &str) -> bool {
    d.contains('.')
        && !d.starts_with('.')
        && !d.ends_with('.')
        && d.chars()
            .all(|c| c.is_alphanumeric() || c == '.' || c == '-')
}

pub(crate) fn read_phishing(mut s: Section<'_, '_>) -> Phishing {
    let d = Phishing::default();
    let p = Phishing {
        enabled: s.bool("enabled", d.enabled),
        protected_domains: s.get("protected_domains", d.protected_domains, |v| {
            strings(
                v,
                "a list of domains such as [\"education.gouv.fr\"]",
                is_domain,
            )
            .map(|v| v.into_iter().map(|d| d.to_lowercase()).collect())
        }),
        internal_names: s.get("internal_names", d.internal_names, |v| {
            strings(v, "a list of names such as [\"DSI\", \"Rectorat\"]", |n| {
                n.chars().count() >= 2
            })
        }),
        subject_tag: s.get("subject_tag", d.subject_tag, |v| {
            let t = v
                .as_str()
                .ok_or_else(|| expected("a short text such as \"[Attention]\"", v))?;
            if t.chars().count() > 40 || t.chars().any(char::is_control) {
                Err(expected(
                    "a short text (at most 40 characters) such as \"[Attention]\"",
                    v,
                ))
            } else {
                Ok(t.to_string())
            }
        }),
    };
    s.finish();
    p
}
