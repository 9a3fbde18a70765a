//! Scoring throughput on generated French mail (rules, structure tests
//! and, in the second figure, a classifier trained on 2,000 messages), and
//! how well that classifier separates a held-out generated set. Prints
//! figures; not a test. The corpus is generated, so the separation figure
//! says the classifier works, not how it fares on real spam: measure that
//! on the académie's own `spam@` reports.
//!
//! `cargo bench -p vesontio-spam --bench score`

use std::time::Instant;

use vesontio_spam::{Context, Model, RuleSet, learn, score};

const HAM: &[&str] = &[
    "conseil",
    "classe",
    "réunion",
    "parents",
    "élèves",
    "emploi",
    "temps",
    "salle",
    "jeudi",
    "cantine",
    "sortie",
    "pédagogique",
    "bulletin",
    "professeur",
    "principal",
    "collège",
    "lycée",
    "devoirs",
    "examen",
    "brevet",
    "inspection",
    "formation",
    "académie",
    "rectorat",
    "note",
];
const SPAM: &[&str] = &[
    "gagnez",
    "argent",
    "offre",
    "gratuit",
    "casino",
    "bonus",
    "cliquez",
    "crédit",
    "promotion",
    "bitcoin",
    "investissement",
    "cadeau",
    "livraison",
    "colis",
    "compte",
    "suspendu",
    "urgent",
    "rencontre",
    "pilule",
    "remboursement",
    "gain",
    "tirage",
    "prix",
    "exclusif",
    "limitée",
];
const COMMON: &[&str] = &[
    "le",
    "la",
    "les",
    "de",
    "des",
    "pour",
    "avec",
    "vous",
    "nous",
    "votre",
    "est",
    "une",
    "dans",
    "sur",
    "par",
    "plus",
    "pas",
    "que",
    "qui",
    "bonjour",
    "merci",
    "cordialement",
];

/// A deterministic pseudo-random sequence (xorshift), so every run sees
/// the same corpus.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 as usize
    }
    fn pick<'a>(&mut self, w: &[&'a str]) -> &'a str {
        w[self.next() % w.len()]
    }
}

fn message(rng: &mut Rng, spam: bool, i: usize) -> Vec<u8> {
    let topical = if spam { SPAM } else { HAM };
    let other = if spam { HAM } else { SPAM };
    let mut body = String::new();
    for k in 0..120 {
        // Mostly common words, a fifth topical, a few of the other kind
        // (real ham mentions "offre", real spam "réunion").
        let w = match rng.next() % 20 {
            0..=3 => rng.pick(topical),
            4 => rng.pick(other),
            _ => rng.pick(COMMON),
        };
        body.push_str(w);
        body.push(if k % 14 == 13 { '\n' } else { ' ' });
    }
    let subject = format!("{} {} {i}", rng.pick(topical), rng.pick(COMMON));
    format!(
        "Date: Tue, 1 Dec 2026 10:00:00 +0000\r\nMessage-ID: <g{i}@x.fr>\r\nFrom: a{i}@x.fr\r\n\
         Subject: {subject}\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n{body}\r\n"
    )
    .into_bytes()
}

fn main() {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let rules = RuleSet::defaults();
    let ctx = Context {
        now: 1_796_119_200,
        ..Default::default()
    };
    let train: Vec<(Vec<u8>, bool)> = (0..2_000)
        .map(|i| (message(&mut rng, i % 2 == 0, i), i % 2 == 0))
        .collect();
    let test: Vec<(Vec<u8>, bool)> = (0..1_000)
        .map(|i| (message(&mut rng, i % 2 == 0, 10_000 + i), i % 2 == 0))
        .collect();
    let t = Instant::now();
    for (m, _) in &test {
        std::hint::black_box(score(&rules, &[], m, &ctx));
    }
    let plain = test.len() as f64 / t.elapsed().as_secs_f64();
    let mut model = Model::new();
    let t = Instant::now();
    for (m, spam) in &train {
        learn(&mut model, m, *spam);
    }
    let learn_rate = train.len() as f64 / t.elapsed().as_secs_f64();
    let t = Instant::now();
    let mut reports = Vec::with_capacity(test.len());
    for (m, spam) in &test {
        reports.push((score(&rules, &[&model], m, &ctx), *spam));
    }
    let with_bayes = test.len() as f64 / t.elapsed().as_secs_f64();
    let (mut fp, mut fne, mut unsure) = (0, 0, 0);
    for (r, spam) in &reports {
        match r.bayes {
            Some(p) if p >= 0.9 && !spam => fp += 1,
            Some(p) if p <= 0.1 && *spam => fne += 1,
            Some(p) if (0.1..0.9).contains(&p) => unsure += 1,
            _ => {}
        }
    }
    println!(
        "score: {plain:.0} msg/s (rules + structure), {with_bayes:.0} msg/s with the classifier; \
         learn {learn_rate:.0} msg/s; model {} tokens, {} KB serialised",
        model.token_count(),
        model.to_bytes().len() / 1024
    );
    println!(
        "generated held-out set of {}: ham called spam (p >= 0.9) {fp}, spam called ham (p <= 0.1) {fne}, unsure {unsure}",
        test.len()
    );
}
