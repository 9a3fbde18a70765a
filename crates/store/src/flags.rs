//! Flags: STORE (RFC 9051 §6.4.6) with UNCHANGEDSINCE (RFC 7162 §3.1.3),
//! and the per-reader `\Seen` of functional mailboxes (R2).

use crate::sql;
use std::collections::HashMap;

use vesontio_types::{AccountId, MailboxId, ModSeq, Uid};

use crate::batch::{CHUNK, Script, placeholders};
use crate::error::{Result, StoreError};
use crate::flagcols::FlagCols;
use crate::ingest::ChangeKind;
use crate::{Change, FlagOp, FlagsUpdate, Store};

/// The flags `op` makes of `cur`.
fn apply(op: FlagOp, cur: &[String], flags: &[String]) -> Vec<String> {
    match op {
        FlagOp::Replace => flags.to_vec(),
        FlagOp::Add => {
            let mut v = cur.to_vec();
            for f in flags {
                if !v.iter().any(|x| x.eq_ignore_ascii_case(f)) {
                    v.push(f.clone());
                }
            }
            v
        }
        FlagOp::Remove => cur
            .iter()
            .filter(|x| !flags.iter().any(|f| f.eq_ignore_ascii_case(x)))
            .cloned()
            .collect(),
    }
}

impl Store {
    /// Changes flags (RFC 9051 §6.4.6) with an optional UNCHANGEDSINCE
    /// (RFC 7162 §3.1.3). Messages whose flags do not change keep their
    /// modseq; the changed ones share one new modseq.
    pub async fn store_flags(
        &self,
        mailbox: MailboxId,
        uids: &[Uid],
        op: FlagOp,
        flags: &[String],
        unchanged_since: Option<ModSeq>,
    ) -> Result<FlagsUpdate> {
        let mut out = FlagsUpdate::default();
        if uids.is_empty() {
            return Ok(out);
        }
        let mut tx = self.begin_fast().await?;
        // The account row lock (the change log's next number), then the
        // mailbox row lock and the new modseq (lock order: account,
        // mailbox, messages), then the current flags. Rolled back if
        // nothing changes.
        let (account, seq) = crate::ingest::next_seq_of_mailbox(&mut tx, mailbox.0)
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("mailbox {}", mailbox.0)))?;
        let mut sc = Script::default();
        let mb = sc.int(mailbox.0);
        sc.push(format!(
            "UPDATE mailboxes SET highestmodseq = highestmodseq + 1 WHERE id = {mb} \
             RETURNING CAST(-1 AS BIGINT), 0, 0, 0, 0, 0, '', highestmodseq, 0"
        ));
        for chunk in uids.chunks(CHUNK) {
            let list = sc.ints(chunk.iter().map(|&u| u as i64));
            sc.push(format!(
                "SELECT uid, seen, answered, flagged, deleted, draft, keywords, modseq, email_id \
                 FROM messages WHERE mailbox_id = {mb} AND uid IN ({list})"
            ));
        }
        let mut bumped = None;
        let mut current: HashMap<Uid, (FlagCols, i64, i64)> = HashMap::with_capacity(uids.len());
        for r in sc.run(&mut tx, self.dialect()).await? {
            let first: i64 = r.try_get(0)?;
            if first < 0 {
                bumped = Some(r.try_get::<i64, _>(7)? as ModSeq);
            } else {
                let email: Option<i64> = r.try_get(8)?;
                current.insert(
                    first as Uid,
                    (FlagCols::from_row(&r)?, r.try_get(7)?, email.unwrap_or(0)),
                );
            }
        }
        let ms = bumped.ok_or_else(|| StoreError::NotFound(format!("mailbox {}", mailbox.0)))?;
        // The new flags of each changed message, and what the counts gain.
        let mut writes: Vec<(Uid, FlagCols)> = Vec::new();
        let mut log = Vec::new();
        let (mut d_unseen, mut d_deleted) = (0i64, 0i64);
        for &uid in uids {
            let Some((cur, modseq, email)) = current.get(&uid) else {
                continue;
            };
            if let Some(limit) = unchanged_since
                && *modseq as u64 > limit
            {
                out.modified.push(uid);
                continue;
            }
            let cur_flags = cur.flags();
            let next = FlagCols::of(&apply(op, &cur_flags, flags));
            if next == *cur && unchanged_since.is_none() {
                out.current.push((uid, cur_flags, *modseq as ModSeq));
                continue;
            }
            d_unseen += cur.seen() as i64 - next.seen() as i64;
            d_deleted += next.deleted() as i64 - cur.deleted() as i64;
            let next_flags = next.flags();
            writes.push((uid, next));
            log.push((ChangeKind::Flags, *email, mailbox.0));
            out.current.push((uid, next_flags.clone(), ms));
            out.updated.push((uid, next_flags, ms));
        }
        if out.updated.is_empty() {
            tx.rollback().await?;
            return Ok(out);
        }
        // One statement per chunk, whatever the mix of resulting flags:
        // each column is a CASE on the UID (placeholders reused by number).
        const PER_ROW: usize = 7;
        for chunk in writes.chunks(CHUNK / PER_ROW) {
            let uid_at = |i: usize| 3 + PER_ROW * i;
            let case = |col: usize| -> String {
                let whens: Vec<String> = (0..chunk.len())
                    .map(|i| format!("WHEN ${} THEN ${}", uid_at(i), uid_at(i) + 1 + col))
                    .collect();
                format!("CASE uid {} END", whens.join(" "))
            };
            let sets: Vec<String> = [
                "seen", "answered", "flagged", "deleted", "draft", "keywords",
            ]
            .iter()
            .enumerate()
            .map(|(c, name)| format!("{name} = {}", case(c)))
            .collect();
            let list: Vec<String> = (0..chunk.len())
                .map(|i| format!("${}", uid_at(i)))
                .collect();
            let sql = q!(
                "UPDATE messages SET modseq = $1, {} WHERE mailbox_id = $2 AND uid IN ({})",
                sets.join(", "),
                list.join(", ")
            );
            let mut query = sql::query(sql).bind(ms as i64).bind(mailbox.0);
            for (u, fc) in chunk {
                query = query.bind(*u as i64);
                for b in fc.system {
                    query = query.bind(b as i64);
                }
                query = query.bind(fc.keywords.as_str());
            }
            query.execute(&mut *tx).await?;
        }
        if d_unseen != 0 || d_deleted != 0 {
            sql::query(
                "UPDATE mailboxes SET unseen = unseen + $1, deleted = deleted + $2 WHERE id = $3",
            )
            .bind(d_unseen)
            .bind(d_deleted)
            .bind(mailbox.0)
            .execute(&mut *tx)
            .await?;
        }
        crate::ingest::record_changes(&mut tx, account, seq, &log, crate::now()).await?;
        let change = Change {
            account_id: AccountId(account),
            mailbox_id: mailbox,
            modseq: ms,
            seq,
        };
        let changes = self.announce(&mut tx, vec![change]).await?;
        tx.commit().await?;
        self.published(changes);
        Ok(out)
    }

    /// Sets or clears one reader's `\Seen` on messages of a functional
    /// mailbox (R2: each member has their own), keeping the member's count
    /// of seen messages (`shared_counts`, schema v19) in the same
    /// transaction. Only messages that exist get a mark; the mailbox row
    /// is locked first (the lock EXPUNGE takes after the account's), so an
    /// expunge either sees the marks committed or removes the messages
    /// before they are marked: the count never includes a message gone.
    pub async fn set_shared_seen(
        &self,
        mailbox: MailboxId,
        reader: AccountId,
        uids: &[Uid],
        seen: bool,
    ) -> Result<()> {
        let mut tx = self.begin_fast().await?;
        sql::query("UPDATE mailboxes SET uidnext = uidnext WHERE id = $1")
            .bind(mailbox.0)
            .execute(&mut *tx)
            .await?;
        let mut changed: i64 = 0;
        for chunk in uids.chunks(CHUNK) {
            let sql = if seen {
                q!(
                    "INSERT INTO shared_seen (mailbox_id, uid, account_id) \
                     SELECT mailbox_id, uid, $2 FROM messages WHERE mailbox_id = $1 AND uid IN ({}) \
                     ON CONFLICT DO NOTHING",
                    placeholders(3, chunk.len())
                )
            } else {
                q!(
                    "DELETE FROM shared_seen WHERE mailbox_id = $1 AND account_id = $2 AND uid IN ({})",
                    placeholders(3, chunk.len())
                )
            };
            let mut query = sql::query(sql).bind(mailbox.0).bind(reader.0);
            for &u in chunk {
                query = query.bind(u as i64);
            }
            changed += query.execute(&mut *tx).await?.rows_affected() as i64;
        }
        if changed != 0 {
            let delta = if seen { changed } else { -changed };
            sql::query(
                "INSERT INTO shared_counts (mailbox_id, account_id, seen) VALUES ($1, $2, $3) \
                 ON CONFLICT (mailbox_id, account_id) DO UPDATE SET seen = shared_counts.seen + $3",
            )
            .bind(mailbox.0)
            .bind(reader.0)
            .bind(delta)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// R2: how many messages of a functional mailbox `reader` has not
    /// seen, from the kept counts (the mailbox's total less the member's
    /// seen count), without reading a message row.
    pub async fn shared_unseen(&self, mailbox: MailboxId, reader: AccountId) -> Result<u32> {
        let row: Option<(i64, i64)> = sql::query_as(
            "SELECT b.total, COALESCE((SELECT c.seen FROM shared_counts c \
               WHERE c.mailbox_id = b.id AND c.account_id = $2), 0) \
             FROM mailboxes b WHERE b.id = $1",
        )
        .bind(mailbox.0)
        .bind(reader.0)
        .fetch_optional(self.r())
        .await?;
        Ok(row.map_or(0, |(total, seen)| (total - seen).max(0) as u32))
    }

    /// [`Store::shared_unseen`] recounted from the marks and the rows:
    /// equal to it whenever the store is consistent (tests).
    pub async fn recount_shared_unseen(
        &self,
        mailbox: MailboxId,
        reader: AccountId,
    ) -> Result<u32> {
        let row: (i64,) = sql::query_as(
            "SELECT COUNT(*) FROM messages m WHERE m.mailbox_id = $1 AND NOT EXISTS \
             (SELECT 1 FROM shared_seen s WHERE s.mailbox_id = m.mailbox_id AND s.uid = m.uid \
              AND s.account_id = $2)",
        )
        .bind(mailbox.0)
        .bind(reader.0)
        .fetch_one(self.r())
        .await?;
        Ok(row.0.max(0) as u32)
    }
}
