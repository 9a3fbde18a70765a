//! Response encoder (RFC 9051 §7 and §9 `response`), including the quoting
//! rules of §4.3: a string is sent quoted only when it has no CR, LF, NUL,
//! and no 8-bit octet (unless UTF-8 was enabled); otherwise as a literal,
//! in which a NUL is sent as [`NUL_REPLACEMENT`]. Only `BINARY[]` data
//! uses `literal8` (RFC 3516 §4.2).

use std::io::Write as _;

use super::{
    Code, Data, ESearchItem, FetchValue, ListExtended, ListItem, NamespaceDesc, Response, Status,
};
use crate::bodystructure::Encode as _;
use crate::command::{Section, SectionText, StatusItem};
use crate::types::{Flag, Mailbox, NumSet};
use crate::utf7::encode_utf7;

/// Longest string sent quoted; longer ones go as literals.
const MAX_QUOTED: usize = 1024;

/// Encodes responses; `utf8` is on once IMAP4rev2 or UTF8=ACCEPT is enabled.
#[derive(Debug, Clone, Copy, Default)]
pub struct Encoder {
    /// Quoted strings and mailbox names may carry UTF-8.
    pub utf8: bool,
}

fn can_quote(s: &[u8], utf8: bool) -> bool {
    s.len() <= MAX_QUOTED
        && !s.iter().any(|&b| b == b'\r' || b == b'\n' || b == 0)
        && (s.is_ascii() || (utf8 && std::str::from_utf8(s).is_ok()))
}

/// Writes `string = quoted / literal`.
pub fn write_string(out: &mut Vec<u8>, s: &[u8], utf8: bool) {
    if can_quote(s, utf8) {
        out.push(b'"');
        for &b in s {
            if b == b'"' || b == b'\\' {
                out.push(b'\\');
            }
            out.push(b);
        }
        out.push(b'"');
    } else {
        write_literal(out, s);
    }
}

/// What a NUL octet of the stored message becomes in a `literal`. RFC 9051
/// §4.3: a literal may carry any octet but NUL, and RFC 3516 §4.2 keeps
/// `literal8` for `BINARY[]` responses. Like Dovecot, vesontio keeps the
/// stored bytes as they came and sends each NUL as 0x80: sizes
/// (`RFC822.SIZE`, BODYSTRUCTURE octets, partial-fetch origins) stay true,
/// and 0x80 is never valid text in any charset a client would display.
pub const NUL_REPLACEMENT: u8 = 0x80;

/// Writes `literal = "{" number64 "}" CRLF *CHAR8`: never a NUL (see
/// [`NUL_REPLACEMENT`]), never a `literal8`.
fn write_literal(out: &mut Vec<u8>, s: &[u8]) {
    let _ = write!(out, "{{{}}}\r\n", s.len());
    let start = out.len();
    out.extend_from_slice(s);
    for b in &mut out[start..] {
        if *b == 0 {
            *b = NUL_REPLACEMENT;
        }
    }
}

/// Writes the data of a `BINARY[]` response (RFC 3516 §4.2): decoded
/// octets with a NUL go as `literal8` (`~{n}`), the only response where
/// one is allowed; others as a plain literal.
fn write_binary_data(out: &mut Vec<u8>, data: Option<&[u8]>) {
    match data {
        None => out.extend_from_slice(b"NIL"),
        Some(d) if d.contains(&0) => {
            let _ = write!(out, "~{{{}}}\r\n", d.len());
            out.extend_from_slice(d);
        }
        Some(d) => write_literal(out, d),
    }
}

/// Longest `text` of a status or continuation response, in octets. Texts
/// are the server's own sentences, sometimes quoting a name or an atom the
/// client sent: capped, so no response can echo a large part of the input.
pub const MAX_TEXT: usize = 1000;

/// Writes `text = 1*TEXT-CHAR` (RFC 9051 §9): never CR, LF or NUL, never
/// empty (`fallback` then), at most [`MAX_TEXT`] octets.
fn write_text(out: &mut Vec<u8>, text: &str, fallback: &str) {
    let start = out.len();
    for c in text.chars().filter(|c| !matches!(c, '\r' | '\n' | '\0')) {
        if out.len() - start + c.len_utf8() > MAX_TEXT {
            out.extend_from_slice(b"...");
            break;
        }
        let mut b = [0; 4];
        out.extend_from_slice(c.encode_utf8(&mut b).as_bytes());
    }
    if out.len() == start {
        out.extend_from_slice(fallback.as_bytes());
    }
}

