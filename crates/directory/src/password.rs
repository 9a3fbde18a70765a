//! R26 passwords: argon2id hashing (PHC strings) and the strength rule of
//! the CNIL recommendation (délibération n° 2022-100): a password used alone
//! must reach about 80 bits of entropy.

use argon2::Argon2;
use argon2::password_hash::{
    PasswordHash, PasswordHasher, PasswordVerifier, SaltString, rand_core::OsRng,
};
use vesontio_types::Secret;

/// Bits of entropy a password must reach. 12 characters from all four
/// classes (log2(94) × 12 ≈ 78.7) is the CNIL's own example of an
/// acceptable password, so the bar sits just below 80.
pub const MIN_BITS: f64 = 78.0;

/// Why a password is refused, with advice on choosing a better one.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{reason} {advice}")]
pub struct Weakness {
    pub reason: String,
    pub advice: &'static str,
}

const ADVICE: &str = "Choose at least 12 characters mixing upper case, lower case, digits and special characters, \
     or at least 14 characters of upper case, lower case and digits, or a passphrase of several unrelated words \
     (e.g. 5 words, 20+ characters). Avoid names, dates and repeated sequences (CNIL recommendation 2022-100).";

/// Estimated entropy in bits: length × log2(size of the alphabet the
/// character classes used imply), after discounting runs and sequences.
pub fn entropy_bits(pw: &str) -> f64 {
    let mut pool = 0u32;
    let has = |f: fn(&char) -> bool| pw.chars().any(|c| f(&c));
    if has(|c| c.is_ascii_lowercase()) {
        pool += 26;
    }
    if has(|c| c.is_ascii_uppercase()) {
        pool += 26;
    }
    if has(|c| c.is_ascii_digit()) {
        pool += 10;
    }
    if has(|c| c.is_ascii_punctuation() || *c == ' ') {
        pool += 33;
    }
    if has(|c| !c.is_ascii()) {
        pool += 40;
    }
    if pool == 0 {
        return 0.0;
    }
    // A character equal to the previous one, or following it in sequence
    // (abc, 123, cba), adds almost nothing.
    let chars: Vec<char> = pw.chars().collect();
    let mut effective = 0.0;
    for (i, c) in chars.iter().enumerate() {
        let weak = i > 0 && {
            let p = chars[i - 1] as i64;
            let d = *c as i64 - p;
            d == 0 || d == 1 || d == -1
        };
        effective += if weak { 0.25 } else { 1.0 };
    }
    effective * (pool as f64).log2()
}

/// Refuses passwords below [`MIN_BITS`] or containing the account's own
/// name or address.
pub fn check_strength(pw: &str, address: &str, display_name: &str) -> Result<(), Weakness> {
    let lower = pw.to_lowercase();
    let local = address.split('@').next().unwrap_or("");
    let mut name_parts: Vec<String> = local.split(['.', '-', '_']).map(str::to_string).collect();
    name_parts.extend(display_name.split_whitespace().map(crate::address::fold));
    if let Some(p) = name_parts
        .iter()
        .find(|p| p.len() >= 3 && lower.contains(p.as_str()))
    {
        return Err(Weakness {
            reason: format!("The password contains part of your name ({p})."),
            advice: ADVICE,
        });
    }
    if pw.chars().count() < 8 {
        return Err(Weakness {
            reason: format!(
                "The password is too short ({} characters).",
                pw.chars().count()
            ),
            advice: ADVICE,
        });
    }
    let bits = entropy_bits(pw);
    if bits < MIN_BITS {
        return Err(Weakness {
            reason: format!(
                "The password is too easy to guess (about {bits:.0} bits, {MIN_BITS:.0} needed)."
            ),
            advice: ADVICE,
        });
    }
    Ok(())
}

/// argon2id with the crate's defaults (RFC 9106 second recommended set).
pub fn hash(pw: &Secret<String>) -> Result<String, argon2::password_hash::Error> {
    let salt = SaltString::generate(&mut OsRng);
    Ok(Argon2::default()
        .hash_password(pw.expose().as_bytes(), &salt)?
        .to_string())
}

/// argon2id with the smallest costs argon2 allows (8 KiB, one pass), for
/// tests that create many accounts: the PHC string carries its costs, so
/// verifying it is as cheap. Never for real accounts.
#[doc(hidden)]
pub fn hash_for_tests(pw: &Secret<String>) -> Result<String, argon2::password_hash::Error> {
    let params = argon2::Params::new(8, 1, 1, None)?;
    let a = Argon2::new(argon2::Algorithm::Argon2id, argon2::Version::V0x13, params);
    let salt = SaltString::generate(&mut OsRng);
    Ok(a.hash_password(pw.expose().as_bytes(), &salt)?.to_string())
}

/// A hash of nothing, verified when the account does not exist so that the
/// answer takes as long as for a wrong password.
fn dummy_hash() -> &'static str {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DUMMY.get_or_init(|| hash(&Secret::new("no such account".into())).unwrap_or_default())
}

pub fn verify(pw: &Secret<String>, phc: Option<&str>) -> bool {
    let (phc, real) = match phc {
        Some(h) => (h, true),
        None => (dummy_hash(), false),
    };
    let Ok(parsed) = PasswordHash::new(phc) else {
        return false;
    };
    Argon2::default()
        .verify_password(pw.expose().as_bytes(), &parsed)
        .is_ok()
        && real
}

/// Hashing costs tens of milliseconds of CPU: keep it off the async workers.
pub async fn hash_blocking(pw: Secret<String>) -> Result<String, argon2::password_hash::Error> {
    tokio::task::spawn_blocking(move || hash(&pw))
        .await
        .unwrap_or(Err(argon2::password_hash::Error::Crypto))
}

pub async fn verify_blocking(pw: Secret<String>, phc: Option<String>) -> bool {
    tokio::task::spawn_blocking(move || verify(&pw, phc.as_deref()))
        .await
        .unwrap_or(false)
}
