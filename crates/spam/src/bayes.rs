//! The learning classifier: naive Bayes over words and word pairs, with
//! Robinson's per-token estimate and Fisher's chi-square combination (the
//! method of SpamBayes and of SpamAssassin's Bayes), which says "unsure"
//! near 0.5 instead of forcing every message to an extreme.
//!
//! Tokens are 64-bit FNV-1a hashes of folded words (`text::fold`) and of
//! adjacent word pairs, with the subject's tokens kept apart from the
//! body's, and of the message's form (`features.rs`). When scoring, a pair
//! and its two words are one piece of evidence, not three
//! ([`probability_of`]). A model counts, per token, the spam and ham messages it was seen
//! in, and remembers which messages it learned (by hash), so a report sent
//! twice counts once and a message moved out of Junk is unlearned as spam
//! before being learned as ham. Models serialise to bytes for the store:
//! one per domain, scored together with a shared base.

use std::collections::{HashMap, HashSet};
use std::hash::{BuildHasherDefault, Hasher};

use crate::text::{fnv1a, fold, long_runs, words};

/// Learned messages of each kind needed before the classifier speaks.
pub const MIN_LEARNED: u32 = 20;
/// How sure, and right, the classifier must be of a message for
/// [`Model::learn_if_unsure`] to leave it unlearned (the "thick
/// threshold" of learning from mistakes). Above the 0.95 at which the
/// classifier files a message alone (lib.rs `bayes_hit`), so what it
/// learns it learns with a margin: 0.99 caught more spam than 0.9 in
/// every split of the corpus bench, at no more false positives
/// (benches/README.md).
pub const SURE: f64 = 0.99;
/// The most tokens of a message used in a score: the most telling ones.
const MAX_TOKENS: usize = 150;
/// Tokens whose estimate is this close to 0.5 say nothing.
const MIN_STRENGTH: f64 = 0.1;
/// Robinson's strength of the prior (s) and its value (x). A model that
/// learns only what it was unsure of sees each token in few messages, so
/// the prior weighs much; a lighter one lets a token seen once or twice
/// speak sooner. 0.85 (was 1) was chosen on the corpus bench, on which
/// every s from 0.75 to 0.85 caught more spam in every split with no more
/// false positives but one ham of the half split (0.05 %); on folds cut
/// by other bits of the hash, 0.8 put two more ham over 5 and 0.85 none;
/// 0.9 measured worse from older to newer mail, as learning on error
/// makes the figures jump with small changes (benches/README.md, session
/// 13).
const PRIOR_S: f64 = 0.85;
const PRIOR_X: f64 = 0.5;

const MAGIC: &[u8; 4] = b"VSB1";

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Model {
    pub spam: u32,
    pub ham: u32,
    /// token → (spam messages, ham messages) containing it.
    tokens: HashMap<u64, (u32, u32), Tokens>,
    /// message hash → learned as spam (true) or ham.
    learned: HashMap<u64, bool>,
}

/// The model's keys are already FNV-1a hashes: hashing them again with
/// SipHash (std's default, made for keys an attacker chooses) was a
/// tenth of the scoring time. One multiplication spreads FNV's bits over
/// the table (Fibonacci hashing); an attacker choosing tokens to collide
/// would first have to collide FNV-1a on words the model learned.
#[derive(Default, Clone, Copy)]
struct TokenHasher(u64);

impl Hasher for TokenHasher {
    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 = (self.0 ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3);
        }
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = n.wrapping_mul(0x9e37_79b9_7f4a_7c15);
    }
    fn finish(&self) -> u64 {
        self.0
    }
}

type Tokens = BuildHasherDefault<TokenHasher>;

/// A token as the scorer sees it: a word (or a form feature), or a pair
/// of adjacent words with the two words it is made of, so that one
/// word's evidence is counted once (see [`probability_of`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Clue {
    One(u64),
    Pair { pair: u64, first: u64, second: u64 },
}

impl Clue {
    pub fn hash(&self) -> u64 {
        match self {
            Clue::One(t) => *t,
            Clue::Pair { pair, .. } => *pair,
        }
    }
}

