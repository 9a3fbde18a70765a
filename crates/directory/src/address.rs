//! R1: nominative addresses `first.last@domain`, lower case, accents folded,
//! homonyms distinguished by a number (`first.last2`).

use unicode_normalization::UnicodeNormalization;

/// Folds a name part into the local-part alphabet: accents removed (é → e,
/// ç → c, œ → oe), lower case, spaces and underscores become `-`, every
/// other character dropped. `Jean-Pierre` → `jean-pierre`, `D'Ornano` →
/// `dornano`, `Le Goff` → `le-goff`.
pub fn fold(part: &str) -> String {
    let mut out = String::new();
    for c in part.trim().nfd() {
        match c {
            'œ' | 'Œ' => out.push_str("oe"),
            'æ' | 'Æ' => out.push_str("ae"),
            'ß' => out.push_str("ss"),
            'ø' | 'Ø' => out.push('o'),
            'ł' | 'Ł' => out.push('l'),
            ' ' | '_' | '-' => {
                if !out.is_empty() && !out.ends_with('-') {
                    out.push('-');
                }
            }
            c if c.is_ascii_alphanumeric() => out.push(c.to_ascii_lowercase()),
            _ => {} // combining accents, apostrophes, punctuation
        }
    }
    out.trim_matches('-').to_string()
}

/// The base local part `first.last` for a person, or `None` if either part
/// folds to nothing.
pub fn base_local_part(first: &str, last: &str) -> Option<String> {
    let (f, l) = (fold(first), fold(last));
    if f.is_empty() || l.is_empty() {
        return None;
    }
    Some(format!("{f}.{l}"))
}

/// Proposes the address for a new person: `first.last@domain`, or with the
/// smallest number from 2 that is not taken among `existing` (full
/// addresses, any case).
pub fn propose(first: &str, last: &str, domain: &str, existing: &[String]) -> Option<String> {
    let base = base_local_part(first, last)?;
    let domain = domain.to_lowercase();
    let taken = |local: &str| {
        let full = format!("{local}@{domain}");
        existing.iter().any(|e| e.eq_ignore_ascii_case(&full))
    };
    if !taken(&base) {
        return Some(format!("{base}@{domain}"));
    }
    (2..)
        .map(|n| format!("{base}{n}"))
        .find(|l| !taken(l))
        .map(|l| format!("{l}@{domain}"))
}

/// Checks that a nominative address follows R1: lower case ASCII, letters,
/// digits, `-` and exactly one `.` between first and last name parts,
/// optionally followed by a homonym number.
pub fn check_nominative(address: &str) -> Result<(), String> {
    let Some((local, _domain)) = address.split_once('@') else {
        return Err(format!("{address} is not an address"));
    };
    let ok_chars = local
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '.');
    let parts: Vec<&str> = local.split('.').collect();
    if !ok_chars
        || parts.len() != 2
        || parts
            .iter()
            .any(|p| p.is_empty() || p.starts_with('-') || p.ends_with('-'))
    {
        return Err(format!(
            "a personal address must look like first.last@domain (lower case, no accents, homonyms numbered first.last2): got {address}"
        ));
    }
    Ok(())
}
