//! Checks made during the SMTP dialogue: `MAIL FROM` (R2 send-as) and
//! `RCPT TO` (unknown users, relaying, R3 lists, R5 limits).

use vesontio_policy::{
    RateWindow, check_hourly_rate, check_recipients_per_message, list_post_refusal,
    may_post_to_list,
};
use vesontio_types::{AccountKind, Address, UnixTime};

use crate::{Delivery, Origin, Reply};

/// R5: the window over which the hourly limit counts.
const HOUR: i64 = 3600;

/// R2: on submission the account may use its own address or that of a
/// functional mailbox where it has the `p` (post) right (RFC 4314 letter
/// used for "send as"). On MX any syntactically valid sender (already
/// parsed into an [`Address`]) and the null sender are accepted.
pub(crate) async fn check_sender(
    d: &Delivery,
    origin: &Origin,
    sender: Option<&Address>,
    _now: UnixTime,
) -> Result<(), Reply> {
    let Origin::Submission { account, .. } = origin else {
        return Ok(());
    };
    let Some(sender) = sender else {
        // RFC 6409 §4.1 lets a submission server refuse what users never
        // legitimately send: bounces come from the server, not from users.
        return Err(Reply::new(
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
        .map_err(|_| Reply::internal())?;
    let mut allowed = vec![account.address.clone()];
    for (group, rights) in &groups {
        if rights.contains('p') {
            if group.address.to_lowercase() == wanted {
                return Ok(());
            }
            allowed.push(group.address.clone());
        }
    }
    Err(Reply::new(
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
) -> Result<(), Reply> {
    let cfg = d.config();
    // R5, per message: RFC 5321 §4.5.3.1.10 `452 4.5.3` on the first
    // recipient over the limit. Platform messages are not limited.
    if !matches!(origin, Origin::Internal) {
        check_recipients_per_message(
            rcpt_count_so_far as u64 + 1,
            u64::from(cfg.recipients_per_message),
        )
        .map_err(|r| Reply::from_refusal(&r))?;
    }
    if !d.is_local_domain(rcpt.domain()).await {
        if let Origin::Mx { .. } = origin {
            // RFC 5321 §3.6.2 / §7.1: no open relay.
            return Err(Reply::new(
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
            .map_err(|_| Reply::internal())?;
        // Departed and disabled accounts still receive (R12: mail is kept
        // until the account is deleted).
        let Some(account) = account else {
            return Err(Reply::new(
                550,
                "5.1.1",
                format!("<{rcpt}>: no such mailbox here / boite inconnue"),
            ));
        };
        if account.kind == AccountKind::List {
            // R3: checked against the authenticated account, never the
            // spoofable From:; on MX the envelope sender is all there is.
            let poster: Option<Address> = match origin {
                Origin::Submission { account, .. } => Address::parse(&account.address).ok(),
                Origin::Mx { .. } => sender.cloned(),
                Origin::Internal => None,
            };
            if !matches!(origin, Origin::Internal) {
                let senders = d
                    .store()
                    .list_senders(account.id)
                    .await
                    .map_err(|_| Reply::internal())?;
                let senders: Vec<Address> = senders
                    .iter()
                    .filter_map(|s| Address::parse(s).ok())
                    .collect();
                if !may_post_to_list(&senders, poster.as_ref()) {
                    return Err(Reply::from_refusal(&list_post_refusal(rcpt)));
                }
            }
        }
    }
    // R5, per hour, for authenticated senders: what they sent in the last
    // hour plus this message's recipients so far plus this one.
    if let Origin::Submission { account, .. } = origin {
        let sent = d
            .store()
            .sent_since(&account.address, now - HOUR)
            .await
            .map_err(|_| Reply::internal())?;
        let mut window = RateWindow::hourly();
        window.record(now, sent.max(0) as u64 + rcpt_count_so_far as u64);
        check_hourly_rate(&mut window, now, 1, u64::from(cfg.recipients_per_hour))
            .map_err(|r| Reply::from_refusal(&r))?;
    }
    Ok(())
}
