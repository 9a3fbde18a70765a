//! The message a person writes, as the compose form holds it, and its
//! RFC 5322 form (mail-builder): `Date`, `Message-ID`, `MIME-Version`,
//! header texts in RFC 2047 encoded words when not ASCII, the body in
//! quoted-printable or base64 as mail-builder chooses (RFC 2045 §6).
//!
//! Two forms are built with the same Message-ID and Date: the one that
//! goes to recipients has no `Bcc:` (RFC 5322 §3.6.3, first way: blind
//! recipients are in the envelope only), the copy filed in Sent keeps it
//! so its author sees whom they wrote to.

use mail_builder::MessageBuilder;
use mail_builder::headers::address::Address as MbAddress;
use mail_builder::headers::date::Date;
use mail_builder::headers::message_id::MessageId;
use mail_builder::headers::raw::Raw;
use mail_builder::mime::MimePart;
use serde::Deserialize;
use vesontio_types::Address;

/// A list field may name at most this many addresses (R5's per-message
/// limit is lower and is the gate's to say; this bounds parsing work).
pub const MAX_ADDRESSES: usize = 1000;
/// Longest subject kept (characters); RFC 5322 §2.1.1 lines are folded by
/// the builder, this only bounds hostile input.
const MAX_SUBJECT: usize = 998;

/// The compose form as submitted, kept whole to show it again after a
/// refusal.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct Draft {
    #[serde(default)]
    pub csrf: String,
    #[serde(default)]
    pub from: String,
    #[serde(default)]
    pub to: String,
    #[serde(default)]
    pub cc: String,
    #[serde(default)]
    pub bcc: String,
    #[serde(default)]
    pub subject: String,
    #[serde(default)]
    pub body: String,
    /// Message-ID (without brackets) of the message answered.
    #[serde(default)]
    pub in_reply_to: String,
    /// The thread's ids, space-separated, parent last (RFC 5322 §3.6.4).
    #[serde(default)]
    pub references: String,
    /// `mailbox/uid` of the draft this form was opened from: replaced on
    /// save, deleted on send.
    #[serde(default)]
    pub draft: String,
    /// Which button: `send`, `save` or `attach`.
    #[serde(default)]
    pub action: String,
    /// The "remove" button of a file: its index in the draft's files.
    #[serde(default)]
    pub remove: String,
    /// The rich-text editor's HTML (`assets/rich.js`), cleaned by
    /// [`crate::mail::rich::clean`] before use; empty for plain text.
    #[serde(default)]
    pub html: String,
    /// R21: the large files holding the attachments of a message refused
    /// for its size (ids, comma-separated; `files/compose.rs`).
    #[serde(default)]
    pub links: String,
}

/// One recipient or sender: optional display name and address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mailbox {
    pub name: Option<String>,
    pub address: Address,
}

/// Splits a list field on `,` and `;` outside quotes and angle brackets,
/// and parses each item as `Name <addr>`, `"Name" <addr>` or `addr`.
/// Returns the first item that is not an address on failure.
pub fn parse_list(field: &str) -> Result<Vec<Mailbox>, String> {
    let mut items = Vec::new();
    let mut cur = String::new();
    let (mut quoted, mut angle) = (false, false);
    for c in field.chars() {
        match c {
            '"' => quoted = !quoted,
            '<' if !quoted => angle = true,
            '>' if !quoted => angle = false,
            ',' | ';' | '\r' | '\n' if !quoted && !angle => {
                items.push(std::mem::take(&mut cur));
                continue;
            }
            _ => {}
        }
        cur.push(c);
    }
    items.push(cur);
    let mut out = Vec::new();
    for item in items.iter().map(|i| i.trim()).filter(|i| !i.is_empty()) {
        if out.len() >= MAX_ADDRESSES {
            return Err(item.chars().take(100).collect());
        }
        out.push(parse_one(item).ok_or_else(|| item.chars().take(100).collect::<String>())?);
    }
    Ok(out)
}

fn parse_one(item: &str) -> Option<Mailbox> {
    let (name, addr) = match (item.rfind('<'), item.ends_with('>')) {
        (Some(i), true) => {
            let name = clean(item[..i].trim().trim_matches('"').trim());
            (
                (!name.is_empty()).then_some(name),
                &item[i + 1..item.len() - 1],
            )
        }
        _ => (None, item),
    };
    let address = Address::parse(addr.trim()).ok()?;
    Some(Mailbox { name, address })
}

/// No CR, LF or other control character reaches a header from a form
/// field (header injection).
pub fn clean(s: &str) -> String {
    s.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect::<String>()
        .trim()
        .to_string()
}

