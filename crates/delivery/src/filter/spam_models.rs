//! The classifier's models as a node holds them (R24): each is the store's
//! snapshot with the journal of what was learned since replayed on it
//! (`store/src/spam_models.rs`), kept in memory and brought up to date at
//! most [`MODEL_TTL`] after another node learned (only the new journal
//! rows are read; the snapshot again only after a fold). Learning here is
//! one journal row per message learned, a few KB, not a rewrite of the
//! model; once a journal holds half its snapshot's bytes (at least
//! [`FOLD_MIN_BYTES`]), the learner folds it into the snapshot, so a
//! learn costs, amortised, about three times its own row. Nothing is held
//! back in memory: a learn is in the store when `learn` returns, so there
//! is no window of loss, and every node replays the same rows in the same
//! order, so every node scores with the same model.
//!
//! How each path learns ([`Teach`]) is decided with the corpus bench
//! (benches/README.md, "the ways of learning").

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use vesontio_spam::bayes::{self, Clue};
use vesontio_spam::{Learned, Model};
use vesontio_store::{SpamChange, Store, StoreError};

/// How long a model is used before the journal is read again: another
/// node's learn reaches this one within this time.
pub const MODEL_TTL: Duration = Duration::from_secs(30);
/// A journal smaller than this is never folded (small models fold rarely).
pub const FOLD_MIN_BYTES: i64 = 1 << 20;

/// How a message offered to a model is learned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Teach {
    /// Learned whatever the classifier says of it.
    Everything,
    /// Learned only when the classifier (the shared base with the model)
    /// is wrong or unsure of it ([`vesontio_spam::bayes::SURE`]), or it
    /// was learned the other way before: what a report teaches.
    IfUnsure,
}

#[derive(Clone)]
struct Held {
    model: Arc<Model>,
    /// The last journal row applied.
    seq: i64,
    at: Instant,
}

/// Every domain's model and the shared base (`""`), shared by the spam
/// stage and `vesontio spam learn`.
pub struct SpamModels {
    store: Store,
    held: Mutex<HashMap<String, Held>>,
    fold_min: i64,
}

/// Replays one journal row on `model`.
fn apply(model: &mut Model, c: &SpamChange) {
    match bayes::tokens_from_bytes(&c.tokens) {
        Some(toks) => {
            model.learn(c.message as u64, &toks, c.spam);
        }
        None => tracing::error!(row = c.id, "spam journal row unreadable: skipped"),
    }
}

impl SpamModels {
    pub fn new(store: Store) -> SpamModels {
        SpamModels::with_fold_min(store, FOLD_MIN_BYTES)
    }

    /// With another folding floor (tests fold small models).
    pub fn with_fold_min(store: Store, fold_min: i64) -> SpamModels {
        SpamModels {
            store,
            held: Mutex::new(HashMap::new()),
            fold_min,
        }
    }

    /// `domain`'s model (`""`: the shared base) as this node holds it,
    /// read again when older than [`MODEL_TTL`].
    pub async fn get(&self, domain: &str) -> Result<Arc<Model>, StoreError> {
        Ok(self.sync(domain, false).await?.model)
    }

