//! `vesontio-bench`: the load tool of `benches/`. It speaks the client side
//! of SMTP (RFC 5321, AUTH RFC 4954, STARTTLS RFC 3207), POP3 (RFC 1939,
//! STLS RFC 2595) and IMAP (RFC 9051, IDLE RFC 2177, LITERAL+ RFC 7888) to
//! any server, so vesontio and the reference Postfix + Dovecot are measured
//! by the same client, and prints each figure on a line of its own
//! (`name: value`). It is not a test and asserts nothing about the server
//! beyond the protocol; a run with errors exits non-zero.

mod corpus;
mod idle;
mod imap;
mod net;
mod pop3;
mod smtp;
mod stats;

use std::time::Duration;

use anyhow::{Context, Result};
use clap::{Args, Parser, Subcommand};

use net::{Target, expand};

#[derive(Parser)]
#[command(
    name = "vesontio-bench",
    about = "Times SMTP, POP3 and IMAP servers from the client side."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Args, Clone)]
struct Server {
    #[arg(long, default_value = "127.0.0.1")]
    host: String,
    #[arg(long)]
    port: u16,
    /// TLS from the first byte (ports 465, 993, 995).
    #[arg(long)]
    tls: bool,
    /// TLS after STARTTLS/STLS (ports 587, 143, 110).
    #[arg(long, conflicts_with = "tls")]
    starttls: bool,
    /// The server's certificate (PEM), trusted for TLS.
    #[arg(long)]
    cafile: Option<String>,
    /// Accept any server certificate.
    #[arg(long)]
    insecure: bool,
    /// Seconds a connect, read or write may take.
    #[arg(long, default_value_t = 120)]
    timeout: u64,
}

impl Server {
    fn target(&self) -> Result<Target> {
        let tls = if self.tls || self.starttls {
            Some(net::tls_config(self.cafile.as_deref(), self.insecure)?)
        } else {
            None
        };
        Ok(Target {
            host: self.host.clone(),
            port: self.port,
            tls,
            implicit: self.tls,
            timeout: Duration::from_secs(self.timeout),
        })
    }
}

#[derive(Args, Clone)]
struct Users {
    /// Login of user number n, printf-style.
    #[arg(long, default_value = "u%04d@ac-test.fr")]
    user_pattern: String,
    /// Number of users (mailboxes), numbered from --first.
    #[arg(long, default_value_t = 100)]
    users: u32,
    #[arg(long, default_value_t = 1)]
    first: u32,
    #[arg(
        long,
        env = "BENCH_PASSWORD",
        default_value = "",
        hide_env_values = true
    )]
    password: String,
}

impl Users {
    fn list(&self) -> Vec<String> {
        (self.first..self.first + self.users.max(1))
            .map(|n| expand(&self.user_pattern, n))
            .collect()
    }
}

