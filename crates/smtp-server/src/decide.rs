//! The decisions the SMTP session asks for: sender (MAIL), recipient
//! (RCPT), message (DATA) and credentials (AUTH), each answered by the
//! delivery path or the directory.

use vesontio_delivery::Origin;
use vesontio_directory::AuthError;
use vesontio_smtp_proto::{EnhancedCode, Event, Reply, SessionError};
use vesontio_types::Secret;

use crate::audit::AuthAttempt;
use crate::harvest::Verdict;
use crate::session::Conn;
use crate::spool::Spool;
use crate::transaction::{self, internal_error, wire_reply};

/// The reply to a refused login and the reason recorded in the audit log.
/// Only `Locked` and `MustChangePassword` tell more than "invalid": the
/// others must not reveal whether the account exists.
pub(crate) fn auth_refusal(e: &AuthError, webmail_url: &str) -> (&'static str, Reply) {
    let ec = EnhancedCode::new;
    match e {
        // RFC 4954 §6: 535 5.7.8.
        AuthError::Invalid => ("invalid", Reply::auth_failed()),
        AuthError::Disabled => ("disabled", Reply::auth_failed()),
        // R26: the owner must change an administrator's password first.
        AuthError::MustChangePassword(_) => (
            "must_change_password",
            Reply::new(
                535,
                ec(5, 7, 8),
                format!(
                    "Your password was set by an administrator: change it in the webmail ({webmail_url}) first"
                ),
            ),
        ),
        // RFC 4954 §6: 454 4.7.0 temporary authentication failure.
        AuthError::Locked { retry_after } => (
            "locked",
            Reply::new(
                454,
                ec(4, 7, 0),
                format!("Too many failed attempts, retry in {retry_after} seconds"),
            ),
        ),
        AuthError::Store(err) => {
            let id = uuid::Uuid::now_v7().simple().to_string();
            tracing::error!(error_id = %id, error = %err, "directory error during AUTH");
            (
                "store_error",
                Reply::new(
                    454,
                    ec(4, 7, 0),
                    format!(
                        "Temporary authentication failure, please try again later (error id {id})"
                    ),
                ),
            )
        }
    }
}

/// Logs a misuse of the session API (a bug here, never the peer's doing).
fn checked(r: Result<(), SessionError>) {
    if let Err(e) = r {
        tracing::error!(error = %e, "smtp session decision out of sequence");
    }
}

impl Conn {
    /// Handles one informational event or decision.
    pub(crate) async fn decide(&mut self, ev: Event) {
        match ev {
            Event::Helo { domain } => self.greeted(domain, false),
            Event::Ehlo { domain } => self.greeted(domain, true),
            Event::Rset => self.tx.clear(),
            Event::MessageRefused { .. } => {
                self.tx.clear();
                self.spool = Spool::Empty;
                self.record.refused += 1;
            }
            Event::DataPart(part) => {
                let dir = self.shared.cfg.spool_dir.clone();
                self.spool.write(&dir, &part);
            }
            Event::MailFrom {
                reverse_path,
                params,
            } => {
                let r = self.mail(&reverse_path).await;
                match r {
                    Ok(sender) => {
                        self.tx.mail_from = Some(sender);
                        self.tx.params = params;
                        checked(self.session.accept_mail());
                    }
                    Err(reply) => checked(self.session.reject(reply)),
                }
            }
            Event::RcptTo {
                forward_path,
                params,
            } => {
                let postmaster = self.shared.delivery.config().postmaster.clone();
                let r = match transaction::recipient(&forward_path, &params, &postmaster) {
                    Ok(rcpt) => self.rcpt(rcpt).await,
                    Err(reply) => Err(reply),
                };
                match r {
                    Ok(()) => checked(self.session.accept_rcpt()),
                    Err(reply) => self.rcpt_failed(reply).await,
                }
            }
            Event::Data(body) => self.data(body).await,
            Event::Auth {
                authzid,
                authcid,
                password,
                ..
            } => self.auth(authzid, authcid, password).await,
            // Handled by the connection loop.
            Event::StartTls { .. } | Event::Quit | Event::Close { .. } => {}
        }
    }

    fn greeted(&mut self, domain: String, esmtp: bool) {
        self.tx.clear();
        self.record.helo = Some(domain.clone());
        self.helo = domain;
        self.esmtp = esmtp;
    }

    /// Where the message comes from, for the delivery path. `None` on
    /// submission without a login (the session prevents it).
    fn origin(&self) -> Option<Origin> {
        let client_ip = self.peer.ip();
        let helo = self.helo.clone();
        if self.kind.is_submission() {
            self.account.as_ref().map(|a| Origin::Submission {
                account: Box::new(a.clone()),
                client_ip,
                helo,
            })
        } else {
            Some(Origin::Mx {
                client_ip,
                helo,
                tls: self.tls_info.is_some(),
            })
        }
    }

    /// MAIL FROM, the delivery path's call: on submission the account must
    /// be allowed to send as the address (R2); on the MX an address of our
    /// own domains is refused unless the configuration allows it.
    async fn mail(
        &self,
        path: &vesontio_smtp_proto::ReversePath,
    ) -> Result<Option<vesontio_types::Address>, Reply> {
        let sender = transaction::sender(path)?;
        let origin = self
            .origin()
            .ok_or_else(|| internal_error("MAIL on submission without a login"))?;
        let now = vesontio_store::now();
        self.shared
            .delivery
            .check_sender(&origin, sender.as_ref(), now)
            .await
            .map_err(|r| wire_reply(&r))?;
        Ok(sender)
    }

