//! What the platform keeps of a message besides its bytes, computed once
//! at ingest: the ENVELOPE and MIME structure (so IMAP FETCH of ENVELOPE and
//! BODYSTRUCTURE never reads the body), the keys of threading (RFC 5256,
//! RFC 5322 §3.6.4) and sorting, a preview line and the has-attachment
//! mark for message lists.

use serde::{Deserialize, Serialize};

use super::{BodyStructure, Envelope, MimeTree};

/// Longest preview kept, in characters.
const PREVIEW_CHARS: usize = 200;
/// Most message ids kept from References (the newest ones: RFC 5322
/// §3.6.4 puts the parent last). Bounds the work of threading.
const MAX_REFERENCES: usize = 40;

/// The stored model of one message. Serialised as JSON in the store;
/// [`Model::VERSION`] changes when a field's meaning changes, so stored
/// models can be recomputed from their blobs.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Model {
    pub envelope: Envelope,
    pub structure: BodyStructure,
    /// Message-ID without angle brackets, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message_id: Option<String>,
    /// Ids of In-Reply-To then References, without brackets, deduplicated,
    /// parent last (bounded).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub references: Vec<String>,
    /// The subject decoded (RFC 2047), unfolded.
    #[serde(default)]
    pub subject: String,
    /// The Date header as Unix seconds, when it parses.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sent_at: Option<i64>,
    /// The first words of the readable body, whitespace collapsed.
    #[serde(default)]
    pub preview: String,
    /// A part with a file name or `Content-Disposition: attachment`.
    #[serde(default)]
    pub has_attachment: bool,
}

#[derive(Debug, thiserror::Error)]
pub enum ModelError {
    #[error("stored message model is not valid: {0}")]
    Decode(#[from] serde_json::Error),
}

impl Model {
    /// The model and the search text of `raw` from one parse of its parts
    /// (decoding a message's parts is most of the cost of both). Never
    /// panics, as [`Model::of`] and [`SearchText::of`].
    pub fn with_search_text(raw: &[u8]) -> (Model, super::SearchText) {
        match std::panic::catch_unwind(|| mail_parser::MessageParser::default().parse(raw)) {
            Ok(msg) => with_search_text_of(raw, msg.as_ref()),
            Err(_) => (Model::of(raw), super::SearchText::of(raw)),
        }
    }

    pub const VERSION: i64 = 1;

    /// Parses `raw`. Never fails and never panics: malformed MIME yields
    /// leaves, and a parser panic (mail-parser has debug assertions that
    /// hostile input can trip) yields an empty model of the right size.
    pub fn of(raw: &[u8]) -> Model {
        match std::panic::catch_unwind(|| build(raw)) {
            Ok(m) => m,
            Err(_) => Model {
                structure: BodyStructure {
                    media_type: "TEXT".into(),
                    subtype: "PLAIN".into(),
                    encoding: "7BIT".into(),
                    size: raw.len() as u64,
                    ..Default::default()
                },
                ..Default::default()
            },
        }
    }

    pub fn to_json(&self) -> String {
        // Serialising plain data to a string cannot fail.
        serde_json::to_string(self).unwrap_or_default()
    }

    pub fn from_json(s: &str) -> Result<Model, ModelError> {
        Ok(serde_json::from_str(s)?)
    }

    /// The first address of From, lower case (RFC 5256 §2.2 sorts on it).
    pub fn from_email(&self) -> Option<String> {
        self.envelope.from.iter().find_map(|a| a.email())
    }

    /// What a list shows as the sender: the display name, else the address.
    pub fn from_display(&self) -> String {
        self.envelope
            .from
            .iter()
            .find(|a| a.host.is_some())
            .map(|a| match &a.name {
                Some(n) if !n.trim().is_empty() => n.trim().to_string(),
                _ => a.email().unwrap_or_default(),
            })
            .unwrap_or_default()
    }
}

/// [`Model::with_search_text`] of `raw` already parsed as `msg`.
pub(crate) fn with_search_text_of(
    raw: &[u8],
    msg: Option<&mail_parser::Message<'_>>,
) -> (Model, super::SearchText) {
    let both = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        let text = msg.map(super::search::of_message).unwrap_or_default();
        (build_with(raw, msg), text)
    }));
    both.unwrap_or_else(|_| (Model::of(raw), super::SearchText::of(raw)))
}

