//! What SORT and THREAD read of each message, and the SORT order (RFC 5256
//! §3 BASE.6.4.SORT, RFC 5957).
//!
//! [`keys`] is the one place that knows where the keys come from: the
//! per-blob [`crate::structure::StructureCache`], filled from the model
//! and header the store keeps with every content (ENVELOPE, and the
//! References field of the stored header, or the model's ids when no
//! header is kept). A blob is read and parsed only for a row stored before
//! the model (schema v5) whose upgrade has not reached it.

use std::cmp::Ordering;

use vesontio_imap_proto::bodystructure::Address;
use vesontio_imap_proto::{SortCriterion, SortKey};
use vesontio_message::subject::{base_subject, unicode_casemap};
use vesontio_store::{MessageMeta, StoreError};

use crate::Shared;
use crate::structure::Parsed;

/// The keys of one message. Text is decoded (RFC 2047) but not yet
/// collated.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct SortKeys {
    /// INTERNALDATE, seconds.
    pub(crate) internal_date: i64,
    /// RFC822.SIZE.
    pub(crate) size: u64,
    /// RFC 5256 §2.2 sent date (UTC seconds): the Date field, or the
    /// internal date when it is missing or cannot be parsed.
    pub(crate) sent_date: i64,
    /// addr-mailbox of the first From, To and Cc addresses ("" if none).
    pub(crate) from: String,
    pub(crate) to: String,
    pub(crate) cc: String,
    /// RFC 5957 §2 display values of the first From and To addresses.
    pub(crate) display_from: String,
    pub(crate) display_to: String,
    /// Subject, decoded.
    pub(crate) subject: String,
    /// Message-ID, In-Reply-To and References fields, raw.
    pub(crate) message_id: Option<String>,
    pub(crate) in_reply_to: Option<String>,
    pub(crate) references: Option<String>,
}

/// Whether any criterion needs more than the message row (ARRIVAL and
/// SIZE do not: those sorts read no blob).
pub(crate) fn needs_content(criteria: &[SortCriterion]) -> bool {
    criteria
        .iter()
        .any(|c| !matches!(c.key, SortKey::Arrival | SortKey::Size))
}

/// The keys of `metas`, in order. With `content` false only the row's
/// keys (dates, size) are filled and no blob is read.
pub(crate) async fn keys(
    shared: &Shared,
    metas: &[&MessageMeta],
    content: bool,
) -> Result<Vec<SortKeys>, StoreError> {
    let mut out = Vec::with_capacity(metas.len());
    if content {
        // The stored models of those not in the cache, a chunk per read:
        // no blob is parsed unless its row predates the model.
        let missing: Vec<String> = metas
            .iter()
            .filter(|m| shared.structures.get(&m.blob_id).is_none())
            .map(|m| m.blob_id.clone())
            .collect();
        for chunk in missing.chunks(500) {
            for (id, c) in shared.store.contents(chunk).await? {
                shared.structures.insert_stored(&id, c);
            }
        }
    }
    for m in metas {
        let mut k = SortKeys {
            internal_date: m.internal_date,
            size: m.size.max(0) as u64,
            sent_date: m.internal_date,
            ..SortKeys::default()
        };
        if content {
            let parsed = match shared.structures.get(&m.blob_id) {
                Some(p) => p,
                None => {
                    let raw = shared.store.read_blob_sized(&m.blob_id, m.size).await?;
                    shared.structures.parse(&m.blob_id, &raw)
                }
            };
            fill(&mut k, &parsed);
        }
        out.push(k);
    }
    Ok(out)
}

