//! R26 initial passwords: random, shown once, changed at first login.

use rand::Rng;
use vesontio_directory::password;
use vesontio_types::Secret;

/// No look-alike characters (0/O, 1/l/I): the password is read from a
/// screen or paper and typed.
const ALPHABET: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789-_!%";

/// A random 16-character password that passes the strength rule.
pub fn generate_password() -> Secret<String> {
    let mut rng = rand::thread_rng();
    loop {
        let pw: String = (0..16)
            .map(|_| ALPHABET[rng.gen_range(0..ALPHABET.len())] as char)
            .collect();
        if password::entropy_bits(&pw) >= password::MIN_BITS {
            return Secret::new(pw);
        }
    }
}