fn build(raw: &[u8]) -> Model {
    let msg = mail_parser::MessageParser::default().parse(raw);
    build_with(raw, msg.as_ref())
}

fn build_with(raw: &[u8], msg: Option<&mail_parser::Message<'_>>) -> Model {
    let tree = MimeTree::parse(raw);
    let root = tree.root();
    let envelope = root.envelope(raw);
    let structure = root.structure(raw);
    let header = &raw[root.header.clone()];
    let parsed = super::parse_header_block(header);
    let subject = parsed
        .as_ref()
        .and_then(|m| m.subject())
        .map(|s| s.split_whitespace().collect::<Vec<_>>().join(" "))
        .unwrap_or_default();
    let sent_at = parsed
        .as_ref()
        .and_then(|m| m.date())
        .map(|d| d.to_timestamp())
        .filter(|&t| t > 0);
    let message_id = envelope
        .message_id
        .as_deref()
        .and_then(|v| msg_ids(v).into_iter().next());
    let mut references: Vec<String> = Vec::new();
    let refs_raw = super::raw_header(header, "References").unwrap_or_default();
    let irt = envelope.in_reply_to.clone().unwrap_or_default();
    for id in msg_ids(&refs_raw).into_iter().chain(msg_ids(&irt)) {
        if Some(&id) != message_id.as_ref() {
            references.retain(|r| r != &id);
            references.push(id);
        }
    }
    if references.len() > MAX_REFERENCES {
        references.drain(..references.len() - MAX_REFERENCES);
    }
    let has_attachment = has_attachment(&structure, true);
    Model {
        preview: msg.map(preview).unwrap_or_default(),
        envelope,
        structure,
        message_id,
        references,
        subject,
        sent_at,
        has_attachment,
    }
}

/// The `<id>`s of a msg-id list (RFC 5322 §3.6.4), brackets removed;
/// a bare token counts when there are no brackets (broken mailers).
pub fn msg_ids(v: &[u8]) -> Vec<String> {
    let s = String::from_utf8_lossy(v);
    let mut out = Vec::new();
    let mut rest = s.as_ref();
    while let Some(open) = rest.find('<') {
        let Some(close) = rest[open..].find('>') else {
            break;
        };
        let id = rest[open + 1..open + close].trim();
        if !id.is_empty() && id.len() <= 250 {
            out.push(id.to_string());
        }
        rest = &rest[open + close + 1..];
    }
    if out.is_empty() && !s.contains('<') {
        let t = s.trim();
        if !t.is_empty() && !t.contains(char::is_whitespace) && t.len() <= 250 {
            out.push(t.to_string());
        }
    }
    out
}

fn has_attachment(p: &BodyStructure, top: bool) -> bool {
    if !p.parts.is_empty() {
        return p.parts.iter().any(|c| has_attachment(c, false));
    }
    if p.message.is_some() && !top {
        return true;
    }
    let attachment = p
        .disposition
        .as_ref()
        .is_some_and(|(d, _)| d.eq_ignore_ascii_case("attachment"));
    attachment || (!top && p.filename().is_some())
}

/// The readable body's first words: the first text part (HTML turned to
/// text without its hidden elements), whitespace collapsed, cut at a character boundary.
fn preview(msg: &mail_parser::Message<'_>) -> String {
    // The first readable part; an HTML one without its style sheets and
    // scripts (mail-parser's own conversion keeps their text).
    let text = match msg
        .text_body
        .first()
        .and_then(|&i| msg.parts.get(i as usize))
    {
        Some(p) => match &p.body {
            mail_parser::PartType::Html(h) => super::search::html_text(h).into(),
            _ => match msg.body_text(0) {
                Some(t) => t,
                None => return String::new(),
            },
        },
        None => return String::new(),
    };
    let mut out = String::new();
    for word in text.split_whitespace() {
        if out.chars().count() >= PREVIEW_CHARS {
            break;
        }
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    if out.chars().count() > PREVIEW_CHARS {
        out = out.chars().take(PREVIEW_CHARS).collect();
    }
    out
}
