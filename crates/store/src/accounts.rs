//! Domains, accounts, functional-mailbox memberships (R2) and lists (R3).

use crate::sql;
use crate::sql::Row;
use vesontio_types::{AccountId, AccountKind, AccountStatus, UnixTime};

use crate::Store;
use crate::error::{Result, StoreError};
use crate::model::*;

const ACCOUNT_COLS: &str = "id, address, kind, display_name, password_hash, must_change_password, status, \
     departure_at, departure_warned, manager, quota_bytes, bytes_used, quota_warned, last_read_at, \
     created_at, forward_to, forward_keep_copy, forward_since";

pub(crate) fn account_from_row(r: &Row) -> Result<Account> {
    let kind: String = r.try_get("kind")?;
    let status: String = r.try_get("status")?;
    Ok(Account {
        id: AccountId(r.try_get("id")?),
        address: r.try_get("address")?,
        kind: AccountKind::parse(&kind)
            .ok_or_else(|| StoreError::Invalid(format!("account kind {kind:?}")))?,
        display_name: r.try_get("display_name")?,
        password_hash: r.try_get("password_hash")?,
        must_change_password: r.try_get::<i64, _>("must_change_password")? != 0,
        status: AccountStatus::parse(&status)
            .ok_or_else(|| StoreError::Invalid(format!("account status {status:?}")))?,
        departure_at: r.try_get("departure_at")?,
        // 0 in the column means "not warned" (schema v1 stored a flag).
        departure_warned_at: Some(r.try_get::<i64, _>("departure_warned")?).filter(|t| *t != 0),
        manager: r.try_get("manager")?,
        quota_bytes: r.try_get("quota_bytes")?,
        bytes_used: r.try_get("bytes_used")?,
        quota_warned: r.try_get::<i64, _>("quota_warned")? != 0,
        last_read_at: r.try_get("last_read_at")?,
        created_at: r.try_get("created_at")?,
        forward_to: r.try_get("forward_to")?,
        forward_keep_copy: r.try_get::<i64, _>("forward_keep_copy")? != 0,
        forward_since: r.try_get("forward_since")?,
    })
}

/// `s` with LIKE's wildcards and the escape character itself escaped.
fn like_escape(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_")
}

impl Store {
    pub async fn add_domain(&self, name: &str) -> Result<()> {
        sql::query("INSERT INTO domains (name) VALUES ($1) ON CONFLICT (name) DO NOTHING")
            .bind(name.to_lowercase())
            .execute(self.w())
            .await?;
        Ok(())
    }

    pub async fn domains(&self) -> Result<Vec<String>> {
        let rows: Vec<(String,)> = sql::query_as("SELECT name FROM domains ORDER BY name")
            .fetch_all(self.r())
            .await?;
        Ok(rows.into_iter().map(|r| r.0).collect())
    }

    pub async fn is_local_domain(&self, name: &str) -> Result<bool> {
        let row: Option<(String,)> = sql::query_as("SELECT name FROM domains WHERE name = $1")
            .bind(name.to_lowercase())
            .fetch_optional(self.r())
            .await?;
        Ok(row.is_some())
    }

    /// Creates an account and, for persons and functional mailboxes, its
    /// default folders (INBOX, Sent, Drafts, Trash, Junk, Archive).
    pub async fn create_account(&self, new: NewAccount) -> Result<Account> {
        let address = new.address.to_lowercase();
        let mut tx = self.begin_durable().await?;
        let res = sql::query(
            "INSERT INTO accounts (address, kind, display_name, password_hash, must_change_password, \
             manager, quota_bytes, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
        )
        .bind(&address)
        .bind(new.kind.as_str())
        .bind(&new.display_name)
        .bind(new.password_hash.clone())
        .bind(new.must_change_password as i64)
        .bind(new.manager.clone())
        .bind(new.quota_bytes)
        .bind(new.created_at)
        .fetch_one(&mut *tx)
        .await;
        let id: i64 = match res {
            Ok(row) => row.try_get(0)?,
            Err(e) if e.is_unique_violation() => {
                return Err(StoreError::AlreadyExists(address));
            }
            Err(e) => return Err(e.into()),
        };
        if new.kind != AccountKind::List {
            for (name, special) in DEFAULT_MAILBOXES {
                sql::query(
                    "INSERT INTO mailboxes (account_id, name, special_use) VALUES ($1, $2, $3)",
                )
                .bind(id)
                .bind(*name)
                .bind(special.map(str::to_string))
                .execute(&mut *tx)
                .await?;
                // The system folders start subscribed, so clients that
                // show only subscribed folders show them.
                sql::query("INSERT INTO subscriptions (account_id, name) VALUES ($1, $2)")
                    .bind(id)
                    .bind(*name)
                    .execute(&mut *tx)
                    .await?;
            }
        }
        let acc = fetch_account(&mut tx, AccountId(id)).await?;
        tx.commit().await?;
        Ok(acc)
    }