    /// RCPT TO: local, relay or unknown is the delivery path's call.
    async fn rcpt(&mut self, rcpt: vesontio_delivery::Recipient) -> Result<(), Reply> {
        let origin = self
            .origin()
            .ok_or_else(|| internal_error("RCPT without an origin"))?;
        let now = vesontio_store::now();
        self.shared
            .delivery
            .check_recipient(
                &origin,
                self.tx.sender(),
                &rcpt.address,
                self.tx.recipients.len(),
                now,
            )
            .await
            .map_err(|r| wire_reply(&r))?;
        self.tx.recipients.push(rcpt);
        Ok(())
    }

    /// A refused RCPT: counted against harvesting (see [`crate::harvest`]),
    /// answered at once, late, or followed by `421 4.7.0` and the close.
    async fn rcpt_failed(&mut self, reply: Reply) {
        let limits = self.cfg().rcpt_limits;
        let verdict = if reply.code >= 500 && self.account.is_none() {
            self.failed_rcpts = self.failed_rcpts.saturating_add(1);
            let ip = self.peer.ip();
            let by_address = self
                .shared
                .harvest
                .fail(ip, std::time::Instant::now(), limits.memory);
            limits.verdict(self.failed_rcpts.max(by_address))
        } else {
            Verdict::Answer
        };
        match verdict {
            Verdict::Answer => checked(self.session.reject(reply)),
            Verdict::Delay(d) => {
                tokio::time::sleep(d).await;
                checked(self.session.reject(reply));
            }
            Verdict::Close => {
                tracing::warn!(
                    session = %self.record.session_id,
                    client = %self.peer,
                    failed_rcpts = self.failed_rcpts,
                    "too many failed recipients, closing"
                );
                checked(self.session.reject(reply));
                let text = format!(
                    "{} Too many unknown recipients, closing connection",
                    self.cfg().hostname
                );
                self.session
                    .refuse_connection(Reply::new(421, EnhancedCode::new(4, 7, 0), text));
            }
        }
    }

    /// End of DATA: the delivery path. `250` only once it
    /// says the message is stored durably.
    async fn data(&mut self, rest: Vec<u8>) {
        let now = vesontio_store::now();
        let Some(body) = std::mem::take(&mut self.spool).finish(rest) else {
            self.tx.clear();
            return checked(
                self.session
                    .reject(internal_error("message data could not be spooled")),
            );
        };
        let Some(origin) = self.origin() else {
            self.tx.clear();
            return checked(
                self.session
                    .reject(internal_error("DATA without an origin")),
            );
        };
        // The delivery path adds the RFC 5321 §4.4 `Received:` field from
        // the origin, so the message is stored as received.
        let raw = body;
        let envelope = self.tx.take_envelope();
        let recipients = envelope.recipients.len();
        let size = raw.len();
        let limit = self.cfg().data_termination_timeout;
        let submit = self.shared.delivery.submit(origin, envelope, raw, now);
        match tokio::time::timeout(limit, submit).await {
            Ok(Ok(accepted)) => {
                self.record.messages += 1;
                // Postfix counts errors "without delivering mail".
                self.failed_rcpts = 0;
                self.shared.harvest.clear(self.peer.ip());
                tracing::info!(
                    session = %self.record.session_id,
                    queue_id = %accepted.queue_id,
                    message_id = %accepted.message_id,
                    size,
                    recipients,
                    "message accepted"
                );
                checked(self.session.accept_data(&accepted.queue_id));
            }
            Ok(Err(reply)) => {
                self.record.refused += 1;
                tracing::info!(
                    session = %self.record.session_id,
                    code = reply.code,
                    size,
                    recipients,
                    "message refused"
                );
                checked(self.session.reject(wire_reply(&reply)));
            }
            Err(_) => {
                self.record.refused += 1;
                let r =
                    internal_error("delivery did not answer within the DATA termination timeout");
                checked(self.session.reject(r));
            }
        }
    }

    /// AUTH PLAIN / LOGIN (RFC 4954) against the directory.
    async fn auth(&mut self, authzid: Option<String>, authcid: String, password: Secret<String>) {
        let now = vesontio_store::now();
        // RFC 4616 §2: acting as someone else is not offered; an authzid
        // equal to the login is harmless.
        if authzid.is_some_and(|z| !z.eq_ignore_ascii_case(&authcid)) {
            self.record.auth.push(AuthAttempt {
                login: authcid,
                result: "authzid_refused",
                at: now,
            });
            return checked(self.session.reject(Reply::new(
                535,
                EnhancedCode::new(5, 7, 8),
                "Authorization identity must be the login itself",
            )));
        }
        let result = self
            .shared
            .directory
            .authenticate(&authcid, &password, self.peer.ip(), now)
            .await;
        match result {
            Ok(account) => {
                self.record.auth.push(AuthAttempt {
                    login: authcid,
                    result: "success",
                    at: now,
                });
                self.record.account = Some(account.address.clone());
                self.account = Some(account);
                checked(self.session.accept_auth());
            }
            Err(e) => {
                let (reason, reply) = auth_refusal(&e, &self.cfg().webmail_url);
                self.record.auth.push(AuthAttempt {
                    login: authcid,
                    result: reason,
                    at: now,
                });
                checked(self.session.reject(reply));
            }
        }
    }
}
