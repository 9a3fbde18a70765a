//! Modified UTF-7 mailbox names. RFC 3501 §5.1.3 (kept by RFC 9051 §5.1 for
//! clients that have not enabled UTF-8).

const B64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+,";

fn b64_value(c: u8) -> Option<u32> {
    B64.iter().position(|&x| x == c).map(|p| p as u32)
}

/// Encodes a UTF-8 name into modified UTF-7.
pub fn encode_utf7(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut pending: Vec<u16> = Vec::new();
    let flush = |pending: &mut Vec<u16>, out: &mut String| {
        if pending.is_empty() {
            return;
        }
        out.push('&');
        let mut bits: u32 = 0;
        let mut nbits = 0u32;
        for unit in pending.drain(..) {
            bits = (bits << 16) | u32::from(unit);
            nbits += 16;
            while nbits >= 6 {
                nbits -= 6;
                out.push(char::from(B64[((bits >> nbits) & 0x3f) as usize]));
            }
        }
        if nbits > 0 {
            out.push(char::from(B64[((bits << (6 - nbits)) & 0x3f) as usize]));
        }
        out.push('-');
    };
    for c in name.chars() {
        if (' '..='~').contains(&c) {
            flush(&mut pending, &mut out);
            if c == '&' {
                out.push_str("&-");
            } else {
                out.push(c);
            }
        } else {
            let mut buf = [0u16; 2];
            pending.extend_from_slice(c.encode_utf16(&mut buf));
        }
    }
    flush(&mut pending, &mut out);
    out
}

/// Decodes a modified UTF-7 name; `None` if it is not valid modified UTF-7
/// (8-bit octets, bad base64, non-minimal or unterminated shifts).
pub fn decode_utf7(name: &str) -> Option<String> {
    let bytes = name.as_bytes();
    let mut out = String::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let c = bytes[i];
        if !(0x20..=0x7e).contains(&c) {
            return None;
        }
        if c != b'&' {
            out.push(char::from(c));
            i += 1;
            continue;
        }
        let end = i + 1 + bytes[i + 1..].iter().position(|&b| b == b'-')?;
        let chunk = &bytes[i + 1..end];
        if chunk.is_empty() {
            out.push('&');
        } else {
            let mut units = Vec::new();
            let mut bits: u32 = 0;
            let mut nbits = 0u32;
            for &b in chunk {
                bits = (bits << 6) | b64_value(b)?;
                nbits += 6;
                if nbits >= 16 {
                    nbits -= 16;
                    units.push(((bits >> nbits) & 0xffff) as u16);
                }
            }
            // Leftover bits must be zero padding of fewer than 6 bits.
            if nbits >= 6 || (bits & ((1 << nbits) - 1)) != 0 {
                return None;
            }
            let s = String::from_utf16(&units).ok()?;
            // RFC 3501 §5.1.3: printable ASCII must not be shifted.
            if s.chars().any(|c| (' '..='~').contains(&c)) {
                return None;
            }
            out.push_str(&s);
        }
        i = end + 1;
    }
    Some(out)
}
