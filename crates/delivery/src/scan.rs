//! Content hooks consulted before a message is stored: antivirus (R9) and
//! spam scoring (R24). None are installed by default; a later component
//! provides them through [`crate::Delivery::with_scanners`].

use vesontio_message::Analysis;

use crate::Refused;

/// What a scanner says about one message.
#[derive(Debug, Clone, PartialEq)]
pub enum ScanVerdict {
    /// Nothing found.
    Clean,
    /// R9: isolate the message (infected, or held by an R8 alert rule);
    /// it is stored in quarantine, not delivered. `reason` is shown to
    /// administrators, so it must not quote content.
    Quarantine { reason: String },
    /// Refuse the message with this reply (e.g. `554 5.7.1` virus found).
    Reject(Refused),
    /// R24: a spam score; at or above the threshold the message goes to
    /// the recipient's `Junk` folder, and an `X-Spam-Score` field is added.
    SpamScore(f32),
}

/// A content scanner. Called from async code: implementations must be
/// quick or do their own blocking off the runtime's threads.
pub trait Scanner: Send + Sync {
    fn scan(&self, raw: &[u8], analysis: &Analysis) -> ScanVerdict;
}
