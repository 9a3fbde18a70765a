//! R6 size limit, R7 forbidden attachments, and header sections that
//! readers would read differently, on emission and reception.

use vesontio_message::{
    Analysis, HeaderDefect, ScanLimits, Unscannable, Unscanned, forbidden_attachment, header_defect,
};

use crate::refusal::Refusal;
use crate::texts::{mb_en, mb_fr};

/// R6: refuses a message larger than `limit` bytes.
///
/// RFC 1870 §6 and RFC 3463: `552 5.3.4` (message too big for system).
/// The text gives both sizes and, when configured, the address of the
/// large-file service (R21). Call it with the SIZE parameter announced in
/// `MAIL FROM` and again with the real size after DATA.
pub fn check_size(size: u64, limit: u64, large_file_url: Option<&str>) -> Result<(), Refusal> {
    if size <= limit {
        return Ok(());
    }
    let (fr_hint, en_hint) = match large_file_url.map(str::trim).filter(|u| !u.is_empty()) {
        Some(url) => (
            format!(" Utilisez le service de dépôt de fichiers volumineux : {url}"),
            format!(" Use the large-file service: {url}"),
        ),
        None => (
            " Utilisez le service de dépôt de fichiers volumineux.".to_string(),
            " Use the large-file service.".to_string(),
        ),
    };
    Err(Refusal::new(
        552,
        "5.3.4",
        format!(
            "Message trop volumineux : {}, limite {}.{fr_hint} / Message too large: {}, limit {}.{en_hint}",
            mb_fr(size),
            mb_fr(limit),
            mb_en(size),
            mb_en(limit)
        ),
    ))
}

/// R7: refuses a message carrying a file whose extension is forbidden,
/// anywhere in it (nested messages, zip archives).
///
/// `550 5.7.1` (RFC 3463: delivery not authorized, message refused). The
/// text names the file, so the sender knows what to remove.
pub fn check_attachments(analysis: &Analysis, forbidden_exts: &[String]) -> Result<(), Refusal> {
    let Some(found) = forbidden_attachment(analysis, forbidden_exts) else {
        return Ok(());
    };
    let list = forbidden_exts
        .iter()
        .map(|e| format!(".{}", e.trim().trim_start_matches('.').to_lowercase()))
        .collect::<Vec<_>>()
        .join(" ");
    Err(Refusal::new(
        550,
        "5.7.1",
        format!(
            "Pièce jointe interdite : {found} (fichiers {list} refusés). Retirez ce fichier et renvoyez le message. \
             / Forbidden attachment: {found} ({list} files are refused). Remove the file and send the message again."
        ),
    ))
}

/// What R7 does with something it cannot look into.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ArchiveRule {
    Refuse,
    Accept,
}

/// How far R7 looks into archives and what it does with what it cannot
/// look into (`[attachments]` in the configuration).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ScanRules {
    pub limits: ScanLimits,
    /// Password-protected archives ([`Unscannable::Encrypted`]).
    pub encrypted_archives: ArchiveRule,
    /// Everything else that could not be looked into.
    pub unscannable: ArchiveRule,
}

impl ScanRules {
    /// The configuration's defaults: what cannot be checked is refused.
    pub const CHARTER: ScanRules = ScanRules {
        limits: ScanLimits::DEFAULT,
        encrypted_archives: ArchiveRule::Refuse,
        unscannable: ArchiveRule::Refuse,
    };

    fn rule(&self, why: Unscannable) -> ArchiveRule {
        match why {
            Unscannable::Encrypted => self.encrypted_archives,
            _ => self.unscannable,
        }
    }
}

/// R7: the first thing in the message that could not be looked into and
/// that `rules` refuse, described for a notice: `docs.zip (archive chiffrée
/// / encrypted archive)`.
pub fn unscannable_file(analysis: &Analysis, rules: &ScanRules) -> Option<String> {
    let u = refused(analysis, rules)?;
    let (fr, en) = reason(u, &rules.limits);
    Some(format!(
        "{} ({fr} / {en})",
        vesontio_message::names::shown(&u.path)
    ))
}

