//! `vesontio spam learn` and `vesontio spam stats` (R24): the classifier's
//! models are in the store (one per domain and a shared base `""`), so a
//! model taught here is the one every node's spam stage reads (within its
//! 30-second cache).

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use serde_json::json;
use vesontio_delivery::filter::{SpamModels, Teach};
use vesontio_spam::Learned;

use crate::admin::AdminCli;
use crate::cli::SpamCmd;

/// Files learned per append to the model's journal: bounds the memory a
/// large directory takes and the time the model's row stays locked.
const BATCH: usize = 500;
/// How the files given are learned: like reports, only what the
/// classifier is wrong or unsure of, in one pass, so that every model
/// learns the same way and the classifier's points suit them all
/// (benches/README.md, "the ways of learning": the same spam caught as
/// learning everything, fewer false positives).
const TEACH: Teach = Teach::IfUnsure;
/// A file larger than this is not a message anyone received: skipped.
const MAX_FILE: u64 = 64 * 1024 * 1024;

pub async fn run(
    cli: &AdminCli,
    domains: &[String],
    cmd: SpamCmd,
    out: &mut impl Write,
) -> Result<()> {
    match cmd {
        SpamCmd::Learn {
            spam,
            ham: _,
            domain,
            paths,
        } => learn(cli, domains, spam, domain, &paths, out).await,
        SpamCmd::Stats { json } => stats(cli, domains, json, out).await,
    }
}

/// The files named: each FILE, and the regular files of each DIR (one
/// level, sorted, so a run is repeatable).
fn files(paths: &[PathBuf]) -> Result<Vec<PathBuf>> {
    let mut all = Vec::new();
    for p in paths {
        let meta = std::fs::metadata(p).with_context(|| format!("{}", p.display()))?;
        if meta.is_dir() {
            let mut inside: Vec<PathBuf> = std::fs::read_dir(p)
                .with_context(|| format!("{}", p.display()))?
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|f| f.is_file())
                .collect();
            inside.sort();
            all.extend(inside);
        } else {
            all.push(p.clone());
        }
    }
    Ok(all)
}

#[derive(Default)]
struct Counts {
    new: usize,
    again: usize,
    corrected: usize,
    /// Judged right and sure already: not learned ([`TEACH`]).
    sure: usize,
    skipped: usize,
}

fn read_message(f: &Path, c: &mut Counts, out: &mut impl Write) -> Result<Option<Vec<u8>>> {
    let size = std::fs::metadata(f).map(|m| m.len()).unwrap_or(0);
    if size == 0 || size > MAX_FILE {
        c.skipped += 1;
        writeln!(out, "skipped {}: empty or over 64 MB", f.display())?;
        return Ok(None);
    }
    match std::fs::read(f) {
        Ok(raw) => Ok(Some(raw)),
        Err(e) => {
            c.skipped += 1;
            writeln!(out, "skipped {}: {e}", f.display())?;
            Ok(None)
        }
    }
}

async fn learn(
    cli: &AdminCli,
    domains: &[String],
    spam: bool,
    domain: Option<String>,
    paths: &[PathBuf],
    out: &mut impl Write,
) -> Result<()> {
    let domain = match domain {
        None => String::new(),
        Some(d) => {
            let d = d.trim().to_ascii_lowercase();
            if !domains.iter().any(|l| l.eq_ignore_ascii_case(&d)) {
                bail!(
                    "{d} is not a local domain (local: {}); without --domain the shared base learns",
                    domains.join(", ")
                );
            }
            d
        }
    };
    let files = files(paths)?;
    let store = cli.admin.store();
    let models = SpamModels::new(store.clone());
    let mut c = Counts::default();
    for chunk in files.chunks(BATCH) {
        let mut raws = Vec::with_capacity(chunk.len());
        for f in chunk {
            if let Some(raw) = read_message(f, &mut c, out)? {
                raws.push(raw);
            }
        }
        let offered: Vec<(&[u8], bool)> = raws.iter().map(|r| (&r[..], spam)).collect();
        for l in models
            .learn(&domain, &offered, TEACH, vesontio_store::now())
            .await?
        {
            match l {
                Some(Learned::New) => c.new += 1,
                Some(Learned::Again) => c.again += 1,
                Some(Learned::Corrected) => c.corrected += 1,
                None => c.sure += 1,
            }
        }
    }
    let what = if spam { "spam" } else { "ham" };
    let model = if domain.is_empty() {
        "the shared base".to_string()
    } else {
        domain.clone()
    };
    writeln!(
        out,
        "{model}: {} learned as {what}, {} already known, {} corrected, {} already judged {what} surely, {} skipped",
        c.new, c.again, c.corrected, c.sure, c.skipped
    )?;
    // R11: who taught which model what, in numbers (never a message).
    let data = json!({
        "action": "spam.learn",
        "by": cli.actor.name,
        "via": cli.actor.via.as_str(),
        "domain": domain,
        "as": what,
        "new": c.new,
        "again": c.again,
        "corrected": c.corrected,
        "sure": c.sure,
        "skipped": c.skipped,
    });
    store
        .audit_append(vesontio_store::now(), "admin", &data)
        .await?;
    Ok(())
}

async fn stats(cli: &AdminCli, domains: &[String], json: bool, out: &mut impl Write) -> Result<()> {
    let models = SpamModels::new(cli.admin.store().clone());
    let mut rows = Vec::new();
    for d in std::iter::once(String::new()).chain(domains.iter().map(|d| d.to_ascii_lowercase())) {
        let model = models.get(&d).await?;
        rows.push((d, model.spam, model.ham, model.token_count()));
    }
    if json {
        let v: Vec<_> = rows
            .iter()
            .map(|(d, s, h, t)| json!({"domain": d, "spam": s, "ham": h, "tokens": t}))
            .collect();
        writeln!(out, "{}", serde_json::to_string_pretty(&v)?)?;
        return Ok(());
    }
    writeln!(
        out,
        "{:<32} {:>8} {:>8} {:>10}",
        "model", "spam", "ham", "tokens"
    )?;
    for (d, s, h, t) in rows {
        let name = if d.is_empty() { "(shared base)" } else { &d };
        writeln!(out, "{name:<32} {s:>8} {h:>8} {t:>10}")?;
    }
    let min = vesontio_spam::MIN_LEARNED;
    writeln!(
        out,
        "the classifier joins a score once its models hold {min} spam and {min} ham"
    )?;
    Ok(())
}
