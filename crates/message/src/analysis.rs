//! [`Analysis`]: the facts about one message that the charter rules need.

use std::fmt;

use mail_parser::{HeaderValue, Message, MessageParser, MimeHeaders, PartType};
use vesontio_types::{Address, UnixTime};

use crate::archive::{self, Budget, ScanLimits, Unscannable, Unscanned};
use crate::privacy::is_private_subject;

/// One file name found in a message: a MIME part's name, or an entry of a
/// zip archive attached to it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct AttachmentName {
    /// Where the file is: the MIME name, then archive entries joined by `/`,
    /// e.g. `archive.zip/inner/evil.scr`, as written (control and invisible
    /// characters kept; `Display` shows it cleaned). A message nested as
    /// `message/rfc822` adds nothing to the path: its attachments are
    /// delivered like the outer ones.
    pub path: String,
    /// True for a name found inside an archive rather than in MIME headers.
    pub in_archive: bool,
}

impl AttachmentName {
    /// The last component of the path: the name the file gets when saved.
    pub fn file_name(&self) -> &str {
        self.path.rsplit('/').next().unwrap_or(&self.path)
    }
}

impl fmt::Display for AttachmentName {
    /// The path fit to be shown: control characters as `?`, invisible and
    /// bidi formatting characters removed ([`crate::names::shown`]).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&crate::names::shown(&self.path))
    }
}

/// Facts about one RFC 5322 message.
///
/// Fields that the message does not carry, or carries in a form that does
/// not parse, are `None` or empty: an analysis never fails.
///
/// `Debug` hides the subject and the file names of a private message (R4),
/// so an analysis can be logged whatever the message.
#[derive(Clone, Default, PartialEq)]
pub struct Analysis {
    /// Size of the raw message in bytes (R6).
    pub size: usize,
    /// The subject, RFC 2047 decoded.
    pub subject: Option<String>,
    /// `Message-ID` without the angle brackets.
    pub message_id: Option<String>,
    /// Every address of `From:` that parses (RFC 5322 §3.6.2 allows several).
    pub from: Vec<Address>,
    /// `Sender:`.
    pub sender: Option<Address>,
    /// Addresses of `To:` and `Cc:` (groups flattened).
    pub to: Vec<Address>,
    pub cc: Vec<Address>,
    /// `Date:` as Unix time.
    pub date: Option<UnixTime>,
    /// RFC 3834 §5: the `Auto-Submitted` keyword, lower case, parameters
    /// dropped (`no`, `auto-generated`, `auto-replied`, ...).
    pub auto_submitted: Option<String>,
    /// `Precedence:` lower case (`bulk`, `list`, `junk`; not standardised,
    /// RFC 3834 §2 lists it among the signs of automatic mail).
    pub precedence: Option<String>,
    /// RFC 2919 `List-Id`, as written.
    pub list_id: Option<String>,
    /// True when any `List-*` header (RFC 2369, RFC 2919, RFC 8058) is present.
    pub has_list_headers: bool,
    /// R4: the subject marks the message private.
    pub is_private: bool,
    /// Every file name anywhere in the message (see [`AttachmentName`]).
    pub attachments: Vec<AttachmentName>,
    /// What could not be looked into (R7): an archive that is encrypted,
    /// damaged, of a format not read, or beyond the scan limits; a message
    /// nested too deep or that did not parse. `attachments` may then be
    /// missing names.
    pub unscanned: Vec<Unscanned>,
}

impl fmt::Debug for Analysis {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("Analysis");
        d.field("size", &self.size);
        if self.is_private {
            // R4: the content of a private message is never shown to administrators.
            d.field("subject", &"<private>").field(
                "attachments",
                &format_args!("<{} private>", self.attachments.len()),
            );
        } else {
            d.field("subject", &self.subject)
                .field("attachments", &self.attachments);
        }
        d.field("message_id", &self.message_id)
            .field("from", &self.from)
            .field("sender", &self.sender)
            .field("to", &self.to)
            .field("cc", &self.cc)
            .field("date", &self.date)
            .field("auto_submitted", &self.auto_submitted)
            .field("precedence", &self.precedence)
            .field("list_id", &self.list_id)
            .field("has_list_headers", &self.has_list_headers)
            .field("is_private", &self.is_private)
            .field(
                "unscanned",
                &self.unscanned.iter().map(|u| u.why).collect::<Vec<_>>(),
            )
            .finish()
    }
}

