//! The texts people read: sizes, dates and the notices of R7, R12, R14,
//! R16, R17. French first, then English. No links (R26: the platform never
//! asks people to click in a mail), except the large-file service address
//! in a size refusal, which the sender asked for by sending.

use vesontio_types::UnixTime;

/// A subject and a plain-text body, for `vesontio_message::build_notice`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    pub subject: String,
    pub text: String,
}

const MIB: u64 = 1024 * 1024;

/// `bytes` in megabytes (MiB) for French: `10 Mo`, `11,5 Mo`.
pub fn mb_fr(bytes: u64) -> String {
    format!("{} Mo", mb_number(bytes).replace('.', ","))
}

/// `bytes` in megabytes (MiB) for English: `10 MB`, `11.5 MB`.
pub fn mb_en(bytes: u64) -> String {
    format!("{} MB", mb_number(bytes))
}

/// Whole megabytes without decimals, others with one (rounded half up, in
/// tenths, so 10 MB + 1 byte shows as `10.1`, never as the limit itself).
fn mb_number(bytes: u64) -> String {
    if bytes.is_multiple_of(MIB) {
        return (bytes / MIB).to_string();
    }
    // Round up to the next tenth: a size over the limit must look over it.
    let tenths = (u128::from(bytes) * 10).div_ceil(u128::from(MIB));
    format!("{}.{}", tenths / 10, tenths % 10)
}

/// `dd/mm/yyyy` (French) and `yyyy-mm-dd` (ISO) of a Unix time, UTC.
pub fn date_fr_iso(t: UnixTime) -> (String, String) {
    let (y, m, d) = civil_from_days(t.div_euclid(86_400));
    (
        format!("{d:02}/{m:02}/{y:04}"),
        format!("{y:04}-{m:02}-{d:02}"),
    )
}

/// Days since 1970-01-01 to (year, month, day): H. Hinnant's algorithm.
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

/// R7: told to the intended recipient of a refused message.
pub fn attachment_blocked_notice(sender: &str, subject: Option<&str>, file: &str) -> Notice {
    let subject_line = subject
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .unwrap_or("(sans objet / no subject)");
    Notice {
        subject: "Message non distribué : pièce jointe interdite / Message not delivered: forbidden attachment"
            .to_string(),
        text: format!(
            "Un message qui vous était destiné n'a pas été distribué, car il contenait un fichier interdit par la \
             charte de messagerie.\n\n\
             Expéditeur : {sender}\nObjet : {subject_line}\nFichier : {file}\n\n\
             L'expéditeur a été prévenu. Vous n'avez rien à faire.\n\n\
             A message for you was not delivered because it contained a file forbidden by the mail charter.\n\n\
             Sender: {sender}\nSubject: {subject_line}\nFile: {file}\n\n\
             The sender has been told. You have nothing to do.\n"
        ),
    }
}

/// R16: the quota warning. No link: it tells where to look instead.
pub fn quota_warning_notice(used: u64, quota: u64, percent: u8) -> Notice {
    Notice {
        subject: format!(
            "Votre boîte aux lettres est pleine à {percent} % / Your mailbox is {percent} % full"
        ),
        text: format!(
            "Votre boîte aux lettres utilise {} sur {}.\n\
             Quand elle sera pleine, vous ne recevrez plus de messages.\n\
             Supprimez les messages inutiles (pensez à vider la corbeille) ou demandez une augmentation de quota \
             dans les options du webmail.\n\n\
             Your mailbox uses {} of {}.\n\
             When it is full, you will receive no more mail.\n\
             Delete messages you no longer need (empty the trash too) or ask for a larger quota in the webmail \
             options.\n",
            mb_fr(used),
            mb_fr(quota),
            mb_en(used),
            mb_en(quota)
        ),
    }
}

/// R12: sent to the owner of a departed account before its deletion.
pub fn departure_warning_notice(delete_at: UnixTime) -> Notice {
    let (fr, iso) = date_fr_iso(delete_at);
    Notice {
        subject: format!(
            "Suppression de votre boîte le {fr} / Your mailbox will be deleted on {iso}"
        ),
        text: format!(
            "Vous avez quitté l'académie : votre boîte aux lettres sera supprimée le {fr}, avec tous ses messages.\n\
             Avant cette date, enregistrez les messages que vous souhaitez conserver et prévenez vos \
             correspondants de votre nouvelle adresse.\n\n\
             You have left the académie: your mailbox and all its messages will be deleted on {iso}.\n\
             Before then, save the messages you want to keep and give your correspondents your new address.\n"
        ),
    }
}

/// R14: sent when "keep no copy" has been switched on.
pub fn forward_no_copy_notice(forward_to: &str) -> Notice {
    Notice {
        subject: "Redirection : plus de copie conservée / Forwarding: copies no longer kept"
            .to_string(),
        text: format!(
            "Vos messages sont redirigés vers {forward_to} et vous n'avez pas consulté votre boîte depuis \
             longtemps : conformément à la charte, les copies ne sont plus conservées sur le serveur.\n\
             Vous pouvez changer ce réglage dans les options du webmail.\n\n\
             Your mail is forwarded to {forward_to} and you have not read your mailbox for a long time: as the \
             charter requires, copies are no longer kept on the server.\n\
             You can change this in the webmail options.\n"
        ),
    }
}

