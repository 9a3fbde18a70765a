//! R4: a subject carrying the word "Privé" marks a message private.

/// The folded spellings that mark a message private (R4).
///
/// Decision: "privé" and its feminine "privée" (how French writers spell it
/// when thinking of "une correspondance privée"), with or without accent,
/// any case. Plurals ("privés") and other words sharing the stem
/// ("private", "privilège", "privatisé") do not count: the charter asks for
/// a marker word, and a false positive hides a professional message from
/// administrators.
const PRIVATE_WORDS: [&str; 2] = ["prive", "privee"];

/// True when `subject` contains the word *Privé* as a whole word (R4).
///
/// Matching folds case and the accents of French letters, ignores Unicode
/// combining marks (a decomposed `e` + U+0301 is still "é"), and treats any
/// non-alphanumeric character as a word boundary, so `[PRIVE]`, `Privé:`,
/// `(privée)` and `privé-perso` all count.
pub fn is_private_subject(subject: &str) -> bool {
    let mut word = String::new();
    let mut too_long = false;
    for c in subject.chars().chain(std::iter::once(' ')) {
        if is_combining(c) {
            continue;
        }
        if c.is_alphanumeric() {
            // Bound the memory on absurd inputs: a word longer than the
            // markers cannot be one of them.
            if word.chars().count() < 8 {
                word.push(fold(c));
            } else {
                too_long = true;
            }
        } else {
            if !too_long && PRIVATE_WORDS.contains(&word.as_str()) {
                return true;
            }
            word.clear();
            too_long = false;
        }
    }
    false
}

/// U+0300..U+036F: combining diacritical marks (NFD accents).
fn is_combining(c: char) -> bool {
    ('\u{0300}'..='\u{036F}').contains(&c)
}

/// Lower-cases a letter and removes a French accent from it.
pub(crate) fn fold(c: char) -> char {
    let l = c.to_lowercase().next().unwrap_or(c);
    match l {
        'à' | 'á' | 'â' | 'ä' | 'ã' | 'å' => 'a',
        'ç' => 'c',
        'è' | 'é' | 'ê' | 'ë' => 'e',
        'ì' | 'í' | 'î' | 'ï' => 'i',
        'ñ' => 'n',
        'ò' | 'ó' | 'ô' | 'ö' | 'õ' => 'o',
        'ù' | 'ú' | 'û' | 'ü' => 'u',
        'ý' | 'ÿ' => 'y',
        other => other,
    }
}
