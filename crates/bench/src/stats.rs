//! Figures: rates and latency percentiles, printed one per line in a form
//! that stays the same from run to run (`name: value unit`).

use std::time::Duration;

/// Milliseconds of a duration, for printing.
pub fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// `n` per second over `d`.
pub fn rate(n: u64, d: Duration) -> f64 {
    let s = d.as_secs_f64();
    if s > 0.0 { n as f64 / s } else { 0.0 }
}

/// Latency percentiles of a set of samples.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Percentiles {
    pub n: usize,
    pub min: Duration,
    pub p50: Duration,
    pub p90: Duration,
    pub p99: Duration,
    pub max: Duration,
}

impl Percentiles {
    /// None for no samples. Nearest rank: the value below which the share
    /// of samples lies (p50 of 1..=10 is 5).
    pub fn of(samples: &[Duration]) -> Option<Percentiles> {
        let mut v = samples.to_vec();
        v.sort();
        let at = |q: f64| {
            let rank = (q * v.len() as f64).ceil() as usize;
            v[rank.clamp(1, v.len()) - 1]
        };
        Some(Percentiles {
            n: v.len(),
            min: *v.first()?,
            p50: at(0.50),
            p90: at(0.90),
            p99: at(0.99),
            max: *v.last()?,
        })
    }

    /// `min 1.2 p50 3.4 p90 5.6 p99 7.8 max 9.0 ms (n=100)`
    pub fn line(&self) -> String {
        format!(
            "min {:.1} p50 {:.1} p90 {:.1} p99 {:.1} max {:.1} ms (n={})",
            ms(self.min),
            ms(self.p50),
            ms(self.p90),
            ms(self.p99),
            ms(self.max),
            self.n
        )
    }
}

/// Prints the first few distinct errors of a run, and how many there were.
pub fn report_errors(what: &str, errors: &[String]) {
    if errors.is_empty() {
        return;
    }
    println!("{what} errors: {}", errors.len());
    let mut seen: Vec<&String> = Vec::new();
    for e in errors {
        if !seen.contains(&e) {
            seen.push(e);
            println!("  {e}");
            if seen.len() == 5 {
                break;
            }
        }
    }
}
