//! Wire form of ENVELOPE and BODY/BODYSTRUCTURE (RFC 9051 §9 `envelope`, `body`).

use super::{Address, BodyStructure, Envelope};
use crate::response::{write_nstring, write_string};

/// RFC 2047 B-encodes a non-ASCII phrase when UTF-8 is not enabled.
fn phrase(s: &str, utf8: bool) -> Vec<u8> {
    if utf8 || s.is_ascii() {
        s.as_bytes().to_vec()
    } else {
        format!("=?utf-8?b?{}?=", crate::base64::encode(s.as_bytes())).into_bytes()
    }
}

fn write_addresses(out: &mut Vec<u8>, list: &[Address], utf8: bool) {
    if list.is_empty() {
        out.extend_from_slice(b"NIL");
        return;
    }
    out.push(b'(');
    for a in list {
        out.push(b'(');
        write_nstring(
            out,
            a.name.as_deref().map(|n| phrase(n, utf8)).as_deref(),
            utf8,
        );
        out.push(b' ');
        write_nstring(out, a.adl.as_deref().map(str::as_bytes), utf8);
        out.push(b' ');
        write_nstring(out, a.mailbox.as_deref().map(str::as_bytes), utf8);
        out.push(b' ');
        write_nstring(out, a.host.as_deref().map(str::as_bytes), utf8);
        out.push(b')');
    }
    out.push(b')');
}

fn write_params(out: &mut Vec<u8>, params: &[(String, String)], utf8: bool) {
    if params.is_empty() {
        out.extend_from_slice(b"NIL");
        return;
    }
    out.push(b'(');
    for (i, (k, v)) in params.iter().enumerate() {
        if i > 0 {
            out.push(b' ');
        }
        write_string(out, k.as_bytes(), utf8);
        out.push(b' ');
        write_string(out, &phrase(v, utf8), utf8);
    }
    out.push(b')');
}

/// Writes ENVELOPE and BODYSTRUCTURE of the platform's MIME model in
/// IMAP syntax (RFC 9051 §7.5.2).
pub trait Encode {
    /// Writes the item; `extended` (BODYSTRUCTURE only) adds extension data.
    fn encode_imap(&self, out: &mut Vec<u8>, extended: bool, utf8: bool);
}

impl Encode for Envelope {
    /// Writes `envelope = "(" env-date SP env-subject SP env-from ... ")"`.
    fn encode_imap(&self, out: &mut Vec<u8>, _extended: bool, utf8: bool) {
        out.push(b'(');
        write_nstring(out, self.date.as_deref(), utf8);
        out.push(b' ');
        write_nstring(out, self.subject.as_deref(), utf8);
        for list in [
            &self.from,
            &self.sender,
            &self.reply_to,
            &self.to,
            &self.cc,
            &self.bcc,
        ] {
            out.push(b' ');
            write_addresses(out, list, utf8);
        }
        out.push(b' ');
        write_nstring(out, self.in_reply_to.as_deref(), utf8);
        out.push(b' ');
        write_nstring(out, self.message_id.as_deref(), utf8);
        out.push(b')');
    }
}

impl Encode for BodyStructure {
    /// Writes `body`; `extended` adds the extension data of BODYSTRUCTURE.
    fn encode_imap(&self, out: &mut Vec<u8>, extended: bool, utf8: bool) {
        out.push(b'(');
        if self.media_type == "MULTIPART" {
            for p in &self.parts {
                p.encode_imap(out, extended, utf8);
            }
            out.push(b' ');
            write_string(out, self.subtype.as_bytes(), utf8);
            if extended {
                // body-ext-mpart = body-fld-param [SP body-fld-dsp [SP body-fld-lang [SP body-fld-loc]]]
                out.push(b' ');
                write_params(out, &self.params, utf8);
                write_ext_tail(self, out, utf8);
            }
        } else {
            write_string(out, self.media_type.as_bytes(), utf8);
            out.push(b' ');
            write_string(out, self.subtype.as_bytes(), utf8);
            out.push(b' ');
            write_params(out, &self.params, utf8);
            out.push(b' ');
            write_nstring(out, self.id.as_deref().map(str::as_bytes), utf8);
            out.push(b' ');
            write_nstring(
                out,
                self.description
                    .as_deref()
                    .map(|d| phrase(d, utf8))
                    .as_deref(),
                utf8,
            );
            out.push(b' ');
            write_string(out, self.encoding.as_bytes(), utf8);
            out.extend_from_slice(format!(" {}", self.size).as_bytes());
            if let Some((env, body)) = &self.message {
                out.push(b' ');
                env.encode_imap(out, false, utf8);
                out.push(b' ');
                body.encode_imap(out, extended, utf8);
            }
            if let Some(lines) = self.lines {
                out.extend_from_slice(format!(" {lines}").as_bytes());
            }
            if extended {
                // body-ext-1part = body-fld-md5 [SP body-fld-dsp [SP body-fld-lang [SP body-fld-loc]]]
                out.push(b' ');
                write_nstring(out, self.md5.as_deref().map(str::as_bytes), utf8);
                write_ext_tail(self, out, utf8);
            }
        }
        out.push(b')');
    }
}

fn write_ext_tail(this: &BodyStructure, out: &mut Vec<u8>, utf8: bool) {
    out.push(b' ');
    match &this.disposition {
        None => out.extend_from_slice(b"NIL"),
        Some((d, params)) => {
            out.push(b'(');
            write_string(out, d.as_bytes(), utf8);
            out.push(b' ');
            write_params(out, params, utf8);
            out.push(b')');
        }
    }
    out.push(b' ');
    match this.language.as_slice() {
        [] => out.extend_from_slice(b"NIL"),
        [one] => write_string(out, one.as_bytes(), utf8),
        many => {
            out.push(b'(');
            for (i, l) in many.iter().enumerate() {
                if i > 0 {
                    out.push(b' ');
                }
                write_string(out, l.as_bytes(), utf8);
            }
            out.push(b')');
        }
    }
    out.push(b' ');
    write_nstring(out, this.location.as_deref().map(str::as_bytes), utf8);
}
