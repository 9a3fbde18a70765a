//! The text every test reads: lower case, accents removed (Unicode NFD
//! without combining marks), so that "GAGNEZ", "gagnéz" and "gagnez" are
//! one word, and characters a spammer puts between letters to defeat
//! filters (soft hyphens, zero-width spaces) removed. Words are runs of
//! letters and digits; apostrophes split them ("l'argent" is "l",
//! "argent"), as French readers do.

/// Folded text: lower case, no accents, no invisible characters, every
/// run of non-word characters a single space, with a space at both ends
/// so that phrase matches can require word boundaries cheaply.
pub fn fold(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push(' ');
    let mut space = true;
    // Per character, canonical decomposition (NFD without its reordering,
    // which only moves the combining marks this drops); ASCII, most of
    // any mail, decomposes to itself and needs no table.
    for c in text.chars() {
        if c.is_ascii() {
            push_folded(
                c.to_ascii_lowercase(),
                c.is_ascii_alphanumeric(),
                &mut out,
                &mut space,
            );
        } else {
            unicode_normalization::char::decompose_canonical(c, |d| {
                if !is_invisible(d) && !unicode_normalization::char::is_combining_mark(d) {
                    let word = d.is_alphanumeric();
                    if word {
                        out.extend(d.to_lowercase());
                        space = false;
                    } else {
                        push_folded(' ', false, &mut out, &mut space);
                    }
                }
            });
        }
    }
    if !space {
        out.push(' ');
    }
    out
}

/// One folded character: a word character as is, any other as the one
/// space of its run.
fn push_folded(c: char, word: bool, out: &mut String, space: &mut bool) {
    if word {
        out.push(c);
        *space = false;
    } else if !*space {
        out.push(' ');
        *space = true;
    }
}

/// Characters that render as nothing: used to split words invisibly.
fn is_invisible(c: char) -> bool {
    matches!(
        c,
        '\u{00AD}' | '\u{200B}'..='\u{200F}' | '\u{2060}'..='\u{2064}' | '\u{FEFF}'
    )
}

/// The longest word kept as a token: longer runs are base64, hashes or
/// URLs' noise, and would only grow the model.
const WORD_MAX: usize = 30;

/// The words of folded text, in order (at least two characters, at most
/// [`WORD_MAX`]).
pub fn words(folded: &str) -> impl Iterator<Item = &str> {
    folded
        .split(' ')
        .filter(|w| (2..=WORD_MAX).contains(&w.chars().count()))
}

/// The runs of folded text too long to be words (over [`WORD_MAX`]
/// characters), each as its first character and its length in tens:
/// "a 40-character run starting with h". A hash, a base64 line or a
/// tracking URL's tail differs in every message, so as a word it is
/// never seen twice, but its shape recurs (SpamBayes' "skip" tokens).
pub fn long_runs(folded: &str) -> impl Iterator<Item = (char, usize)> + '_ {
    folded.split(' ').filter_map(|w| {
        let n = w.chars().count();
        (n > WORD_MAX).then(|| (w.chars().next().unwrap_or(' '), n / 10 * 10))
    })
}

/// 64-bit FNV-1a: a stable hash for tokens (the model is persisted, so the
/// hash must not change between builds, which `std`'s hasher may).
pub fn fnv1a(parts: &[&[u8]]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for p in parts {
        for b in p.iter() {
            h ^= u64::from(*b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
        // A separator, so ("ab","c") and ("a","bc") differ.
        h ^= 0xff;
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    /// The per-character decomposition folds as a whole-string NFD does.
    #[test]
    fn folding_per_character_matches_nfd() {
        use unicode_normalization::UnicodeNormalization;
        fn by_nfd(text: &str) -> String {
            let mut out = String::from(" ");
            let mut space = true;
            for c in text.nfd() {
                if is_invisible(c) || unicode_normalization::char::is_combining_mark(c) {
                    continue;
                }
                if c.is_alphanumeric() {
                    out.extend(c.to_lowercase());
                    space = false;
                } else if !space {
                    out.push(' ');
                    space = true;
                }
            }
            if !space {
                out.push(' ');
            }
            out
        }
        for t in [
            "Élève ÇA façon Œuvre — naïve café",
            "e\u{301}te\u{301} a\u{308}\u{323} 한국어 ﬁ ǅ İstanbul ß ΆΈΉ",
            "pay\u{200B}pal p\u{00AD}a\u{FEFF}ypal",
            "",
            "   ",
            "Ångström ℌ ① ＡＢＣ",
        ] {
            assert_eq!(fold(t), by_nfd(t), "{t:?}");
        }
    }

    #[test]
    fn folding_removes_case_accents_and_invisible_splitters() {
        assert_eq!(fold("GAGNEZ de l'Argent!"), " gagnez de l argent ");
        assert_eq!(fold("gagnéz"), " gagnez ");
        assert_eq!(fold("ga\u{200B}gnez  vite"), " gagnez vite ");
        assert_eq!(fold("viag\u{00AD}ra"), " viagra ");
        assert_eq!(fold(""), " ");
    }

    #[test]
    fn words_skip_single_letters_and_noise() {
        let f = fold("l'argent a x aGVsbG8gd29ybGQgdGhpcyBpcyBsb25nIGJhc2U2NA");
        assert_eq!(words(&f).collect::<Vec<_>>(), vec!["argent"]);
    }

    #[test]
    fn long_runs_are_shapes_not_words() {
        let f = fold(
            "see aGVsbG8gd29ybGQgdGhpcyBpcyBsb25nIGJhc2U2NA and http://x.example/0123456789abcdef0123456789abcdef",
        );
        let runs: Vec<_> = long_runs(&f).collect();
        // The base64 run (42 characters) and the hex tail (32); not the
        // short words.
        assert_eq!(runs, vec![('a', 40), ('0', 30)]);
        assert_eq!(long_runs(&fold("short words only")).count(), 0);
    }

    #[test]
    fn token_hash_is_stable_and_separates_parts() {
        // Known answer: persisted models depend on it never changing.
        assert_eq!(fnv1a(&[b"argent"]), fnv1a(&[b"argent"]));
        assert_ne!(fnv1a(&[b"ab", b"c"]), fnv1a(&[b"a", b"bc"]));
        assert_eq!(fnv1a(&[]), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a(&[b"a"]), 0x089b_c907_b544_c769);
    }
}