fn refused<'a>(analysis: &'a Analysis, rules: &ScanRules) -> Option<&'a Unscanned> {
    analysis
        .unscanned
        .iter()
        .find(|u| rules.rule(u.why) == ArchiveRule::Refuse)
}

/// Why, in French and English.
fn reason(u: &Unscanned, limits: &ScanLimits) -> (String, String) {
    match u.why {
        Unscannable::Encrypted => ("archive chiffrée".into(), "encrypted archive".into()),
        Unscannable::TooDeep => ("imbrication trop profonde".into(), "nested too deep".into()),
        Unscannable::TooManyEntries => (
            format!("plus de {} fichiers", limits.max_entries),
            format!("more than {} files", limits.max_entries),
        ),
        Unscannable::TooLarge => (
            format!(
                "plus de {} une fois décompressé",
                mb_fr(limits.max_expanded_bytes)
            ),
            format!(
                "more than {} once expanded",
                mb_en(limits.max_expanded_bytes)
            ),
        ),
        Unscannable::Damaged => ("fichier endommagé".into(), "damaged file".into()),
        Unscannable::Unsupported(kind) => (
            format!("format {kind} non analysable"),
            format!("{kind} format cannot be scanned"),
        ),
    }
}

/// R7 with what cannot be looked into (an encrypted, damaged or unknown
/// archive, one over the scan limits, a message nested too deep): refused
/// when `rules` say so, because a forbidden file could hide inside. "What
/// cannot be checked is refused, never passed."
///
/// `550 5.7.1`, naming the file and the reason.
pub fn check_scannable(analysis: &Analysis, rules: &ScanRules) -> Result<(), Refusal> {
    let Some(u) = refused(analysis, rules) else {
        return Ok(());
    };
    let (fr, en) = reason(u, &rules.limits);
    let file = vesontio_message::names::shown(&u.path);
    Err(Refusal::new(
        550,
        "5.7.1",
        format!(
            "Pièce jointe impossible à analyser : {file} ({fr}). Envoyez les fichiers sans archive ni mot de passe. \
             / Attachment cannot be scanned: {file} ({en}). Send the files without an archive or password."
        ),
    ))
}

/// Refuses a header section that readers would read differently
/// ([`header_defect`]): a bare CR or LF in a header line, a NUL, or a
/// second `From:`, `Sender:` or `Reply-To:` (RFC 5322 §3.6 allows one).
/// Which one a reader takes decides who the message seems to be from, so
/// no reading is chosen for the others.
///
/// `550 5.6.11` for line breaks (as for bare CR/LF in SMTP DATA), `550
/// 5.6.0` (RFC 3463: media error) otherwise.
pub fn check_headers(raw: &[u8]) -> Result<(), Refusal> {
    let Some(defect) = header_defect(raw) else {
        return Ok(());
    };
    Err(match defect {
        HeaderDefect::BareLineBreak => Refusal::new(
            550,
            "5.6.11",
            "En-tête refusé : CR ou LF isolé dans une ligne d'en-tête ; les lignes finissent par CRLF (RFC 5322 §2.2). \
             / Header refused: bare CR or LF inside a header line; lines end with CRLF (RFC 5322 section 2.2).",
        ),
        HeaderDefect::Nul => Refusal::new(
            550,
            "5.6.0",
            "En-tête refusé : octet NUL dans l'en-tête (RFC 5322 §2.2). / Header refused: NUL byte in the header \
             (RFC 5322 section 2.2).",
        ),
        HeaderDefect::Repeated(field) => Refusal::new(
            550,
            "5.6.0",
            format!(
                "Message refusé : plusieurs champs {field}: (un seul permis, RFC 5322 §3.6). / Message refused: more \
                 than one {field}: field (RFC 5322 section 3.6 allows one)."
            ),
        ),
    })
}
