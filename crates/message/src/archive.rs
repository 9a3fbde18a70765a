//! Looking into archives for R7, within a budget: what cannot be looked
//! into is recorded ([`Unscanned`]), never passed over in silence.
//!
//! Archives are recognised by their magic bytes, whatever their name:
//! zip (PKWARE APPNOTE §4.3.7, listed in `zipscan.rs`), gzip (RFC 1952,
//! its `FNAME` is a name too), tar (POSIX.1-2017 `pax` ustar headers,
//! GNU long names, pax `path` records). rar, 7z, cab, bzip2, xz and ISO
//! 9660 images are recognised but not opened: there is no well-kept
//! pure-Rust reader for them here, so they are recorded as
//! [`Unscannable::Unsupported`].
//!
//! An entry is read only far enough to see whether it is an archive
//! itself (its first [`HEAD`] bytes); only then is it decompressed, and
//! never beyond what is left of [`ScanLimits::max_expanded_bytes`].

use std::io::Read;

/// Bounds on the work spent looking into one message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ScanLimits {
    /// How deep archives inside archives are opened (1 = only the archives
    /// attached to the message).
    pub max_archive_depth: usize,
    /// How many archive entries are listed in total.
    pub max_entries: usize,
    /// Bytes decompressed (and decoded from uuencode) for the whole message.
    pub max_expanded_bytes: u64,
    /// How deep nested `message/rfc822` parts are followed.
    pub max_message_depth: usize,
}

impl ScanLimits {
    /// The defaults of `[attachments]`: generous for real mail (an `.exe`
    /// hidden eight zips deep is still named), small enough that a hostile
    /// message costs little.
    pub const DEFAULT: ScanLimits = ScanLimits {
        max_archive_depth: 8,
        max_entries: 10_000,
        max_expanded_bytes: 64 * 1024 * 1024,
        max_message_depth: 8,
    };
}

/// Why something could not be looked into.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Unscannable {
    /// Encrypted entries: the names may be readable, the contents are not.
    Encrypted,
    /// Archives nested deeper than `max_archive_depth`, or messages deeper
    /// than `max_message_depth`.
    TooDeep,
    /// More entries than `max_entries` allows.
    TooManyEntries,
    /// Expands beyond `max_expanded_bytes`.
    TooLarge,
    /// Does not parse (truncated, corrupt, or not what its magic says).
    Damaged,
    /// A format recognised but not read (`"rar"`, `"7z"`, …).
    Unsupported(&'static str),
}

/// Something in a message that could not be looked into.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unscanned {
    /// Where, as in [`crate::AttachmentName::path`].
    pub path: String,
    pub why: Unscannable,
}

/// Remaining work for one message, shared by every archive in it.
#[derive(Debug)]
pub(crate) struct Budget {
    pub limits: ScanLimits,
    pub entries_left: usize,
    pub bytes_left: u64,
    pub unscanned: Vec<Unscanned>,
}

/// At most this many [`Unscanned`] records per message: one is enough to
/// refuse it; a few help the person told.
const MAX_RECORDS: usize = 32;

impl Budget {
    pub fn new(limits: ScanLimits) -> Self {
        Budget {
            limits,
            entries_left: limits.max_entries,
            bytes_left: limits.max_expanded_bytes,
            unscanned: Vec::new(),
        }
    }

    /// Records that `path` could not be looked into.
    pub fn unscanned(&mut self, path: &str, why: Unscannable) {
        if self.unscanned.len() < MAX_RECORDS
            && !self
                .unscanned
                .iter()
                .any(|u| u.path == path && u.why == why)
        {
            self.unscanned.push(Unscanned {
                path: path.to_string(),
                why,
            });
        }
    }

    /// Takes one entry from the budget; false (and recorded) when spent.
    pub fn take_entry(&mut self, archive: &str) -> bool {
        if self.entries_left == 0 {
            self.unscanned(archive, Unscannable::TooManyEntries);
            return false;
        }
        self.entries_left -= 1;
        true
    }
}