impl Analysis {
    /// Analyses `raw` with [`ScanLimits::DEFAULT`].
    pub fn of(raw: &[u8]) -> Analysis {
        Self::with_limits(raw, ScanLimits::DEFAULT)
    }

    /// Analyses `raw` within the given archive and nesting limits.
    pub fn with_limits(raw: &[u8], limits: ScanLimits) -> Analysis {
        // mail-parser is fuzzed upstream but contains `debug_assert!`s on
        // states reachable with hostile input; a panic here must not take
        // down the session, so it turns into an incomplete analysis.
        match std::panic::catch_unwind(|| analyse(raw, limits)) {
            Ok(a) => a,
            Err(_) => Analysis::unreadable(raw.len()),
        }
    }

    /// The analysis, the MIME model and the search text of `raw` from one
    /// parse, for a message stored as it was analysed (IMAP APPEND, a
    /// draft): parsing is the largest cost of filing a message, and
    /// analysing then modelling parsed it twice. Each part is as
    /// [`Analysis::with_limits`] and [`Model::with_search_text`] make it,
    /// panics included.
    pub fn with_model(
        raw: &[u8],
        limits: ScanLimits,
    ) -> (Analysis, crate::mime::Model, crate::mime::SearchText) {
        use std::panic::{AssertUnwindSafe, catch_unwind};
        let Ok(msg) = catch_unwind(|| MessageParser::default().parse(raw)) else {
            let (model, text) = crate::mime::Model::with_search_text(raw);
            return (Analysis::unreadable(raw.len()), model, text);
        };
        let analysis = catch_unwind(AssertUnwindSafe(|| match &msg {
            Some(m) => analyse_parsed(raw, m, limits),
            None => Analysis::unreadable(raw.len()),
        }))
        .unwrap_or_else(|_| Analysis::unreadable(raw.len()));
        let (model, text) = crate::mime::with_search_text_of(raw, msg.as_ref());
        (analysis, model, text)
    }

    /// The analysis of a message that could not be read at all: nothing is
    /// known and the whole message is unscanned ([`Unscannable::Damaged`]).
    pub fn unreadable(size: usize) -> Analysis {
        Analysis {
            size,
            unscanned: vec![Unscanned {
                path: "(message)".to_string(),
                why: Unscannable::Damaged,
            }],
            ..Analysis::default()
        }
    }

    /// True when something could not be looked into ([`Analysis::unscanned`]).
    pub fn scan_incomplete(&self) -> bool {
        !self.unscanned.is_empty()
    }
}

fn analyse(raw: &[u8], limits: ScanLimits) -> Analysis {
    match MessageParser::default().parse(raw) {
        Some(msg) => analyse_parsed(raw, &msg, limits),
        None => Analysis::unreadable(raw.len()),
    }
}

fn analyse_parsed(raw: &[u8], msg: &Message<'_>, limits: ScanLimits) -> Analysis {
    let mut a = Analysis {
        size: raw.len(),
        ..Analysis::default()
    };
    a.subject = msg.subject().map(str::to_string);
    a.message_id = msg.message_id().map(str::to_string);
    a.from = addresses(msg.from());
    a.sender = addresses(msg.sender()).into_iter().next();
    a.to = addresses(msg.to());
    a.cc = addresses(msg.cc());
    a.date = msg.date().map(|d| d.to_timestamp());
    a.auto_submitted = text_header(&msg, "Auto-Submitted").map(|v| keyword(&v));
    a.precedence = text_header(&msg, "Precedence").map(|v| keyword(&v));
    a.list_id = text_header(&msg, "List-Id").map(|v| v.trim().to_string());
    a.has_list_headers = msg
        .root_part()
        .headers
        .iter()
        .any(|h| h.name().to_ascii_lowercase().starts_with("list-"));
    a.is_private = a.subject.as_deref().is_some_and(is_private_subject);

    let mut budget = Budget::new(limits);
    let mut names = Vec::new();
    collect_names(&msg, 0, &mut budget, &mut names);
    a.unscanned = budget.unscanned;
    let mut seen = std::collections::HashSet::new();
    a.attachments = names
        .into_iter()
        .filter(|n: &AttachmentName| seen.insert(n.path.clone()))
        .collect();
    a
}

