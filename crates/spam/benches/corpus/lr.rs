//! The other candidate, measured beside naive Bayes on the same
//! tokens and the same folds: logistic regression on hashed features
//! (2^20 buckets, a message's tokens weighted 1/√k so long and short
//! messages step alike, stochastic gradient descent on the log loss).
//! Not used by the scorer: it is here so the choice stays measured.

/// Buckets of the hashed weight vector (4 MB of f32).
const BUCKETS: usize = 1 << 20;

pub struct Logistic {
    w: Vec<f32>,
    bias: f32,
}

fn buckets(toks: &[u64]) -> (Vec<usize>, f32) {
    let mut b: Vec<usize> = toks.iter().map(|t| (*t as usize) & (BUCKETS - 1)).collect();
    b.sort_unstable();
    b.dedup();
    let x = 1.0 / (b.len().max(1) as f32).sqrt();
    (b, x)
}

impl Logistic {
    /// Learns from `(tokens, spam)` in `epochs` passes, the order fixed
    /// by the caller.
    pub fn train(data: &[(&[u64], bool)], epochs: usize, rate: f32) -> Logistic {
        let mut m = Logistic {
            w: vec![0.0; BUCKETS],
            bias: 0.0,
        };
        let encoded: Vec<(Vec<usize>, f32, bool)> = data
            .iter()
            .map(|(t, s)| {
                let (b, x) = buckets(t);
                (b, x, *s)
            })
            .collect();
        for epoch in 0..epochs {
            // A rate that decays over the passes, so the last pass refines.
            let eta = rate / (1.0 + epoch as f32);
            for (b, x, spam) in &encoded {
                let p = m.p_of(b, *x);
                let g = (if *spam { 1.0 } else { 0.0 }) - p;
                for i in b {
                    m.w[*i] += eta * g * x;
                }
                m.bias += eta * g * 0.1;
            }
        }
        m
    }

    fn p_of(&self, b: &[usize], x: f32) -> f32 {
        let z: f32 = self.bias + b.iter().map(|i| self.w[*i]).sum::<f32>() * x;
        1.0 / (1.0 + (-z).exp())
    }

    pub fn p(&self, toks: &[u64]) -> f64 {
        let (b, x) = buckets(toks);
        f64::from(self.p_of(&b, x))
    }
}

/// The share of spam caught at the strictest cut that keeps at most
/// `max_fp` of ham over it (the two classifiers compared where the
/// issue's target is, whatever their scales).
pub fn caught_at(scores: &[(f64, bool)], max_fp: f64) -> (f64, f64) {
    let mut ham: Vec<f64> = scores.iter().filter(|s| !s.1).map(|s| s.0).collect();
    ham.sort_by(|a, b| b.partial_cmp(a).unwrap_or(std::cmp::Ordering::Equal));
    let allowed = (max_fp * ham.len() as f64).floor() as usize;
    // Strictly over the (allowed+1)-th highest ham score.
    let cut = ham.get(allowed).copied().unwrap_or(f64::NEG_INFINITY);
    let spam: Vec<f64> = scores.iter().filter(|s| s.1).map(|s| s.0).collect();
    let caught = spam.iter().filter(|s| **s > cut).count();
    let fp = ham.iter().filter(|s| **s > cut).count();
    (
        100.0 * fp as f64 / ham.len().max(1) as f64,
        100.0 * caught as f64 / spam.len().max(1) as f64,
    )
}
