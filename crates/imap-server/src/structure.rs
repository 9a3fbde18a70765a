//! A bounded cache of ENVELOPE and BODYSTRUCTURE by blob, filled from the
//! MIME model the store keeps for every content (parsed once at ingest),
//! so FETCH of these never reads a body; a blob is parsed here only when
//! its stored model is missing. Message bodies are content-addressed and
//! never change, so an entry is valid for every copy of it in every
//! mailbox, for ever. The top-level header is kept too (when small):
//! header requests, the commonest FETCH of a message list, are then
//! answered without reading the body.
//! So is the References field, which ENVELOPE lacks and THREAD needs
//! (`sortkeys.rs` reads SORT and THREAD keys from here).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use vesontio_imap_proto::bodystructure::{
    BodyStructure, Envelope, body_structure, envelope, section,
};
use vesontio_imap_proto::{Section, SectionText};

/// Headers above this size are not kept (they are read from the body).
const HEADER_MAX: usize = 16 * 1024;

pub(crate) struct Parsed {
    pub(crate) envelope: Envelope,
    pub(crate) structure: BodyStructure,
    /// The message's header with its blank line (`BODY[HEADER]`), unless large.
    pub(crate) header: Option<Vec<u8>>,
    /// The References field, unfolded (RFC 5322 §3.6.4).
    pub(crate) references: Option<String>,
}

/// The first `name:` field of the top-level header of `raw`, unfolded
/// and trimmed (a line scan: the header is already parsed for ENVELOPE,
/// and this field is the only one it lacks).
pub(crate) fn field(raw: &[u8], name: &[u8]) -> Option<String> {
    let mut value: Option<Vec<u8>> = None;
    for line in raw.split(|&b| b == b'\n') {
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        if line.is_empty() {
            break;
        }
        let folded = matches!(line.first(), Some(b' ' | b'\t'));
        match (&mut value, folded) {
            (Some(v), true) => v.extend_from_slice(line),
            (Some(_), false) => break,
            (None, false) => {
                if let Some((n, rest)) = line.split_at_checked(name.len())
                    && n.eq_ignore_ascii_case(name)
                    && let Some(rest) = rest.trim_ascii_start().strip_prefix(b":")
                {
                    value = Some(rest.to_vec());
                }
            }
            (None, true) => {}
        }
    }
    value.map(|v| String::from_utf8_lossy(v.trim_ascii()).into_owned())
}

pub(crate) struct StructureCache {
    map: Mutex<HashMap<String, Arc<Parsed>>>,
    /// Entries kept (`limits.imap_structure_cache`); a few KiB each. Past
    /// it the cache starts over.
    capacity: usize,
}

impl StructureCache {
    pub(crate) fn new(capacity: usize) -> StructureCache {
        StructureCache {
            map: Mutex::default(),
            capacity: capacity.max(1),
        }
    }

    /// Entries held now.
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        match self.map.lock() {
            Ok(m) => m.len(),
            Err(p) => p.into_inner().len(),
        }
    }

    pub(crate) fn get(&self, blob_id: &str) -> Option<Arc<Parsed>> {
        let map = match self.map.lock() {
            Ok(m) => m,
            Err(p) => p.into_inner(),
        };
        map.get(blob_id).cloned()
    }

    /// Remembers what the store keeps of `blob_id` (the MIME model parsed
    /// at ingest): no body is read or parsed.
    pub(crate) fn insert_stored(
        &self,
        blob_id: &str,
        content: vesontio_store::Content,
    ) -> Arc<Parsed> {
        // THREAD reads the References field as written; the stored header
        // has it (the model's list also merges In-Reply-To).
        let references = match &content.header {
            Some(h) => field(h.as_bytes(), b"references"),
            None if content.model.references.is_empty() => None,
            None => Some(
                content
                    .model
                    .references
                    .iter()
                    .map(|r| format!("<{r}>"))
                    .collect::<Vec<_>>()
                    .join(" "),
            ),
        };
        let parsed = Arc::new(Parsed {
            envelope: content.model.envelope,
            structure: content.model.structure,
            header: content.header.map(String::into_bytes),
            references,
        });
        self.remember(blob_id, parsed)
    }

    /// Parses `raw` (the body of `blob_id`) and remembers the result.
    pub(crate) fn parse(&self, blob_id: &str, raw: &[u8]) -> Arc<Parsed> {
        let header = section(
            raw,
            &Section {
                part: vec![],
                text: Some(SectionText::Header),
            },
        )
        .filter(|h| h.len() <= HEADER_MAX);
        let parsed = Arc::new(Parsed {
            envelope: envelope(raw),
            structure: body_structure(raw),
            references: field(raw, b"references"),
            header,
        });
        self.remember(blob_id, parsed)
    }

    fn remember(&self, blob_id: &str, parsed: Arc<Parsed>) -> Arc<Parsed> {
        let mut map = match self.map.lock() {
            Ok(m) => m,
            Err(p) => p.into_inner(),
        };
        if map.len() >= self.capacity {
            map.clear();
        }
        map.insert(blob_id.to_string(), parsed.clone());
        parsed
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The configured bound holds: past it the cache starts over, and
    /// what was just parsed is still returned and kept.
    #[test]
    fn capacity_bounds_the_entries() {
        let cache = StructureCache::new(3);
        for i in 0..3 {
            cache.parse(&format!("b{i}"), b"Subject: x\r\n\r\nbody\r\n");
        }
        assert_eq!(cache.len(), 3);
        assert!(cache.get("b0").is_some());
        let p = cache.parse("b3", b"Subject: y\r\nReferences: <a@b>\r\n\r\nbody\r\n");
        assert_eq!(p.references.as_deref(), Some("<a@b>"));
        assert_eq!(cache.len(), 1);
        assert!(cache.get("b0").is_none() && cache.get("b3").is_some());
    }

    /// THREAD's References come from what the store keeps, never from the
    /// body: the field as written from the stored header, or, when no
    /// header is kept (large or not UTF-8), the stored model's ids.
    #[test]
    fn references_from_the_stored_content() {
        let header = "Message-ID: <m2@x>\r\nIn-Reply-To: <m1@x>\r\n\
            References: <m0@x>\r\n <m1@x>\r\n\r\n";
        let raw = format!("{header}References: <body@x>\r\n");
        let model = vesontio_message::mime::Model::of(raw.as_bytes());
        let cache = StructureCache::new(10);
        let header = header.to_string();
        let with = cache.insert_stored(
            "h",
            vesontio_store::Content {
                model: model.clone(),
                header: Some(header),
            },
        );
        assert_eq!(with.references.as_deref(), Some("<m0@x> <m1@x>"));
        let without = cache.insert_stored(
            "n",
            vesontio_store::Content {
                model,
                header: None,
            },
        );
        assert_eq!(without.references.as_deref(), Some("<m0@x> <m1@x>"));
        assert!(cache.get("h").is_some() && cache.get("n").is_some());
    }
}
