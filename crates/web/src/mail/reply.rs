//! The compose form filled from a message: reply, reply to all, forward
//! (inline, quoted), or a draft reopened. Threads: a reply carries
//! `In-Reply-To` (the parent's Message-ID) and `References` (the
//! parent's references, then the parent), RFC 5322 §3.6.4, so every
//! client (and the store's conversations) threads it.

use vesontio_message::mime::{Address as MimeAddress, Model};
use vesontio_types::Uid;

use crate::i18n::T;
use crate::mail::outgoing::{self, Draft, Mailbox};
use crate::session::Session;
use crate::{Web, WebError};

/// The original's text quoted in a reply is cut at this many characters
/// (a reply quoting a 10 MB text would make a page nobody can edit).
const MAX_QUOTED: usize = 100_000;

fn mailboxes(list: &[MimeAddress]) -> Vec<Mailbox> {
    list.iter()
        .filter_map(|a| {
            let address = vesontio_types::Address::parse(&a.email()?).ok()?;
            Some(Mailbox {
                name: a
                    .name
                    .as_deref()
                    .map(outgoing::clean)
                    .filter(|n| !n.is_empty()),
                address,
            })
        })
        .collect()
}

fn joined(v: &[Mailbox]) -> String {
    v.iter()
        .map(crate::mail::compose::display)
        .collect::<Vec<_>>()
        .join(", ")
}

/// `Re: ` or `Fwd: ` unless the subject already starts with it. The
/// prefixes are the ones RFC 5256 §2.1 strips for the base subject, so
/// conversations find the thread in every language.
pub(crate) fn prefixed(prefix: &str, subject: &str) -> String {
    let s = subject.trim();
    let p = prefix.trim();
    if s.len() >= p.len() && s.is_char_boundary(p.len()) && s[..p.len()].eq_ignore_ascii_case(p) {
        s.to_string()
    } else {
        format!("{p} {s}")
    }
}

fn quote(text: &str) -> String {
    let text: String = text.chars().take(MAX_QUOTED).collect();
    text.lines()
        .map(|l| {
            if l.starts_with('>') {
                format!(">{l}")
            } else {
                format!("> {l}")
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The form for `mode` (`reply`, `all`, `forward`, `draft`) of message
/// `uid` in the account's mailbox `mailbox`.
pub async fn prefill(
    web: &Web,
    t: &T,
    s: &Session,
    mode: &str,
    mailbox: i64,
    uid: Uid,
) -> Result<Draft, WebError> {
    let m = crate::mail::open(web, &s.account, mailbox, "r")
        .await?
        .mailbox;
    let (meta, raw) = crate::mail::message(web, &m, uid).await?;
    let model: Model = crate::mail::read::model_of(web, &meta.blob_id, &raw).await?;
    let (text, html) = tokio::task::spawn_blocking(move || {
        crate::mail::read::bodies(&raw).map(|b| (b.text, b.html))
    })
    .await
    .ok()
    .flatten()
    .unwrap_or_default();
    let text = text.unwrap_or_default();
    let e = &model.envelope;
    let from = mailboxes(&e.from);
    let mut refs = model.references.clone();
    if let Some(id) = &model.message_id {
        refs.retain(|r| r != id);
        refs.push(id.clone());
    }
    let thread = || refs.join(" ");
    let parent = model.message_id.clone().unwrap_or_default();
    let who = joined(&from);
    let date = crate::text::long_date(model.sent_at.unwrap_or(meta.internal_date), t);
    let mut f = Draft::default();
    match mode {
        "reply" | "all" => {
            let reply_to = mailboxes(&e.reply_to);
            let mut to = if reply_to.is_empty() {
                from.clone()
            } else {
                reply_to
            };
            let mut cc = Vec::new();
            if mode == "all" {
                let mine: Vec<String> = crate::mail::compose::senders(web, s)
                    .await?
                    .into_iter()
                    .map(|m| m.address.to_string().to_lowercase())
                    .collect();
                let mut seen: Vec<String> = to
                    .iter()
                    .map(|m| m.address.to_string().to_lowercase())
                    .collect();
                for m in mailboxes(&e.to).into_iter().chain(mailboxes(&e.cc)) {
                    let a = m.address.to_string().to_lowercase();
                    if !mine.contains(&a) && !seen.contains(&a) {
                        seen.push(a);
                        cc.push(m);
                    }
                }
                // Answering one's own message to all: the others, not oneself.
                if to
                    .iter()
                    .all(|m| mine.contains(&m.address.to_string().to_lowercase()))
                    && !cc.is_empty()
                {
                    to = std::mem::take(&mut cc);
                }
            }
            f.to = joined(&to);
            f.cc = joined(&cc);
            f.subject = prefixed(t.get("compose.re_prefix"), &model.subject);
            f.body = format!(
                "\n\n{}\n{}\n",
                t.get("compose.quote_header")
                    .replace("{date}", &date)
                    .replace("{from}", &who),
                quote(&text)
            );
            f.in_reply_to = parent;
            f.references = thread();
        }
        "forward" => {
            f.subject = prefixed(t.get("compose.fwd_prefix"), &model.subject);
            f.body = format!(
                "\n\n{}\n{} {}\n{} {}\n{} {}\n{} {}\n\n{}\n",
                t.get("compose.forwarded"),
                t.get("read.from"),
                who,
                t.get("read.date"),
                date,
                t.get("compose.subject"),
                model.subject,
                t.get("read.to"),
                joined(&mailboxes(&e.to)),
                text.chars().take(MAX_QUOTED).collect::<String>()
            );
            f.references = thread();
        }
        "draft" => {
            f.from = from
                .first()
                .map(|m| m.address.to_string())
                .unwrap_or_default();
            f.to = joined(&mailboxes(&e.to));
            f.cc = joined(&mailboxes(&e.cc));
            f.bcc = joined(&mailboxes(&e.bcc));
            f.subject = model.subject.clone();
            f.body = text.trim_end_matches(['\r', '\n']).to_string();
            // A draft written in the editor reopens in it.
            f.html = html
                .as_deref()
                .and_then(crate::mail::rich::clean)
                .unwrap_or_default();
            let irt = e
                .in_reply_to
                .as_deref()
                .map(|b| String::from_utf8_lossy(b).into_owned())
                .unwrap_or_default();
            f.in_reply_to = outgoing::ids(&irt).pop().unwrap_or_default();
            f.references = model
                .references
                .iter()
                .filter(|r| model.message_id.as_ref() != Some(*r))
                .cloned()
                .collect::<Vec<_>>()
                .join(" ");
            f.draft = format!("{mailbox}/{uid}");
        }
        _ => return Err(WebError::BadRequest),
    }
    // R2: answering or forwarding from a functional mailbox's folder is
    // done as that mailbox when the person may send as it (`p`, what the
    // gate checks); the From chooser still offers their own address.
    if mode != "draft" && m.account_id != s.account.id {
        let groups = vesontio_access::folders::groups(web.store(), &s.account).await?;
        if let Some((g, _)) = groups
            .iter()
            .find(|(g, rights)| g.id == m.account_id && rights.contains('p'))
        {
            f.from = g.address.clone();
        }
    }
    Ok(f)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefixes_are_not_doubled_and_quotes_nest() {
        assert_eq!(prefixed("Re:", "RE: Conseil"), "RE: Conseil");
        assert_eq!(prefixed("Re:", "Conseil"), "Re: Conseil");
        assert_eq!(prefixed("Re:", "é"), "Re: é");
        assert_eq!(quote("a\n> b"), "> a\n>> b");
    }
}