/// The distinct clues of a message's text (subject and body).
pub fn clues(subject: &str, body: &str) -> Vec<Clue> {
    let mut out = Vec::new();
    for (tag, text) in [(b"s".as_slice(), subject), (b"b".as_slice(), body)] {
        let folded = fold(text);
        let mut prev: Option<(&str, u64)> = None;
        for w in words(&folded).take(5_000) {
            let one = fnv1a(&[tag, w.as_bytes()]);
            out.push(Clue::One(one));
            if let Some((p, first)) = prev {
                out.push(Clue::Pair {
                    pair: fnv1a(&[tag, p.as_bytes(), w.as_bytes()]),
                    first,
                    second: one,
                });
            }
            prev = Some((w, one));
        }
        // Runs too long to be words (hashes, encoded blobs, tracking
        // tails) by their shape: in the corpus bench they raised the
        // spam caught in every split at no false positive more
        // (benches/README.md, session 13).
        for (first, tens) in long_runs(&folded).take(1_000) {
            let mut c = [0u8; 4];
            let first = first.encode_utf8(&mut c).as_bytes();
            out.push(Clue::One(fnv1a(&[
                tag,
                b"skip",
                first,
                &tens.to_le_bytes(),
            ])));
        }
    }
    out.sort_unstable_by_key(Clue::hash);
    out.dedup_by_key(|c| c.hash());
    out
}

/// The distinct tokens of a message's text, as learned.
pub fn tokens(subject: &str, body: &str) -> Vec<u64> {
    clues(subject, body).iter().map(Clue::hash).collect()
}

/// What learning a message did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Learned {
    New,
    /// Already learned the same way: nothing changed.
    Again,
    /// Was learned the other way: unlearned, then learned.
    Corrected,
}

impl Model {
    pub fn new() -> Model {
        Model::default()
    }

    pub fn token_count(&self) -> usize {
        self.tokens.len()
    }

    /// How `id` was learned: as spam (`true`), ham, or not at all.
    pub fn learned_as(&self, id: u64) -> Option<bool> {
        self.learned.get(&id).copied()
    }

    /// Learns one message (identified by `id`, e.g. a hash of its bytes).
    pub fn learn(&mut self, id: u64, toks: &[u64], spam: bool) -> Learned {
        let outcome = match self.learned.get(&id) {
            Some(&was) if was == spam => return Learned::Again,
            Some(_) => {
                self.count(toks, !spam, -1);
                Learned::Corrected
            }
            None => Learned::New,
        };
        self.count(toks, spam, 1);
        self.learned.insert(id, spam);
        outcome
    }

    /// Learns a message only when the classifier, `others` (the shared
    /// base, say) with this model, is wrong or unsure of it: p under
    /// [`SURE`] for spam, over 1 − [`SURE`] for ham, or silent. That is
    /// what reports and Junk moves teach, and learning so ranked better in
    /// the corpus bench (benches/README.md) with a model a sixth the size.
    /// A message learned the other way before is corrected whatever the
    /// classifier says. `None`: judged right and sure, nothing learned.
    pub fn learn_if_unsure(
        &mut self,
        others: &[&Model],
        id: u64,
        clues: &[Clue],
        spam: bool,
    ) -> Option<Learned> {
        self.learn_unless_sure(others, id, clues, spam, SURE)
    }

    /// [`Model::learn_if_unsure`] with another margin (`sure`), for the
    /// corpus bench to measure margins.
    pub fn learn_unless_sure(
        &mut self,
        others: &[&Model],
        id: u64,
        clues: &[Clue],
        spam: bool,
        sure: f64,
    ) -> Option<Learned> {
        if !self.would_learn(others, id, clues, spam, sure) {
            return None;
        }
        let toks: Vec<u64> = clues.iter().map(Clue::hash).collect();
        Some(self.learn(id, &toks, spam))
    }

    /// Whether [`Model::learn_unless_sure`] would change this model:
    /// the message is new to it and `others` with it are wrong or less
    /// sure than `sure`, or it was learned the other way (a correction).
    pub fn would_learn(
        &self,
        others: &[&Model],
        id: u64,
        clues: &[Clue],
        spam: bool,
        sure: f64,
    ) -> bool {
        match self.learned.get(&id) {
            Some(&was) => was != spam,
            None => {
                let mut all = others.to_vec();
                all.push(self);
                !probability_of(&all, clues)
                    .is_some_and(|p| if spam { p >= sure } else { p <= 1.0 - sure })
            }
        }
    }