/// Writes `nstring = string / nil`.
pub fn write_nstring(out: &mut Vec<u8>, s: Option<&[u8]>, utf8: bool) {
    match s {
        Some(s) => write_string(out, s, utf8),
        None => out.extend_from_slice(b"NIL"),
    }
}

/// Writes `astring`: an atom when possible (never the atom NIL), else a string.
pub fn write_astring(out: &mut Vec<u8>, s: &[u8], utf8: bool) {
    let atom_ok = !s.is_empty()
        && !s.eq_ignore_ascii_case(b"NIL")
        && s.iter().all(|&c| {
            c > 0x20 && c < 0x7f && !matches!(c, b'(' | b')' | b'{' | b'%' | b'*' | b'"' | b'\\')
        });
    if atom_ok {
        out.extend_from_slice(s);
    } else {
        write_string(out, s, utf8);
    }
}

fn write_flags(out: &mut Vec<u8>, flags: &[Flag]) {
    out.push(b'(');
    for (i, f) in flags.iter().enumerate() {
        if i > 0 {
            out.push(b' ');
        }
        let _ = write!(out, "{f}");
    }
    out.push(b')');
}

fn write_atoms(out: &mut Vec<u8>, items: &[String]) {
    for s in items {
        out.push(b' ');
        out.extend_from_slice(s.as_bytes());
    }
}

/// ` ADDTO (pos set pos set ...)` or ` REMOVEFROM (...)` (RFC 5267 §5).
fn write_updates(out: &mut Vec<u8>, name: &str, pairs: &[(u32, NumSet)]) -> std::io::Result<()> {
    write!(out, " {name} (")?;
    for (i, (pos, set)) in pairs.iter().enumerate() {
        if i > 0 {
            out.push(b' ');
        }
        write!(out, "{pos} {set}")?;
    }
    out.push(b')');
    Ok(())
}

/// Writes a section spec without brackets: `1.2.HEADER.FIELDS (A B)`.
pub(crate) fn write_section(out: &mut Vec<u8>, s: &Section) {
    for (i, p) in s.part.iter().enumerate() {
        if i > 0 {
            out.push(b'.');
        }
        let _ = write!(out, "{p}");
    }
    if let Some(t) = &s.text {
        if !s.part.is_empty() {
            out.push(b'.');
        }
        let (name, fields) = match t {
            SectionText::Header => ("HEADER", None),
            SectionText::Text => ("TEXT", None),
            SectionText::Mime => ("MIME", None),
            SectionText::HeaderFields(f) => ("HEADER.FIELDS", Some(f)),
            SectionText::HeaderFieldsNot(f) => ("HEADER.FIELDS.NOT", Some(f)),
        };
        out.extend_from_slice(name.as_bytes());
        if let Some(f) = fields {
            out.extend_from_slice(b" (");
            for (i, h) in f.iter().enumerate() {
                if i > 0 {
                    out.push(b' ');
                }
                write_astring(out, h.as_bytes(), false);
            }
            out.push(b')');
        }
    }
}

fn write_part(out: &mut Vec<u8>, part: &[u32]) {
    for (i, p) in part.iter().enumerate() {
        if i > 0 {
            out.push(b'.');
        }
        let _ = write!(out, "{p}");
    }
}

impl Encoder {
    /// Writes a mailbox name (modified UTF-7 unless UTF-8 is on).
    pub fn write_mailbox(&self, out: &mut Vec<u8>, m: &Mailbox) {
        if self.utf8 {
            write_astring(out, m.0.as_bytes(), true);
        } else {
            write_astring(out, encode_utf7(&m.0).as_bytes(), false);
        }
    }

