//! Files carried inside a text body (R7): uuencode, `begin-base64` and
//! BinHex 4.0 blocks, which Outlook, Thunderbird and others show as
//! attachments although MIME sees only text.
//!
//! Formats: uuencode and `begin-base64` as in POSIX.1-2017 `uuencode`
//! (the `begin <mode> <name>` line, encoded lines, `end` or `====`);
//! BinHex 4.0 as described in RFC 1741 (the `(This file must be converted
//! with BinHex` line, `:`-delimited 6-bit data with run-length encoding,
//! whose header starts with the file name).

use mail_parser::decoders::base64::base64_decode;

/// One file found in a text body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EmbeddedFile {
    /// The name the block gives, `None` when it cannot be read (a BinHex
    /// header that does not decode): the caller cannot check it.
    pub name: Option<String>,
    /// The decoded contents (BinHex: the data fork), `None` when over the
    /// `max_bytes` given or not decodable.
    pub data: Option<Vec<u8>>,
}

/// The BinHex 4.0 marker line (RFC 1741 §"BinHex 4.0").
const BINHEX_MARK: &[u8] = b"(This file must be converted with BinHex";

/// Every uuencoded, base64 (`begin-base64`) or BinHex file in `text`.
/// Contents are decoded up to `max_bytes` each (for looking into archives).
pub fn embedded_files(text: &[u8], max_bytes: usize) -> Vec<EmbeddedFile> {
    let mut out = Vec::new();
    let has = |needle: &[u8]| text.windows(needle.len()).any(|w| w == needle);
    if !has(b"begin") && !has(BINHEX_MARK) {
        return out;
    }
    let lines: Vec<&[u8]> = text
        .split(|&b| b == b'\n')
        .map(|l| l.strip_suffix(b"\r").unwrap_or(l))
        .collect();
    let mut i = 0;
    while i < lines.len() {
        let line = lines[i];
        if let Some((base64, name)) = begin_line(line) {
            let (data, next) = if base64 {
                decode_base64_block(&lines[i + 1..], max_bytes)
            } else {
                decode_uu_block(&lines[i + 1..], max_bytes)
            };
            out.push(EmbeddedFile {
                name: Some(name),
                data,
            });
            i += 1 + next;
            continue;
        }
        if line.windows(BINHEX_MARK.len()).any(|w| w == BINHEX_MARK) {
            let rest: Vec<u8> = lines[i + 1..].join(&b'\n');
            out.push(binhex_file(&rest, max_bytes));
        }
        i += 1;
    }
    out
}

/// `begin <mode> <name>` or `begin-base64 <mode> <name>`, the mode in
/// octal: (is base64, name).
fn begin_line(line: &[u8]) -> Option<(bool, String)> {
    let (base64, rest) = if let Some(r) = line.strip_prefix(b"begin-base64 ") {
        (true, r)
    } else {
        (false, line.strip_prefix(b"begin ")?)
    };
    let rest = trim_start(rest);
    let mode_len = rest
        .iter()
        .take_while(|b| (b'0'..=b'7').contains(b))
        .count();
    if mode_len == 0 || mode_len > 4 || rest.get(mode_len).is_none_or(|b| !b.is_ascii_whitespace())
    {
        return None;
    }
    let name = trim_start(&rest[mode_len..]);
    let name = String::from_utf8_lossy(name).trim_end().to_string();
    (!name.is_empty()).then_some((base64, name))
}

fn trim_start(mut b: &[u8]) -> &[u8] {
    while let [first, rest @ ..] = b
        && first.is_ascii_whitespace()
    {
        b = rest;
    }
    b
}

/// uuencoded lines up to `end`: each starts with its length in a
/// character (`' ' + n`, or `` ` `` for 0), then 4 characters per 3 bytes.
/// Returns the data (None beyond `max`) and how many lines were read.
fn decode_uu_block(lines: &[&[u8]], max: usize) -> (Option<Vec<u8>>, usize) {
    let mut data = Vec::new();
    let mut over = false;
    for (n, line) in lines.iter().enumerate() {
        if line.trim_ascii_end() == b"end" {
            return ((!over).then_some(data), n + 1);
        }
        let Some((&len_char, rest)) = line.split_first() else {
            continue;
        };
        let len = usize::from(len_char.wrapping_sub(b' ') & 0x3f);
        if over || len == 0 {
            continue;
        }
        let six = |c: u8| u32::from(c.wrapping_sub(b' ') & 0x3f);
        let mut got = Vec::with_capacity(len + 2);
        for chunk in rest.chunks(4) {
            let mut n = 0u32;
            for k in 0..4 {
                n = n << 6 | chunk.get(k).map_or(0, |&c| six(c));
            }
            got.extend_from_slice(&[(n >> 16) as u8, (n >> 8) as u8, n as u8]);
        }
        got.truncate(len);
        if data.len() + got.len() > max {
            over = true;
            data = Vec::new();
        } else {
            data.extend_from_slice(&got);
        }
    }
    ((!over).then_some(data), lines.len())
}

