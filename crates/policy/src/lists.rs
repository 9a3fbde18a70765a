//! R3: who may post to an institutional list.

use vesontio_types::Address;

use crate::refusal::Refusal;

/// R3: true when `sender` is one of the list's authorised senders.
///
/// `sender` must be the authenticated account's address for submission,
/// or the SPF/DKIM-aligned envelope sender for mail from outside: never
/// the `From:` header, which anyone can write. The null sender never posts.
pub fn may_post_to_list(authorised_senders: &[Address], sender: Option<&Address>) -> bool {
    let Some(sender) = sender else { return false };
    let s = sender.normalized();
    authorised_senders.iter().any(|a| a.normalized() == s)
}

/// R3: the refusal for anyone else. `550 5.7.1`, naming the list.
pub fn list_post_refusal(list: &Address) -> Refusal {
    Refusal::new(
        550,
        "5.7.1",
        format!(
            "Vous n'êtes pas autorisé à écrire à la liste {list}. Demandez à son gestionnaire de vous ajouter aux \
             expéditeurs autorisés. / You are not allowed to post to the list {list}. Ask its manager to add you to \
             the authorised senders."
        ),
    )
}
