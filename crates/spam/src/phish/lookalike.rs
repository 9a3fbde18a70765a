//! Domain look-alikes (R25): is `host` made to be read as one of the
//! protected domains without being it? Each method is a name, so a test
//! and a disposition say which trick was used.
//!
//! Domains are compared on their registrable part (the last two labels,
//! or three under a two-label public suffix such as `gouv.fr`), lower
//! case, IDNs decoded from punycode (RFC 5891 A-labels) first.

use unicode_security::{MixedScript, skeleton};

/// The trick a look-alike uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Trick {
    /// Characters of other scripts that look the same (UTS #39 skeleton).
    Confusable,
    /// One label mixes scripts (Latin and Cyrillic…) in an IDN.
    MixedScript,
    /// `0` for `o`, `1` for `l`, `rn` for `m`…
    Swap,
    /// One character differing in one bit (a memory or wire error).
    Bitsquat,
    /// One or two letters added, removed, changed or transposed.
    Edit,
    /// Hyphens added or removed.
    Hyphen,
    /// The protected name as a sub-domain or a prefix of another domain
    /// (`ac-besancon.fr.login.example`, `ac-besancon-fr.example`).
    Subdomain,
    /// The same name under another top-level domain.
    Tld,
}

impl Trick {
    pub fn rule(self) -> &'static str {
        match self {
            Trick::Confusable => "LOOKALIKE_CONFUSABLE",
            Trick::MixedScript => "LOOKALIKE_MIXED_SCRIPT",
            Trick::Swap => "LOOKALIKE_SWAP",
            Trick::Bitsquat => "LOOKALIKE_BITSQUAT",
            Trick::Edit => "LOOKALIKE_EDIT",
            Trick::Hyphen => "LOOKALIKE_HYPHEN",
            Trick::Subdomain => "LOOKALIKE_SUBDOMAIN",
            Trick::Tld => "LOOKALIKE_TLD",
        }
    }
}

/// Second-level suffixes under which the registrable domain has three
/// labels (no public suffix list: the ones French public mail meets).
const TWO_LABEL_SUFFIXES: &[&str] = &[
    "gouv.fr", "co.uk", "ac.uk", "gov.uk", "com.fr", "asso.fr", "nom.fr", "co.jp", "com.au",
];

/// A host as Unicode, lower case, without a trailing dot: A-labels
/// (`xn--…`) decoded; an undecodable one is kept as it is.
pub fn unicode_host(host: &str) -> String {
    let h = host.trim().trim_end_matches('.').to_lowercase();
    if !h.split('.').any(|l| l.starts_with("xn--")) {
        return h;
    }
    let (u, r) = idna::domain_to_unicode(&h);
    if r.is_ok() { u } else { h }
}

/// The registrable part of a host (see the module's comment).
pub fn registrable(host: &str) -> String {
    let labels: Vec<&str> = host.split('.').filter(|l| !l.is_empty()).collect();
    let n = labels.len();
    if n >= 3 {
        let last2 = format!("{}.{}", labels[n - 2], labels[n - 1]);
        if TWO_LABEL_SUFFIXES.contains(&last2.as_str()) {
            return labels[n - 3..].join(".");
        }
    }
    labels[n.saturating_sub(2)..].join(".")
}

/// `name.tld` split at the last dot.
fn split_tld(domain: &str) -> (&str, &str) {
    domain.rsplit_once('.').unwrap_or((domain, ""))
}

/// What the digit/letter swaps make of a name: every look-alike pair
/// replaced by the letter it imitates.
fn unswapped(s: &str) -> String {
    let mut t = s.replace("rn", "m").replace("vv", "w").replace("cl", "d");
    t = t
        .chars()
        .map(|c| match c {
            '0' => 'o',
            '1' | 'i' | '|' => 'l',
            '3' => 'e',
            '4' => 'a',
            '5' => 's',
            '7' => 't',
            '8' => 'b',
            c => c,
        })
        .collect();
    t
}

fn skeleton_of(s: &str) -> String {
    skeleton(s).collect::<String>().to_lowercase()
}

/// Optimal string alignment distance (Levenshtein with adjacent
/// transpositions), stopping early above `max`.
fn distance(a: &str, b: &str, max: usize) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    if a.len().abs_diff(b.len()) > max {
        return max + 1;
    }
    let w = b.len() + 1;
    let mut d = vec![0usize; (a.len() + 1) * w];
    for i in 0..=a.len() {
        d[i * w] = i;
    }
    for (j, cell) in d.iter_mut().enumerate().take(w) {
        *cell = j;
    }
    for i in 1..=a.len() {
        let mut row_min = usize::MAX;
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut v = (d[(i - 1) * w + j] + 1)
                .min(d[i * w + j - 1] + 1)
                .min(d[(i - 1) * w + j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                v = v.min(d[(i - 2) * w + j - 2] + 1);
            }
            d[i * w + j] = v;
            row_min = row_min.min(v);
        }
        if row_min > max {
            return max + 1;
        }
    }
    d[a.len() * w + b.len()]
}

/// Same length, one position differing by exactly one bit (ASCII).
fn bitsquat(a: &str, b: &str) -> bool {
    if a.len() != b.len() || !a.is_ascii() || !b.is_ascii() {
        return false;
    }
    let diff: Vec<(u8, u8)> = a.bytes().zip(b.bytes()).filter(|(x, y)| x != y).collect();
    diff.len() == 1 && (diff[0].0 ^ diff[0].1).count_ones() == 1
}