/// R17: the human part of the "delayed" DSN sent when a message waits for
/// room in a full mailbox.
pub fn held_for_quota_text(recipient: &str, hold_days: u32) -> String {
    format!(
        "La boîte de {recipient} est pleine. Votre message est conservé et sera distribué dès qu'il y aura de la \
         place ; sans place dans {hold_days} jours, il sera détruit et vous serez prévenu.\n\n\
         The mailbox of {recipient} is full. Your message is kept and will be delivered as soon as there is room; \
         if there is none within {hold_days} days, it will be destroyed and you will be told.\n"
    )
}

/// R17: the human part of the "failed" DSN when the hold has expired.
pub fn held_expired_text(recipient: &str, hold_days: u32) -> String {
    format!(
        "La boîte de {recipient} est restée pleine pendant {hold_days} jours : votre message a été détruit sans \
         être distribué. Prévenez le destinataire par un autre moyen.\n\n\
         The mailbox of {recipient} stayed full for {hold_days} days: your message was destroyed without being \
         delivered. Contact the recipient another way.\n"
    )
}

/// R9: told to the intended recipients of a message stopped by the
/// antivirus. `subject` is `None` for a private message (R4): the notice
/// then says so instead of quoting it. `found` is the signature clamd named.
pub fn virus_quarantined_notice(sender: &str, subject: Option<&str>, found: &str) -> Notice {
    let sender = if sender.is_empty() { "<>" } else { sender };
    let (subject_fr, subject_en) = match subject.map(str::trim) {
        Some(s) if !s.is_empty() => (s.to_string(), s.to_string()),
        Some(_) => ("(sans objet)".to_string(), "(no subject)".to_string()),
        None => (
            "(message privé)".to_string(),
            "(private message)".to_string(),
        ),
    };
    Notice {
        subject: "Message non distribué : virus détecté / Message not delivered: virus found"
            .to_string(),
        text: format!(
            "Un message qui vous était destiné n'a pas été distribué, car l'antivirus y a trouvé un virus. Il est \
             isolé en quarantaine et personne ne l'a ouvert.\n\n\
             Expéditeur : {sender}\nObjet : {subject_fr}\nTrouvé : {found}\n\n\
             Vous n'avez rien à faire. Si vous attendiez ce message, demandez à l'expéditeur de vous l'envoyer \
             sans le fichier infecté.\n\n\
             A message for you was not delivered because the antivirus found a virus in it. It is isolated in \
             quarantine and nobody has opened it.\n\n\
             Sender: {sender}\nSubject: {subject_en}\nFound: {found}\n\n\
             You have nothing to do. If you were expecting this message, ask the sender to send it again without \
             the infected file.\n"
        ),
    }
}

/// R9: the human part of the bounce to a trusted sender
/// (`antivirus.bounce_sender`) whose message carried a virus.
pub fn virus_bounce_text(found: &str) -> String {
    format!(
        "Votre message n'a pas été distribué : l'antivirus y a trouvé un virus ({found}). Il est isolé en \
         quarantaine. Analysez votre ordinateur, puis renvoyez le message sans le fichier infecté.\n\n\
         Your message was not delivered: the antivirus found a virus in it ({found}). It is isolated in \
         quarantine. Scan your computer, then send the message again without the infected file.\n"
    )
}

#[cfg(test)]
mod virus_texts {
    use super::*;

    #[test]
    fn notice_shows_sender_subject_and_signature_french_first() {
        let n =
            virus_quarantined_notice("alice@example.org", Some("Facture"), "Eicar-Test-Signature");
        assert!(n.subject.starts_with("Message non distribué"));
        assert!(n.text.contains("Expéditeur : alice@example.org"));
        assert!(n.text.contains("Objet : Facture"));
        assert!(n.text.contains("Trouvé : Eicar-Test-Signature"));
        assert!(
            n.text.find("Expéditeur").unwrap_or(usize::MAX) < n.text.find("Sender").unwrap_or(0)
        );
        assert!(!n.text.contains("http"), "no links in notices");
    }

    #[test]
    fn private_subject_is_never_quoted() {
        let n = virus_quarantined_notice("", None, "X");
        assert!(n.text.contains("Objet : (message privé)"));
        assert!(n.text.contains("Subject: (private message)"));
        assert!(n.text.contains("Expéditeur : <>"));
    }

    #[test]
    fn bounce_names_what_was_found() {
        let t = virus_bounce_text("Win.Test.EICAR_HDB-1");
        assert!(t.contains("(Win.Test.EICAR_HDB-1)"));
        assert!(t.starts_with("Votre message"));
    }
}
