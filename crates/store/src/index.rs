//! A mailbox's messages as an IMAP session's view needs them: UIDs and
//! flags, nothing else (SELECT, EXAMINE, `SEARCH ALL`, flag-only searches).
//!
//! Reading them as full rows (`Store::messages`) cost SELECT 9.8 ms on a
//! 5,000-message mailbox against Dovecot's 0.7 (docs/status.md): one
//! decoded row of eighteen columns per message. Here the whole mailbox is
//! one aggregated text (`uid * 32 + flag bits`, comma-separated) built by
//! the database from the covering index `messages_view` (schema v19), plus
//! one row per message that has keywords (few do), in one statement, so
//! one snapshot.
//!
//! Invariants
//! - [`MailboxIndex::uids`] is ascending and `bits[i]` belongs to `uids[i]`.
//! - Bits follow [`crate::flagcols::SYSTEM`]: `\Seen` 1, `\Answered` 2,
//!   `\Flagged` 4, `\Deleted` 8, `\Draft` 16.

use crate::sql;
use vesontio_types::{MailboxId, ModSeq, Uid};

use crate::Store;
use crate::error::{Result, StoreError};
use crate::flagcols::SYSTEM;
use crate::messages::split_flags;

/// `\Seen` in [`MailboxIndex::bits`].
pub const SEEN_BIT: u8 = 1;
/// `\Deleted` in [`MailboxIndex::bits`].
pub const DELETED_BIT: u8 = 8;

/// The UIDs and flags of one mailbox, compactly (one `u32` and one byte
/// per message, keywords apart).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MailboxIndex {
    /// UIDs, ascending.
    pub uids: Vec<Uid>,
    /// The owner's system flags of `uids[i]`, as bits.
    pub bits: Vec<u8>,
    /// The messages that have keywords, ascending by UID, with them.
    pub keywords: Vec<(Uid, Vec<String>)>,
}

impl MailboxIndex {
    /// The keywords of `uid` (none for most messages).
    pub fn keywords_of(&self, uid: Uid) -> &[String] {
        match self.keywords.binary_search_by_key(&uid, |k| k.0) {
            Ok(i) => &self.keywords[i].1,
            Err(_) => &[],
        }
    }

    /// The flags of the `i`-th message as [`crate::MessageMeta::flags`]
    /// holds them: system flags first, then keywords.
    pub fn flags(&self, i: usize) -> Vec<String> {
        flags_of(self.bits[i], self.keywords_of(self.uids[i]))
    }
}

/// System flags as bits (unknown and keyword flags are ignored).
pub fn bits_of(flags: &[String]) -> u8 {
    flags.iter().fold(0, |acc, f| {
        match SYSTEM.iter().position(|s| s.eq_ignore_ascii_case(f)) {
            Some(i) => acc | (1 << i),
            None => acc,
        }
    })
}

/// Whether `f` is one of the five system flags with a bit.
pub fn is_system_flag(f: &str) -> bool {
    SYSTEM.iter().any(|s| s.eq_ignore_ascii_case(f))
}

/// The flags of `bits` and `keywords`, system flags first in
/// [`SYSTEM`] order.
pub fn flags_of(bits: u8, keywords: &[String]) -> Vec<String> {
    let mut out = Vec::with_capacity(bits.count_ones() as usize + keywords.len());
    for (i, s) in SYSTEM.iter().enumerate() {
        if bits & (1 << i) != 0 {
            out.push((*s).to_string());
        }
    }
    out.extend(keywords.iter().cloned());
    out
}

/// Parses `a,b,c` of decimal numbers.
fn numbers(text: &str) -> Result<Vec<u64>> {
    text.split(',')
        .filter(|p| !p.is_empty())
        .map(|p| {
            p.parse::<u64>()
                .map_err(|_| StoreError::Invalid(format!("bad index entry {p:?}")))
        })
        .collect()
}

impl Store {
    /// The UIDs and flags of every message of `mailbox`
    /// ([`MailboxIndex`]); empty when it has none or does not exist. Kept
    /// for the process while the mailbox's modseq is unchanged
    /// (`index_cache.rs`).
    pub async fn mailbox_index(&self, mailbox: MailboxId) -> Result<MailboxIndex> {
        let cache = &self.inner.index_cache;
        if let Some(modseq) = self.current_modseq(mailbox).await?
            && let Some(hit) = cache.get(mailbox, modseq)
        {
            return Ok((*hit).clone());
        }
        let (index, modseq) = self.read_mailbox_index(mailbox).await?;
        let index = std::sync::Arc::new(index);
        if let Some(m) = modseq {
            cache.put(mailbox, m, index.clone());
        }
        Ok(std::sync::Arc::unwrap_or_clone(index))
    }

