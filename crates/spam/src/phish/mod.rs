//! Phishing (R25): mail from outside made to look like it comes from the
//! académie or the ministry. The charter says the institution never asks
//! for a password by mail, and tells staff to distrust look-alike senders;
//! this module finds, in a message from outside,
//! - look-alikes of the local and protected domains (`lookalike.rs`: UTS
//!   #39 confusables and mixed scripts in IDNs, digit/letter swaps,
//!   bitsquatting, edit distance, hyphen, sub-domain and TLD tricks) in
//!   the `From:` domain, the envelope sender, `Reply-To` and link targets;
//! - display names imitating an internal service ("DSI", "Rectorat",
//!   "Service informatique"…, configurable), showing an internal address,
//!   or taking the full name of a person or functional mailbox of the
//!   directory ([`Protected::with_staff`]) from an outside address;
//! - a protected domain in `From:` failing DMARC;
//! - link text showing a local or protected domain and pointing elsewhere;
//! - requests for credentials ("votre mot de passe", "vérifiez votre
//!   compte", "votre boîte est pleine", "quota"…).
//!
//! Each finding is a [`Hit`] (rule name and points, added to the spam
//! score by the pipeline) and, when any fires, one [`Warning`] the reader
//! sees: a short code and a French sentence for `X-Vesontio-Warning`,
//! which the webmail shows as a banner. Nothing of the message is quoted.

pub mod lookalike;

use mail_parser::{Address, MessageParser, PartType};

use crate::structure::{base_domain, host_of, links};
use crate::text::fold;
use crate::{Auth, Hit, Outcome};
use lookalike::{Trick, imitates, unicode_host};

/// The académies' mail domains, protected by default with the ministry's.
pub const ACADEMIES: &[&str] = &[
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

/// The ministry's domains protected by default.
pub const MINISTRY: &[&str] = &["education.gouv.fr", "enseignementsup-recherche.gouv.fr"];

/// Names of internal services an outsider's display name must not take.
pub const INTERNAL_NAMES: &[&str] = &[
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

/// Phrases asking for credentials, folded (see `text::fold`).
const CREDENTIAL_PHRASES: &[&str] = &[
    "mot de passe",
    "vos identifiants",
    "verifiez votre compte",
    "verifier votre compte",
    "valider votre compte",
    "confirmez votre identite",
    "reactiver votre compte",
    "votre boite est pleine",
    "boite aux lettres est pleine",
    "boite mail est pleine",
    "quota",
    "password",
    "verify your account",
    "mailbox is full",
    "confirm your identity",
];

/// The phrases as whole words (surrounded by the spaces `fold` leaves
/// between words), found in one pass over the text, not one per phrase.
fn asks_credentials(text: &str) -> bool {
    static PHRASES: std::sync::OnceLock<Option<aho_corasick::AhoCorasick>> =
        std::sync::OnceLock::new();
    let whole = |ph: &&str| format!(" {ph} ");
    let automaton = PHRASES
        .get_or_init(|| aho_corasick::AhoCorasick::new(CREDENTIAL_PHRASES.iter().map(whole)).ok());
    match automaton {
        Some(a) => a.is_match(text),
        // Fifteen fixed phrases always build; were they not to, the slow way.
        None => CREDENTIAL_PHRASES
            .iter()
            .any(|ph| text.contains(&whole(ph))),
    }
}

/// What is protected: the local domains (from the configuration), the
/// other protected domains, and the internal service names.
#[derive(Debug, Clone, Default)]
pub struct Protected {
    pub domains: Vec<String>,
    /// Folded (`text::fold`), so comparison ignores case and accents.
    names: Vec<String>,
    /// The directory's display names, folded (with the surrounding spaces
    /// `fold` gives, so a containment test matches whole words only).
    staff: std::collections::HashSet<String>,
}

impl Protected {
    pub fn new(local: &[String], others: &[String], internal_names: &[String]) -> Protected {
        let mut domains: Vec<String> = local
            .iter()
            .chain(others)
            .map(|d| unicode_host(d))
            .filter(|d| !d.is_empty())
            .collect();
        domains.sort();
        domains.dedup();
        Protected {
            domains,
            names: internal_names
                .iter()
                .map(|n| fold(n))
                .filter(|n| n.trim().len() >= 2)
                .collect(),
            staff: Default::default(),
        }
    }

    /// The same protection with the directory's display names: an outside
    /// `From:` whose display name is one of them, or contains one as whole
    /// words, fires `DISPLAY_NAME_STAFF`. Names of one word or of fewer
    /// than six letters are left out: they are too common to mean anything.
    pub fn with_staff<'a>(&self, display_names: impl IntoIterator<Item = &'a str>) -> Protected {
        let staff = display_names
            .into_iter()
            .map(fold)
            .filter(|n| {
                n.split_whitespace().count() >= 2
                    && n.chars().filter(|c| c.is_alphabetic()).count() >= 6
            })
            .collect();
        Protected {
            staff,
            ..self.clone()
        }
    }

    /// How many staff names are known (for the logs).
    pub fn staff_len(&self) -> usize {
        self.staff.len()
    }

    /// A display name, folded, taking a staff member's full name.
    fn names_staff(&self, folded: &str) -> bool {
        if self.staff.is_empty() {
            return false;
        }
        if self.staff.contains(folded) {
            return true;
        }
        // Contained as whole words ("Marie Martin - Rectorat"): look at
        // each run of two to four words, so the cost is linear in the name.
        let words: Vec<&str> = folded.split_whitespace().take(12).collect();
        (0..words.len()).any(|i| {
            (2..=4).filter(|n| i + n <= words.len()).any(|n| {
                self.staff
                    .contains(&format!(" {} ", words[i..i + n].join(" ")))
            })
        })
    }

    /// A host that is a protected domain or one of its sub-domains.
    fn owns(&self, host: &str) -> bool {
        let h = unicode_host(host);
        self.domains
            .iter()
            .any(|d| h == *d || h.ends_with(&format!(".{d}")))
    }

    fn imitated(&self, host: &str) -> Option<Trick> {
        if self.owns(host) {
            return None;
        }
        self.domains.iter().find_map(|d| imitates(host, d))
    }
}

/// What the reader is told; the code is what the webmail reads (its own
/// sentence for each, never the header's text).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Warning {
    /// A message from outside asks for credentials.
    Credentials,
    /// A display name, a DMARC failure or a link imitates the institution.
    Impersonation,
    /// The sender, a reply address or a link uses a look-alike domain.
    LookalikeDomain,
}