/// The ids of a `references` field, each bracket-free and without
/// whitespace or controls; at most 50 (the parent and its ancestors are
/// what threading needs).
pub fn ids(field: &str) -> Vec<String> {
    let v: Vec<String> = field
        .split_whitespace()
        .map(|i| i.trim_matches(|c| c == '<' || c == '>'))
        .filter(|i| !i.is_empty() && i.contains('@') && !i.chars().any(char::is_control))
        .map(str::to_string)
        .collect();
    let skip = v.len().saturating_sub(50);
    v.into_iter().skip(skip).collect()
}

/// A file attached to the message (uploaded, or kept from the draft).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Upload {
    pub name: String,
    pub content_type: String,
    pub data: Vec<u8>,
}

impl Upload {
    /// An uploaded file, with what the browser said about it made safe
    /// for a header: the name without controls or path, the type a
    /// `type/subtype` token (RFC 2045 §5.1) or `application/octet-stream`.
    pub fn new(name: &str, content_type: Option<&str>, data: Vec<u8>) -> Upload {
        let base = name.rsplit(['/', '\\']).next().unwrap_or(name);
        let mut name: String = clean(base).chars().take(200).collect();
        if name.is_empty() {
            name = "fichier".into();
        }
        let token = |s: &str| {
            !s.is_empty()
                && s.chars()
                    .all(|c| c.is_ascii_alphanumeric() || "!#$&-^_.+".contains(c))
        };
        let ct = content_type
            .map(|c| {
                c.split(';')
                    .next()
                    .unwrap_or("")
                    .trim()
                    .to_ascii_lowercase()
            })
            .filter(|c| matches!(c.split_once('/'), Some((a, b)) if token(a) && token(b)))
            .unwrap_or_else(|| "application/octet-stream".into());
        Upload {
            name,
            content_type: ct,
            data,
        }
    }
}

/// What [`build`] needs, already parsed.
pub struct Outgoing<'a> {
    pub from: &'a Mailbox,
    pub to: &'a [Mailbox],
    pub cc: &'a [Mailbox],
    pub bcc: &'a [Mailbox],
    pub subject: &'a str,
    pub body: &'a str,
    /// Cleaned HTML ([`crate::mail::rich::clean`]): the message goes as
    /// `multipart/alternative` with `body` as its text.
    pub html: Option<&'a str>,
    pub in_reply_to: Option<&'a str>,
    pub references: &'a [String],
    pub message_id: &'a str,
    pub date: i64,
    pub attachments: &'a [Upload],
}

fn mb(m: &Mailbox) -> MbAddress<'static> {
    MbAddress::new_address(m.name.clone(), m.address.to_string())
}

fn list(v: &[Mailbox]) -> MbAddress<'static> {
    MbAddress::new_list(v.iter().map(mb).collect())
}

/// The RFC 5322 message; with `with_bcc`, the `Bcc:` field too (the Sent
/// copy and drafts).
pub fn build(o: &Outgoing<'_>, with_bcc: bool) -> Vec<u8> {
    let mut b = MessageBuilder::new()
        .from(mb(o.from))
        .message_id(o.message_id.to_string())
        .date(Date::new(o.date))
        .subject(
            clean(o.subject)
                .chars()
                .take(MAX_SUBJECT)
                .collect::<String>(),
        );
    if !o.to.is_empty() {
        b = b.to(list(o.to));
    }
    if !o.cc.is_empty() {
        b = b.cc(list(o.cc));
    }
    if with_bcc && !o.bcc.is_empty() {
        b = b.bcc(list(o.bcc));
    }
    if let Some(parent) = o.in_reply_to {
        b = b.in_reply_to(parent.to_string());
    }
    if !o.references.is_empty() {
        b = b.references(MessageId::new_list(o.references.iter().cloned()));
    }
    // RFC 3676 lines: CRLF everywhere (a textarea may send bare LF).
    let body = o.body.replace("\r\n", "\n").replace('\n', "\r\n");
    b = b.text_body(body);
    if let Some(html) = o.html {
        b = b.html_body(crate::mail::rich::document(html));
    }
    for a in o.attachments {
        b = match rfc822_encoding(a) {
            // RFC 2046 §5.2.1: a message/rfc822 body is never base64 or
            // quoted-printable; it goes as it is, 7bit or 8bit.
            Some(cte) => {
                let part = MimePart::new("message/rfc822", a.data.as_slice())
                    .attachment(a.name.as_str())
                    .header("Content-Transfer-Encoding", Raw::new(cte));
                b.attachments.get_or_insert_with(Vec::new).push(part);
                b
            }
            None => {
                // A message that cannot go as it is goes as opaque bytes.
                let ct = match a.content_type.as_str() {
                    "message/rfc822" => "application/octet-stream",
                    ct => ct,
                };
                b.attachment(ct, a.name.as_str(), a.data.as_slice())
            }
        };
    }
    b.write_to_vec().unwrap_or_default()
}