/// The archive formats recognised by their magic bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Zip,
    Gzip,
    Tar,
    /// Recognised, not read.
    Unsupported(&'static str),
}

/// Bytes read from an entry to recognise its format (a tar header block).
pub(crate) const HEAD: usize = 512;

/// The archive format of `data`, from its first bytes.
pub fn detect(data: &[u8]) -> Option<Format> {
    let starts = |m: &[u8]| data.starts_with(m);
    if starts(b"PK\x03\x04") || starts(b"PK\x05\x06") || starts(b"PK\x07\x08") {
        return Some(Format::Zip);
    }
    // RFC 1952 §2.3.1: ID1 ID2, CM = 8 (deflate).
    if starts(b"\x1f\x8b\x08") {
        return Some(Format::Gzip);
    }
    if is_tar_header(data) {
        return Some(Format::Tar);
    }
    let unsupported = [
        (&b"Rar!\x1a\x07"[..], "rar"),
        (b"7z\xbc\xaf\x27\x1c", "7z"),
        (b"MSCF\0\0\0\0", "cab"),
        (b"\xfd7zXZ\0", "xz"),
        (b"ISc(", "InstallShield cab"),
    ];
    if let Some((_, name)) = unsupported.iter().find(|(m, _)| starts(m)) {
        return Some(Format::Unsupported(name));
    }
    // bzip2: "BZh", the block size digit, then the block magic (pi).
    if data.len() >= 10
        && starts(b"BZh")
        && (b'1'..=b'9').contains(&data[3])
        && (&data[4..10] == b"\x31\x41\x59\x26\x53\x59"
            || &data[4..10] == b"\x17\x72\x45\x38\x50\x90")
    {
        return Some(Format::Unsupported("bzip2"));
    }
    // ECMA-119 §8.1: the first volume descriptor at sector 16 says CD001.
    if data.get(0x8001..0x8006) == Some(b"CD001") {
        return Some(Format::Unsupported("iso"));
    }
    None
}

/// Lists the archive `data` (of `format`, at `depth`, named `path`):
/// every entry as `(path/entry, is_dir)`, recursing into archives.
pub(crate) fn walk(
    data: &[u8],
    format: Format,
    path: &str,
    depth: usize,
    budget: &mut Budget,
    out: &mut Vec<(String, bool)>,
) {
    match format {
        Format::Zip => crate::zipscan::list_zip(data, path, depth, budget, out),
        Format::Gzip => gunzip(data, path, depth, budget, out),
        Format::Tar => list_tar(data, path, depth, budget, out),
        Format::Unsupported(kind) => budget.unscanned(path, Unscannable::Unsupported(kind)),
    }
}

/// An entry already in memory (inside a tar): walked when it is an archive.
fn inspect_bytes(
    data: &[u8],
    path: &str,
    depth: usize,
    budget: &mut Budget,
    out: &mut Vec<(String, bool)>,
) {
    let Some(format) = detect(data) else { return };
    if depth >= budget.limits.max_archive_depth {
        budget.unscanned(path, Unscannable::TooDeep);
        return;
    }
    walk(data, format, path, depth + 1, budget, out);
}

