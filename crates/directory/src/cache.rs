//! A cache of recent successful logins, so that a client that logs in
//! again and again (phones polling POP3/IMAP every few minutes, many
//! connections of one desktop client) does not pay argon2id each time —
//! the same idea as Dovecot's auth cache.
//!
//! What is kept per address: the stored PHC string (so a password change
//! invalidates the entry) and a keyed SHA-256 of the password with a random
//! per-process key. Failures are never cached, so the failure limits apply
//! in full. Entries expire after `ttl`.

use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};
use vesontio_types::Secret;

/// Most addresses kept; beyond, the cache starts over (memory stays bounded).
const MAX_ENTRIES: usize = 200_000;

struct Entry {
    phc: String,
    verifier: [u8; 32],
    expires: Instant,
}

pub(crate) struct AuthCache {
    key: [u8; 32],
    ttl: Duration,
    map: Mutex<HashMap<String, Entry>>,
}

impl AuthCache {
    pub(crate) fn new(ttl: Duration) -> Self {
        use rand::RngCore;
        let mut key = [0u8; 32];
        rand::thread_rng().fill_bytes(&mut key);
        AuthCache {
            key,
            ttl,
            map: Mutex::new(HashMap::new()),
        }
    }

    fn verifier(&self, pw: &Secret<String>) -> [u8; 32] {
        let mut h = Sha256::new();
        h.update(self.key);
        h.update(pw.expose().as_bytes());
        h.finalize().into()
    }

    /// True if `pw` is the password that last succeeded for `address` with
    /// this same stored hash, within the TTL.
    pub(crate) fn check(&self, address: &str, phc: &str, pw: &Secret<String>) -> bool {
        if self.ttl.is_zero() {
            return false;
        }
        let v = self.verifier(pw);
        let map = match self.map.lock() {
            Ok(m) => m,
            Err(p) => p.into_inner(),
        };
        match map.get(address) {
            // Constant-time enough: both sides are fixed-size digests of a
            // secret key, so timing reveals nothing about the password.
            Some(e) => e.phc == phc && e.expires > Instant::now() && e.verifier == v,
            None => false,
        }
    }

    pub(crate) fn remember(&self, address: &str, phc: &str, pw: &Secret<String>) {
        if self.ttl.is_zero() {
            return;
        }
        let entry = Entry {
            phc: phc.to_string(),
            verifier: self.verifier(pw),
            expires: Instant::now() + self.ttl,
        };
        let mut map = match self.map.lock() {
            Ok(m) => m,
            Err(p) => p.into_inner(),
        };
        if map.len() >= MAX_ENTRIES {
            map.clear();
        }
        map.insert(address.to_string(), entry);
    }
}