    /// The bound of the mailbox indexes kept for the sessions, in UIDs
    /// (`limits.mailbox_index_cache`; 0 keeps none).
    pub fn set_mailbox_index_cache(&self, uids: usize) {
        self.inner.index_cache.set_limit(uids);
    }

    /// HIGHESTMODSEQ of `mailbox`; `None` when it does not exist.
    async fn current_modseq(&self, mailbox: MailboxId) -> Result<Option<ModSeq>> {
        let row: Option<(i64,)> =
            sql::query_as("SELECT highestmodseq FROM mailboxes WHERE id = $1")
                .bind(mailbox.0)
                .fetch_optional(self.r())
                .await?;
        Ok(row.map(|r| r.0 as ModSeq))
    }

    /// The index and the modseq it is the state of, from one statement.
    pub(crate) async fn read_mailbox_index(
        &self,
        mailbox: MailboxId,
    ) -> Result<(MailboxIndex, Option<ModSeq>)> {
        // `string_agg` is SQLite's (3.44+) and PostgreSQL's; the order is
        // restored below, as neither promises one without ORDER BY.
        let rows = sql::query(
            "SELECT CAST(0 AS BIGINT) AS kind, CAST(0 AS BIGINT) AS uid, \
               string_agg(CAST(uid * 32 + seen + 2 * answered + 4 * flagged + 8 * deleted \
               + 16 * draft AS TEXT), ',') AS v FROM messages WHERE mailbox_id = $1 \
             UNION ALL SELECT CAST(1 AS BIGINT), uid, keywords FROM messages \
               WHERE mailbox_id = $1 AND keywords <> '' \
             UNION ALL SELECT CAST(2 AS BIGINT), highestmodseq, NULL FROM mailboxes WHERE id = $1",
        )
        .bind(mailbox.0)
        .fetch_all(self.r().heavy())
        .await?;
        let mut out = MailboxIndex::default();
        let mut entries: Vec<u64> = Vec::new();
        let mut modseq = None;
        for r in &rows {
            let text: Option<String> = r.try_get(2)?;
            match r.try_get::<i64, _>(0)? {
                0 => entries = numbers(text.as_deref().unwrap_or(""))?,
                2 => modseq = Some(r.try_get::<i64, _>(1)? as ModSeq),
                _ => out.keywords.push((
                    r.try_get::<i64, _>(1)? as Uid,
                    split_flags(text.as_deref().unwrap_or("")),
                )),
            }
        }
        entries.sort_unstable();
        out.uids = entries.iter().map(|e| (e >> 5) as Uid).collect();
        out.bits = entries.iter().map(|e| (e & 31) as u8).collect();
        out.keywords.sort_unstable_by_key(|k| k.0);
        Ok((out, modseq))
    }

    /// The UIDs of `mailbox`, ascending, from the `(mailbox_id, uid)` index
    /// alone (`SEARCH ALL` and searches by UID or number).
    pub async fn uids(&self, mailbox: MailboxId) -> Result<Vec<Uid>> {
        if let Some(modseq) = self.current_modseq(mailbox).await?
            && let Some(hit) = self.inner.index_cache.get(mailbox, modseq)
        {
            return Ok(hit.uids.clone());
        }
        let row: Option<(Option<String>,)> = sql::query_as(
            "SELECT string_agg(CAST(uid AS TEXT), ',') FROM messages WHERE mailbox_id = $1",
        )
        .bind(mailbox.0)
        .fetch_optional(self.r())
        .await?;
        let text = row.and_then(|r| r.0).unwrap_or_default();
        let mut uids: Vec<Uid> = numbers(&text)?.into_iter().map(|u| u as Uid).collect();
        uids.sort_unstable();
        Ok(uids)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn bits_follow_the_system_order() {
        let f = vec!["\\Deleted".to_string(), "\\seen".into(), "$Junk".into()];
        assert_eq!(bits_of(&f), SEEN_BIT | DELETED_BIT);
        assert_eq!(
            flags_of(bits_of(&f), &["$Junk".to_string()]),
            vec!["\\Seen", "\\Deleted", "$Junk"]
        );
        assert_eq!(flags_of(31, &[]).len(), 5);
        assert!(is_system_flag("\\DRAFT") && !is_system_flag("\\Recent"));
    }

    #[test]
    fn numbers_refuse_garbage() {
        assert_eq!(numbers("").unwrap(), Vec::<u64>::new());
        assert_eq!(numbers("3,1,2").unwrap(), vec![3, 1, 2]);
        assert!(numbers("1,x").is_err());
    }
}