    /// Encodes one response, with its CRLF.
    pub fn encode(&self, r: &Response, out: &mut Vec<u8>) {
        match r {
            Response::Status {
                tag,
                status,
                code,
                text,
            } => {
                match tag {
                    Some(t) => out.extend_from_slice(t.as_bytes()),
                    None => out.push(b'*'),
                }
                out.extend_from_slice(match status {
                    Status::Ok => b" OK",
                    Status::No => b" NO",
                    Status::Bad => b" BAD",
                    Status::PreAuth => b" PREAUTH",
                    Status::Bye => b" BYE",
                });
                if let Some(c) = code {
                    out.extend_from_slice(b" [");
                    self.write_code(out, c);
                    out.push(b']');
                }
                out.push(b' ');
                write_text(out, text, "done");
            }
            Response::Continue(text) => {
                out.extend_from_slice(b"+ ");
                write_text(out, text, "Ready");
            }
            Response::Challenge(data) => {
                out.extend_from_slice(b"+ ");
                out.extend_from_slice(crate::base64::encode(data).as_bytes());
            }
            Response::Data(d) => {
                out.extend_from_slice(b"* ");
                self.write_data(out, d);
            }
        }
        out.extend_from_slice(b"\r\n");
    }

    fn write_code(&self, out: &mut Vec<u8>, c: &Code) {
        let simple = match c {
            Code::Alert => "ALERT",
            Code::AlreadyExists => "ALREADYEXISTS",
            Code::AuthenticationFailed => "AUTHENTICATIONFAILED",
            Code::AuthorizationFailed => "AUTHORIZATIONFAILED",
            Code::Cannot => "CANNOT",
            Code::ClientBug => "CLIENTBUG",
            Code::Closed => "CLOSED",
            Code::ContactAdmin => "CONTACTADMIN",
            Code::Corruption => "CORRUPTION",
            Code::Expired => "EXPIRED",
            Code::ExpungeIssued => "EXPUNGEISSUED",
            Code::HasChildren => "HASCHILDREN",
            Code::InUse => "INUSE",
            Code::Limit => "LIMIT",
            Code::NoModSeq => "NOMODSEQ",
            Code::NonExistent => "NONEXISTENT",
            Code::NoPerm => "NOPERM",
            Code::OverQuota => "OVERQUOTA",
            Code::Parse => "PARSE",
            Code::PrivacyRequired => "PRIVACYREQUIRED",
            Code::ReadOnly => "READ-ONLY",
            Code::ReadWrite => "READ-WRITE",
            Code::ServerBug => "SERVERBUG",
            Code::TooBig => "TOOBIG",
            Code::TryCreate => "TRYCREATE",
            Code::UidNotSticky => "UIDNOTSTICKY",
            Code::Unavailable => "UNAVAILABLE",
            Code::UnknownCte => "UNKNOWN-CTE",
            Code::UseAttr => "USEATTR",
            Code::NotSaved => "NOTSAVED",
            _ => "",
        };
        if !simple.is_empty() {
            out.extend_from_slice(simple.as_bytes());
            return;
        }
        let _ = match c {
            Code::AppendUid { uid_validity, uids } => {
                write!(out, "APPENDUID {uid_validity} {uids}")
            }
            Code::CopyUid {
                uid_validity,
                source,
                dest,
            } => {
                write!(out, "COPYUID {uid_validity} {source} {dest}")
            }
            Code::BadCharset(cs) => {
                out.extend_from_slice(b"BADCHARSET");
                if !cs.is_empty() {
                    out.extend_from_slice(b" (");
                    for (i, c) in cs.iter().enumerate() {
                        if i > 0 {
                            out.push(b' ');
                        }
                        write_astring(out, c.as_bytes(), false);
                    }
                    out.push(b')');
                }
                Ok(())
            }
            Code::Capability(caps) => {
                out.extend_from_slice(b"CAPABILITY");
                write_atoms(out, caps);
                Ok(())
            }
            Code::HighestModSeq(n) => write!(out, "HIGHESTMODSEQ {n}"),
            Code::MailboxId(n) => write!(out, "MAILBOXID (F{n})"),
            Code::Modified(set) => write!(out, "MODIFIED {set}"),
            Code::PermanentFlags(f) => {
                out.extend_from_slice(b"PERMANENTFLAGS ");
                write_flags(out, f);
                Ok(())
            }
            Code::NoUpdate(tag) => {
                out.extend_from_slice(b"NOUPDATE ");
                write_string(out, tag.as_bytes(), false);
                Ok(())
            }
            Code::UidNext(n) => write!(out, "UIDNEXT {n}"),
            Code::UidValidity(n) => write!(out, "UIDVALIDITY {n}"),
            Code::Unseen(n) => write!(out, "UNSEEN {n}"),
            Code::Other(atom, text) => {
                out.extend_from_slice(atom.as_bytes());
                if let Some(t) = text {
                    out.push(b' ');
                    out.extend(t.bytes().filter(|&b| b != b']' && b != b'\r' && b != b'\n'));
                }
                Ok(())
            }
            _ => Ok(()),
        };
    }