    pub async fn account(&self, id: AccountId) -> Result<Option<Account>> {
        let row = sql::query(q!("SELECT {ACCOUNT_COLS} FROM accounts WHERE id = $1"))
            .bind(id.0)
            .fetch_optional(self.r())
            .await?;
        row.as_ref().map(account_from_row).transpose()
    }

    /// Looks an address up, case-insensitively.
    pub async fn account_by_address(&self, address: &str) -> Result<Option<Account>> {
        let row = sql::query(q!("SELECT {ACCOUNT_COLS} FROM accounts WHERE address = $1"))
            .bind(address.to_lowercase())
            .fetch_optional(self.r())
            .await?;
        row.as_ref().map(account_from_row).transpose()
    }

    /// The display names of every account that has one (R25's staff
    /// names: the phishing checks warn when mail from outside takes one).
    /// One narrow column, so 20,000 accounts are a few hundred kilobytes.
    pub async fn display_names(&self) -> Result<Vec<String>> {
        let rows: Vec<(String,)> =
            sql::query_as("SELECT display_name FROM accounts WHERE display_name <> ''")
                .fetch_all(self.r())
                .await?;
        Ok(rows.into_iter().map(|r| r.0).collect())
    }

    /// Every account, optionally of one kind, ordered by address.
    pub async fn list_accounts(&self, kind: Option<AccountKind>) -> Result<Vec<Account>> {
        let rows = match kind {
            Some(k) => {
                sql::query(q!(
                    "SELECT {ACCOUNT_COLS} FROM accounts WHERE kind = $1 ORDER BY address"
                ))
                .bind(k.as_str())
                .fetch_all(self.r())
                .await?
            }
            None => {
                sql::query(q!("SELECT {ACCOUNT_COLS} FROM accounts ORDER BY address"))
                    .fetch_all(self.r())
                    .await?
            }
        };
        rows.iter().map(account_from_row).collect()
    }

    /// One page of accounts for the administration console, ordered by
    /// address: those after `after` (keyset paging, so a page stays right
    /// while accounts are created or deleted), of `kind` if given, whose
    /// address or display name contains `search` (case-insensitive; ASCII
    /// case only on SQLite), at most `limit`.
    pub async fn search_accounts(
        &self,
        search: Option<&str>,
        kind: Option<AccountKind>,
        after: Option<&str>,
        limit: u32,
    ) -> Result<Vec<Account>> {
        let pattern = match search.map(str::trim).filter(|s| !s.is_empty()) {
            Some(s) => format!("%{}%", like_escape(&s.to_lowercase())),
            None => String::new(),
        };
        let rows = sql::query(q!(
            "SELECT {ACCOUNT_COLS} FROM accounts WHERE address > $1 \
             AND ($2 = '' OR kind = $2) \
             AND ($3 = '' OR address LIKE $3 ESCAPE '\\' OR LOWER(display_name) LIKE $3 ESCAPE '\\') \
             ORDER BY address LIMIT $4"
        ))
        .bind(after.unwrap_or("").to_lowercase())
        .bind(kind.map(|k| k.as_str()).unwrap_or(""))
        .bind(pattern)
        .bind(i64::from(limit))
        .fetch_all(self.r())
        .await?;
        rows.iter().map(account_from_row).collect()
    }

    /// Addresses starting with `prefix` (homonym detection for R1).
    pub async fn addresses_with_prefix(&self, prefix: &str) -> Result<Vec<String>> {
        let escaped = like_escape(&prefix.to_lowercase());
        let rows: Vec<(String,)> =
            sql::query_as("SELECT address FROM accounts WHERE address LIKE $1 ESCAPE '\\'")
                .bind(format!("{escaped}%"))
                .fetch_all(self.r())
                .await?;
        Ok(rows.into_iter().map(|r| r.0).collect())
    }