/// Walks every part of `msg` (mail-parser flattens the multipart tree of
/// one message into `parts`) and of the messages nested in it.
fn collect_names(
    msg: &Message<'_>,
    depth: usize,
    budget: &mut Budget,
    out: &mut Vec<AttachmentName>,
) {
    for part in &msg.parts {
        let part_names = part_names(msg, part);
        for n in &part_names {
            out.push(AttachmentName {
                path: n.clone(),
                in_archive: false,
            });
        }

        match &part.body {
            PartType::Message(inner) => {
                if depth + 1 < budget.limits.max_message_depth {
                    collect_names(inner, depth + 1, budget, out);
                } else {
                    budget.unscanned(where_(&part_names, "(message)"), Unscannable::TooDeep);
                }
            }
            PartType::Binary(data) | PartType::InlineBinary(data) => {
                if is_message_rfc822(part) {
                    // Nested deeper than mail-parser follows on its own.
                    nested_binary_message(data, &part_names, depth, budget, out);
                } else {
                    look_inside(data, where_(&part_names, "(attachment)"), budget, out);
                }
            }
            PartType::Text(text) | PartType::Html(text) => {
                // R7: uuencode and BinHex blocks are attachments to the
                // clients that decode them.
                let cap = usize::try_from(budget.bytes_left).unwrap_or(usize::MAX);
                for file in crate::uuencode::embedded_files(text.as_bytes(), cap) {
                    let Some(name) = file.name else {
                        budget.unscanned("(BinHex)", Unscannable::Damaged);
                        continue;
                    };
                    let name = clean_mime_name(&name);
                    out.push(AttachmentName {
                        path: name.clone(),
                        in_archive: false,
                    });
                    match &file.data {
                        Some(data) => look_inside(data, &name, budget, out),
                        None => budget.unscanned(&name, Unscannable::TooLarge),
                    }
                }
            }
            PartType::Multipart(_) => {}
        }
    }
}

/// Where something is, for [`Unscanned::path`]: the part's first name.
fn where_<'a>(part_names: &'a [String], otherwise: &'a str) -> &'a str {
    part_names.first().map_or(otherwise, String::as_str)
}

/// Lists the archive `data` may be (by its magic bytes), named `prefix`.
fn look_inside(data: &[u8], prefix: &str, budget: &mut Budget, out: &mut Vec<AttachmentName>) {
    let Some(format) = archive::detect(data) else {
        return;
    };
    let mut entries = Vec::new();
    archive::walk(data, format, prefix, 1, budget, &mut entries);
    out.extend(
        entries
            .into_iter()
            .filter(|(_, dir)| !dir)
            .map(|(path, _)| AttachmentName {
                path,
                in_archive: true,
            }),
    );
}

fn nested_binary_message(
    data: &[u8],
    part_names: &[String],
    depth: usize,
    budget: &mut Budget,
    out: &mut Vec<AttachmentName>,
) {
    let here = where_(part_names, "(message)");
    if depth + 1 >= budget.limits.max_message_depth {
        budget.unscanned(here, Unscannable::TooDeep);
        return;
    }
    match MessageParser::default().parse(data) {
        Some(inner) => collect_names(&inner, depth + 1, budget, out),
        None => budget.unscanned(here, Unscannable::Damaged),
    }
}

fn is_message_rfc822(part: &mail_parser::MessagePart<'_>) -> bool {
    part.is_content_type("message", "rfc822") || part.is_content_type("message", "global")
}

/// Every name a client could give `part` (see [`crate::names`]): what
/// mail-parser reads (RFC 2183 §2.3 `filename` and RFC 2046 §4.5.1 `name`
/// may disagree, so both) and every other reading of the raw header block.
fn part_names(msg: &Message<'_>, part: &mail_parser::MessagePart<'_>) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    let parsed = [
        part.content_disposition()
            .and_then(|cd| cd.attribute("filename")),
        part.content_type().and_then(|ct| ct.attribute("name")),
    ];
    let header = msg
        .raw_message
        .get(part.offset_header as usize..part.offset_body as usize)
        .unwrap_or_default();
    let raw = crate::names::part_file_names(header);
    for n in parsed.into_iter().flatten().map(str::to_string).chain(raw) {
        let n = clean_mime_name(&n);
        if !n.is_empty() && !names.contains(&n) {
            names.push(n);
        }
    }
    names
}

