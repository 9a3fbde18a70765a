//! Lists (R3) and functional-mailbox members (R2).

use super::*;
use crate::accounts::*;
use crate::lists::*;
use vesontio_types::AccountKind;

async fn make(a: &Admin, address: &str, kind: AccountKind) {
    a.create_account(
        &actor(),
        NewAccountInput {
            address: address.into(),
            kind,
            display_name: None,
            quota_bytes: None,
            manager: None,
            password: PasswordChoice::Generate,
            first_login: FirstLogin::MustChange,
            address_rule: AddressRule::Legacy,
        },
    )
    .await
    .unwrap();
}

#[tokio::test]
async fn list_members_senders_and_group_rights() {
    let a = admin().await;
    a.create_list(&actor(), "profs@ac-demo.fr", None)
        .await
        .unwrap();
    let members = a
        .edit_list(
            &actor(),
            "profs@ac-demo.fr",
            ListSide::Members,
            MemberChanges {
                add: vec!["Marie.Curie@ac-demo.fr".into(), "x@example.org".into()],
                remove: vec![],
            },
        )
        .await
        .unwrap();
    assert_eq!(members, ["marie.curie@ac-demo.fr", "x@example.org"]);
    let err = a
        .edit_list(
            &actor(),
            "profs@ac-demo.fr",
            ListSide::Senders,
            MemberChanges {
                add: vec![],
                remove: vec!["nobody@ac-demo.fr".into()],
            },
        )
        .await
        .unwrap_err();
    assert!(matches!(err, AdminError::NotMember { .. }), "{err}");

    make(&a, "dsi@ac-demo.fr", AccountKind::Functional).await;
    make(&a, "marie.curie@ac-demo.fr", AccountKind::Person).await;
    let bad = a
        .edit_group(&actor(), "dsi@ac-demo.fr", MemberChanges::default(), "lrz")
        .await
        .unwrap_err();
    assert!(matches!(bad, AdminError::BadRights { .. }));
    let not_person = a
        .edit_group(
            &actor(),
            "dsi@ac-demo.fr",
            MemberChanges {
                add: vec!["profs@ac-demo.fr".into()],
                remove: vec![],
            },
            DEFAULT_RIGHTS,
        )
        .await
        .unwrap_err();
    assert!(matches!(not_person, AdminError::WrongKind { .. }));
    let m = a
        .edit_group(
            &actor(),
            "dsi@ac-demo.fr",
            MemberChanges {
                add: vec!["marie.curie@ac-demo.fr".into()],
                remove: vec![],
            },
            DEFAULT_RIGHTS,
        )
        .await
        .unwrap();
    assert_eq!(
        m,
        [GroupMember {
            address: "marie.curie@ac-demo.fr".into(),
            rights: DEFAULT_RIGHTS.into()
        }]
    );
    let wrong = a
        .list_side("dsi@ac-demo.fr", ListSide::Members)
        .await
        .unwrap_err();
    assert!(matches!(
        wrong,
        AdminError::WrongKind {
            needed: AccountKind::List,
            ..
        }
    ));
}