    fn write_list_item(&self, out: &mut Vec<u8>, name: &str, item: &ListItem) {
        out.extend_from_slice(name.as_bytes());
        out.extend_from_slice(b" (");
        for (i, a) in item.attributes.iter().enumerate() {
            if i > 0 {
                out.push(b' ');
            }
            out.extend_from_slice(a.as_bytes());
        }
        out.extend_from_slice(b") ");
        match item.delimiter {
            Some(d) => write_string(out, d.to_string().as_bytes(), false),
            None => out.extend_from_slice(b"NIL"),
        }
        out.push(b' ');
        self.write_mailbox(out, &item.mailbox);
        if !item.extended.is_empty() {
            out.extend_from_slice(b" (");
            for (i, e) in item.extended.iter().enumerate() {
                if i > 0 {
                    out.push(b' ');
                }
                match e {
                    ListExtended::ChildInfoSubscribed => {
                        out.extend_from_slice(b"\"CHILDINFO\" (\"SUBSCRIBED\")")
                    }
                    ListExtended::OldName(m) => {
                        out.extend_from_slice(b"\"OLDNAME\" (");
                        self.write_mailbox(out, m);
                        out.push(b')');
                    }
                }
            }
            out.push(b')');
        }
    }

    fn write_namespaces(&self, out: &mut Vec<u8>, ns: &[NamespaceDesc]) {
        if ns.is_empty() {
            out.extend_from_slice(b"NIL");
            return;
        }
        out.push(b'(');
        for (prefix, delim) in ns {
            out.push(b'(');
            let p = if self.utf8 {
                prefix.clone()
            } else {
                encode_utf7(prefix)
            };
            write_string(out, p.as_bytes(), self.utf8);
            out.push(b' ');
            match delim {
                Some(d) => write_string(out, d.to_string().as_bytes(), false),
                None => out.extend_from_slice(b"NIL"),
            }
            out.push(b')');
        }
        out.push(b')');
    }