    pub async fn update_account(&self, id: AccountId, u: AccountUpdate) -> Result<Account> {
        let mut tx = self.begin_fast().await?;
        let cur = fetch_account(&mut tx, id).await?;
        let quota = u.quota_bytes.unwrap_or(cur.quota_bytes);
        if quota < 0 {
            return Err(StoreError::Invalid("quota must not be negative".into()));
        }
        sql::query(
            "UPDATE accounts SET display_name = $1, password_hash = $2, must_change_password = $3, status = $4, \
             departure_at = $5, departure_warned = $6, manager = $7, quota_bytes = $8, quota_warned = $9, \
             forward_to = $10, forward_keep_copy = $11, forward_since = $12 WHERE id = $13",
        )
        .bind(u.display_name.unwrap_or(cur.display_name))
        .bind(u.password_hash.or(cur.password_hash))
        .bind(u.must_change_password.unwrap_or(cur.must_change_password) as i64)
        .bind(u.status.unwrap_or(cur.status).as_str())
        .bind(u.departure_at.unwrap_or(cur.departure_at))
        .bind(u.departure_warned_at.unwrap_or(cur.departure_warned_at).unwrap_or(0))
        .bind(u.manager.unwrap_or(cur.manager))
        .bind(quota)
        .bind(u.quota_warned.unwrap_or(cur.quota_warned) as i64)
        .bind(u.forward_to.unwrap_or(cur.forward_to))
        .bind(u.forward_keep_copy.unwrap_or(cur.forward_keep_copy) as i64)
        .bind(u.forward_since.unwrap_or(cur.forward_since))
        .bind(id.0)
        .execute(&mut *tx)
        .await?;
        let acc = fetch_account(&mut tx, id).await?;
        tx.commit().await?;
        Ok(acc)
    }

    /// Deletes an account, its mailboxes and messages, and releases the
    /// blobs only it referenced.
    pub async fn delete_account(&self, id: AccountId) -> Result<()> {
        let mut tx = self.begin_durable().await?;
        let blobs: Vec<(String,)> = sql::query_as(
            "SELECT m.blob_id FROM messages m JOIN mailboxes b ON b.id = m.mailbox_id WHERE b.account_id = $1",
        )
        .bind(id.0)
        .fetch_all(&mut *tx)
        .await?;
        // R21: the account's large files go with it (rows by cascade),
        // their blob references and partial uploads too.
        let files: Vec<(i64, Option<String>)> =
            sql::query_as("SELECT id, blob_id FROM shared_files WHERE account_id = $1")
                .bind(id.0)
                .fetch_all(&mut *tx)
                .await?;
        let n = sql::query("DELETE FROM accounts WHERE id = $1")
            .bind(id.0)
            .execute(&mut *tx)
            .await?;
        if n.rows_affected() == 0 {
            return Err(StoreError::NotFound(format!("account {}", id.0)));
        }
        let file_blobs = files.iter().filter_map(|f| f.1.clone());
        crate::expunge::release_blobs(
            &mut tx,
            self.dialect(),
            blobs.into_iter().map(|b| b.0).chain(file_blobs),
        )
        .await?;
        tx.commit().await?;
        let uploads: Vec<i64> = files.iter().map(|f| f.0).collect();
        self.remove_partial_uploads(&uploads).await;
        Ok(())
    }

    /// R13: someone read received messages of this account.
    pub async fn touch_last_read(&self, id: AccountId, now: UnixTime) -> Result<()> {
        // Coarse (one write a minute at most): reading must not turn into a
        // stream of writes. This process remembers its own recent marks, so
        // a busy reader does not even queue for the writer.
        {
            let mut marks = match self.inner.read_marks.lock() {
                Ok(m) => m,
                Err(p) => p.into_inner(),
            };
            if marks.get(&id.0).is_some_and(|t| now - t < 60 && now >= *t) {
                return Ok(());
            }
            if marks.len() >= 100_000 {
                marks.clear();
            }
            marks.insert(id.0, now);
        }
        sql::query("UPDATE accounts SET last_read_at = $1 WHERE id = $2 AND (last_read_at IS NULL OR last_read_at < $3)")
            .bind(now)
            .bind(id.0)
            .bind(now - 60)
            .execute(self.w())
            .await?;
        Ok(())
    }

    // ---- R2: functional mailbox members ----

