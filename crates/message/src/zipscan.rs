//! Listing the file names inside zip archives (R7), within a fixed budget.
//!
//! Only the central directory is read to list names (PKWARE APPNOTE §4.3.12).
//! An entry is opened only to look at its first bytes, and decompressed
//! fully only when those bytes say it is itself an archive, and then never
//! beyond what is left of the budget ([`crate::archive`]). A zip bomb
//! therefore costs at most the budget, whatever its headers claim.

use std::io::Cursor;

use crate::archive::{Budget, Unscannable, inspect_reader};

/// Lists every entry of the zip in `data` as `prefix/entry`, recursing into
/// entries that are archives themselves. `depth` is the depth of this
/// archive (1 for an archive attached to the message).
pub(crate) fn list_zip(
    data: &[u8],
    prefix: &str,
    depth: usize,
    budget: &mut Budget,
    out: &mut Vec<(String, bool)>,
) {
    // The zip crate parses the whole central directory up front; do not let
    // it when the archive declares more entries than the budget allows (a
    // 10 MB archive can declare 200,000 tiny entries).
    if declared_entries(data).is_some_and(|n| n > budget.entries_left as u64) {
        budget.unscanned(prefix, Unscannable::TooManyEntries);
        return;
    }
    let mut archive = match zip::ZipArchive::new(Cursor::new(data)) {
        Ok(a) => a,
        Err(_) => {
            budget.unscanned(prefix, Unscannable::Damaged);
            return;
        }
    };
    for i in 0..archive.len() {
        if !budget.take_entry(prefix) {
            return;
        }
        let (name, is_dir, encrypted) = match archive.by_index_raw(i) {
            Ok(f) => (f.name().replace('\\', "/"), f.is_dir(), f.encrypted()),
            Err(_) => {
                budget.unscanned(prefix, Unscannable::Damaged);
                continue;
            }
        };
        let path = format!("{prefix}/{}", name.trim_end_matches('/'));
        out.push((path.clone(), is_dir));
        if is_dir {
            continue;
        }
        if encrypted {
            // The names are in clear in the central directory, the contents
            // are not: what is inside cannot be known.
            budget.unscanned(prefix, Unscannable::Encrypted);
            continue;
        }
        match archive.by_index(i) {
            Ok(mut file) => inspect_reader(&mut file, &path, depth, budget, out),
            // The zip crate reads stored and deflated entries only.
            Err(_) => budget.unscanned(&path, Unscannable::Unsupported("zip compression method")),
        }
    }
}

/// The total number of entries the end-of-central-directory record declares
/// (APPNOTE §4.3.16, and §4.3.14 for zip64), or `None` when it cannot be found.
pub(crate) fn declared_entries(data: &[u8]) -> Option<u64> {
    const EOCD_LEN: usize = 22;
    if data.len() < EOCD_LEN {
        return None;
    }
    // The record ends the file, followed only by a comment of at most 65535 bytes.
    let earliest = data.len().saturating_sub(EOCD_LEN + 0xFFFF);
    let eocd = (earliest..=data.len() - EOCD_LEN)
        .rev()
        .find(|&i| data[i..].starts_with(b"PK\x05\x06"))?;
    let u16_at = |b: &[u8], i: usize| -> Option<u64> {
        Some(u64::from(u16::from_le_bytes(
            b.get(i..i + 2)?.try_into().ok()?,
        )))
    };
    let u64_at = |b: &[u8], i: usize| -> Option<u64> {
        Some(u64::from_le_bytes(b.get(i..i + 8)?.try_into().ok()?))
    };
    let total = u16_at(data, eocd + 10)?;
    if total != 0xFFFF {
        return Some(total);
    }
    // Zip64: the locator sits just before the record and points at the zip64 record.
    let loc = eocd.checked_sub(20)?;
    if !data[loc..].starts_with(b"PK\x06\x07") {
        return None;
    }
    let z64 = usize::try_from(u64_at(data, loc + 8)?).ok()?;
    if !data.get(z64..)?.starts_with(b"PK\x06\x06") {
        return None;
    }
    u64_at(data, z64 + 32)
}