    fn write_data(&self, out: &mut Vec<u8>, d: &Data) {
        let _ = match d {
            Data::Capability(caps) => {
                out.extend_from_slice(b"CAPABILITY");
                write_atoms(out, caps);
                Ok(())
            }
            Data::Enabled(caps) => {
                out.extend_from_slice(b"ENABLED");
                write_atoms(out, caps);
                Ok(())
            }
            Data::Exists(n) => write!(out, "{n} EXISTS"),
            Data::Recent(n) => write!(out, "{n} RECENT"),
            Data::Expunge(n) => write!(out, "{n} EXPUNGE"),
            Data::Vanished { earlier, uids } => {
                let e = if *earlier { "(EARLIER) " } else { "" };
                write!(out, "VANISHED {e}{uids}")
            }
            Data::Flags(f) => {
                out.extend_from_slice(b"FLAGS ");
                write_flags(out, f);
                Ok(())
            }
            Data::List(item) => {
                self.write_list_item(out, "LIST", item);
                Ok(())
            }
            Data::Lsub(item) => {
                self.write_list_item(out, "LSUB", item);
                Ok(())
            }
            Data::Status { mailbox, items } => {
                out.extend_from_slice(b"STATUS ");
                self.write_mailbox(out, mailbox);
                out.extend_from_slice(b" (");
                for (i, (k, v)) in items.iter().enumerate() {
                    if i > 0 {
                        out.push(b' ');
                    }
                    match k {
                        // RFC 8474 §4.2: an objectid in parentheses.
                        StatusItem::MailboxId => {
                            let _ = write!(out, "MAILBOXID (F{v})");
                        }
                        _ => {
                            let _ = write!(out, "{} {v}", k.name());
                        }
                    }
                }
                out.push(b')');
                Ok(())
            }
            Data::Search { ids, mod_seq } => {
                out.extend_from_slice(b"SEARCH");
                for id in ids {
                    let _ = write!(out, " {id}");
                }
                if let Some(m) = mod_seq {
                    let _ = write!(out, " (MODSEQ {m})");
                }
                Ok(())
            }
            Data::Sort { ids, mod_seq } => {
                out.extend_from_slice(b"SORT");
                for id in ids {
                    let _ = write!(out, " {id}");
                }
                if let Some(m) = mod_seq {
                    let _ = write!(out, " (MODSEQ {m})");
                }
                Ok(())
            }
            Data::Thread(forest) => {
                out.extend_from_slice(b"THREAD");
                forest.encode(out);
                Ok(())
            }
            Data::ESearch { tag, uid, items } => {
                out.extend_from_slice(b"ESEARCH");
                if let Some(t) = tag {
                    out.extend_from_slice(b" (TAG ");
                    write_string(out, t.as_bytes(), false);
                    out.push(b')');
                }
                if *uid {
                    out.extend_from_slice(b" UID");
                }
                for it in items {
                    let _ = match it {
                        ESearchItem::Min(n) => write!(out, " MIN {n}"),
                        ESearchItem::Max(n) => write!(out, " MAX {n}"),
                        ESearchItem::Count(n) => write!(out, " COUNT {n}"),
                        ESearchItem::All(s) => write!(out, " ALL {s}"),
                        ESearchItem::ModSeq(n) => write!(out, " MODSEQ {n}"),
                        ESearchItem::Partial { first, last, set } => match set {
                            Some(s) => write!(out, " PARTIAL ({first}:{last} {s})"),
                            None => write!(out, " PARTIAL ({first}:{last} NIL)"),
                        },
                        ESearchItem::AddTo(pairs) => write_updates(out, "ADDTO", pairs),
                        ESearchItem::RemoveFrom(pairs) => write_updates(out, "REMOVEFROM", pairs),
                    };
                }
                Ok(())
            }
            Data::Quota { root, resources } => {
                out.extend_from_slice(b"QUOTA ");
                write_astring(out, root.as_bytes(), self.utf8);
                out.extend_from_slice(b" (");
                for (i, (r, usage, limit)) in resources.iter().enumerate() {
                    if i > 0 {
                        out.push(b' ');
                    }
                    let _ = write!(out, "{r} {usage} {limit}");
                }
                out.push(b')');
                Ok(())
            }
            Data::QuotaRoot { mailbox, roots } => {
                out.extend_from_slice(b"QUOTAROOT ");
                self.write_mailbox(out, mailbox);
                for r in roots {
                    out.push(b' ');
                    write_astring(out, r.as_bytes(), self.utf8);
                }
                Ok(())
            }
            Data::Acl { mailbox, entries } => {
                out.extend_from_slice(b"ACL ");
                self.write_mailbox(out, mailbox);
                for (id, rights) in entries {
                    out.push(b' ');
                    write_astring(out, id.as_bytes(), self.utf8);
                    out.push(b' ');
                    write_astring(out, rights.as_bytes(), false);
                }
                Ok(())
            }
            Data::ListRights {
                mailbox,
                identifier,
                required,
                optional,
            } => {
                out.extend_from_slice(b"LISTRIGHTS ");
                self.write_mailbox(out, mailbox);
                out.push(b' ');
                write_astring(out, identifier.as_bytes(), self.utf8);
                out.push(b' ');
                // RFC 4314 §3.7: the required rights may be empty -> "".
                write_astring(out, required.as_bytes(), false);
                for o in optional {
                    out.push(b' ');
                    write_astring(out, o.as_bytes(), false);
                }
                Ok(())
            }
            Data::MyRights { mailbox, rights } => {
                out.extend_from_slice(b"MYRIGHTS ");
                self.write_mailbox(out, mailbox);
                out.push(b' ');
                write_astring(out, rights.as_bytes(), false);
                Ok(())
            }
            Data::Namespace {
                personal,
                other,
                shared,
            } => {
                out.extend_from_slice(b"NAMESPACE ");
                self.write_namespaces(out, personal);
                out.push(b' ');
                self.write_namespaces(out, other);
                out.push(b' ');
                self.write_namespaces(out, shared);
                Ok(())
            }
            Data::Id(params) => {
                out.extend_from_slice(b"ID ");
                match params {
                    None => out.extend_from_slice(b"NIL"),
                    Some(p) => {
                        out.push(b'(');
                        for (i, (k, v)) in p.iter().enumerate() {
                            if i > 0 {
                                out.push(b' ');
                            }
                            write_string(out, k.as_bytes(), self.utf8);
                            out.push(b' ');
                            write_nstring(out, v.as_ref().map(|v| v.as_bytes()), self.utf8);
                        }
                        out.push(b')');
                    }
                }
                Ok(())
            }
            Data::Fetch { seq, items } => {
                let _ = write!(out, "{seq} FETCH (");
                for (i, it) in items.iter().enumerate() {
                    if i > 0 {
                        out.push(b' ');
                    }
                    self.write_fetch_value(out, it);
                }
                out.push(b')');
                Ok(())
            }
        };
    }