/// For a message/rfc822 attachment, its transfer encoding: `7bit` or
/// `8bit` when its lines are CRLF, at most 998 octets and without NUL
/// (RFC 5322 §2.1.1, RFC 2045 §2.8). Anything else is attached as opaque
/// bytes (`None`: base64 under its own type).
fn rfc822_encoding(a: &Upload) -> Option<&'static str> {
    if a.content_type != "message/rfc822" {
        return None;
    }
    let d = &a.data;
    let lines_ok = d.split(|&c| c == b'\n').all(|l| l.len() <= 999)
        && !d.contains(&0)
        && d.iter().enumerate().all(|(i, &c)| {
            (c != b'\n' || (i > 0 && d[i - 1] == b'\r'))
                && (c != b'\r' || d.get(i + 1) == Some(&b'\n'))
        });
    if !lines_ok {
        return None;
    }
    Some(if d.is_ascii() { "7bit" } else { "8bit" })
}

/// A new Message-ID (without brackets) on our host name: 128 random bits.
pub fn new_message_id(hostname: &str) -> String {
    format!("{}@{hostname}", hex::encode(rand::random::<[u8; 16]>()))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn lists_split_outside_quotes_and_brackets() {
        let v =
            parse_list("\"Durand, Paul\" <paul.durand@ac-test.fr>; anne@ac-test.fr,\n").unwrap();
        assert_eq!(v.len(), 2);
        assert_eq!(v[0].name.as_deref(), Some("Durand, Paul"));
        assert_eq!(v[0].address.to_string(), "paul.durand@ac-test.fr");
        assert_eq!(v[1].name, None);
        assert_eq!(parse_list("anne@, bob@x.fr").unwrap_err(), "anne@");
        assert!(parse_list("  ").unwrap().is_empty());
    }

    #[test]
    fn built_message_has_the_rfc_5322_fields_and_encodes_non_ascii() {
        let from = parse_list("Jeanne Martin <jeanne.martin@ac-test.fr>").unwrap();
        let to = parse_list("Élodie Lefèvre <elodie@ac-test.fr>").unwrap();
        let bcc = parse_list("secret@ac-test.fr").unwrap();
        let refs = ids("<a@x> <b@x>");
        let o = Outgoing {
            from: &from[0],
            to: &to,
            cc: &[],
            bcc: &bcc,
            subject: "Réunion\r\nBcc: injected@evil.example",
            body: "Ligne accentuée é\nsuite",
            html: None,
            in_reply_to: Some("b@x"),
            references: &refs,
            message_id: "id1@mail.ac-test.fr",
            date: 1_780_000_000,
            attachments: &[Upload::new(
                "C:\\Users\\j\\sortie\r\n.pdf",
                Some("application/pdf; x=1"),
                b"%PDF-1.4".to_vec(),
            )],
        };
        let wire = String::from_utf8(build(&o, false)).unwrap();
        let head = &wire[..wire.find("\r\n\r\n").unwrap()];
        assert!(head.contains("Message-ID: <id1@mail.ac-test.fr>"), "{head}");
        assert!(head.contains("MIME-Version: 1.0"), "{head}");
        assert!(head.contains("Date: "), "{head}");
        assert!(head.contains("In-Reply-To: <b@x>"), "{head}");
        assert!(head.contains("References: <a@x>"), "{head}");
        assert!(
            head.contains("=?utf-8?"),
            "non-ASCII subject encoded: {head}"
        );
        assert!(!wire.contains("secret@"), "no Bcc in the wire form");
        assert!(!head.contains("\r\nBcc: injected"), "{head}");
        assert!(!wire.contains("accentuée"), "the body is transfer-encoded");
        let copy = String::from_utf8(build(&o, true)).unwrap();
        assert!(copy.contains("Bcc: <secret@ac-test.fr>") || copy.contains("Bcc: secret@"));
        let parsed = vesontio_message::mime::Model::of(wire.as_bytes());
        assert!(parsed.subject.starts_with("Réunion"), "{}", parsed.subject);
        assert!(parsed.has_attachment);
        assert!(wire.contains("Content-Type: application/pdf"), "{wire}");
        assert!(
            wire.contains("sortie  .pdf") || wire.contains("sortie"),
            "{wire}"
        );
        assert!(!wire.contains("Users"), "no client path: {wire}");
        assert_eq!(
            Upload::new("a", Some("text/html\r\nX: y"), vec![]).content_type,
            "application/octet-stream"
        );
    }
}
