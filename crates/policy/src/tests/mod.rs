#![allow(clippy::unwrap_used)] // tests may unwrap their own fixtures

//! The policy unit tests, one file per rule (or family of rules); the fixed
//! clock and the fixtures they share are here.

use super::*;
use texts::{
    attachment_blocked_notice, date_fr_iso, departure_warning_notice, mb_en, mb_fr,
    quota_warning_notice,
};
use vesontio_message::{Analysis, AttachmentName};
use vesontio_types::{AccountKind, Address};

/// 2026-03-02 09:00:00 UTC: the fixed clock of every test.
const NOW: i64 = 1_772_442_000;
const HOUR: i64 = 3600;
const DAY: i64 = 86_400;
const MB: u64 = 1024 * 1024;

fn addr(s: &str) -> Address {
    Address::parse(s).unwrap()
}

fn exts() -> Vec<String> {
    ["exe", "com", "pif", "reg", "scr", "vbs"]
        .iter()
        .map(|s| s.to_string())
        .collect()
}

mod content;
mod forwarding;
mod lifecycle;
mod lists;
mod quota;
mod rate;
mod vacation;
