//! Checks made during the SMTP dialogue: `MAIL FROM` (R2 send-as) and
//! `RCPT TO` (unknown users, relaying, R3 lists, R5 limits).

use std::net::IpAddr;
use vesontio_policy::{
    RateWindow, check_hourly_rate, check_recipients_per_message, list_post_refusal,
    may_post_to_list,
};

use vesontio_types::{AccountKind, Address, UnixTime};

use crate::{Delivery, Origin, Refused, Rule};

/// R5: the window over which the hourly limit counts.
const HOUR: i64 = 3600;

/// R2: on submission the account may use its own address or that of a
/// functional mailbox where it has the `p` (post) right (RFC 4314 letter
/// used for "send as"). On MX the null sender and any sender outside our
/// domains are accepted ([`check_outside_sender`]).
pub(crate) async fn check_sender(
    d: &Delivery,
    origin: &Origin,
    sender: Option<&Address>,
    _now: UnixTime,
) -> Result<(), Refused> {
    let account = match origin {
        Origin::Submission { account, .. } | Origin::WebSend { account, .. } => account,
        Origin::Mx { client_ip, .. } => {
            return match sender {
                Some(s) => check_outside_sender(d, s, *client_ip, "MAIL FROM").await,
                None => Ok(()),
            };
        }
        // Platform notices, and filing doors (no envelope: see `gate.rs`).
        _ => return Ok(()),
    };
    let Some(sender) = sender else {
        // RFC 6409 §4.1 lets a submission server refuse what users never
        // legitimately send: bounces come from the server, not from users.
        return Err(Refused::new(
            Rule::SendAs,
            550,
            "5.7.1",
            "L'expediteur vide <> est refuse en soumission / The null sender <> is not allowed on submission",
        ));
    };
    let wanted = sender.normalized();
    if wanted == account.address.to_lowercase() {
        return Ok(());
    }
    let groups = d
        .store()
        .groups_of(account.id)
        .await
        .map_err(|_| Refused::internal())?;
    let mut allowed = vec![account.address.clone()];
    for (group, rights) in &groups {
        if rights.contains('p') {
            if group.address.to_lowercase() == wanted {
                return Ok(());
            }
            allowed.push(group.address.clone());
        }
    }
    Err(Refused::new(
        Rule::SendAs,
        550,
        "5.7.1",
        format!(
            "Vous ne pouvez pas envoyer en tant que <{sender}>. Adresses autorisees : {} / You may not send as \
             <{sender}>. Allowed addresses: {}",
            allowed.join(", "),
            allowed.join(", ")
        ),
    ))
}