/// `begin-base64` lines up to `====`.
fn decode_base64_block(lines: &[&[u8]], max: usize) -> (Option<Vec<u8>>, usize) {
    let mut encoded = Vec::new();
    let mut read = lines.len();
    for (n, line) in lines.iter().enumerate() {
        if line.trim_ascii_end() == b"====" {
            read = n + 1;
            break;
        }
        encoded.extend_from_slice(line.trim_ascii());
        if encoded.len() / 4 * 3 > max {
            // Keep reading to find the end, not the data.
            encoded.truncate(0);
            return (None, skip_to(lines, b"===="));
        }
    }
    (base64_decode(&encoded), read)
}

fn skip_to(lines: &[&[u8]], end: &[u8]) -> usize {
    lines
        .iter()
        .position(|l| l.trim_ascii_end() == end)
        .map_or(lines.len(), |p| p + 1)
}

/// RFC 1741: the 64 characters of BinHex 4.0's 6-bit encoding.
const BINHEX_ALPHABET: &[u8; 64] =
    b"!\"#$%&'()*+,-012345689@ABCDEFGHIJKLMNPQRSTUVXYZ[`abcdefhijklmpqr";

/// The file in the BinHex data that follows the marker line: its name,
/// and its data fork when it fits `max` bytes (RFC 1741: the data starts
/// after a `:`; decoded 6 bits a character, then run-length decoded,
/// `0x90 n` repeating the previous byte n times in all and `0x90 0` being
/// a literal 0x90; the header is the name's length (1..63), the name, a
/// version byte, type, creator, flags, the data fork's length (32 bits,
/// big-endian), the resource fork's length and a CRC; the data fork follows).
fn binhex_file(rest: &[u8], max: usize) -> EmbeddedFile {
    let unreadable = EmbeddedFile {
        name: None,
        data: None,
    };
    let Some(start) = rest.iter().position(|&b| b == b':') else {
        return unreadable;
    };
    let mut decoder = BinHexDecoder::new(&rest[start + 1..]);
    let Some(&[len]) = decoder.take(1).as_deref() else {
        return unreadable;
    };
    if len == 0 || len > 63 {
        return unreadable;
    }
    let Some(name) = decoder.take(usize::from(len)) else {
        return unreadable;
    };
    // Mac OS Roman is ASCII-compatible; other bytes show as U+FFFD.
    let name = Some(String::from_utf8_lossy(&name).into_owned());
    // version 1, type 4, creator 4, flags 2, then the data fork length.
    let data = decoder
        .take(11)
        .and_then(|_| decoder.take(4))
        .and_then(|l| {
            let dlen = u32::from_be_bytes([l[0], l[1], l[2], l[3]]) as usize;
            // Resource fork length and header CRC, then the data fork.
            decoder.take(6)?;
            (dlen <= max).then(|| decoder.take(dlen)).flatten()
        });
    EmbeddedFile { name, data }
}

/// RFC 1741 decoding, a few bytes at a time.
struct BinHexDecoder<'a> {
    input: std::slice::Iter<'a, u8>,
    bits: u32,
    nbits: u32,
    /// Decoded bytes not yet returned.
    pending: std::collections::VecDeque<u8>,
    last: Option<u8>,
    marker: bool,
    done: bool,
}

impl<'a> BinHexDecoder<'a> {
    fn new(input: &'a [u8]) -> Self {
        BinHexDecoder {
            input: input.iter(),
            bits: 0,
            nbits: 0,
            pending: std::collections::VecDeque::new(),
            last: None,
            marker: false,
            done: false,
        }
    }

    /// The next `n` bytes, or `None` when the data ends or is not BinHex.
    fn take(&mut self, n: usize) -> Option<Vec<u8>> {
        while self.pending.len() < n {
            if self.done {
                return None;
            }
            self.step()?;
        }
        Some(self.pending.drain(..n).collect())
    }

    /// Decodes one input character.
    fn step(&mut self) -> Option<()> {
        let c = loop {
            match self.input.next() {
                None | Some(b':') => {
                    self.done = true;
                    return Some(());
                }
                Some(c) if c.is_ascii_whitespace() => continue,
                Some(&c) => break c,
            }
        };
        let v = BINHEX_ALPHABET.iter().position(|&a| a == c)? as u32;
        self.bits = (self.bits << 6 | v) & 0xffff;
        self.nbits += 6;
        if self.nbits < 8 {
            return Some(());
        }
        self.nbits -= 8;
        let b = (self.bits >> self.nbits) as u8;
        if self.marker {
            self.marker = false;
            match (b, self.last) {
                (0, _) => {
                    self.pending.push_back(0x90);
                    self.last = Some(0x90);
                }
                (n, Some(prev)) => {
                    // Bounded by 255 per marker: the input bounds the total.
                    self.pending
                        .extend(std::iter::repeat_n(prev, usize::from(n).saturating_sub(1)));
                }
                (_, None) => return None,
            }
        } else if b == 0x90 {
            self.marker = true;
        } else {
            self.pending.push_back(b);
            self.last = Some(b);
        }
        Some(())
    }
}
