//! Listing the file names inside zip archives (R7), within a fixed budget.
//!
//! Only the central directory is read to list names (PKWARE APPNOTE §4.3.12).
//! An entry is opened only to look at its first four bytes, and decompressed
//! fully only when those bytes say it is itself a zip, and then never beyond
//! [`ScanLimits::max_inner_archive_bytes`]. A zip bomb therefore costs at
//! most the budget, whatever its headers claim.

use std::io::{Cursor, Read};

/// Bounds on the work spent looking into archives, for one message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ScanLimits {
    /// How deep archives inside archives are opened (1 = only the archives
    /// attached to the message).
    pub max_archive_depth: usize,
    /// How many archive entries are listed in total.
    pub max_entries: usize,
    /// The largest inner archive that is decompressed to be listed.
    pub max_inner_archive_bytes: u64,
    /// Total bytes decompressed for the whole message.
    pub max_total_bytes: u64,
    /// How deep nested `message/rfc822` parts are followed.
    pub max_message_depth: usize,
}

impl ScanLimits {
    /// Limits suited to the charter's 10 MB messages: generous for real
    /// mail, small enough that a hostile one costs little.
    pub const DEFAULT: ScanLimits = ScanLimits {
        max_archive_depth: 4,
        max_entries: 10_000,
        max_inner_archive_bytes: 16 * 1024 * 1024,
        max_total_bytes: 64 * 1024 * 1024,
        max_message_depth: 8,
    };
}

/// Remaining work for one message, shared by every archive in it.
#[derive(Debug)]
pub(crate) struct Budget {
    pub limits: ScanLimits,
    pub entries_left: usize,
    pub bytes_left: u64,
    /// Set when something could not be looked into (budget spent, encrypted
    /// or corrupt archive): callers may then choose to refuse.
    pub incomplete: bool,
}

impl Budget {
    pub fn new(limits: ScanLimits) -> Self {
        Budget {
            limits,
            entries_left: limits.max_entries,
            bytes_left: limits.max_total_bytes,
            incomplete: false,
        }
    }
}

/// True when `data` starts like a zip archive: a local file header, or the
/// end-of-central-directory record of an empty archive (APPNOTE §4.3.7, §4.3.16).
pub(crate) fn looks_like_zip(data: &[u8]) -> bool {
    data.starts_with(b"PK\x03\x04") || data.starts_with(b"PK\x05\x06")
}

/// Lists every entry of the zip in `data` as `prefix/entry`, recursing into
/// entries that are zips themselves. `depth` is the depth of this archive
/// (1 for an archive attached to the message).
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
        budget.incomplete = true;
        return;
    }
    let mut archive = match zip::ZipArchive::new(Cursor::new(data)) {
        Ok(a) => a,
        Err(_) => {
            budget.incomplete = true;
            return;
        }
    };
    for i in 0..archive.len() {
        if budget.entries_left == 0 {
            budget.incomplete = true;
            return;
        }
        budget.entries_left -= 1;
        let (name, is_dir, encrypted) = match archive.by_index_raw(i) {
            Ok(f) => (clean_entry_name(f.name()), f.is_dir(), f.encrypted()),
            Err(_) => {
                budget.incomplete = true;
                continue;
            }
        };
        let path = format!("{prefix}/{name}");
        out.push((path.clone(), is_dir));
        if is_dir {
            continue;
        }
        if encrypted {
            // The names are in clear in the central directory, the contents
            // are not: an encrypted inner archive cannot be listed.
            budget.incomplete = true;
            continue;
        }
        if let Some(inner) = read_inner_archive(&mut archive, i, budget) {
            if depth >= budget.limits.max_archive_depth {
                budget.incomplete = true;
                continue;
            }
            list_zip(&inner, &path, depth + 1, budget, out);
        }
    }
}

/// Returns the decompressed entry `i` when it is itself a zip and fits the
/// budget; `None` otherwise.
fn read_inner_archive<R: Read + std::io::Seek>(
    archive: &mut zip::ZipArchive<R>,
    i: usize,
    budget: &mut Budget,
) -> Option<Vec<u8>> {
    let mut file = match archive.by_index(i) {
        Ok(f) => f,
        Err(_) => {
            budget.incomplete = true;
            return None;
        }
    };
    let mut magic = [0u8; 4];
    let mut got = 0;
    while got < 4 {
        match file.read(&mut magic[got..]) {
            Ok(0) => break,
            Ok(n) => got += n,
            Err(_) => {
                budget.incomplete = true;
                return None;
            }
        }
    }
    budget.bytes_left = budget.bytes_left.saturating_sub(got as u64);
    if got < 4 || !looks_like_zip(&magic) {
        return None;
    }
    // Never trust the declared size: read at most the limit plus one byte.
    let cap = budget.limits.max_inner_archive_bytes.min(budget.bytes_left);
    let mut inner = magic.to_vec();
    let read = (&mut file)
        .take(cap.saturating_sub(4) + 1)
        .read_to_end(&mut inner);
    budget.bytes_left = budget.bytes_left.saturating_sub(inner.len() as u64 - 4);
    if read.is_err() || inner.len() as u64 > cap {
        budget.incomplete = true;
        return None;
    }
    Some(inner)
}

/// Control characters in entry names are replaced so a name can be logged
/// and shown; backslashes (written by some Windows tools) become slashes.
fn clean_entry_name(name: &str) -> String {
    name.chars()
        .map(|c| match c {
            '\\' => '/',
            c if c.is_control() => '?',
            c => c,
        })
        .collect()
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
