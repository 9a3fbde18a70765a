//! R3 list posting.

use super::*;

#[test]
fn r3_list_posting() {
    let authorised = [addr("recteur@ac-demo.fr"), addr("dsi@ac-demo.fr")];
    assert!(may_post_to_list(
        &authorised,
        Some(&addr("Recteur@AC-DEMO.fr"))
    ));
    assert!(!may_post_to_list(
        &authorised,
        Some(&addr("eleve@ac-demo.fr"))
    ));
    assert!(!may_post_to_list(&authorised, None));
    assert!(!may_post_to_list(&[], Some(&addr("recteur@ac-demo.fr"))));
    let r = list_post_refusal(&addr("tous@ac-demo.fr"));
    assert_eq!((r.code, r.enhanced), (550, "5.7.1"));
    assert!(r.text.contains("écrire à la liste tous@ac-demo.fr"));
}