/// Backslashes (Windows paths) become slashes, so that the last component
/// is the file name; surrounding blanks and quotes go. Control and
/// invisible characters stay: R7 reads the name with and without them
/// ([`crate::names::readings`]); [`AttachmentName`]'s `Display` hides them.
fn clean_mime_name(n: &str) -> String {
    n.replace('\\', "/")
        .trim_matches(|c: char| c == ' ' || c == '"' || c == '\t')
        .to_string()
}

/// The unstructured text of a header, whatever mail-parser parsed it into.
fn text_header(msg: &Message<'_>, name: &str) -> Option<String> {
    let h = msg
        .root_part()
        .headers
        .iter()
        .find(|h| h.name().eq_ignore_ascii_case(name))?;
    match h.value() {
        HeaderValue::Text(t) => Some(t.to_string()),
        HeaderValue::TextList(l) => Some(l.join(",")),
        _ => msg
            .raw_message
            .get(h.offset_start() as usize..h.offset_end() as usize)
            .map(|b| String::from_utf8_lossy(b).trim().to_string()),
    }
}

/// First token of a header value, lower case: `auto-replied; owner=x` -> `auto-replied`.
fn keyword(v: &str) -> String {
    v.split(|c: char| c == ';' || c == '(' || c.is_whitespace())
        .find(|t| !t.is_empty())
        .unwrap_or("")
        .to_ascii_lowercase()
}

fn addresses(a: Option<&mail_parser::Address<'_>>) -> Vec<Address> {
    let Some(a) = a else { return Vec::new() };
    a.iter()
        .filter_map(|addr| addr.address.as_deref())
        .filter_map(|s| Address::parse(s).ok())
        .collect()
}

/// R7: the first attachment whose extension is in `forbidden_exts`.
///
/// Extensions are compared without case and with or without their leading
/// dot (`".EXE"`, `"exe"`). Every reading of the name counts
/// ([`crate::names::readings`]: cut at a NUL, without invisible or bidi
/// characters, as displayed), each normalised the way Windows does before
/// it decides how to open a file, so `file.scr.`, `file.scr ` and
/// `file.exe::$DATA` all count as forbidden. Names inside archives are
/// checked too (`docs.zip/setup.exe`).
pub fn forbidden_attachment(
    analysis: &Analysis,
    forbidden_exts: &[String],
) -> Option<AttachmentName> {
    let wanted: Vec<String> = forbidden_exts
        .iter()
        .map(|e| e.trim().trim_start_matches('.').to_lowercase())
        .filter(|e| !e.is_empty())
        .collect();
    analysis
        .attachments
        .iter()
        .find(|a| {
            let forbidden = |name: &str| {
                let file_name = name.rsplit('/').next().unwrap_or(name);
                extension(file_name).is_some_and(|e| wanted.contains(&e))
            };
            // The file's own name read every way, and the whole path too
            // (a NUL then a `/` inside one name hides what follows).
            crate::names::readings(a.file_name())
                .iter()
                .any(|r| forbidden(r))
                || crate::names::readings(&a.path).iter().any(|r| forbidden(r))
        })
        .cloned()
}

/// The extension Windows would see, lower case.
pub(crate) fn extension(file_name: &str) -> Option<String> {
    let mut name = file_name;
    // NTFS alternate data stream suffix: `evil.exe::$DATA` runs evil.exe.
    if let Some(pos) = name.find("::") {
        name = &name[..pos];
    }
    // Windows strips trailing dots and spaces from file names; other
    // blanks and invisible characters go too (they show as nothing).
    let name = name
        .trim_end_matches(|c: char| c == '.' || c.is_whitespace() || crate::names::is_invisible(c));
    let (stem, ext) = name.rsplit_once('.')?;
    if stem.is_empty() && ext.is_empty() {
        return None;
    }
    Some(ext.to_lowercase())
}