/// The keys found in a parsed message.
pub(crate) fn fill(k: &mut SortKeys, p: &Parsed) {
    let e = &p.envelope;
    let text = |v: &Option<Vec<u8>>| {
        v.as_deref()
            .map(|b| String::from_utf8_lossy(b).into_owned())
    };
    if let Some(t) = text(&e.date)
        .and_then(|d| mail_parser::DateTime::parse_rfc822(&d))
        .filter(|d| d.is_valid())
    {
        k.sent_date = t.to_timestamp();
    }
    let first = |list: &[Address]| {
        list.first()
            .and_then(|a| a.mailbox.clone())
            .unwrap_or_default()
    };
    k.from = first(&e.from);
    k.to = first(&e.to);
    k.cc = first(&e.cc);
    k.display_from = e.from.first().map(display).unwrap_or_default();
    k.display_to = e.to.first().map(display).unwrap_or_default();
    k.subject = text(&e.subject)
        .map(|s| decode_words(&s))
        .unwrap_or_default();
    k.message_id = text(&e.message_id);
    k.in_reply_to = text(&e.in_reply_to);
    k.references = p.references.clone();
}

/// RFC 5957 §2: the display name when not empty, else `mailbox@host`,
/// else the mailbox (a group's name), else "".
pub(crate) fn display(a: &Address) -> String {
    if let Some(n) = a.name.as_deref().map(str::trim).filter(|n| !n.is_empty()) {
        return n.to_string();
    }
    match (a.mailbox.as_deref(), a.host.as_deref()) {
        (Some(m), Some(h)) if !h.is_empty() => format!("{m}@{h}"),
        (Some(m), _) => m.to_string(),
        _ => String::new(),
    }
}

/// RFC 2047 encoded words of an unstructured value turned into text.
fn decode_words(raw: &str) -> String {
    if !raw.contains("=?") {
        return raw.to_string();
    }
    let field = format!("Subject: {raw}\r\n\r\n");
    mail_parser::MessageParser::new()
        .parse_headers(field.as_bytes())
        .and_then(|m| m.subject().map(str::to_string))
        .unwrap_or_else(|| raw.to_string())
}

/// One column of comparable values.
enum Column {
    Num(Vec<i64>),
    /// i;unicode-casemap keys (RFC 5256 §7); "" collates first.
    Text(Vec<String>),
}

/// RFC 5256 §3: the order of the messages whose keys are `keys` (given in
/// mailbox order): by each criterion in turn, REVERSE flipping only its
/// own criterion, and by mailbox order when all are equal. Returns
/// indexes into `keys`.
pub(crate) fn order(criteria: &[SortCriterion], keys: &[SortKeys]) -> Vec<usize> {
    let collate = |f: &dyn Fn(&SortKeys) -> String| -> Column {
        Column::Text(keys.iter().map(|k| unicode_casemap(&f(k))).collect())
    };
    let columns: Vec<(bool, Column)> = criteria
        .iter()
        .map(|c| {
            let col = match c.key {
                SortKey::Arrival => Column::Num(keys.iter().map(|k| k.internal_date).collect()),
                SortKey::Date => Column::Num(keys.iter().map(|k| k.sent_date).collect()),
                SortKey::Size => Column::Num(keys.iter().map(|k| k.size as i64).collect()),
                SortKey::From => collate(&|k| k.from.clone()),
                SortKey::To => collate(&|k| k.to.clone()),
                SortKey::Cc => collate(&|k| k.cc.clone()),
                SortKey::DisplayFrom => collate(&|k| k.display_from.clone()),
                SortKey::DisplayTo => collate(&|k| k.display_to.clone()),
                SortKey::Subject => collate(&|k| base_subject(&k.subject)),
            };
            (c.reverse, col)
        })
        .collect();
    let mut idx: Vec<usize> = (0..keys.len()).collect();
    // A stable sort on indexes in mailbox order: ties stay in that order.
    idx.sort_by(|&a, &b| {
        for (reverse, col) in &columns {
            let o = match col {
                Column::Num(v) => v[a].cmp(&v[b]),
                Column::Text(v) => v[a].cmp(&v[b]),
            };
            let o = if *reverse { o.reverse() } else { o };
            if o != Ordering::Equal {
                return o;
            }
        }
        Ordering::Equal
    });
    idx
}

#[cfg(test)]
mod tests;