#[derive(Subcommand)]
enum Command {
    /// N messages of about S bytes over C sessions; accepted rate, and with
    /// --count-cmd or --count-imap-port the delivered rate.
    Smtp {
        #[command(flatten)]
        server: Server,
        #[command(flatten)]
        users: Users,
        #[arg(long, default_value_t = 1000)]
        messages: u64,
        /// Bytes per message, headers included.
        #[arg(long, default_value_t = 10240)]
        size: usize,
        #[arg(long, default_value_t = 20)]
        sessions: usize,
        /// Messages per session before QUIT and a new connection.
        #[arg(long, default_value_t = 10)]
        per_session: u64,
        /// Log in (AUTH PLAIN) as the first user and send from that address.
        #[arg(long)]
        auth: bool,
        #[arg(long, default_value = "bench@example.org")]
        from: String,
        /// Shell command printing how many messages are in the mailboxes.
        #[arg(long)]
        count_cmd: Option<String>,
        /// Count with IMAP STATUS on this port instead (IMAPS with --count-tls).
        #[arg(long, conflicts_with = "count_cmd")]
        count_imap_port: Option<u16>,
        #[arg(long)]
        count_tls: bool,
        /// Seconds to wait for delivery.
        #[arg(long, default_value_t = 900)]
        wait: u64,
        /// Seed of the generated messages; by default a new one per run.
        /// Messages identical to ones already delivered (same envelope and
        /// bytes) are recognised by the server as a client's retry and not
        /// delivered again, so a fixed seed measures only the first run.
        #[arg(long)]
        seed: Option<u64>,
    },
    /// C clients retrieve every message of every mailbox.
    Pop3 {
        #[command(flatten)]
        server: Server,
        #[command(flatten)]
        users: Users,
        #[arg(long, default_value_t = 100)]
        clients: usize,
    },
    /// SEARCH latency in one selected mailbox.
    ImapSearch {
        #[command(flatten)]
        server: Server,
        #[command(flatten)]
        users: Users,
        #[arg(long, default_value = "INBOX")]
        mailbox: String,
        /// Search keys (default: FROM, SUBJECT, BODY, TEXT with words the generator puts in).
        #[arg(long = "query")]
        queries: Vec<String>,
        #[arg(long, default_value_t = 5)]
        reps: usize,
    },
    /// Time of each step of opening a mailbox's newest page.
    ImapPage {
        #[command(flatten)]
        server: Server,
        #[command(flatten)]
        users: Users,
        #[arg(long, default_value = "INBOX")]
        mailbox: String,
        #[arg(long, default_value_t = 50)]
        page: usize,
        #[arg(long, default_value_t = 20)]
        reps: usize,
    },
    /// N connections in IDLE; the server's memory per connection.
    Idle {
        #[command(flatten)]
        server: Server,
        #[command(flatten)]
        users: Users,
        #[arg(long, default_value_t = 1000)]
        connections: usize,
        /// Server process id (repeatable).
        #[arg(long = "pid")]
        pids: Vec<u32>,
        /// Server processes whose command line starts with this (repeatable).
        #[arg(long = "proc")]
        prefixes: Vec<String>,
        #[arg(long, default_value_t = 20)]
        parallel: usize,
        /// Seconds to hold the connections before measuring.
        #[arg(long, default_value_t = 3)]
        hold: u64,
        #[arg(long)]
        no_warm_up: bool,
    },
    /// Realistic messages: an mbox file, or APPENDed to a mailbox.
    #[command(subcommand)]
    Generate(Generate),
}

#[derive(Subcommand)]
enum Generate {
    /// Writes an mbox (for imaptest's mbox=, or any import).
    Mbox {
        #[arg(long, default_value_t = 500)]
        count: u64,
        #[arg(long, default_value_t = 20000)]
        avg_size: usize,
        #[arg(long, default_value_t = 1)]
        seed: u64,
        #[arg(long, short)]
        output: std::path::PathBuf,
    },
    /// APPENDs to a mailbox of the first user.
    Append {
        #[command(flatten)]
        server: Server,
        #[command(flatten)]
        users: Users,
        #[arg(long, default_value = "INBOX")]
        mailbox: String,
        #[arg(long, default_value_t = 1000)]
        count: u64,
        #[arg(long, default_value_t = 20000)]
        avg_size: usize,
        #[arg(long, default_value_t = 1)]
        seed: u64,
    },
}

fn header(what: &str, s: &Server, extra: &str) {
    let tls = if s.tls {
        "implicit"
    } else if s.starttls {
        "starttls"
    } else {
        "off"
    };
    println!("# {what} {}:{} tls={tls} {extra}", s.host, s.port);
}