    fn count(&mut self, toks: &[u64], spam: bool, delta: i32) {
        let add = |v: u32| v.saturating_add_signed(delta);
        if spam {
            self.spam = add(self.spam);
        } else {
            self.ham = add(self.ham);
        }
        for t in toks {
            let e = self.tokens.entry(*t).or_insert((0, 0));
            if spam {
                e.0 = add(e.0);
            } else {
                e.1 = add(e.1);
            }
            if *e == (0, 0) {
                self.tokens.remove(t);
            }
        }
    }

    /// Serialises: magic, counts, tokens, learned ids (little-endian).
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(16 + self.tokens.len() * 16 + self.learned.len() * 9);
        out.extend_from_slice(MAGIC);
        for n in [
            self.spam,
            self.ham,
            self.tokens.len() as u32,
            self.learned.len() as u32,
        ] {
            out.extend_from_slice(&n.to_le_bytes());
        }
        let mut toks: Vec<_> = self.tokens.iter().collect();
        toks.sort_unstable();
        for (t, (s, h)) in toks {
            out.extend_from_slice(&t.to_le_bytes());
            out.extend_from_slice(&s.to_le_bytes());
            out.extend_from_slice(&h.to_le_bytes());
        }
        let mut ids: Vec<_> = self.learned.iter().collect();
        ids.sort_unstable();
        for (id, spam) in ids {
            out.extend_from_slice(&id.to_le_bytes());
            out.push(u8::from(*spam));
        }
        out
    }

    /// Reads what [`Model::to_bytes`] wrote; `None` if it is not that.
    pub fn from_bytes(b: &[u8]) -> Option<Model> {
        let mut r = Reader(b);
        if r.take(4)? != MAGIC {
            return None;
        }
        let (spam, ham, n, m) = (r.u32()?, r.u32()?, r.u32()? as usize, r.u32()? as usize);
        let mut tokens = HashMap::with_capacity_and_hasher(n.min(1 << 24), Tokens::default());
        for _ in 0..n {
            tokens.insert(r.u64()?, (r.u32()?, r.u32()?));
        }
        let mut learned = HashMap::with_capacity(m.min(1 << 24));
        for _ in 0..m {
            learned.insert(r.u64()?, r.take(1)?[0] != 0);
        }
        r.0.is_empty().then_some(Model {
            spam,
            ham,
            tokens,
            learned,
        })
    }
}

/// A message's tokens as the store's journal keeps them
/// (`store/src/spam_models.rs`): 8 bytes each, little-endian.
pub fn tokens_to_bytes(toks: &[u64]) -> Vec<u8> {
    toks.iter().flat_map(|t| t.to_le_bytes()).collect()
}

/// Reads what [`tokens_to_bytes`] wrote; `None` if it is not that.
pub fn tokens_from_bytes(b: &[u8]) -> Option<Vec<u64>> {
    if !b.len().is_multiple_of(8) {
        return None;
    }
    Some(
        b.chunks_exact(8)
            .map(|c| u64::from_le_bytes(c.try_into().unwrap_or_default()))
            .collect(),
    )
}

struct Reader<'a>(&'a [u8]);

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        if self.0.len() < n {
            return None;
        }
        let (a, b) = self.0.split_at(n);
        self.0 = b;
        Some(a)
    }
    fn u32(&mut self) -> Option<u32> {
        Some(u32::from_le_bytes(self.take(4)?.try_into().ok()?))
    }
    fn u64(&mut self) -> Option<u64> {
        Some(u64::from_le_bytes(self.take(8)?.try_into().ok()?))
    }
}

/// The spam probability of a message's tokens under the sum of `models`
/// (a domain's model and the shared base), or `None` while either kind
/// has fewer than [`MIN_LEARNED`] messages.
pub fn probability(models: &[&Model], toks: &[u64]) -> Option<f64> {
    let clues: Vec<Clue> = toks.iter().map(|t| Clue::One(*t)).collect();
    probability_of(models, &clues)
}

