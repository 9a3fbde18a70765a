//! R5: no mass mailing. Recipients per message and per sliding hour.

use std::collections::VecDeque;

use vesontio_types::UnixTime;

use crate::refusal::Refusal;

/// Recipients counted over a sliding window (one hour for R5), per sender.
///
/// Counts are kept in buckets of `window / 60` seconds, so memory is at
/// most 61 buckets whatever the traffic. A recipient counts from the
/// moment it is recorded until its bucket has fully left the window: for
/// between `window` and `window + granularity` seconds. The limit is thus
/// never lenient, at most one minute strict per hour.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RateWindow {
    window: i64,
    granularity: i64,
    /// (bucket index, recipients), oldest first.
    pub(crate) buckets: VecDeque<(i64, u64)>,
}

impl RateWindow {
    /// A window of `window_secs` seconds (at least 60).
    pub fn new(window_secs: i64) -> Self {
        let window = window_secs.max(60);
        RateWindow {
            window,
            granularity: (window / 60).max(1),
            buckets: VecDeque::new(),
        }
    }

    /// The one-hour window of R5.
    pub fn hourly() -> Self {
        Self::new(3600)
    }

    fn bucket(&self, t: UnixTime) -> i64 {
        t.div_euclid(self.granularity)
    }

    /// Drops buckets that ended at or before `now - window`.
    fn expire(&mut self, now: UnixTime) {
        let cutoff = now.saturating_sub(self.window);
        while let Some(&(idx, _)) = self.buckets.front() {
            let end = idx.saturating_add(1).saturating_mul(self.granularity);
            if end <= cutoff {
                self.buckets.pop_front();
            } else {
                break;
            }
        }
    }

    /// Records `n` recipients sent at `now`.
    pub fn record(&mut self, now: UnixTime, n: u64) {
        self.expire(now);
        let idx = self.bucket(now);
        match self.buckets.back_mut() {
            // A clock going backwards adds to the newest bucket, which keeps
            // the count and never makes it lenient.
            Some((last, count)) if *last >= idx => *count = count.saturating_add(n),
            _ => self.buckets.push_back((idx, n)),
        }
    }

    /// Recipients counted in the window at `now`.
    pub fn count(&mut self, now: UnixTime) -> u64 {
        self.expire(now);
        self.buckets.iter().map(|&(_, c)| c).sum()
    }

    /// True when sending `n` more recipients at `now` would go over
    /// `limit_per_window`.
    pub fn would_exceed(&mut self, now: UnixTime, n: u64, limit_per_window: u64) -> bool {
        self.count(now).saturating_add(n) > limit_per_window
    }

    /// True when nothing is counted any more: the window can be dropped.
    pub fn is_idle(&mut self, now: UnixTime) -> bool {
        self.count(now) == 0
    }
}

/// R5: at most `limit` recipients in one message.
///
/// RFC 5321 §4.5.3.1.10: `452 4.5.3` on the first recipient over the limit
/// (RFC 3463 X.5.3: too many recipients). Call it with the number of
/// recipients accepted so far plus one, at each RCPT TO.
pub fn check_recipients_per_message(n: u64, limit: u64) -> Result<(), Refusal> {
    if n <= limit {
        return Ok(());
    }
    Err(Refusal::new(
        452,
        "4.5.3",
        format!(
            "Trop de destinataires : {limit} au plus par message. Pour écrire à un grand nombre de personnes, \
             utilisez une liste institutionnelle. / Too many recipients: at most {limit} per message. Use an \
             institutional list to write to many people."
        ),
    ))
}

/// R5: at most `limit_per_hour` recipients per sender over the sliding
/// window. When allowed, the `n` recipients are recorded.
///
/// `450 4.7.1`: temporary (RFC 5321 §4.2.5), the message can go once the
/// hour has passed; RFC 3463 X.7.1: delivery not authorized.
pub fn check_hourly_rate(
    window: &mut RateWindow,
    now: UnixTime,
    n: u64,
    limit_per_hour: u64,
) -> Result<(), Refusal> {
    if window.would_exceed(now, n, limit_per_hour) {
        return Err(Refusal::new(
            450,
            "4.7.1",
            format!(
                "Limite d'envoi atteinte : {limit_per_hour} destinataires par heure. Réessayez plus tard ; si vous \
                 n'avez pas envoyé ces messages, changez votre mot de passe. / Sending limit reached: \
                 {limit_per_hour} recipients per hour. Try again later; if you did not send these messages, change \
                 your password."
            ),
        ));
    }
    window.record(now, n);
    Ok(())
}
