//! Mailbox names as the client sees them. Which folders a person may open,
//! and with which RFC 4314 rights, is the access layer's
//! (`vesontio_access::folders`); this module keeps IMAP's own part, the
//! LIST pattern match.

use vesontio_types::AccountId;

pub(crate) use vesontio_access::Target;
pub(crate) use vesontio_access::folders::{
    DELIM, OWNER_RIGHTS, SHARED_PREFIX, all, resolve, strip_shared,
};

/// The account owning a target (the group for shared folders).
pub(crate) fn owner(t: &Target) -> AccountId {
    t.owner()
}

/// RFC 9051 §6.3.9 LIST pattern match: `*` matches anything, `%` anything
/// but the delimiter. INBOX is matched case-insensitively (§5.1).
pub(crate) fn pattern_match(pattern: &str, name: &str) -> bool {
    fn go(p: &[char], n: &[char]) -> bool {
        match p.first() {
            None => n.is_empty(),
            Some('*') => (0..=n.len()).any(|i| go(&p[1..], &n[i..])),
            Some('%') => {
                for i in 0..=n.len() {
                    if go(&p[1..], &n[i..]) {
                        return true;
                    }
                    if n.get(i) == Some(&DELIM) {
                        return false;
                    }
                }
                false
            }
            Some(c) => n.first() == Some(c) && go(&p[1..], &n[1..]),
        }
    }
    let canon = |s: &str| -> String {
        if let (Some(head), Some(rest)) = (s.get(..5), s.get(5..))
            && head.eq_ignore_ascii_case("INBOX")
            && (rest.is_empty() || rest.starts_with(DELIM))
        {
            return format!("INBOX{rest}");
        }
        s.to_string()
    };
    // Bound the backtracking: names and patterns are short in practice.
    let p: Vec<char> = canon(pattern).chars().take(256).collect();
    let n: Vec<char> = canon(name).chars().take(1024).collect();
    if p.iter().filter(|c| matches!(c, '*' | '%')).count() > 8 {
        return false;
    }
    go(&p, &n)
}