/// The same on clues: the most telling clues are taken first, and a clue
/// that reuses a word already taken (alone or in a pair) is skipped.
/// Chi-square combining assumes independent clues; "click", "here" and
/// "click here" are one piece of evidence, and counting it thrice made
/// the classifier sure of spam on ham newsletters (SpamBayes' "tiling"
/// of unigrams and bigrams, for the same reason).
pub fn probability_of(models: &[&Model], clues: &[Clue]) -> Option<f64> {
    let spam: u32 = models.iter().map(|m| m.spam).sum();
    let ham: u32 = models.iter().map(|m| m.ham).sum();
    if spam < MIN_LEARNED || ham < MIN_LEARNED {
        return None;
    }
    let (ns, nh) = (f64::from(spam), f64::from(ham));
    let mut estimates: Vec<(f64, &Clue)> = clues
        .iter()
        .filter_map(|c| {
            let t = c.hash();
            let (s, h) = models.iter().fold((0u32, 0u32), |(s, h), m| {
                let (a, b) = m.tokens.get(&t).copied().unwrap_or((0, 0));
                (s + a, h + b)
            });
            let n = f64::from(s + h);
            if n == 0.0 {
                return None;
            }
            // Graham's ratio of frequencies, then Robinson's shrinkage
            // towards 0.5 for rarely seen tokens.
            let (fs, fh) = (f64::from(s) / ns, f64::from(h) / nh);
            let p = fs / (fs + fh);
            Some(((PRIOR_S * PRIOR_X + n * p) / (PRIOR_S + n), c))
        })
        .filter(|(f, _)| (f - 0.5).abs() >= MIN_STRENGTH)
        .collect();
    if estimates.is_empty() {
        return Some(0.5);
    }
    estimates.sort_by(|a, b| {
        (b.0 - 0.5)
            .abs()
            .partial_cmp(&(a.0 - 0.5).abs())
            .unwrap_or(std::cmp::Ordering::Equal)
            .then(a.1.cmp(b.1))
    });
    // Its keys are FNV-1a hashes too: the model's cheap hasher, not
    // SipHash (session 13's tokens made a message's clues more; this
    // gave back part of their cost).
    let mut used: HashSet<u64, Tokens> =
        HashSet::with_capacity_and_hasher(2 * MAX_TOKENS, Tokens::default());
    let mut chosen: Vec<f64> = Vec::with_capacity(MAX_TOKENS);
    for (f, c) in estimates {
        if chosen.len() >= MAX_TOKENS {
            break;
        }
        let fresh = match *c {
            Clue::One(t) => used.insert(t),
            Clue::Pair { first, second, .. } => {
                !used.contains(&first) && !used.contains(&second) && {
                    used.extend([first, second]);
                    true
                }
            }
        };
        if fresh {
            chosen.push(f);
        }
    }
    let n = chosen.len();
    let clamp = |f: f64| f.clamp(1e-6, 1.0 - 1e-6);
    let h_sum: f64 = chosen.iter().map(|f| clamp(*f).ln()).sum();
    let s_sum: f64 = chosen.iter().map(|f| (1.0 - clamp(*f)).ln()).sum();
    let h = chi2q(-2.0 * h_sum, 2 * n);
    let s = chi2q(-2.0 * s_sum, 2 * n);
    Some((1.0 + h - s) / 2.0)
}