    /// Brings `domain`'s model up to date (`force`: whatever its age).
    async fn sync(&self, domain: &str, force: bool) -> Result<Held, StoreError> {
        let have = self.held.lock().ok().and_then(|h| h.get(domain).cloned());
        if let Some(h) = &have
            && !force
            && h.at.elapsed() < MODEL_TTL
        {
            return Ok(h.clone());
        }
        let mut have = have.map(|h| (h.model, h.seq));
        // Folds are rare; a node that loses the race to three in a row
        // reads the snapshot a fourth time.
        for _ in 0..4 {
            let (mut model, seq) = match have.take() {
                Some(h) => h,
                None => match self.store.spam_snapshot(domain).await? {
                    Some((b, seq)) => {
                        let m = Model::from_bytes(&b).unwrap_or_else(|| {
                            tracing::error!(
                                domain,
                                "spam model snapshot unreadable: starting empty"
                            );
                            Model::new()
                        });
                        (Arc::new(m), seq)
                    }
                    None => (Arc::new(Model::new()), 0),
                },
            };
            let changes = self.store.spam_changes(domain, seq).await?;
            // Read after the rows: a fold that had not committed then had
            // deleted nothing this node still needs.
            if self.store.spam_snapshot_seq(domain).await? > seq {
                continue;
            }
            let last = changes.last().map_or(seq, |c| c.id);
            if !changes.is_empty() {
                let m = Arc::make_mut(&mut model);
                for c in &changes {
                    apply(m, c);
                }
            }
            let held = Held {
                model,
                seq: last,
                at: Instant::now(),
            };
            if let Ok(mut h) = self.held.lock() {
                // Two tasks syncing at once: the further one stays.
                let newer = h.get(domain).is_none_or(|o| o.seq <= held.seq);
                if newer {
                    h.insert(domain.to_string(), held.clone());
                }
            }
            return Ok(held);
        }
        Err(StoreError::Commit(format!(
            "the spam model of {domain:?} kept being folded while read: try again"
        )))
    }

    /// Offers `messages` (bytes, spam or ham) to `domain`'s model in that
    /// order; each one learned is a journal row, all appended in one
    /// transaction. A message is judged with the shared base (when
    /// `domain` is not it), the model, and what this call learned before
    /// it. Returns what became of each (`None`: judged right and sure).
    pub async fn learn(
        &self,
        domain: &str,
        messages: &[(&[u8], bool)],
        teach: Teach,
        now: i64,
    ) -> Result<Vec<Option<Learned>>, StoreError> {
        let base = if domain.is_empty() {
            None
        } else {
            Some(self.sync("", true).await?.model)
        };
        let held = self.sync(domain, true).await?.model;
        // What this call learned, for judging the next messages: counts
        // add, so the base, the model and this are the model it makes.
        let mut batch = Model::new();
        let mut rows = Vec::new();
        let mut out = Vec::with_capacity(messages.len());
        for (raw, spam) in messages {
            let id = vesontio_spam::message_id(raw);
            let was = batch.learned_as(id).or_else(|| held.learned_as(id));
            let outcome = match was {
                Some(w) if w == *spam => Some(Learned::Again),
                Some(_) => Some(Learned::Corrected),
                None => Some(Learned::New),
            };
            let clues: Vec<Clue> = vesontio_spam::clues(raw);
            let learn = match (outcome, teach) {
                (Some(Learned::Again), _) => false,
                (Some(Learned::Corrected), _) | (_, Teach::Everything) => true,
                (_, Teach::IfUnsure) => {
                    let models: Vec<&Model> = base.iter().map(|b| &**b).chain([&*held]).collect();
                    batch.would_learn(&models, id, &clues, *spam, bayes::SURE)
                }
            };
            if !learn {
                out.push(if outcome == Some(Learned::Again) {
                    outcome
                } else {
                    None
                });
                continue;
            }
            let toks: Vec<u64> = clues.iter().map(Clue::hash).collect();
            if outcome == Some(Learned::New) {
                batch.learn(id, &toks, *spam);
            }
            rows.push((id as i64, *spam, bayes::tokens_to_bytes(&toks)));
            out.push(outcome);
        }
        if rows.is_empty() {
            return Ok(out);
        }
        let journal = self.store.append_spam_changes(domain, &rows, now).await?;
        if journal.bytes >= (journal.snapshot / 2).max(self.fold_min) {
            self.store
                .fold_spam_model(domain, now, |old, changes| {
                    let mut m = old.and_then(|b| Model::from_bytes(&b)).unwrap_or_default();
                    for c in changes {
                        apply(&mut m, c);
                    }
                    m.to_bytes()
                })
                .await?;
        }
        // This node sees its own learn at once.
        self.sync(domain, true).await?;
        Ok(out)
    }
}
