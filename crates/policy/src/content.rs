//! R6 size limit and R7 forbidden attachments, on emission and reception.

use vesontio_message::{Analysis, forbidden_attachment};

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

/// R7 with archives that cannot be looked into (encrypted, corrupt or over
/// the scan budget): refuses them when the configuration says so, because
/// a forbidden file could hide inside.
pub fn check_scannable(analysis: &Analysis) -> Result<(), Refusal> {
    if !analysis.scan_incomplete {
        return Ok(());
    }
    Err(Refusal::new(
        550,
        "5.7.1",
        "Pièce jointe impossible à analyser (archive chiffrée, endommagée ou trop grande). Envoyez les fichiers sans \
         archive ni mot de passe. / Attachment cannot be scanned (encrypted, damaged or oversized archive). Send the \
         files without an archive or password.",
    ))
}
