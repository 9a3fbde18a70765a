//! The open mail transaction as the server sees it (RFC 5321 §3.3), and
//! the conversions between the wire types of `vesontio-smtp-proto` and the
//! types of the delivery path.

use vesontio_delivery::{Envelope, Recipient};
use vesontio_smtp_proto::{
    EnhancedCode, ForwardPath, MailParams, Mailbox, RcptParams, Reply, ReversePath,
};
use vesontio_types::Address;

/// What was accepted since `MAIL FROM`.
#[derive(Debug, Default)]
pub(crate) struct Transaction {
    /// `Some(None)` is the null reverse path `<>`.
    pub(crate) mail_from: Option<Option<Address>>,
    pub(crate) params: MailParams,
    pub(crate) recipients: Vec<Recipient>,
}

impl Transaction {
    pub(crate) fn clear(&mut self) {
        *self = Transaction::default();
    }

    /// The sender given at MAIL FROM (`None` for `<>` or no transaction).
    pub(crate) fn sender(&self) -> Option<&Address> {
        self.mail_from.as_ref().and_then(|m| m.as_ref())
    }

    /// The envelope handed to `Delivery::submit`; the transaction is reset.
    pub(crate) fn take_envelope(&mut self) -> Envelope {
        let t = std::mem::take(self);
        Envelope {
            mail_from: t.mail_from.flatten(),
            recipients: t.recipients,
            envid: t.params.envid,
            ret: t.params.ret.map(|r| r.as_str().to_string()),
            smtputf8: t.params.smtputf8,
        }
    }
}

/// An envelope mailbox as a platform [`Address`]; `None` when the platform
/// cannot represent it (e.g. an address literal domain).
pub(crate) fn address(m: &Mailbox) -> Option<Address> {
    Address::parse(&m.to_string()).ok()
}

/// `MAIL FROM` path: `Ok(None)` for `<>`, `Err` for an address the platform
/// does not take (RFC 3463 X.1.7 bad sender address syntax).
pub(crate) fn sender(path: &ReversePath) -> Result<Option<Address>, Reply> {
    match path {
        ReversePath::Null => Ok(None),
        ReversePath::Mailbox(m) => address(m).map(Some).ok_or_else(|| {
            Reply::new(
                553,
                EnhancedCode::new(5, 1, 7),
                format!("Sender address <{m}> is not valid"),
            )
        }),
    }
}

/// `RCPT TO` path. RFC 5321 §4.5.1: `<Postmaster>` without a domain is the
/// platform's postmaster.
pub(crate) fn recipient(
    path: &ForwardPath,
    params: &RcptParams,
    postmaster: &Address,
) -> Result<Recipient, Reply> {
    let address = match path {
        ForwardPath::Postmaster => postmaster.clone(),
        ForwardPath::Mailbox(m) => address(m).ok_or_else(|| {
            // RFC 3463: X.1.3 bad destination mailbox address syntax.
            Reply::new(
                553,
                EnhancedCode::new(5, 1, 3),
                format!("Recipient address <{m}> is not valid"),
            )
        })?,
    };
    Ok(Recipient {
        address,
        orcpt: params
            .orcpt
            .as_ref()
            .map(|o| format!("{};{}", o.addr_type, o.address)),
        notify: params.notify.map(|n| n.to_value()),
    })
}

/// The ingest gate's refusal as an SMTP reply: the one place where the
/// SMTP doors map [`vesontio_delivery::Refused`] (its RFC 5321 code and
/// RFC 3463 enhanced code, text folded to ASCII as RFC 5321 §4.2 wants).
/// Anything that is not a refusal (a bug on the other side) becomes a
/// temporary failure, so the client retries instead of losing mail.
pub(crate) fn wire_reply(r: &vesontio_delivery::Refused) -> Reply {
    if !(400..600).contains(&r.code) {
        return internal_error("delivery returned a non-refusal as an error");
    }
    match EnhancedCode::parse(&r.enhanced) {
        Some(e) => Reply::new(r.code, e, r.smtp_text()),
        None => Reply::plain(r.code, r.smtp_text()),
    }
}

/// STYLE.md `Internal`: a generic `451 4.3.0` plus a log line with an id the
/// client can quote to the administrators.
pub(crate) fn internal_error(what: &str) -> Reply {
    let id = uuid::Uuid::now_v7().simple().to_string();
    tracing::error!(error_id = %id, "{what}");
    Reply::new(
        451,
        EnhancedCode::new(4, 3, 0),
        format!("Temporary local error, please try again later (error id {id})"),
    )
}
