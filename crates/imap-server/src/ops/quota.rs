//! QUOTA (RFC 9208): one quota root per account (R15: all folders
//! together), resource STORAGE in units of 1024 octets (§5.1). The own
//! account's root is `""`; a functional mailbox's is `Shared/<address>`.

use vesontio_imap_proto::{Code, Data, Mailbox as Name, Response};
use vesontio_types::AccountId;

use crate::error::{CmdError, CmdResult, Done};
use crate::mailbox::{self, SHARED_PREFIX, Target};
use crate::ops::{account, nonexistent};
use crate::session::Session;

fn root_of(t: &Target) -> String {
    match (t.shared, mailbox::strip_shared(&t.name)) {
        (true, Some(rest)) => {
            let addr = rest.split('/').next().unwrap_or(rest);
            format!("{SHARED_PREFIX}{addr}")
        }
        _ => String::new(),
    }
}

async fn quota(s: &Session, root: &str, id: AccountId) -> Result<Response, CmdError> {
    let q = s.shared.store.quota_usage(id).await?;
    let kib = |b: i64| (b.max(0) as u64).div_ceil(1024);
    Ok(Response::Data(Data::Quota {
        root: root.to_string(),
        resources: vec![("STORAGE".into(), kib(q.used), kib(q.limit))],
    }))
}

pub(crate) async fn get_quota_root(
    s: &mut Session,
    name: &str,
    out: &mut Vec<Response>,
) -> CmdResult {
    let acc = account(s)?;
    let Some(t) = mailbox::resolve(&s.shared.store, &acc, name).await? else {
        return Err(nonexistent(name));
    };
    let root = root_of(&t);
    out.push(Response::Data(Data::QuotaRoot {
        mailbox: Name::new(t.name.clone()),
        roots: vec![root.clone()],
    }));
    out.push(quota(s, &root, t.mailbox.account_id).await?);
    Ok(Done::ok("GETQUOTAROOT completed"))
}

pub(crate) async fn get_quota(s: &mut Session, root: &str, out: &mut Vec<Response>) -> CmdResult {
    let acc = account(s)?;
    if root.is_empty() {
        out.push(quota(s, "", acc.id).await?);
        return Ok(Done::ok("GETQUOTA completed"));
    }
    if let Some(addr) = mailbox::strip_shared(root) {
        for (group, _) in s.shared.store.groups_of(acc.id).await? {
            if group.address.eq_ignore_ascii_case(addr) {
                out.push(quota(s, root, group.id).await?);
                return Ok(Done::ok("GETQUOTA completed"));
            }
        }
    }
    Err(CmdError::no(
        Code::NonExistent,
        format!("No such quota root: {root}"),
    ))
}