/// The trick by which `host` imitates `protected` (both as given in mail
/// and in the configuration), or `None` when it is that domain, one of its
/// sub-domains, or unrelated.
pub fn imitates(host: &str, protected: &str) -> Option<Trick> {
    let host = unicode_host(host);
    let protected = unicode_host(protected);
    if host.is_empty() || protected.is_empty() {
        return None;
    }
    if host == protected || host.ends_with(&format!(".{protected}")) {
        return None;
    }
    let mine = registrable(&host);
    let theirs = registrable(&protected);
    if mine == theirs {
        // Another host of the same registrable domain (a sibling of a
        // protected sub-domain): the same owner, not a look-alike.
        return None;
    }
    let (name, tld) = split_tld(&mine);
    let (pname, ptld) = split_tld(&theirs);
    // The protected domain spelled inside a longer host.
    let flat = host.replace('.', "-");
    if host.starts_with(&format!("{protected}."))
        || flat.starts_with(&format!("{}-", protected.replace('.', "-")))
    {
        return Some(Trick::Subdomain);
    }
    if !mine.is_ascii() {
        if !mine.split('.').all(|l| l.is_single_script()) {
            return Some(Trick::MixedScript);
        }
        if skeleton_of(&mine) == skeleton_of(&theirs) {
            return Some(Trick::Confusable);
        }
    }
    if name == pname && tld != ptld {
        return Some(Trick::Tld);
    }
    if tld != ptld {
        return None;
    }
    if name.replace('-', "") == pname.replace('-', "") {
        return Some(Trick::Hyphen);
    }
    if unswapped(name) == unswapped(pname) {
        return Some(Trick::Swap);
    }
    if bitsquat(name, pname) {
        return Some(Trick::Bitsquat);
    }
    // Short names collide by chance: one edit from 5 letters, two from 10.
    let allowed = match pname.chars().count() {
        0..=4 => 0,
        5..=9 => 1,
        _ => 2,
    };
    if allowed > 0 && distance(name, pname, allowed) <= allowed {
        return Some(Trick::Edit);
    }
    if skeleton_of(name) == skeleton_of(pname) {
        return Some(Trick::Confusable);
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    const P: &str = "ac-besancon.fr";

    #[test]
    fn each_trick_is_named() {
        for (host, trick) in [
            ("ac-bеsancon.fr", Trick::MixedScript), // Cyrillic е
            ("ac-besanc0n.fr", Trick::Swap),
            ("ac-besancom.fr", Trick::Edit),
            ("ac-besacnon.fr", Trick::Edit),
            ("acbesancon.fr", Trick::Hyphen),
            ("ac-be-sancon.fr", Trick::Hyphen),
            ("ac-besancon.fr.verif-compte.com", Trick::Subdomain),
            ("ac-besancon-fr.com", Trick::Subdomain),
            ("ac-besancon.com", Trick::Tld),
            ("ac-besancon.fr-login.net", Trick::Subdomain),
            ("ac-bdsancon.fr", Trick::Bitsquat), // e (0x65) → d (0x64)
            ("ac-besanconn.fr", Trick::Edit),
        ] {
            assert_eq!(imitates(host, P), Some(trick), "{host}");
        }
        // As mail carries IDNs: A-labels, decoded before comparing.
        let idn = |u: &str| idna::domain_to_ascii(u).unwrap();
        assert_eq!(imitates(&idn("ac-besançon.fr"), P), Some(Trick::Edit));
        assert_eq!(
            imitates(&idn("ac-bеsancon.fr"), P),
            Some(Trick::MixedScript)
        );
        assert_eq!(
            imitates(&idn("ас-besancon.fr"), P),
            Some(Trick::MixedScript)
        ); // Cyrillic а, с
        assert_eq!(
            imitates(&idn("аррӏе.com"), "apple.com"),
            Some(Trick::Confusable)
        ); // all Cyrillic
        let g = "education.gouv.fr";
        assert_eq!(imitates("educatlon.gouv.fr", g), Some(Trick::Swap));
        assert_eq!(imitates("educaton.gouv.fr", g), Some(Trick::Edit));
        assert_eq!(
            imitates("education.gouv.fr.example.org", g),
            Some(Trick::Subdomain)
        );
        assert_eq!(imitates(&idn("éducation.gouv.fr"), g), Some(Trick::Edit));
    }

    #[test]
    fn the_domain_itself_its_subdomains_and_others_are_not_lookalikes() {
        for host in [
            "ac-besancon.fr",
            "AC-BESANCON.FR.",
            "webmail.ac-besancon.fr",
            "ent.ac-besancon.fr",
            "ac-dijon.fr",
            "ac-lyon.fr",
            "example.org",
            "besancon.fr",
            "gmail.com",
            "laposte.net",
            "ac-nancy-metz.fr",
            "ac-reims.fr",
        ] {
            assert_eq!(imitates(host, P), None, "{host}");
        }
        // Every académie against every other: none imitates another.
        let all = crate::phish::ACADEMIES;
        for a in all {
            for b in all {
                if a != b {
                    assert_eq!(imitates(a, b), None, "{a} vs {b}");
                }
            }
        }
        assert_eq!(imitates("www.education.gouv.fr", "education.gouv.fr"), None);
        assert_eq!(imitates("eduscol.education.fr", "education.gouv.fr"), None);
    }

    #[test]
    fn distance_counts_transpositions_once_and_stops_early() {
        assert_eq!(distance("abcd", "abdc", 2), 1);
        assert_eq!(distance("abcd", "abcd", 2), 0);
        assert_eq!(distance("a", "abcdefgh", 2), 3);
        assert!(bitsquat("ac-bdsancon", "ac-besancon"));
        assert!(
            !bitsquat("ac-besancom", "ac-besancon"),
            "n/m differ in two bits"
        );
        assert!(!bitsquat("ac-besancon", "ac-besancon"));
    }
}
