//! R22 redirection.

use super::*;

#[test]
fn r22_forwarding_table() {
    use AccountKind::*;
    let rows: &[(AccountKind, bool, Result<(), ForwardRefusal>)] = &[
        (Person, false, Ok(())),
        (Person, true, Err(ForwardRefusal::ReachedThroughFunctional)),
        (Functional, false, Err(ForwardRefusal::FunctionalMailbox)),
        (Functional, true, Err(ForwardRefusal::FunctionalMailbox)),
        (List, false, Err(ForwardRefusal::List)),
    ];
    for &(kind, via, want) in rows {
        assert_eq!(forwarding_allowed(kind, via), want, "{kind:?} {via}");
    }
}