impl Warning {
    pub fn code(self) -> &'static str {
        match self {
            Warning::LookalikeDomain => "lookalike-domain",
            Warning::Impersonation => "impersonation",
            Warning::Credentials => "credentials",
        }
    }

    pub fn sentence(self) -> &'static str {
        match self {
            Warning::LookalikeDomain => {
                "Ce message venu de l'extérieur utilise une adresse qui imite celle de l'institution : ne répondez pas, n'ouvrez pas ses liens ni ses pièces jointes."
            }
            Warning::Impersonation => {
                "Ce message venu de l'extérieur se fait passer pour un service de l'institution : ne répondez pas, n'ouvrez pas ses liens ni ses pièces jointes."
            }
            Warning::Credentials => {
                "Ce message venu de l'extérieur demande des identifiants : l'institution ne demande jamais votre mot de passe par courriel."
            }
        }
    }

    /// The `X-Vesontio-Warning` field value: the code, then the sentence
    /// as RFC 2047 encoded words (the header stays ASCII).
    pub fn header_value(self) -> String {
        format!("{};\r\n {}", self.code(), encode_words(self.sentence()))
    }
}

/// What the phishing checks found.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Findings {
    pub hits: Vec<Hit>,
    pub warning: Option<Warning>,
}

fn hit(rule: impl Into<String>, points: f32) -> Hit {
    Hit {
        rule: rule.into(),
        points,
    }
}

/// Points of a look-alike sender, reply address or envelope sender: alone
/// it files the message into Junk at the default threshold (5).
const LOOKALIKE_POINTS: f32 = 6.0;
const LINK_LOOKALIKE_POINTS: f32 = 4.0;
const DISPLAY_NAME_POINTS: f32 = 3.0;
const DMARC_FAIL_POINTS: f32 = 6.0;
const LINK_SHOWS_POINTS: f32 = 4.0;
const CREDENTIALS_POINTS: f32 = 2.5;

fn domain_of(addr: &str) -> &str {
    addr.rsplit_once('@').map_or("", |(_, d)| d)
}

fn addresses<'a>(a: Option<&'a Address<'a>>) -> Vec<(&'a str, &'a str)> {
    let Some(a) = a else { return Vec::new() };
    a.iter()
        .take(20)
        .map(|x| (x.name().unwrap_or(""), x.address().unwrap_or("")))
        .collect()
}

/// Checks a message that came from outside (MX). `envelope_sender` is the
/// SMTP reverse path; `auth` the gate's SPF/DKIM/DMARC.
pub fn check(raw: &[u8], envelope_sender: Option<&str>, p: &Protected, auth: Auth) -> Findings {
    check_message(
        MessageParser::default().parse(raw).as_ref(),
        envelope_sender,
        p,
        auth,
    )
}

