//! R22: redirection of a mailbox to an outside address.

use vesontio_types::AccountKind;

/// Why a redirection outside is not allowed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum ForwardRefusal {
    #[error(
        "une boîte fonctionnelle ne peut pas être redirigée vers l'extérieur / a functional mailbox cannot be redirected outside"
    )]
    FunctionalMailbox,
    #[error(
        "une liste ne se redirige pas ; modifiez ses membres / a list is not redirected; change its members"
    )]
    List,
    #[error(
        "ce message vient d'une boîte fonctionnelle et ne peut pas sortir par une redirection / this message came through a functional mailbox and cannot leave through a redirection"
    )]
    ReachedThroughFunctional,
}

/// R22: may a message leave for an outside address through the redirection
/// of a mailbox of `kind`?
///
/// `chain_reached_functional` is true when the message got to that mailbox
/// through a functional mailbox (a functional mailbox redirecting to an
/// internal mailbox that redirects outside): R22 forbids that indirect way
/// too. Use it when a redirection is configured (with `false`) and at
/// delivery, for each outside hop.
pub fn forwarding_allowed(
    kind: AccountKind,
    chain_reached_functional: bool,
) -> Result<(), ForwardRefusal> {
    match kind {
        AccountKind::Functional => Err(ForwardRefusal::FunctionalMailbox),
        AccountKind::List => Err(ForwardRefusal::List),
        AccountKind::Person if chain_reached_functional => {
            Err(ForwardRefusal::ReachedThroughFunctional)
        }
        AccountKind::Person => Ok(()),
    }
}