pub(crate) async fn check_recipient(
    d: &Delivery,
    origin: &Origin,
    sender: Option<&Address>,
    rcpt: &Address,
    rcpt_count_so_far: usize,
    now: UnixTime,
) -> Result<(), Refused> {
    let cfg = d.config();
    // R5, per message: RFC 5321 §4.5.3.1.10 `452 4.5.3` on the first
    // recipient over the limit. Platform messages are not limited.
    if !origin.sends() {
        return Ok(());
    }
    if !matches!(origin, Origin::Internal) {
        check_recipients_per_message(
            rcpt_count_so_far as u64 + 1,
            u64::from(cfg.recipients_per_message),
        )
        .map_err(|r| {
            Refused::from_policy(Rule::RecipientsPerMessage, &r)
                .with_limit(u64::from(cfg.recipients_per_message))
        })?;
    }
    if !d.is_local_domain(rcpt.domain()).await {
        if let Origin::Mx { .. } = origin {
            // RFC 5321 §3.6.2 / §7.1: no open relay.
            return Err(Refused::new(
                Rule::Relay,
                550,
                "5.7.1",
                format!("<{rcpt}>: relais refuse / relaying denied"),
            ));
        }
    } else {
        let account = d
            .store()
            .account_by_address(&rcpt.normalized())
            .await
            .map_err(|_| Refused::internal())?;
        // Departed and disabled accounts still receive (R12: mail is kept
        // until the account is deleted).
        let Some(account) = account else {
            return Err(Refused::new(
                Rule::UnknownRecipient,
                550,
                "5.1.1",
                format!(
                    "Boite inconnue : <{rcpt}> n'existe pas ici / <{rcpt}>: no such mailbox here"
                ),
            ));
        };
        if account.kind == AccountKind::List {
            // R3: checked against the authenticated account, never the
            // spoofable From:; on MX the envelope sender is all there is.
            let poster: Option<Address> = match origin {
                Origin::Mx { .. } => sender.cloned(),
                _ => origin
                    .sending_account()
                    .and_then(|a| Address::parse(&a.address).ok()),
            };
            // R3: on the MX nobody is authenticated, so an envelope sender
            // in one of our domains is only a claim (RFC 5321 §3.3: the
            // reverse path is not verified); our people post from their
            // account, on submission, where the login is checked.
            if let (Origin::Mx { .. }, Some(p)) = (origin, poster.as_ref())
                && d.is_local_domain(p.domain()).await
            {
                return Err(local_poster_on_mx(rcpt, p));
            }
            if !matches!(origin, Origin::Internal) {
                let senders = d
                    .store()
                    .list_senders(account.id)
                    .await
                    .map_err(|_| Refused::internal())?;
                let senders: Vec<Address> = senders
                    .iter()
                    .filter_map(|s| Address::parse(s).ok())
                    .collect();
                if !may_post_to_list(&senders, poster.as_ref()) {
                    return Err(Refused::from_policy(
                        Rule::ListPosting,
                        &list_post_refusal(rcpt),
                    ));
                }
            }
        }
    }
    // R5, per hour, for authenticated senders: what they sent in the last
    // hour plus this message's recipients so far plus this one.
    if let Some(account) = origin.sending_account() {
        let sent = d
            .store()
            .sent_since(&account.address, now - HOUR)
            .await
            .map_err(|_| Refused::internal())?;
        let mut window = RateWindow::hourly();
        window.record(now, sent.max(0) as u64 + rcpt_count_so_far as u64);
        check_hourly_rate(&mut window, now, 1, u64::from(cfg.recipients_per_hour)).map_err(
            |r| {
                Refused::from_policy(Rule::HourlyRate, &r)
                    .with_limit(u64::from(cfg.recipients_per_hour))
            },
        )?;
    }
    Ok(())
}

/// R3: refusal of a list post arriving on the MX with one of our own
/// addresses as envelope sender (`550 5.7.1`, RFC 3463 X.7.1). ASCII only
/// (RFC 5321 §4.2).
fn local_poster_on_mx(list: &Address, sender: &Address) -> Refused {
    Refused::new(
        Rule::ListPosting,
        550,
        "5.7.1",
        format!(
            "Vous n'etes pas autorise a ecrire a la liste {list} de l'exterieur : un message de <{sender}> doit etre \
             envoye depuis ce compte, identifie (soumission, port 465). / You are not allowed to post to the list \
             {list} from outside: mail from <{sender}> must be sent from that account, logged in (submission, port 465)."
        ),
    )
}

/// Mail from outside in one of our own domains (envelope sender or
/// `From:`, named by `what`), arriving unauthenticated on the MX, is
/// refused whatever SPF and DKIM say: the institution's people send
/// through submission, so such mail is forged, or a relay or newsletter
/// the DSI lists in `domains.allowed_outside_senders` (by address,
/// domain, or the client's IP network). `550 5.7.1` (RFC 3463: delivery
/// not authorized), ASCII (RFC 5321 §4.2).
pub(crate) async fn check_outside_sender(
    d: &Delivery,
    sender: &Address,
    client_ip: IpAddr,
    what: &str,
) -> Result<(), Refused> {
    if !d.is_local_domain(sender.domain()).await
        || d.config()
            .allowed_outside_senders
            .iter()
            .any(|p| p.matches(sender, client_ip))
    {
        return Ok(());
    }
    Err(Refused::new(
        Rule::OutsideSender,
        550,
        "5.7.1",
        format!(
            "{what} <{sender}> : une adresse de {domain} ne peut pas venir de l'exterieur sans identification ; \
             envoyez depuis votre compte (soumission, port 465). / {what} <{sender}>: an address of {domain} cannot \
             come from outside unauthenticated; send from your account (submission, port 465).",
            domain = sender.domain()
        ),
    ))
}