    fn write_fetch_value(&self, out: &mut Vec<u8>, v: &FetchValue) {
        let _ = match v {
            FetchValue::Flags(f) => {
                out.extend_from_slice(b"FLAGS ");
                write_flags(out, f);
                Ok(())
            }
            FetchValue::Uid(u) => write!(out, "UID {u}"),
            FetchValue::InternalDate(d) => write!(out, "INTERNALDATE \"{d}\""),
            FetchValue::Rfc822Size(n) => write!(out, "RFC822.SIZE {n}"),
            FetchValue::ModSeq(n) => write!(out, "MODSEQ ({n})"),
            // RFC 8474: ids are opaque; ours are a letter and a row id.
            FetchValue::EmailId(n) => write!(out, "EMAILID (M{n})"),
            FetchValue::ThreadId(Some(n)) => write!(out, "THREADID (T{n})"),
            FetchValue::ThreadId(None) => write!(out, "THREADID NIL"),
            FetchValue::Envelope(e) => {
                out.extend_from_slice(b"ENVELOPE ");
                e.encode_imap(out, false, self.utf8);
                Ok(())
            }
            FetchValue::Body(b) => {
                out.extend_from_slice(b"BODY ");
                b.encode_imap(out, false, self.utf8);
                Ok(())
            }
            FetchValue::BodyStructure(b) => {
                out.extend_from_slice(b"BODYSTRUCTURE ");
                b.encode_imap(out, true, self.utf8);
                Ok(())
            }
            FetchValue::BodySection {
                section,
                origin,
                data,
            } => {
                out.extend_from_slice(b"BODY[");
                write_section(out, section);
                out.push(b']');
                if let Some(o) = origin {
                    let _ = write!(out, "<{o}>");
                }
                out.push(b' ');
                self.write_body_data(out, data.as_deref());
                Ok(())
            }
            FetchValue::Binary {
                section,
                origin,
                data,
            } => {
                out.extend_from_slice(b"BINARY[");
                write_part(out, section);
                out.push(b']');
                if let Some(o) = origin {
                    let _ = write!(out, "<{o}>");
                }
                out.push(b' ');
                write_binary_data(out, data.as_deref());
                Ok(())
            }
            FetchValue::BinarySize { section, size } => {
                out.extend_from_slice(b"BINARY.SIZE[");
                write_part(out, section);
                let _ = write!(out, "] {size}");
                Ok(())
            }
            FetchValue::Rfc822(d) => {
                out.extend_from_slice(b"RFC822 ");
                self.write_body_data(out, d.as_deref());
                Ok(())
            }
            FetchValue::Rfc822Header(d) => {
                out.extend_from_slice(b"RFC822.HEADER ");
                self.write_body_data(out, d.as_deref());
                Ok(())
            }
            FetchValue::Rfc822Text(d) => {
                out.extend_from_slice(b"RFC822.TEXT ");
                self.write_body_data(out, d.as_deref());
                Ok(())
            }
        };
    }

    /// Message data always goes as a literal (except NIL), so that clients
    /// never have to unescape bodies.
    fn write_body_data(&self, out: &mut Vec<u8>, data: Option<&[u8]>) {
        match data {
            None => out.extend_from_slice(b"NIL"),
            Some(d) => write_literal(out, d),
        }
    }
}
