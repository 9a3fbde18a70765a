//! A bounded cache of ENVELOPE and BODYSTRUCTURE by blob, filled from the
//! MIME model the store keeps for every content (parsed once at ingest),
//! so FETCH of these never reads a body; a blob is parsed here only when
//! its stored model is missing. Message bodies are content-addressed and
//! never change, so an entry is valid for every copy of it in every
//! mailbox, for ever. The top-level header is kept too (when small):
//! header requests, the commonest FETCH of a message list, are then
//! answered without reading the body.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use vesontio_imap_proto::bodystructure::{
    BodyStructure, Envelope, body_structure, envelope, section,
};
use vesontio_imap_proto::{Section, SectionText};

/// Entries kept; a few KiB each. Past it the cache starts over.
const CAPACITY: usize = 20_000;

/// Headers above this size are not kept (they are read from the body).
const HEADER_MAX: usize = 16 * 1024;

pub(crate) struct Parsed {
    pub(crate) envelope: Envelope,
    pub(crate) structure: BodyStructure,
    /// The message's header with its blank line (`BODY[HEADER]`), unless large.
    pub(crate) header: Option<Vec<u8>>,
}

#[derive(Default)]
pub(crate) struct StructureCache {
    map: Mutex<HashMap<String, Arc<Parsed>>>,
}

impl StructureCache {
    pub(crate) fn get(&self, blob_id: &str) -> Option<Arc<Parsed>> {
        let map = match self.map.lock() {
            Ok(m) => m,
            Err(p) => p.into_inner(),
        };
        map.get(blob_id).cloned()
    }

    /// Remembers what the store keeps of `blob_id` (the MIME model parsed
    /// at ingest): no body is read or parsed.
    pub(crate) fn insert_stored(&self, blob_id: &str, content: vesontio_store::Content) -> Arc<Parsed> {
        let parsed = Arc::new(Parsed {
            envelope: content.model.envelope,
            structure: content.model.structure,
            header: content.header.map(String::into_bytes),
        });
        let mut map = match self.map.lock() {
            Ok(m) => m,
            Err(p) => p.into_inner(),
        };
        if map.len() >= CAPACITY {
            map.clear();
        }
        map.insert(blob_id.to_string(), parsed.clone());
        parsed
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
            header,
        });
        let mut map = match self.map.lock() {
            Ok(m) => m,
            Err(p) => p.into_inner(),
        };
        if map.len() >= CAPACITY {
            map.clear();
        }
        map.insert(blob_id.to_string(), parsed.clone());
        parsed
    }
}