    /// Adds or updates a member of a functional mailbox with RFC 4314 rights.
    pub async fn set_member(
        &self,
        group: AccountId,
        member: AccountId,
        rights: &str,
    ) -> Result<()> {
        sql::query(
            "INSERT INTO memberships (group_id, member_id, rights) VALUES ($1, $2, $3) \
             ON CONFLICT (group_id, member_id) DO UPDATE SET rights = excluded.rights",
        )
        .bind(group.0)
        .bind(member.0)
        .bind(rights)
        .execute(self.w())
        .await?;
        Ok(())
    }

    pub async fn remove_member(&self, group: AccountId, member: AccountId) -> Result<bool> {
        let r = sql::query("DELETE FROM memberships WHERE group_id = $1 AND member_id = $2")
            .bind(group.0)
            .bind(member.0)
            .execute(self.w())
            .await?;
        Ok(r.rows_affected() > 0)
    }

    /// Members of a functional mailbox with their rights.
    pub async fn members(&self, group: AccountId) -> Result<Vec<(Account, String)>> {
        self.membership_query("m.group_id = $1", "m.member_id", group)
            .await
    }

    /// Functional mailboxes `member` belongs to, with their rights.
    pub async fn groups_of(&self, member: AccountId) -> Result<Vec<(Account, String)>> {
        self.membership_query("m.member_id = $1", "m.group_id", member)
            .await
    }

    async fn membership_query(
        &self,
        cond: &str,
        join: &str,
        id: AccountId,
    ) -> Result<Vec<(Account, String)>> {
        let cols = ACCOUNT_COLS
            .split(", ")
            .map(|c| format!("a.{c}"))
            .collect::<Vec<_>>()
            .join(", ");
        let rows = sql::query(q!(
            "SELECT {cols}, m.rights FROM memberships m JOIN accounts a ON a.id = {join} WHERE {cond} ORDER BY a.address"
        ))
        .bind(id.0)
        .fetch_all(self.r())
        .await?;
        rows.iter()
            .map(|r| Ok((account_from_row(r)?, r.try_get("rights")?)))
            .collect()
    }

    // ---- R3: institutional lists ----

    pub async fn add_list_member(&self, list: AccountId, address: &str) -> Result<()> {
        self.list_insert("list_members", list, address).await
    }
    pub async fn remove_list_member(&self, list: AccountId, address: &str) -> Result<bool> {
        self.list_delete("list_members", list, address).await
    }
    pub async fn list_members(&self, list: AccountId) -> Result<Vec<String>> {
        self.list_select("list_members", list).await
    }
    /// R3: explicitly authorised senders of a list.
    pub async fn add_list_sender(&self, list: AccountId, address: &str) -> Result<()> {
        self.list_insert("list_senders", list, address).await
    }
    pub async fn remove_list_sender(&self, list: AccountId, address: &str) -> Result<bool> {
        self.list_delete("list_senders", list, address).await
    }
    pub async fn list_senders(&self, list: AccountId) -> Result<Vec<String>> {
        self.list_select("list_senders", list).await
    }

    async fn list_insert(&self, table: &str, list: AccountId, address: &str) -> Result<()> {
        sql::query(q!(
            "INSERT INTO {table} (list_id, address) VALUES ($1, $2) ON CONFLICT DO NOTHING"
        ))
        .bind(list.0)
        .bind(address.to_lowercase())
        .execute(self.w())
        .await?;
        Ok(())
    }
    async fn list_delete(&self, table: &str, list: AccountId, address: &str) -> Result<bool> {
        let r = sql::query(q!(
            "DELETE FROM {table} WHERE list_id = $1 AND address = $2"
        ))
        .bind(list.0)
        .bind(address.to_lowercase())
        .execute(self.w())
        .await?;
        Ok(r.rows_affected() > 0)
    }
    async fn list_select(&self, table: &str, list: AccountId) -> Result<Vec<String>> {
        let rows: Vec<(String,)> = sql::query_as(q!(
            "SELECT address FROM {table} WHERE list_id = $1 ORDER BY address"
        ))
        .bind(list.0)
        .fetch_all(self.r())
        .await?;
        Ok(rows.into_iter().map(|r| r.0).collect())
    }
}

pub(crate) async fn fetch_account(tx: &mut crate::db::Tx, id: AccountId) -> Result<Account> {
    let row = sql::query(q!("SELECT {ACCOUNT_COLS} FROM accounts WHERE id = $1"))
        .bind(id.0)
        .fetch_optional(&mut **tx)
        .await?
        .ok_or_else(|| StoreError::NotFound(format!("account {}", id.0)))?;
    account_from_row(&row)
}