async fn run(cli: Cli) -> Result<()> {
    match cli.command {
        Command::Smtp {
            server,
            users,
            messages,
            size,
            sessions,
            per_session,
            auth,
            from,
            count_cmd,
            count_imap_port,
            count_tls,
            wait,
            seed,
        } => {
            let seed = seed.unwrap_or_else(|| {
                std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map_or(1, |d| d.as_nanos() as u64)
            });
            header(
                "smtp",
                &server,
                &format!(
                    "messages={messages} size={size} sessions={sessions} auth={auth} seed={seed}"
                ),
            );
            let list = users.list();
            let delivered = match (count_cmd, count_imap_port) {
                (Some(cmd), _) => smtp::Delivered::Command(cmd),
                (None, Some(port)) => {
                    let counting = Server {
                        port,
                        tls: count_tls,
                        starttls: false,
                        ..server.clone()
                    };
                    let c =
                        imap::Counter::open(&counting.target()?, &list, &users.password).await?;
                    smtp::Delivered::Imap(Box::new(c))
                }
                (None, None) => smtp::Delivered::No,
            };
            let (auth, from) = if auth {
                (
                    Some((list[0].clone(), users.password.clone())),
                    list[0].clone(),
                )
            } else {
                (None, from)
            };
            let load = smtp::Load {
                target: server.target()?,
                auth,
                from,
                recipients: list,
                messages,
                size,
                sessions,
                per_session: per_session.max(1),
                seed,
            };
            smtp::run(load, delivered, Duration::from_secs(wait)).await
        }
        Command::Pop3 {
            server,
            users,
            clients,
        } => {
            header(
                "pop3",
                &server,
                &format!("users={} clients={clients}", users.users),
            );
            pop3::run(
                server.target()?,
                users.list(),
                users.password.clone(),
                clients,
            )
            .await
        }
        Command::ImapSearch {
            server,
            users,
            mailbox,
            mut queries,
            reps,
        } => {
            header("imap-search", &server, &format!("reps={reps}"));
            if queries.is_empty() {
                queries = [
                    "FROM camille",
                    "SUBJECT budget",
                    &format!("BODY {}", corpus::RARE_WORD),
                    "TEXT deadline",
                ]
                .map(String::from)
                .to_vec();
            }
            imap::search(
                &server.target()?,
                &users.list()[0],
                &users.password,
                &mailbox,
                &queries,
                reps,
            )
            .await
        }
        Command::ImapPage {
            server,
            users,
            mailbox,
            page,
            reps,
        } => {
            header("imap-page", &server, &format!("page={page} reps={reps}"));
            imap::page(
                &server.target()?,
                &users.list()[0],
                &users.password,
                &mailbox,
                page,
                reps,
            )
            .await
        }
        Command::Idle {
            server,
            users,
            connections,
            pids,
            prefixes,
            parallel,
            hold,
            no_warm_up,
        } => {
            header(
                "idle",
                &server,
                &format!("connections={connections} users={}", users.users),
            );
            let plan = idle::Plan {
                connections,
                users: users.list(),
                password: users.password.clone(),
                parallel,
                hold: Duration::from_secs(hold),
                warm_up: !no_warm_up,
            };
            idle::run(server.target()?, plan, idle::Server { pids, prefixes }).await
        }
        Command::Generate(Generate::Mbox {
            count,
            avg_size,
            seed,
            output,
        }) => {
            let mut out = Vec::new();
            for i in 0..count {
                corpus::mbox_entry(
                    &corpus::message(seed, i, "u0001@ac-test.fr", avg_size),
                    &mut out,
                );
            }
            std::fs::write(&output, &out)
                .with_context(|| format!("cannot write {}", output.display()))?;
            println!(
                "mbox: {count} messages, {:.1} MB, in {}",
                out.len() as f64 / 1e6,
                output.display()
            );
            Ok(())
        }
        Command::Generate(Generate::Append {
            server,
            users,
            mailbox,
            count,
            avg_size,
            seed,
        }) => {
            header(
                "append",
                &server,
                &format!("count={count} avg_size={avg_size}"),
            );
            imap::fill(
                &server.target()?,
                &users.list()[0],
                &users.password,
                &mailbox,
                count,
                avg_size,
                seed,
            )
            .await
        }
    }
}

fn main() -> std::process::ExitCode {
    vesontio_tls::install_default_provider();
    let cli = Cli::parse();
    let result = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("tokio runtime")
        .and_then(|rt| rt.block_on(run(cli)));
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            // One sentence with its causes, as the figures' readers need it.
            eprintln!("error: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

#[cfg(test)]
mod tests;
