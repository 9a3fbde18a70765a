//! MIME analysis of a message and the few messages the platform writes itself.
//!
//! What it does:
//! - [`Analysis::of`] reads one RFC 5322 message and returns the facts the
//!   charter needs (subject, senders, auto-submission markers, list headers,
//!   privacy R4, every attachment file name including names inside zip
//!   archives for R7). It never fails and never panics on broken input.
//! - [`forbidden_attachment`] checks those names against the R7 list,
//!   every reading of each ([`names`]: the names a part's header block
//!   gives under every client's reading, cut at a NUL, without bidi or
//!   invisible characters, as displayed), including files uuencoded or
//!   BinHex-encoded inside text parts ([`uuencode`]).
//! - [`header_defect`]: header sections that readers would read
//!   differently (bare CR or LF, NUL, a second `From:`), refused at DATA.
//! - [`headers`]: header editing that leaves the body bytes untouched
//!   (`Sensitivity: Private`, `Message-ID`, `Received`).
//! - [`build`]: the messages the server writes: delivery status
//!   notifications, notices, vacation replies.
//!
//! RFCs implemented (fully or in the part the platform needs):
//! - RFC 5322 (message format, date-time §3.3, header fields)
//! - RFC 2045/2046 (MIME, quoted-printable §6.7), RFC 2047 (encoded words),
//!   RFC 2183 (Content-Disposition), RFC 2231 (parameter continuations and
//!   charsets; read by mail-parser and again, permissively, in `names.rs`)
//! - RFC 3464 (delivery status notifications), RFC 6522 (multipart/report),
//!   RFC 3461 §6 (ENVID, ORCPT, RET in DSNs)
//! - RFC 3834 (automatic responses: `Auto-Submitted`, vacation replies)
//! - RFC 2369 / RFC 2919 (`List-*`, `List-Id` headers, read only)
//! - RFC 2156 §5.3.4 (`Sensitivity` header, written for R4)
//! - RFC 5321 §4.4 and RFC 3848 / RFC 6531 §3.7.3 (`Received` trace fields)
//! - PKWARE APPNOTE (zip central directory, read through the `zip` crate)
//! - POSIX.1-2017 `uuencode` (historical and base64 forms), RFC 1741 (BinHex 4.0)
//!
//! Invariants
//! - No I/O, no clock: time is passed in as [`UnixTime`](vesontio_types::UnixTime).
//! - Peer input never reaches a panic: parsing runs behind `catch_unwind`
//!   and every archive walk has a fixed budget of entries, bytes and depth.
//! - Header editing only prepends lines: the body and the existing header
//!   bytes are copied unchanged (DKIM signatures stay valid).

mod analysis;
mod archive;
pub mod build;
mod date;
mod header_check;
pub mod headers;
pub mod mime;
pub mod names;
mod privacy;
pub mod subject;
#[cfg(any(test, feature = "testkit"))]
pub mod testkit;
pub mod uuencode;
mod zipscan;

pub use analysis::{Analysis, AttachmentName, forbidden_attachment};
pub use archive::{Format, ScanLimits, Unscannable, Unscanned, detect};
pub use build::{
    DsnAction, DsnParams, DsnRecipient, Mailbox, ReturnContent, VacationReply, WithProtocol,
    build_dsn, build_notice, build_vacation_reply, received_header,
};
pub use date::format_rfc5322_date;
pub use header_check::{HeaderDefect, header_defect};
pub use headers::{
    add_sensitivity_private, encode_unstructured, ensure_message_id, has_header, prepend_header,
    to_ascii,
};
pub use privacy::is_private_subject;

#[cfg(test)]
mod tests;
