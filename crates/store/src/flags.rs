//! Flags: STORE (RFC 9051 §6.4.6) with UNCHANGEDSINCE (RFC 7162 §3.1.3),
//! and the per-reader `\Seen` of functional mailboxes (R2).

use std::collections::HashMap;

use sqlx::Row;
use vesontio_types::{AccountId, MailboxId, ModSeq, Uid};

use crate::batch::{CHUNK, Script, placeholders};
use crate::error::{Result, StoreError};
use crate::messages::{join_flags, split_flags};
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

fn same(a: &[String], b: &[String]) -> bool {
    a.len() == b.len()
        && a.iter()
            .all(|n| b.iter().any(|c| c.eq_ignore_ascii_case(n)))
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
        // The mailbox row lock (lock order: account, mailbox, messages) and
        // the new modseq, then the current flags: one script. Rolled back
        // if nothing changes.
        let mut sc = Script::default();
        let mb = sc.int(mailbox.0);
        sc.push(format!(
            "UPDATE mailboxes SET highestmodseq = highestmodseq + 1 WHERE id = {mb} \
             RETURNING CAST(-1 AS BIGINT), account_id, highestmodseq"
        ));
        for chunk in uids.chunks(CHUNK) {
            let list = sc.ints(chunk.iter().map(|&u| u as i64));
            sc.push(format!(
                "SELECT uid, flags, modseq FROM messages WHERE mailbox_id = {mb} AND uid IN ({list})"
            ));
        }
        let mut bumped = None;
        let mut current: HashMap<Uid, (String, i64)> = HashMap::with_capacity(uids.len());
        for r in sc.run(&mut tx, self.dialect()).await? {
            let first: i64 = r.try_get(0)?;
            if first < 0 {
                bumped = Some((r.try_get::<i64, _>(1)?, r.try_get::<i64, _>(2)? as ModSeq));
            } else {
                current.insert(first as Uid, (r.try_get(1)?, r.try_get(2)?));
            }
        }
        let (account, ms) =
            bumped.ok_or_else(|| StoreError::NotFound(format!("mailbox {}", mailbox.0)))?;
        // The new flag text of each changed message.
        let mut writes: Vec<(Uid, String)> = Vec::new();
        for &uid in uids {
            let Some((cur, modseq)) = current.get(&uid) else {
                continue;
            };
            if let Some(limit) = unchanged_since
                && *modseq as u64 > limit
            {
                out.modified.push(uid);
                continue;
            }
            let cur = split_flags(cur);
            let next = apply(op, &cur, flags);
            if same(&next, &cur) && unchanged_since.is_none() {
                out.current.push((uid, cur, *modseq as ModSeq));
                continue;
            }
            writes.push((uid, join_flags(&next)));
            out.current.push((uid, next.clone(), ms));
            out.updated.push((uid, next, ms));
        }
        if out.updated.is_empty() {
            tx.rollback().await?;
            return Ok(out);
        }
        // One statement per chunk, whatever the mix of resulting flags.
        for chunk in writes.chunks(CHUNK / 2) {
            let cases: Vec<String> = (0..chunk.len())
                .map(|i| format!("WHEN ${} THEN ${}", 3 + 2 * i, 4 + 2 * i))
                .collect();
            let list: Vec<String> = (0..chunk.len())
                .map(|i| format!("${}", 3 + 2 * i))
                .collect();
            let sql = q!(
                "UPDATE messages SET modseq = $1, flags = CASE uid {} END \
                 WHERE mailbox_id = $2 AND uid IN ({})",
                cases.join(" "),
                list.join(", ")
            );
            let mut query = sqlx::query(sql).bind(ms as i64).bind(mailbox.0);
            for (u, text) in chunk {
                query = query.bind(*u as i64).bind(text.as_str());
            }
            query.execute(&mut *tx).await?;
        }
        tx.commit().await?;
        self.notify(Change {
            account_id: AccountId(account),
            mailbox_id: mailbox,
            modseq: ms,
        });
        Ok(out)
    }

    /// Sets or clears one reader's `\Seen` on messages of a functional
    /// mailbox (R2: each member has their own).
    pub async fn set_shared_seen(
        &self,
        mailbox: MailboxId,
        reader: AccountId,
        uids: &[Uid],
        seen: bool,
    ) -> Result<()> {
        let mut tx = self.w().begin().await?;
        for chunk in uids.chunks(CHUNK) {
            let sql = if seen {
                let rows: Vec<String> = (0..chunk.len())
                    .map(|i| format!("($1, ${}, $2)", i + 3))
                    .collect();
                q!(
                    "INSERT INTO shared_seen (mailbox_id, uid, account_id) VALUES {} ON CONFLICT DO NOTHING",
                    rows.join(", ")
                )
            } else {
                q!(
                    "DELETE FROM shared_seen WHERE mailbox_id = $1 AND account_id = $2 AND uid IN ({})",
                    placeholders(3, chunk.len())
                )
            };
            let mut query = sqlx::query(sql).bind(mailbox.0).bind(reader.0);
            for &u in chunk {
                query = query.bind(u as i64);
            }
            query.execute(&mut *tx).await?;
        }
        tx.commit().await?;
        Ok(())
    }
}
