//! CAPABILITY, NOOP/CHECK, ENABLE, ID and NAMESPACE (RFC 9051 §6.1, §6.3.1,
//! RFC 5161, RFC 2971, RFC 2342).

use vesontio_imap_proto::{Data, Response};

use crate::error::{CmdResult, Done};
use crate::mailbox::{DELIM, SHARED_PREFIX};
use crate::session::Session;

pub(crate) fn capability(s: &Session, out: &mut Vec<Response>) -> CmdResult {
    out.push(Response::Data(Data::Capability(s.capabilities())));
    Ok(Done::ok("CAPABILITY completed"))
}

/// RFC 9051 §6.1.2: NOOP does nothing but lets pending updates out (the
/// caller syncs the selected mailbox after every command).
pub(crate) fn noop() -> CmdResult {
    Ok(Done::ok("NOOP completed"))
}

/// RFC 5161 §3.1: ENABLE answers with the extensions newly enabled;
/// unknown ones are ignored.
pub(crate) fn enable(s: &mut Session, caps: &[String], out: &mut Vec<Response>) -> CmdResult {
    let mut enabled = Vec::new();
    for c in caps {
        let c = c.to_ascii_uppercase();
        let slot = match c.as_str() {
            "IMAP4REV2" => {
                s.conn.set_utf8(true);
                &mut s.enabled.rev2
            }
            "CONDSTORE" => &mut s.enabled.condstore,
            "QRESYNC" => {
                // RFC 7162 §3.2.3: QRESYNC implies CONDSTORE.
                s.enabled.condstore = true;
                &mut s.enabled.qresync
            }
            "UTF8=ACCEPT" => {
                // RFC 6855 §3: names and strings are UTF-8 from now on.
                s.conn.set_utf8(true);
                &mut s.enabled.utf8
            }
            _ => continue,
        };
        if !*slot {
            *slot = true;
            enabled.push(if c == "IMAP4REV2" {
                "IMAP4rev2".into()
            } else {
                c
            });
        }
    }
    out.push(Response::Data(Data::Enabled(enabled)));
    Ok(Done::ok("ENABLE completed"))
}

/// RFC 2971: the server's identity; what the client sends is not kept.
pub(crate) fn id(out: &mut Vec<Response>) -> CmdResult {
    out.push(Response::Data(Data::Id(Some(vec![
        ("name".into(), Some("vesontio".into())),
        ("version".into(), Some(env!("CARGO_PKG_VERSION").into())),
    ]))));
    Ok(Done::ok("ID completed"))
}

/// RFC 2342: the personal namespace is the root; functional mailboxes (R2)
/// are under `Shared/`.
pub(crate) fn namespace(out: &mut Vec<Response>) -> CmdResult {
    out.push(Response::Data(Data::Namespace {
        personal: vec![(String::new(), Some(DELIM))],
        other: vec![],
        shared: vec![(SHARED_PREFIX.into(), Some(DELIM))],
    }));
    Ok(Done::ok("NAMESPACE completed"))
}