/// [`check`] of a message already parsed (`None`: it does not parse).
pub fn check_message(
    msg: Option<&mail_parser::Message<'_>>,
    envelope_sender: Option<&str>,
    p: &Protected,
    auth: Auth,
) -> Findings {
    let mut f = Findings::default();
    let Some(msg) = msg else {
        return f;
    };
    let mut fired = std::collections::HashSet::new();
    // The strongest warning wins (look-alike, impersonation, credentials).
    let mut add = |f: &mut Findings, h: Hit, w: Warning| {
        if fired.insert(h.rule.clone()) {
            f.hits.push(h);
        }
        f.warning = f.warning.max(Some(w));
    };
    // Who it says it is from, whom to answer, who sent it.
    let from = addresses(msg.from());
    let mut senders: Vec<&str> = from.iter().map(|(_, a)| domain_of(a)).collect();
    senders.extend(addresses(msg.reply_to()).iter().map(|(_, a)| domain_of(a)));
    senders.extend(envelope_sender.map(domain_of));
    for d in senders.into_iter().filter(|d| !d.is_empty()) {
        if let Some(t) = p.imitated(d) {
            add(
                &mut f,
                hit(t.rule(), LOOKALIKE_POINTS),
                Warning::LookalikeDomain,
            );
        }
    }
    // A protected domain in From: that DMARC does not confirm.
    if auth.dmarc == Outcome::Fail && from.iter().any(|(_, a)| p.owns(domain_of(a))) {
        add(
            &mut f,
            hit("FROM_PROTECTED_DMARC_FAIL", DMARC_FAIL_POINTS),
            Warning::Impersonation,
        );
    }
    // Display names taking an internal service's name or address.
    for (name, addr) in &from {
        if name.is_empty() || p.owns(domain_of(addr)) {
            continue;
        }
        let folded = fold(name);
        let shows_address = name
            .split(|c: char| c.is_whitespace() || "<>()\"'".contains(c))
            .any(|w| {
                w.contains('@') && (p.owns(domain_of(w)) || p.imitated(domain_of(w)).is_some())
            });
        if shows_address || p.names.iter().any(|n| folded.contains(n.as_str())) {
            add(
                &mut f,
                hit("DISPLAY_NAME_INTERNAL", DISPLAY_NAME_POINTS),
                Warning::Impersonation,
            );
        }
        if p.names_staff(&folded) {
            add(
                &mut f,
                hit("DISPLAY_NAME_STAFF", DISPLAY_NAME_POINTS),
                Warning::Impersonation,
            );
        }
    }
    // Links: targets imitating a protected domain, and text showing one
    // while pointing elsewhere.
    for part in msg.parts.iter().take(500) {
        let PartType::Html(h) = &part.body else {
            continue;
        };
        for (href, text) in links(&h.to_ascii_lowercase()) {
            let target = host_of(href.trim());
            if target.is_empty() {
                continue;
            }
            if let Some(t) = p.imitated(&target) {
                add(
                    &mut f,
                    hit(format!("LINK_{}", t.rule()), LINK_LOOKALIKE_POINTS),
                    Warning::LookalikeDomain,
                );
            }
            let shown = shown_host(&text);
            if !shown.is_empty()
                && p.owns(&shown)
                && !p.owns(&target)
                && base_domain(&shown) != base_domain(&target)
            {
                add(
                    &mut f,
                    hit("LINK_SHOWS_PROTECTED", LINK_SHOWS_POINTS),
                    Warning::Impersonation,
                );
            }
        }
    }
    // Credentials asked for.
    let (subject, body) = crate::subject_and_body_of(Some(&msg));
    let text = fold(&format!("{subject} {body}"));
    if asks_credentials(&text) {
        add(
            &mut f,
            hit("CREDENTIALS_REQUEST", CREDENTIALS_POINTS),
            Warning::Credentials,
        );
    }
    f
}

/// The host a link's text shows, if it shows one (`https://x.fr/…`,
/// `www.x.fr`, `x.fr`).
fn shown_host(text: &str) -> String {
    let t = text.trim();
    if t.contains("://") {
        return host_of(t);
    }
    let first = t.split_whitespace().next().unwrap_or("");
    let host = first.split(['/', '?', '#']).next().unwrap_or("");
    if host.contains('.')
        && host
            .chars()
            .all(|c| c.is_alphanumeric() || ".-".contains(c))
    {
        host.trim_start_matches("www.").to_ascii_lowercase()
    } else {
        String::new()
    }
}

/// RFC 2047 §4.2 Q-encoded words of UTF-8 text, each at most 75 octets,
/// separated by folding white space.
pub fn encode_words(text: &str) -> String {
    const HEAD: &str = "=?utf-8?q?";
    const TAIL: &str = "?=";
    let mut words = Vec::new();
    let mut cur = String::new();
    for c in text.chars() {
        let mut enc = String::new();
        if c == ' ' {
            enc.push('_');
        } else if c.is_ascii_alphanumeric() || "!*+-/".contains(c) {
            enc.push(c);
        } else {
            let mut b = [0u8; 4];
            for byte in c.encode_utf8(&mut b).bytes() {
                enc.push_str(&format!("={byte:02X}"));
            }
        }
        if HEAD.len() + cur.len() + enc.len() + TAIL.len() > 75 {
            words.push(format!("{HEAD}{cur}{TAIL}"));
            cur.clear();
        }
        cur.push_str(&enc);
    }
    if !cur.is_empty() {
        words.push(format!("{HEAD}{cur}{TAIL}"));
    }
    words.join("\r\n ")
}

#[cfg(test)]
mod tests;
