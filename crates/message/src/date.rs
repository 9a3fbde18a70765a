//! RFC 5322 §3.3 date-time, always written in UTC.

use chrono::DateTime;
use vesontio_types::UnixTime;

/// Formats `t` as an RFC 5322 §3.3 `date-time`, e.g. `Tue, 1 Jul 2003 10:52:37 +0000`.
///
/// The zone is always `+0000`: RFC 5322 §3.3 reserves `-0000` for "local
/// time unknown", and UTC is what the server knows. A time chrono cannot
/// represent falls back to the Unix epoch rather than failing.
pub fn format_rfc5322_date(t: UnixTime) -> String {
    let dt = DateTime::from_timestamp(t, 0).unwrap_or_default();
    dt.format("%a, %-d %b %Y %H:%M:%S +0000").to_string()
}
