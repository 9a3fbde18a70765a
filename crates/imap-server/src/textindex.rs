//! SEARCH's text keys answered from the store's index
//! (`vesontio_store::Store::search_term`): for most messages the index
//! says yes or no, and only the few it cannot answer for (a term in the
//! header block but maybe not in the asked field, a text not indexed yet)
//! have their stored text read. A SEARCH FROM, SUBJECT, BODY or TEXT of a
//! 20,000-message mailbox thus reads no text at all once the index is
//! settled, keeping IMAP's substring semantics (RFC 9051 §6.4.4).

use std::collections::{HashMap, HashSet};

use vesontio_imap_proto::SearchKey;
use vesontio_store::{Known, Store, TermField, TermHits};
use vesontio_types::{MailboxId, Uid};

use crate::search::{Msg, Scope, matches};

/// The index's answers for the text keys of one search, by key: the
/// address of the key in the criteria, which outlive the search (no term
/// is lower-cased or hashed again per message).
#[derive(Debug, Default)]
pub(crate) struct TextIndex {
    hits: HashMap<usize, std::sync::Arc<TermHits>>,
}

fn addr(k: &SearchKey) -> usize {
    k as *const SearchKey as usize
}

/// The field and the lower-case term of a text key the index can answer.
fn leaf(k: &SearchKey) -> Option<(TermField, String)> {
    use SearchKey as K;
    let (field, s) = match k {
        K::From(s) => (TermField::From, s),
        K::Subject(s) => (TermField::Subject, s),
        K::Body(s) => (TermField::Body, s),
        K::Text(s) => (TermField::Text, s),
        K::To(s) | K::Cc(s) | K::Bcc(s) | K::Header(_, s) => (TermField::Header, s),
        _ => return None,
    };
    let term = s.to_lowercase();
    vesontio_store::indexable(&term).then_some((field, term))
}

/// The text keys of `k` the index can answer, each with its field and term.
fn leaves<'k>(k: &'k SearchKey, out: &mut Vec<(&'k SearchKey, (TermField, String))>) {
    match k {
        SearchKey::And(v) => v.iter().for_each(|x| leaves(x, out)),
        SearchKey::Not(a) => leaves(a, out),
        SearchKey::Or(a, b) => {
            leaves(a, out);
            leaves(b, out);
        }
        _ => out.extend(leaf(k).map(|key| (k, key))),
    }
}

impl TextIndex {
    /// Asks the store about every text key of `criteria` the index can
    /// answer (one query each, repeated keys once).
    pub(crate) async fn load(
        store: &Store,
        mailbox: MailboxId,
        criteria: &SearchKey,
    ) -> Result<TextIndex, vesontio_store::StoreError> {
        let mut keys = Vec::new();
        leaves(criteria, &mut keys);
        let mut ix = TextIndex::default();
        let mut asked: HashMap<(TermField, String), std::sync::Arc<TermHits>> = HashMap::new();
        for (k, key) in keys {
            let hits = match asked.get(&key) {
                Some(h) => h.clone(),
                None => match store.search_term(mailbox, key.0, &key.1).await? {
                    Some(h) => {
                        let h = std::sync::Arc::new(h);
                        asked.insert(key, h.clone());
                        h
                    }
                    None => continue,
                },
            };
            ix.hits.insert(addr(k), hits);
        }
        Ok(ix)
    }

    /// What the index says of text key `k` for message `uid`; `None` when
    /// it was not asked (not a text key, or a term too short).
    pub(crate) fn known(&self, k: &SearchKey, uid: Uid) -> Option<Known> {
        self.hits.get(&addr(k)).map(|h| h.known(uid))
    }

    /// Every UID that may satisfy some asked key.
    pub(crate) fn all_candidates(&self) -> HashSet<Uid> {
        self.hits.values().flat_map(|h| h.candidates()).collect()
    }

    /// The UIDs that may satisfy text key `k`; `None` when it was not
    /// asked.
    pub(crate) fn candidates(&self, k: &SearchKey) -> Option<HashSet<Uid>> {
        self.hits.get(&addr(k)).map(|h| h.candidates().collect())
    }
}

/// Whether `k` is false for every message no asked text key may match:
/// then only the index's candidates need looking at.
pub(crate) fn requires_text(k: &SearchKey, ix: &TextIndex) -> bool {
    use SearchKey as K;
    match k {
        K::And(v) => v.iter().any(|x| requires_text(x, ix)),
        K::Or(a, b) => requires_text(a, ix) && requires_text(b, ix),
        _ => ix.hits.contains_key(&addr(k)),
    }
}

/// Whether a message the index could not decide needs its body text (a
/// body key the index left undecided for it), or its header fields only.
pub(crate) fn needs_body_for(k: &SearchKey, uid: Uid, ix: &TextIndex) -> bool {
    use SearchKey as K;
    match k {
        K::And(v) => v.iter().any(|x| needs_body_for(x, uid, ix)),
        K::Not(a) => needs_body_for(a, uid, ix),
        K::Or(a, b) => needs_body_for(a, uid, ix) || needs_body_for(b, uid, ix),
        K::Body(_) | K::Text(_) => {
            !matches!(ix.known(k, uid), Some(Known::Yes | Known::No | Known::Head))
        }
        _ => false,
    }
}

/// `criteria` for `m` without its content: `Some` when the flags,
/// numbers, the row `m` carries and the index decide, `None` when a key
/// needs the stored text.
pub(crate) fn decide(k: &SearchKey, m: &Msg<'_>, sc: &Scope<'_>) -> Option<bool> {
    use SearchKey as K;
    match k {
        K::And(v) => {
            let mut all = Some(true);
            for x in v {
                match decide(x, m, sc) {
                    Some(false) => return Some(false),
                    None => all = None,
                    Some(true) => {}
                }
            }
            all
        }
        K::Not(a) => decide(a, m, sc).map(|b| !b),
        K::Or(a, b) => match (decide(a, m, sc), decide(b, m, sc)) {
            (Some(true), _) | (_, Some(true)) => Some(true),
            (Some(false), Some(false)) => Some(false),
            _ => None,
        },
        _ if crate::search::needs_content(k) => match sc.index.and_then(|ix| ix.known(k, m.uid)) {
            Some(Known::Yes) => Some(true),
            Some(Known::No) => Some(false),
            _ => None,
        },
        _ => Some(matches(k, m, sc)),
    }
}