/// An entry read from a decompressor, inside an archive of `depth`: its
/// first bytes say whether it is an archive; if so it is read whole
/// (within the budget) and walked.
pub(crate) fn inspect_reader(
    reader: &mut dyn Read,
    path: &str,
    depth: usize,
    budget: &mut Budget,
    out: &mut Vec<(String, bool)>,
) {
    let mut head = Vec::with_capacity(HEAD);
    let cap = (HEAD as u64).min(budget.bytes_left);
    if reader.take(cap).read_to_end(&mut head).is_err() {
        budget.unscanned(path, Unscannable::Damaged);
        return;
    }
    budget.bytes_left -= head.len() as u64;
    if head.len() as u64 == cap && cap < HEAD as u64 {
        // The budget ran out before the head: is there more?
        let mut one = [0u8; 1];
        if matches!(reader.read(&mut one), Ok(1)) {
            budget.unscanned(path, Unscannable::TooLarge);
            return;
        }
    }
    let Some(format) = detect(&head) else {
        return;
    };
    if depth >= budget.limits.max_archive_depth {
        budget.unscanned(path, Unscannable::TooDeep);
        return;
    }
    if let Format::Unsupported(kind) = format {
        budget.unscanned(path, Unscannable::Unsupported(kind));
        return;
    }
    // Never trust a declared size: read at most what is left, plus one byte
    // to know it was too much.
    let mut data = head;
    let before = data.len() as u64;
    let read = reader
        .take(budget.bytes_left.saturating_add(1))
        .read_to_end(&mut data);
    let got = data.len() as u64 - before;
    if got > budget.bytes_left {
        budget.bytes_left = 0;
        budget.unscanned(path, Unscannable::TooLarge);
        return;
    }
    budget.bytes_left -= got;
    if read.is_err() {
        budget.unscanned(path, Unscannable::Damaged);
        return;
    }
    walk(&data, format, path, depth + 1, budget, out);
}

/// RFC 1952: one entry, named by `FNAME` when the header has one, else by
/// the archive's name without `.gz` (`.tgz` gives `.tar`).
fn gunzip(
    data: &[u8],
    path: &str,
    depth: usize,
    budget: &mut Budget,
    out: &mut Vec<(String, bool)>,
) {
    if !budget.take_entry(path) {
        return;
    }
    let fname = gzip_fname(data);
    let archive_name = path.rsplit('/').next().unwrap_or(path);
    let lower = archive_name.to_ascii_lowercase();
    let inner = match &fname {
        Some(n) => n.replace('\\', "/"),
        None if lower.ends_with(".tgz") => {
            format!("{}.tar", &archive_name[..archive_name.len() - 4])
        }
        None if lower.ends_with(".gz") => archive_name[..archive_name.len() - 3].to_string(),
        None => "(gunzip)".to_string(),
    };
    let entry = format!("{path}/{inner}");
    out.push((entry.clone(), false));
    let mut decoder = flate2::read::MultiGzDecoder::new(data);
    inspect_reader(&mut decoder, &entry, depth, budget, out);
}

/// RFC 1952 §2.3.1: the zero-terminated `FNAME` field when FLG.FNAME is set.
fn gzip_fname(data: &[u8]) -> Option<String> {
    let flags = *data.get(3)?;
    let mut i = 10;
    if flags & 0x04 != 0 {
        // FEXTRA: two bytes of length, then that many bytes.
        let xlen = u16::from_le_bytes([*data.get(10)?, *data.get(11)?]);
        i += 2 + usize::from(xlen);
    }
    if flags & 0x08 == 0 {
        return None;
    }
    let rest = data.get(i..)?;
    let end = rest.iter().position(|&b| b == 0)?;
    // RFC 1952: ISO 8859-1.
    Some(rest[..end].iter().map(|&b| char::from(b)).collect())
}

/// True for a tar header block: the ustar magic, or a valid header
/// checksum (old V7 archives have no magic).
fn is_tar_header(h: &[u8]) -> bool {
    if h.len() < HEAD {
        return false;
    }
    h[257..262] == *b"ustar" || (h[0] != 0 && tar_checksum_ok(h))
}

/// POSIX `ustar`: the checksum is the sum of the header's bytes with the
/// checksum field taken as eight spaces, written in octal.
fn tar_checksum_ok(h: &[u8]) -> bool {
    let Some(stored) = octal(&h[148..156]) else {
        return false;
    };
    let sum: u64 = h[..HEAD]
        .iter()
        .enumerate()
        .map(|(i, &b)| {
            if (148..156).contains(&i) {
                32
            } else {
                u64::from(b)
            }
        })
        .sum();
    stored == sum
}

