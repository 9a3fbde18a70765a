//! `vesontio`: the whole mail platform in one binary. This crate is the
//! only one that reads files, the environment or arguments; it lowers the
//! configuration into each crate's own config and starts the services.

mod admin;
mod alert_cmd;
mod cli;
mod demo;
mod quarantine;
mod runtime;
mod services;
mod settings;
mod spam_cmd;

/// mimalloc rather than glibc's malloc: measured 7–19 % more IMAP
/// throughput, and it returns freed memory to the system where glibc kept
/// gigabytes after a thousand first logins (each argon2id check takes
/// 19 MiB; benches/README.md).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

use anyhow::{Context, Result, bail};
use clap::Parser;
use std::io::Write;
use std::path::PathBuf;

use cli::{Cli, Command};

/// mimalloc keeps the pages a thread freed until that thread allocates
/// again (a 10 ms "purge delay"), so after a burst the threads that went
/// idle hold them: 187–316 MB of RSS after imaptest's run without logout,
/// against 147–191 MB when freed pages go back at once, throughput within
/// the machine's noise (benches/README.md, session 12). mimalloc reads its
/// options from the environment when the process starts, before `main`:
/// unless the operator chose a value, the binary runs itself again once
/// with `MIMALLOC_PURGE_DELAY=0` (same process id, same arguments). If
/// that fails it goes on with the defaults.
fn allocator_options() {
    use std::os::unix::process::CommandExt;
    if std::env::var_os("MIMALLOC_PURGE_DELAY").is_some() {
        return;
    }
    let Ok(exe) = std::env::current_exe() else {
        return;
    };
    let _failed = std::process::Command::new(exe)
        .args(std::env::args_os().skip(1))
        .env("MIMALLOC_PURGE_DELAY", "0")
        .exec();
}

fn main() -> std::process::ExitCode {
    allocator_options();
    let cli = Cli::parse();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("VESONTIO_LOG")
                .unwrap_or_else(|_| "info,tokio_postgres=warn".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    vesontio_tls::install_default_provider();
    let rt = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the runtime: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    match rt.block_on(run(cli)) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        // The reader of our output went away (`vesontio account list |
        // head -1`): what it wanted it has; end quietly, as `ls | head` does.
        Err(e) if is_broken_pipe(&e) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        c.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

fn config_path(cli: &Cli) -> Result<PathBuf> {
    match &cli.config {
        Some(p) => Ok(p.clone()),
        None => bail!("--config FILE is required (vesontio demo writes DIR/vesontio.toml)"),
    }
}

async fn run(cli: Cli) -> Result<()> {
    let config = cli.config.clone();
    let config_path = || {
        config_path(&Cli {
            config: config.clone(),
            command: Command::Serve,
        })
    };
    match cli.command {
        Command::Demo {
            ref dir,
            port_offset,
            ref domain,
        } => {
            let config = demo::prepare(dir, port_offset, domain)?;
            let loaded = settings::load(&config)?;
            let quota = loaded.settings.quota.default.0 as i64;
            let platform = runtime::open(loaded).await?;
            demo::seed(&platform.store, quota, domain)
                .await
                .context("cannot seed the demo accounts")?;
            let s = platform.loaded.settings.clone();
            let dir = dir.clone();
            let domain = domain.clone();
            platform
                .serve(move |eps| println!("{}", demo::banner(&dir, &s, eps, &domain)))
                .await
        }
        Command::Serve => {
            let loaded = settings::load(&config_path()?)?;
            let platform = runtime::open(loaded).await?;
            platform
                .serve(|eps| {
                    for e in eps {
                        tracing::info!("listening: {e}");
                    }
                })
                .await
        }
        Command::CheckConfig => {
            let path = config_path()?;
            let loaded = settings::load(&path)?;
            println!(
                "{}: configuration valid (domains: {})",
                path.display(),
                loaded.settings.domains.local.join(", ")
            );
            Ok(())
        }
        cmd => {
            let loaded = settings::load(&config_path()?)?;
            let platform = runtime::open(loaded).await?;
            let cli = admin::AdminCli {
                admin: vesontio_admin::Admin::new(
                    platform.store.clone(),
                    platform.directory.clone(),
                    vesontio_admin::AdminConfig {
                        default_quota_bytes: platform.loaded.settings.quota.default.0,
                    },
                ),
                actor: admin::cli_actor(),
            };
            let stdout = std::io::stdout();
            let mut out = stdout.lock();
            let r = match cmd {
                Command::Account(c) => cli.account(c, &mut out).await,
                Command::List(c) => cli.list(c, &mut out).await,
                Command::Group(c) => cli.group(c, &mut out).await,
                Command::Audit(c) => cli.audit_cmd(c, &mut out).await,
                Command::Alert(c) => {
                    let gate = quarantine::Gate::of(&platform)?;
                    alert_cmd::run(&cli, c, &gate, &mut out).await
                }
                Command::Quarantine(c) => {
                    let gate = quarantine::Gate::of(&platform)?;
                    let s = &platform.loaded.settings;
                    let expiry = s.antivirus.quarantine_expiry.0.as_secs() as i64;
                    cli.quarantine(c, expiry, &gate, &mut out).await
                }
                Command::Spam(c) => {
                    let domains = &platform.loaded.settings.domains.local;
                    spam_cmd::run(&cli, domains, c, &mut out).await
                }
                _ => Ok(()),
            };
            let r = r.and_then(|()| out.flush().map_err(Into::into));
            platform.store.close().await;
            r
        }
    }
}
