//! `vesontio alert add|list|lift|release|purge` (R8): an administrator's temporary rules
//! holding matching messages in the quarantine. The rules are store rows,
//! so every node's alert stage applies them within seconds.

use std::io::Write;

use anyhow::{Result, anyhow, bail};
use serde_json::json;
use vesontio_config::HumanDuration;
use vesontio_store::{Alert, AlertKind, NewAlert};

use crate::admin::AdminCli;
use crate::cli::AlertCmd;
use crate::quarantine::Gate;

/// The longest an alert may hold mail without being renewed: a forgotten
/// rule must not hold a kind of mail forever.
const MAX_EXPIRY_SECS: u64 = 90 * 86_400;

pub async fn run(cli: &AdminCli, cmd: AlertCmd, gate: &Gate, out: &mut impl Write) -> Result<()> {
    let store = cli.admin.store();
    let now = vesontio_store::now();
    match cmd {
        AlertCmd::Add {
            content,
            extension,
            content_type,
            sender,
            sender_domain,
            expires,
            note,
            json,
        } => {
            let (kind, value) = match (content, extension, content_type, sender, sender_domain) {
                (Some(v), ..) => (AlertKind::Content, v.trim().to_string()),
                (_, Some(v), ..) => (
                    AlertKind::Extension,
                    v.trim().trim_start_matches('.').to_lowercase(),
                ),
                (_, _, Some(v), ..) => (AlertKind::ContentType, v.trim().to_lowercase()),
                (_, _, _, Some(v), _) => (AlertKind::Sender, v.trim().to_lowercase()),
                (_, _, _, _, Some(v)) => (
                    AlertKind::SenderDomain,
                    v.trim().trim_start_matches('@').to_lowercase(),
                ),
                _ => bail!(
                    "say what to hold: --content, --extension, --type, --sender or --sender-domain"
                ),
            };
            if value.chars().count() < 2 {
                bail!("{}: give at least two characters", kind.as_str());
            }
            let d = HumanDuration::parse(&expires).map_err(|e| anyhow!("--expires: {e}"))?;
            if d.as_secs() == 0 || d.as_secs() > MAX_EXPIRY_SECS {
                bail!("--expires: from 1s to 90d (renew a rule that must last longer)");
            }
            let a = store
                .alert_add(NewAlert {
                    kind,
                    value,
                    note,
                    created_at: now,
                    created_by: cli.actor.name.clone(),
                    expires_at: now + d.as_secs() as i64,
                })
                .await?;
            audit(cli, "alert.add", &a).await?;
            if json {
                writeln!(out, "{}", serde_json::to_string_pretty(&a)?)?;
            } else {
                writeln!(
                    out,
                    "alert {} added: {} {:?}, holding mail until {}",
                    a.id,
                    a.kind.as_str(),
                    a.value,
                    when(a.expires_at)
                )?;
            }
        }
        AlertCmd::List { all, json } => {
            let alerts = store.alerts(if all { None } else { Some(now) }).await?;
            let held = store.quarantine_list().await?;
            let count = |a: &Alert| {
                let rule = a.rule();
                held.iter()
                    .filter(|q| q.rule.as_deref() == Some(rule.as_str()))
                    .count()
            };
            if json {
                let v: Vec<_> = alerts
                    .iter()
                    .map(|a| {
                        let mut v = serde_json::to_value(a).unwrap_or_default();
                        v["active"] = json!(a.active(now));
                        v["held"] = json!(count(a));
                        v
                    })
                    .collect();
                writeln!(out, "{}", serde_json::to_string_pretty(&v)?)?;
                return Ok(());
            }
            if alerts.is_empty() {
                writeln!(out, "no alert in force")?;
            }
            for a in &alerts {
                let state = match (a.lifted_at, a.active(now)) {
                    (Some(t), _) => format!("lifted {}", when(t)),
                    (None, true) => format!("until {}", when(a.expires_at)),
                    (None, false) => format!("expired {}", when(a.expires_at)),
                };
                writeln!(
                    out,
                    "{:>5}  {:<13} {:<40} {:>5} held  {}  by {}{}",
                    a.id,
                    a.kind.as_str(),
                    format!("{:?}", a.value),
                    count(a),
                    state,
                    a.created_by,
                    if a.note.is_empty() {
                        String::new()
                    } else {
                        format!("  ({})", a.note)
                    }
                )?;
            }
        }
        AlertCmd::Lift { id } => {
            let Some(a) = store.alert(id).await? else {
                bail!("no alert {id}");
            };
            if !store.alert_lift(id, now).await? {
                bail!("alert {id} was already lifted");
            }
            audit(cli, "alert.lift", &a).await?;
            writeln!(
                out,
                "alert {id} lifted; the messages it held stay in the quarantine until `alert release {id}` or `alert purge {id}`"
            )?;
        }
        AlertCmd::Release { id } => {
            let Some(a) = store.alert(id).await? else {
                bail!("no alert {id}");
            };
            if a.active(now) {
                bail!(
                    "alert {id} is in force: lift it first (`alert lift {id}`), or the messages would be held again"
                );
            }
            let (mut done, mut failed) = (0, 0);
            for q in held_by(cli, &a).await? {
                match cli.admin.quarantine_release(&cli.actor, q, gate).await {
                    Ok(_) => done += 1,
                    Err(e) => {
                        failed += 1;
                        writeln!(out, "not released {q}: {}", e.en())?;
                    }
                }
            }
            writeln!(out, "alert {id}: {done} message(s) released")?;
            if failed > 0 {
                bail!("{failed} message(s) not released");
            }
        }
        AlertCmd::Purge { id } => {
            let Some(a) = store.alert(id).await? else {
                bail!("no alert {id}");
            };
            let mut done = 0;
            for q in held_by(cli, &a).await? {
                cli.admin.quarantine_delete(&cli.actor, q).await?;
                done += 1;
            }
            writeln!(out, "alert {id}: {done} message(s) deleted")?;
        }
    }
    Ok(())
}

/// The quarantine ids an alert holds.
async fn held_by(cli: &AdminCli, a: &Alert) -> Result<Vec<i64>> {
    let rule = a.rule();
    Ok(cli
        .admin
        .store()
        .quarantine_list()
        .await?
        .into_iter()
        .filter(|q| q.rule.as_deref() == Some(rule.as_str()))
        .map(|q| q.id)
        .collect())
}

fn when(t: i64) -> String {
    chrono::DateTime::from_timestamp(t, 0)
        .map(|d| d.format("%Y-%m-%d %H:%M UTC").to_string())
        .unwrap_or_else(|| t.to_string())
}

/// R11: who added or lifted which rule.
async fn audit(cli: &AdminCli, action: &str, a: &Alert) -> Result<()> {
    let data = json!({
        "action": action,
        "by": cli.actor.name,
        "via": cli.actor.via.as_str(),
        "alert": a.id,
        "kind": a.kind.as_str(),
        "value": a.value,
        "expires_at": a.expires_at,
    });
    cli.admin
        .store()
        .audit_append(vesontio_store::now(), "admin", &data)
        .await?;
    Ok(())
}