/// P(χ² ≥ x) with `v` (even) degrees of freedom.
fn chi2q(x: f64, v: usize) -> f64 {
    let m = x / 2.0;
    let mut term = (-m).exp();
    let mut sum = term;
    for i in 1..v / 2 {
        term *= m / i as f64;
        sum += term;
    }
    sum.min(1.0)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn train(m: &mut Model, n: u32) {
        for i in 0..n {
            let spam =
                format!("Gagnez de l'argent facile {i}, offre limitée, cliquez ici casino bonus");
            let ham = format!(
                "Le conseil de classe du groupe {i} aura lieu jeudi en salle 204 avec les parents"
            );
            m.learn(u64::from(i) * 2, &tokens("Offre", &spam), true);
            m.learn(u64::from(i) * 2 + 1, &tokens("Conseil", &ham), false);
        }
    }

    #[test]
    fn silent_until_enough_is_learned_then_separates() {
        let mut m = Model::new();
        train(&mut m, MIN_LEARNED - 1);
        let spammy = tokens("Offre", "argent facile casino bonus cliquez ici");
        assert_eq!(probability(&[&m], &spammy), None);
        train(&mut m, MIN_LEARNED);
        let p = probability(&[&m], &spammy).unwrap();
        assert!(p > 0.95, "{p}");
        let q = probability(
            &[&m],
            &tokens("Conseil", "le conseil de classe en salle 204"),
        )
        .unwrap();
        assert!(q < 0.05, "{q}");
        // Unknown words: unsure.
        let u = probability(&[&m], &tokens("x", "zythum quokka")).unwrap();
        assert!((u - 0.5).abs() < 1e-9, "{u}");
    }

    #[test]
    fn reports_count_once_and_corrections_move_counts() {
        let mut m = Model::new();
        let t = tokens("a", "argent facile");
        assert_eq!(m.learn(7, &t, true), Learned::New);
        assert_eq!(m.learn(7, &t, true), Learned::Again);
        assert_eq!((m.spam, m.ham), (1, 0));
        assert_eq!(m.learn(7, &t, false), Learned::Corrected);
        assert_eq!((m.spam, m.ham), (0, 1));
        assert!(m.tokens.values().all(|&(s, h)| s == 0 && h == 1));
    }

    #[test]
    fn bytes_round_trip_and_garbage_is_refused() {
        let mut m = Model::new();
        train(&mut m, 3);
        let b = m.to_bytes();
        assert_eq!(Model::from_bytes(&b), Some(m.clone()));
        assert_eq!(Model::from_bytes(&b[..b.len() - 1]), None);
        assert_eq!(Model::from_bytes(b"nope"), None);
        let mut extra = b.clone();
        extra.push(0);
        assert_eq!(Model::from_bytes(&extra), None);
    }

    #[test]
    fn a_domain_model_adds_to_the_shared_base() {
        let mut base = Model::new();
        train(&mut base, MIN_LEARNED);
        let mut domain = Model::new();
        for i in 0..5 {
            domain.learn(1000 + i, &tokens("x", "stage de formation continue"), true);
        }
        let t = tokens("x", "stage de formation continue");
        let alone = probability(&[&base], &t).unwrap();
        let both = probability(&[&base, &domain], &t).unwrap();
        assert!(both > alone, "{both} > {alone}");
    }

    #[test]
    fn a_word_counts_once_whether_alone_or_in_a_pair() {
        let mut m = Model::new();
        for i in 0..MIN_LEARNED {
            m.learn(u64::from(i) * 2, &tokens("", "click here now"), true);
            m.learn(
                u64::from(i) * 2 + 1,
                &tokens("", "meeting notes attached"),
                false,
            );
        }
        let text = "click here";
        let clues = clues("", text);
        // "click", "here" and "click here", the pair knowing its words.
        assert_eq!(clues.len(), 3);
        assert!(clues.iter().any(|c| matches!(c, Clue::Pair { .. })));
        let tiled = probability_of(&[&m], &clues).unwrap();
        // The same tokens taken as independent: the evidence counted twice.
        let flat = probability(&[&m], &tokens("", text)).unwrap();
        assert!(tiled > 0.5 && flat > tiled, "{flat} > {tiled}");
        // Learned tokens are the clues' hashes.
        assert_eq!(
            tokens("", text),
            clues.iter().map(Clue::hash).collect::<Vec<_>>()
        );
    }

    #[test]
    fn learning_from_mistakes_skips_what_is_judged_right_and_sure() {
        let spammy = clues("Offre", "argent facile casino bonus cliquez ici");
        let id = 9_999;
        // Silent (too little learned): learned.
        let mut m = Model::new();
        assert_eq!(
            m.learn_if_unsure(&[], id, &spammy, true),
            Some(Learned::New)
        );
        let mut m = Model::new();
        train(&mut m, MIN_LEARNED);
        let before = m.clone();
        // Right and sure: nothing learned, nothing remembered.
        assert_eq!(m.learn_if_unsure(&[], id, &spammy, true), None);
        assert_eq!(m, before);
        // Wrong (spam judged, told ham): learned.
        assert_eq!(
            m.learn_if_unsure(&[], id, &spammy, false),
            Some(Learned::New)
        );
        assert_eq!(m.ham, before.ham + 1);
        // Told spam again: a correction, whatever the classifier says.
        assert_eq!(
            m.learn_if_unsure(&[], id, &spammy, true),
            Some(Learned::Corrected)
        );
        assert_eq!((m.spam, m.ham), (before.spam + 1, before.ham));
        // The others count in the judgment: a base that knows the words
        // makes an empty domain model sure.
        let mut domain = Model::new();
        assert_eq!(domain.learn_if_unsure(&[&before], 1, &spammy, true), None);
        assert_eq!(domain, Model::new());
    }

    #[test]
    fn journal_tokens_round_trip_and_odd_lengths_are_refused() {
        let t = tokens("Offre", "argent facile casino");
        let b = tokens_to_bytes(&t);
        assert_eq!(b.len(), 8 * t.len());
        assert_eq!(tokens_from_bytes(&b), Some(t));
        assert_eq!(tokens_from_bytes(&b[..b.len() - 1]), None);
        assert_eq!(tokens_from_bytes(&[]), Some(Vec::new()));
    }

    #[test]
    fn the_margin_decides_what_is_learned() {
        let mut m = Model::new();
        train(&mut m, MIN_LEARNED);
        let c = clues("Offre", "argent facile casino bonus cliquez ici");
        let p = probability_of(&[&m], &c).unwrap();
        // Sure enough for a margin just under p, not for one over it.
        let id = 999_999; // not among those `train` learned
        assert!(!m.would_learn(&[], id, &c, true, p - 1e-9), "{p}");
        assert!(m.would_learn(&[], id, &c, true, (p + 1.0) / 2.0), "{p}");
        // Told ham, it is wrong whatever the margin.
        assert!(m.would_learn(&[], id, &c, false, 0.5));
        // Learned the other way before (id 1 was learned as ham): a
        // correction, however sure.
        assert!(m.would_learn(&[], 1, &c, true, 0.5));
    }

    #[test]
    fn long_runs_are_clues_of_their_shape() {
        // Two different 40-character blobs starting with the same letter
        // are one clue; a short word is not a skip clue.
        let a = clues("", "zx0123456789012345678901234567890123456789");
        let b = clues("", "zy9876543210987654321098765432109876543210");
        assert_eq!(a.len(), 1);
        assert_eq!(a, b);
        assert!(clues("", "zx").iter().all(|c| !a.contains(c)));
        // Learned: a model that saw such blobs in spam knows the next one.
        let mut m = Model::new();
        for i in 0..MIN_LEARNED {
            let blob = format!("q{i:0>40}");
            m.learn(u64::from(i) * 2, &tokens("", &blob), true);
            m.learn(u64::from(i) * 2 + 1, &tokens("", "meeting notes"), false);
        }
        let next = tokens("", "q9999999999999999999999999999999999999999");
        assert!(probability(&[&m], &next).unwrap() > 0.9);
    }

    #[test]
    fn a_token_seen_once_leans_by_the_prior_strength() {
        let mut m = Model::new();
        for i in 0..MIN_LEARNED {
            m.learn(u64::from(i) * 2, &tokens("", "offre casino"), true);
            m.learn(u64::from(i) * 2 + 1, &tokens("", "conseil classe"), false);
        }
        m.learn(999, &tokens("", "quokka"), true);
        // One clue: the combined probability is its estimate,
        // (s·x + n·p) / (s + n) with n = 1, p = 1.
        let p = probability(&[&m], &tokens("", "quokka")).unwrap();
        let want = (PRIOR_S * PRIOR_X + 1.0) / (PRIOR_S + 1.0);
        assert!((p - want).abs() < 1e-9, "{p} {want}");
        assert!((want - 1.425 / 1.85).abs() < 1e-12, "s is 0.85: {want}");
    }

    #[test]
    fn chi2q_known_values() {
        // P(χ²₂ ≥ 2) = e^-1.
        assert!((chi2q(2.0, 2) - (-1.0f64).exp()).abs() < 1e-12);
        assert!((chi2q(0.0, 10) - 1.0).abs() < 1e-12);
    }
}
