//! `vesontio quarantine list | show | release | delete` (R9, R8): argument
//! handling and printing over `vesontio_admin::quarantine`, which enforces
//! R4 (a private message shows its envelope only) and writes the audit
//! entries (R11). Release hands the message to this process's own ingest
//! gate ([`Gate`]), as a running server's doors do: the store is shared, so
//! the copy lands in the mailboxes (or the outbound queue) the server reads.

use std::io::Write;

use anyhow::{Result, bail};
use std::sync::Arc;
use vesontio_admin::{QuarantineView, Redeliver};

use vesontio_delivery::{
    Delivery, DeliveryConfig, Envelope, FilterSettings, Filters, Origin, Recipient, Stage,
};
use vesontio_types::Address;

use crate::admin::AdminCli;
use crate::cli::QuarantineCmd;

/// The ingest gate, as `release` uses it: the configured filter stages,
/// less the one that held the message (R9: "the filters that are not the
/// cause still run").
pub struct Gate {
    pub config: DeliveryConfig,
    pub store: vesontio_store::Store,
    pub settings: FilterSettings,
    pub stages: Vec<Arc<dyn Stage>>,
}

impl Gate {
    /// This process's gate, configured as `serve`'s.
    pub fn of(p: &crate::runtime::Platform) -> anyhow::Result<Gate> {
        let s = &p.loaded.settings;
        Ok(Gate {
            config: crate::services::delivery_config(s)?,
            store: p.store.clone(),
            settings: crate::services::filter_settings(s),
            stages: crate::services::stages(p)?,
        })
    }
}

impl Redeliver for Gate {
    async fn redeliver(
        &self,
        sender: &str,
        recipients: &[String],
        cause: Option<&str>,
        raw: Vec<u8>,
    ) -> std::result::Result<String, String> {
        let mail_from = if sender.is_empty() {
            None
        } else {
            Some(Address::parse(sender).map_err(|e| format!("sender {sender}: {e}"))?)
        };
        let recipients = recipients
            .iter()
            .map(|r| {
                Address::parse(r)
                    .map(|address| Recipient {
                        address,
                        orcpt: None,
                        notify: None,
                    })
                    .map_err(|e| format!("recipient {r}: {e}"))
            })
            .collect::<std::result::Result<Vec<_>, String>>()?;
        let env = Envelope {
            mail_from,
            recipients,
            envid: None,
            ret: None,
            smtputf8: false,
        };
        let stages = self
            .stages
            .iter()
            .filter(|s| Some(s.name()) != cause)
            .cloned()
            .collect();
        let delivery = Delivery::with_filters(
            self.config.clone(),
            self.store.clone(),
            Filters::new(self.settings.clone(), stages),
        );
        delivery
            .submit(Origin::Released, env, raw, vesontio_store::now())
            .await
            .map(|a| a.queue_id)
            .map_err(|r| r.smtp_text())
    }
}

/// `2026-12-02 18:30` (UTC).
fn date(t: i64) -> String {
    chrono::DateTime::from_timestamp(t, 0)
        .map(|d| d.format("%Y-%m-%d %H:%M").to_string())
        .unwrap_or_else(|| t.to_string())
}

/// The subject column: a private message's is never shown (R4).
fn subject(v: &QuarantineView) -> String {
    if v.private {
        "(privé / private)".to_string()
    } else {
        v.subject.clone().unwrap_or_default()
    }
}

fn rule(v: &QuarantineView) -> &str {
    v.rule.as_deref().unwrap_or("-")
}

fn sender(v: &QuarantineView) -> &str {
    if v.sender.is_empty() { "<>" } else { &v.sender }
}

impl AdminCli {
    /// `expiry` is `antivirus.quarantine_expiry` in seconds (for the
    /// "expires" column); `gate` delivers released messages.
    pub async fn quarantine(
        &self,
        cmd: QuarantineCmd,
        expiry: i64,
        gate: &Gate,
        out: &mut impl Write,
    ) -> Result<()> {
        let (admin, actor) = (&self.admin, &self.actor);
        match cmd {
            QuarantineCmd::List { json } => {
                let all = admin.quarantine_list(actor, Some(expiry)).await?;
                if json {
                    writeln!(out, "{}", serde_json::to_string_pretty(&all)?)?;
                    return Ok(());
                }
                writeln!(
                    out,
                    "{:<6} {:<16} {:<8} {:<28} {:<30} {:<30} SUBJECT",
                    "ID", "DATE", "REASON", "RULE", "SENDER", "RECIPIENTS"
                )?;
                for v in &all {
                    writeln!(
                        out,
                        "{:<6} {:<16} {:<8} {:<28} {:<30} {:<30} {}",
                        v.id,
                        date(v.created_at),
                        v.reason,
                        rule(v),
                        sender(v),
                        v.recipients.join(","),
                        subject(v)
                    )?;
                }
                writeln!(out, "{} message(s) in quarantine", all.len())?;
            }
            QuarantineCmd::Show { id, json } => {
                let d = admin.quarantine_show(actor, id, Some(expiry)).await?;
                if json {
                    writeln!(out, "{}", serde_json::to_string_pretty(&d)?)?;
                    return Ok(());
                }
                let v = &d.view;
                writeln!(out, "id:         {}", v.id)?;
                writeln!(out, "held since: {} UTC", date(v.created_at))?;
                if let Some(e) = v.expires_at {
                    writeln!(out, "expires:    {} UTC", date(e))?;
                }
                writeln!(out, "reason:     {}", v.reason)?;
                writeln!(out, "rule:       {}", rule(v))?;
                writeln!(out, "sender:     {}", sender(v))?;
                writeln!(out, "recipients: {}", v.recipients.join(", "))?;
                writeln!(out, "subject:    {}", subject(v))?;
                writeln!(out, "size:       {} bytes", d.size)?;
            }
            QuarantineCmd::Release { ids } => {
                let mut failed = 0;
                for id in ids {
                    match admin.quarantine_release(actor, id, gate).await {
                        Ok(r) => writeln!(out, "released {id} (queue id {})", r.queue_id)?,
                        Err(e) => {
                            failed += 1;
                            writeln!(out, "not released {id}: {}", e.en())?;
                        }
                    }
                }
                if failed > 0 {
                    bail!("{failed} message(s) not released");
                }
            }
            QuarantineCmd::Delete { ids } => {
                let mut failed = 0;
                for id in ids {
                    match admin.quarantine_delete(actor, id).await {
                        Ok(()) => writeln!(out, "deleted {id}")?,
                        Err(e) => {
                            failed += 1;
                            writeln!(out, "not deleted {id}: {}", e.en())?;
                        }
                    }
                }
                if failed > 0 {
                    bail!("{failed} message(s) not deleted");
                }
            }
        }
        Ok(())
    }
}
