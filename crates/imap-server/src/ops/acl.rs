//! ACL (RFC 4314), read side: MYRIGHTS, GETACL, LISTRIGHTS. Rights come
//! from the store: an owner has every right on their folders, a member of
//! a functional mailbox (R2) has the rights of their membership. Changing
//! rights (SETACL, DELETEACL) is an administrator's job and is refused.

use vesontio_imap_proto::{Code, Data, Mailbox as Name, Response};

use crate::error::{CmdError, CmdResult, Done};
use crate::mailbox::{self, OWNER_RIGHTS};
use crate::ops::{account, nonexistent};
use crate::session::Session;

pub(crate) async fn my_rights(s: &mut Session, name: &str, out: &mut Vec<Response>) -> CmdResult {
    let acc = account(s)?;
    let Some(t) = mailbox::resolve(&s.shared.store, &acc, name).await? else {
        return Err(nonexistent(name));
    };
    out.push(Response::Data(Data::MyRights {
        mailbox: Name::new(t.name.clone()),
        rights: t.rights.clone(),
    }));
    Ok(Done::ok("MYRIGHTS completed"))
}

pub(crate) async fn get_acl(s: &mut Session, name: &str, out: &mut Vec<Response>) -> CmdResult {
    let acc = account(s)?;
    let store = s.shared.store.clone();
    let Some(t) = mailbox::resolve(&store, &acc, name).await? else {
        return Err(nonexistent(name));
    };
    // RFC 4314 §3.3: GETACL needs the 'a' right.
    if !t.may('a') {
        return Err(CmdError::no(
            Code::NoPerm,
            "You may not read this mailbox's access list",
        ));
    }
    let entries = if t.shared {
        store
            .members(t.mailbox.account_id)
            .await?
            .into_iter()
            .map(|(a, r)| (a.address, r))
            .collect()
    } else {
        vec![(acc.address.clone(), OWNER_RIGHTS.to_string())]
    };
    out.push(Response::Data(Data::Acl {
        mailbox: Name::new(t.name.clone()),
        entries,
    }));
    Ok(Done::ok("GETACL completed"))
}

pub(crate) async fn list_rights(
    s: &mut Session,
    name: &str,
    identifier: &str,
    out: &mut Vec<Response>,
) -> CmdResult {
    let acc = account(s)?;
    let Some(t) = mailbox::resolve(&s.shared.store, &acc, name).await? else {
        return Err(nonexistent(name));
    };
    if !t.may('a') {
        return Err(CmdError::no(
            Code::NoPerm,
            "You may not read this mailbox's access list",
        ));
    }
    out.push(Response::Data(Data::ListRights {
        mailbox: Name::new(t.name.clone()),
        identifier: identifier.to_string(),
        required: String::new(),
        optional: OWNER_RIGHTS.chars().map(String::from).collect(),
    }));
    Ok(Done::ok("LISTRIGHTS completed"))
}
