//! `[spam]` (R24): the scorer's threshold, the report address and its
//! rules file.
//!
//! ```toml
//! [spam]
//! threshold = 5.0            # the former name of filters.junk
//! report_local_part = "spam" # spam@<domain> learns from reports
//! enabled = true
//! rules = ""                 # a TOML file replacing the built-in rules
//! ```

use serde::Serialize;

/// `[spam]` [R24].
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Spam {
    /// Score from which a message is treated as spam. Higher means fewer
    /// false positives, which the charter values more. Default 5.0. The
    /// former name of `filters.junk`; both may be given only if equal.
    pub threshold: f64,
    /// Local part of the address users forward spam to, in every local
    /// domain (`spam@<domain>`). Default `"spam"`.
    pub report_local_part: String,
    /// Whether the spam scorer runs as a filter stage. Default true.
    pub enabled: bool,
    /// A TOML file of phrase rules replacing the built-in French and
    /// English ones, reread when it changes; empty means the built-in
    /// rules. Default empty.
    pub rules: String,
}

impl Default for Spam {
    fn default() -> Self {
        Spam {
            threshold: 5.0,
            report_local_part: "spam".into(),
            enabled: true,
            rules: String::new(),
        }
    }
}
