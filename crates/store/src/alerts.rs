//! Security alerts (R8): temporary rules an administrator adds when a
//! campaign hits (a phrase, an attachment extension or type, a sender or
//! its domain), with an expiry. Messages matching an active rule are held
//! in the quarantine (`rule` = `alert:<id>`) until the rule is lifted,
//! then released or deleted in bulk. Rows live in the store so every node
//! applies the same rules (each node's filter stage rereads them every
//! few seconds).

use crate::sql;
use crate::sql::Row;
use serde::Serialize;

use crate::Store;
use crate::error::Result;
use vesontio_types::UnixTime;

/// What an alert rule looks at.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum AlertKind {
    /// A phrase in the subject or the text (case and accents ignored).
    Content,
    /// An attachment's file extension (`iso`, `html`…).
    Extension,
    /// An attachment's MIME type (`application/x-msdownload`), or a prefix
    /// ending in `/` (`application/`).
    ContentType,
    /// The envelope sender or the `From:` address.
    Sender,
    /// The envelope sender's or `From:` domain, or a sub-domain of it.
    SenderDomain,
}

impl AlertKind {
    pub fn as_str(self) -> &'static str {
        match self {
            AlertKind::Content => "content",
            AlertKind::Extension => "extension",
            AlertKind::ContentType => "content-type",
            AlertKind::Sender => "sender",
            AlertKind::SenderDomain => "sender-domain",
        }
    }

    pub fn parse(s: &str) -> Option<AlertKind> {
        [
            AlertKind::Content,
            AlertKind::Extension,
            AlertKind::ContentType,
            AlertKind::Sender,
            AlertKind::SenderDomain,
        ]
        .into_iter()
        .find(|k| k.as_str() == s)
    }
}

/// One alert rule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Alert {
    pub id: i64,
    pub kind: AlertKind,
    /// Stored normalised: lower case; extensions without their dot.
    pub value: String,
    /// Why it was added, for the other administrators.
    pub note: String,
    pub created_at: UnixTime,
    pub created_by: String,
    pub expires_at: UnixTime,
    pub lifted_at: Option<UnixTime>,
}

impl Alert {
    /// In force at `now`: not lifted, not expired.
    pub fn active(&self, now: UnixTime) -> bool {
        self.lifted_at.is_none() && now < self.expires_at
    }

    /// The quarantine rule name of the messages it holds.
    pub fn rule(&self) -> String {
        format!("alert:{}", self.id)
    }
}

#[derive(Debug, Clone)]
pub struct NewAlert {
    pub kind: AlertKind,
    pub value: String,
    pub note: String,
    pub created_at: UnixTime,
    pub created_by: String,
    pub expires_at: UnixTime,
}

fn row_to_alert(r: &Row) -> Result<Alert> {
    let kind: String = r.try_get("kind")?;
    Ok(Alert {
        id: r.try_get("id")?,
        kind: AlertKind::parse(&kind).unwrap_or(AlertKind::Content),
        value: r.try_get("value")?,
        note: r.try_get("note")?,
        created_at: r.try_get("created_at")?,
        created_by: r.try_get("created_by")?,
        expires_at: r.try_get("expires_at")?,
        lifted_at: r.try_get("lifted_at")?,
    })
}

impl Store {
    pub async fn alert_add(&self, a: NewAlert) -> Result<Alert> {
        let row = sql::query(
            "INSERT INTO alerts (kind, value, note, created_at, created_by, expires_at) \
             VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
        )
        .bind(a.kind.as_str())
        .bind(&a.value)
        .bind(&a.note)
        .bind(a.created_at)
        .bind(&a.created_by)
        .bind(a.expires_at)
        .fetch_one(self.w())
        .await?;
        Ok(Alert {
            id: row.try_get(0)?,
            kind: a.kind,
            value: a.value,
            note: a.note,
            created_at: a.created_at,
            created_by: a.created_by,
            expires_at: a.expires_at,
            lifted_at: None,
        })
    }

    /// Every alert rule, newest first; with `active_at`, only those in
    /// force then.
    pub async fn alerts(&self, active_at: Option<UnixTime>) -> Result<Vec<Alert>> {
        let rows =
            match active_at {
                Some(now) => sql::query(
                    "SELECT id, kind, value, note, created_at, created_by, expires_at, lifted_at \
                     FROM alerts WHERE lifted_at IS NULL AND expires_at > $1 ORDER BY id DESC",
                )
                .bind(now)
                .fetch_all(self.r())
                .await?,
                None => sql::query(
                    "SELECT id, kind, value, note, created_at, created_by, expires_at, lifted_at \
                     FROM alerts ORDER BY id DESC",
                )
                .fetch_all(self.r())
                .await?,
            };
        rows.iter().map(row_to_alert).collect()
    }

    pub async fn alert(&self, id: i64) -> Result<Option<Alert>> {
        let row = sql::query(
            "SELECT id, kind, value, note, created_at, created_by, expires_at, lifted_at \
             FROM alerts WHERE id = $1",
        )
        .bind(id)
        .fetch_optional(self.r())
        .await?;
        row.as_ref().map(row_to_alert).transpose()
    }

    /// Lifts a rule: no new message is held by it. Returns false when it
    /// does not exist or was already lifted.
    pub async fn alert_lift(&self, id: i64, now: UnixTime) -> Result<bool> {
        let r = sql::query("UPDATE alerts SET lifted_at = $1 WHERE id = $2 AND lifted_at IS NULL")
            .bind(now)
            .bind(id)
            .execute(self.w())
            .await?;
        Ok(r.rows_affected() > 0)
    }
}