/// An octal number field, blank- or NUL-padded; `None` when empty or bad.
fn octal(field: &[u8]) -> Option<u64> {
    let digits: &[u8] = field.trim_ascii_start();
    let end = digits
        .iter()
        .position(|&b| b == 0 || b == b' ')
        .unwrap_or(digits.len());
    let digits = &digits[..end];
    if digits.is_empty() {
        return None;
    }
    digits.iter().try_fold(0u64, |n, &d| {
        (b'0'..=b'7')
            .contains(&d)
            .then(|| n.checked_mul(8)?.checked_add(u64::from(d - b'0')))
            .flatten()
    })
}

/// The size field: octal, or GNU base-256 when the first byte's top bit is set.
fn tar_size(field: &[u8]) -> Option<u64> {
    if field[0] & 0x80 != 0 {
        let mut n: u64 = u64::from(field[0] & 0x7f);
        for &b in &field[1..] {
            n = n.checked_mul(256)?.checked_add(u64::from(b))?;
        }
        return Some(n);
    }
    octal(field)
}

fn nul_terminated(b: &[u8]) -> &[u8] {
    b.iter().position(|&c| c == 0).map_or(b, |p| &b[..p])
}

/// The `path` record of a pax extended header (`"<len> path=<value>\n"`).
fn pax_path(body: &[u8]) -> Option<Vec<u8>> {
    let mut rest = body;
    while !rest.is_empty() {
        let space = rest.iter().position(|&b| b == b' ')?;
        let len: usize = std::str::from_utf8(&rest[..space]).ok()?.parse().ok()?;
        let record = rest.get(space + 1..len)?;
        let record = record.strip_suffix(b"\n").unwrap_or(record);
        if let Some(v) = record.strip_prefix(b"path=") {
            return Some(v.to_vec());
        }
        rest = rest.get(len..)?;
    }
    None
}

/// Lists a tar archive held in memory.
fn list_tar(
    data: &[u8],
    path: &str,
    depth: usize,
    budget: &mut Budget,
    out: &mut Vec<(String, bool)>,
) {
    let mut off = 0usize;
    let mut long_name: Option<Vec<u8>> = None;
    let mut pax_name: Option<Vec<u8>> = None;
    while let Some(h) = data.get(off..off + HEAD) {
        if h.iter().all(|&b| b == 0) {
            return; // End of archive: two zero blocks (one is enough here).
        }
        let Some(size) = tar_checksum_ok(h).then(|| tar_size(&h[124..136])).flatten() else {
            budget.unscanned(path, Unscannable::Damaged);
            return;
        };
        let start = off + HEAD;
        let Some(body) = usize::try_from(size)
            .ok()
            .and_then(|s| data.get(start..start.checked_add(s)?))
        else {
            budget.unscanned(path, Unscannable::Damaged);
            return;
        };
        off = start + body.len().div_ceil(HEAD) * HEAD;
        let typeflag = h[156];
        match typeflag {
            // GNU: the next entry's long name / link name.
            b'L' => {
                long_name = Some(nul_terminated(body).to_vec());
                continue;
            }
            b'K' | b'g' => continue,
            b'x' => {
                pax_name = pax_path(body);
                continue;
            }
            _ => {}
        }
        if !budget.take_entry(path) {
            return;
        }
        let name = pax_name
            .take()
            .or_else(|| long_name.take())
            .unwrap_or_else(|| {
                let name = nul_terminated(&h[..100]);
                let prefix = nul_terminated(&h[345..500]);
                if h[257..262] == *b"ustar" && !prefix.is_empty() {
                    [prefix, b"/", name].concat()
                } else {
                    name.to_vec()
                }
            });
        let name = String::from_utf8_lossy(&name).replace('\\', "/");
        let is_dir = typeflag == b'5' || name.ends_with('/');
        let entry = format!("{path}/{}", name.trim_end_matches('/'));
        out.push((entry.clone(), is_dir));
        // Regular files: '0', NUL (old archives), '7' (contiguous).
        if matches!(typeflag, b'0' | 0 | b'7') {
            inspect_bytes(body, &entry, depth, budget, out);
        }
    }
    if off < data.len() {
        // A partial block at the end.
        budget.unscanned(path, Unscannable::Damaged);
    }
}
