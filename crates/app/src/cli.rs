//! The command line, as `docs/design.md` promises it to users.

use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

#[derive(Parser, Debug)]
#[command(
    name = "vesontio",
    version,
    about = "The mail platform of an académie: SMTP, IMAP, POP3, webmail, and the mail charter in code."
)]
pub struct Cli {
    /// Configuration file (TOML). Required by every command but `demo`.
    #[arg(long, global = true, env = "VESONTIO_CONFIG")]
    pub config: Option<PathBuf>,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Create DIR (config, self-signed certificate, embedded store), seed the
    /// demo domain ac-demo.fr, start every service and print the endpoints.
    Demo {
        #[arg(long, default_value = "demo-data")]
        dir: PathBuf,
        /// Each port is the standard one plus N.
        #[arg(long, default_value_t = 10000)]
        port_offset: u16,
        /// The demo's mail domain.
        #[arg(long, default_value = "ac-demo.fr")]
        domain: String,
    },
    /// Run every enabled service from the configuration file.
    Serve,
    /// Check the configuration file and report every problem at once.
    CheckConfig,
    /// Manage accounts (persons R1, functional mailboxes R2).
    #[command(subcommand)]
    Account(AccountCmd),
    /// Manage institutional lists (R3).
    #[command(subcommand)]
    List(ListCmd),
    /// Manage the members of functional mailboxes (R2).
    #[command(subcommand)]
    Group(GroupCmd),
    /// The audit log (R11).
    #[command(subcommand)]
    Audit(AuditCmd),
    /// Messages held by the antivirus (R9) or a security alert (R8).
    /// Private messages (R4) show their envelope only.
    #[command(subcommand)]
    Quarantine(QuarantineCmd),
    /// The spam classifier (R24): teach it, see what it knows.
    #[command(subcommand)]
    Spam(SpamCmd),
    /// Security alerts (R8): hold matching messages in the quarantine
    /// until the alert is lifted.
    #[command(subcommand)]
    Alert(AlertCmd),
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, ValueEnum)]
pub enum KindArg {
    Person,
    Functional,
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, ValueEnum)]
pub enum StatusArg {
    Active,
    Departed,
    Disabled,
}

#[derive(Subcommand, Debug)]
pub enum AccountCmd {
    /// Create an account. Persons get an initial password they must change
    /// at first login (R26) unless --no-change-at-first-login.
    Add {
        address: String,
        #[arg(long)]
        name: Option<String>,
        #[arg(long, value_enum, default_value_t = KindArg::Person)]
        kind: KindArg,
        /// e.g. 2GB (default: quota.default of the config, 1GB).
        #[arg(long)]
        quota: Option<String>,
        /// Address of the manager who approves quota requests (R18).
        #[arg(long)]
        manager: Option<String>,
        /// Read the password from standard input (one line).
        #[arg(long)]
        password_stdin: bool,
        /// For service and scripted accounts: the password is final.
        #[arg(long)]
        no_change_at_first_login: bool,
        /// Accept an address that does not follow first.last (an existing mailbox being imported).
        #[arg(long)]
        legacy_address: bool,
    },
    /// Create many accounts from a file of `address;name;password` lines
    /// (password empty: a random initial one, printed). Hashing runs on all
    /// cores.
    Import {
        file: std::path::PathBuf,
        #[arg(long, value_enum, default_value_t = KindArg::Person)]
        kind: KindArg,
        #[arg(long)]
        no_change_at_first_login: bool,
        /// Accept addresses that do not follow first.last (existing mailboxes being imported).
        #[arg(long)]
        legacy_address: bool,
    },
    /// List accounts.
    List {
        #[arg(long)]
        json: bool,
    },
    /// Show one account.
    Show {
        address: String,
        #[arg(long)]
        json: bool,
    },
    /// Change an account's settings.
    Set(SetArgs),
    /// Delete an account and its mail.
    Delete { address: String },
    /// Set a new password (an initial one, unless --no-change-at-first-login).
    Passwd {
        address: String,
        #[arg(long)]
        password_stdin: bool,
        #[arg(long)]
        no_change_at_first_login: bool,
    },
}

#[derive(Args, Debug)]
pub struct SetArgs {
    pub address: String,
    #[arg(long)]
    pub name: Option<String>,
    #[arg(long)]
    pub quota: Option<String>,
    #[arg(long)]
    pub manager: Option<String>,
    #[arg(long, value_enum)]
    pub status: Option<StatusArg>,
    /// Departure date YYYY-MM-DD (R12), with --status departed.
    #[arg(long)]
    pub departure_date: Option<String>,
    /// Redirect to an external address (R22; refused for functional mailboxes).
    #[arg(long)]
    pub forward: Option<String>,
    #[arg(long, conflicts_with = "forward")]
    pub no_forward: bool,
    /// Keep a copy when forwarding (true/false).
    #[arg(long)]
    pub keep_copy: Option<bool>,
}

#[derive(Subcommand, Debug)]
pub enum ListCmd {
    /// Create a list.
    Add {
        address: String,
        #[arg(long)]
        name: Option<String>,
    },
    /// Show or change the members of a list.
    Members(MemberArgs),
    /// Show or change who may post to a list (R3).
    Senders(MemberArgs),
}

#[derive(Args, Debug)]
pub struct MemberArgs {
    pub address: String,
    #[arg(long, num_args = 1..)]
    pub add: Vec<String>,
    #[arg(long, num_args = 1..)]
    pub remove: Vec<String>,
    #[arg(long)]
    pub json: bool,
}

#[derive(Subcommand, Debug)]
pub enum GroupCmd {
    /// Show or change the members of a functional mailbox.
    Members {
        address: String,
        #[arg(long, num_args = 1..)]
        add: Vec<String>,
        /// RFC 4314 rights for --add: l r s w i p k x t e a (p = may send as).
        #[arg(long, default_value = "lrswipkxte")]
        rights: String,
        #[arg(long, num_args = 1..)]
        remove: Vec<String>,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand, Debug)]
pub enum AuditCmd {
    /// Check the hash chain of the audit log.
    Verify,
    /// Print entries (JSON lines) between two dates (YYYY-MM-DD, UTC).
    Export {
        #[arg(long)]
        from: Option<String>,
        #[arg(long)]
        to: Option<String>,
    },
}

#[derive(Subcommand, Debug)]
pub enum QuarantineCmd {
    /// Every held message, oldest first: id, date, reason, rule, sender,
    /// recipients, subject (never a private one).
    List {
        #[arg(long)]
        json: bool,
    },
    /// One held message's envelope, reason and size (never its content).
    Show {
        id: i64,
        #[arg(long)]
        json: bool,
    },
    /// Deliver held messages through the ingest gate (the filters that did
    /// not hold them run again), then remove them from the quarantine.
    Release {
        #[arg(required = true, num_args = 1..)]
        ids: Vec<i64>,
    },
    /// Delete held messages without delivering them.
    Delete {
        #[arg(required = true, num_args = 1..)]
        ids: Vec<i64>,
    },
}

#[derive(Subcommand, Debug)]
pub enum SpamCmd {
    /// Teach the classifier messages known to be spam (--spam) or not
    /// (--ham). Each FILE is one message as received (RFC 5322); a DIR's
    /// files are read one level deep. The same message learned twice
    /// counts once; learned the other way, it is corrected. Like reports
    /// and Junk moves, a message the classifier already judges right and
    /// surely is not learned (counted as "already judged").
    Learn {
        #[arg(long, required_unless_present = "ham", conflicts_with = "ham")]
        spam: bool,
        #[arg(long)]
        ham: bool,
        /// The model of this local domain; without it, the shared base
        /// every domain's scoring uses.
        #[arg(long)]
        domain: Option<String>,
        #[arg(required = true, value_name = "FILE|DIR")]
        paths: Vec<PathBuf>,
    },
    /// What each model has learned: the shared base and every local domain.
    Stats {
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand, Debug)]
pub enum AlertCmd {
    /// Add a rule: from now on, on every node, matching messages are held
    /// in the quarantine (not delivered, not bounced). Give one of
    /// --content, --extension, --type, --sender, --sender-domain.
    Add {
        /// A phrase of the subject or text (case and accents ignored).
        #[arg(long, group = "what")]
        content: Option<String>,
        /// An attachment's extension, e.g. `iso`.
        #[arg(long, group = "what")]
        extension: Option<String>,
        /// An attachment's MIME type, or a prefix ending in `/`.
        #[arg(long = "type", group = "what")]
        content_type: Option<String>,
        /// The envelope sender or From: address.
        #[arg(long, group = "what")]
        sender: Option<String>,
        /// The sender's domain (and its sub-domains).
        #[arg(long, group = "what")]
        sender_domain: Option<String>,
        /// How long the rule holds mail, e.g. 12h, 3d (at most 90d).
        #[arg(long, default_value = "7d")]
        expires: String,
        /// Why, for the other administrators.
        #[arg(long, default_value = "")]
        note: String,
        #[arg(long)]
        json: bool,
    },
    /// The rules in force (with --all, lifted and expired ones too) and
    /// how many messages each holds.
    List {
        #[arg(long)]
        all: bool,
        #[arg(long)]
        json: bool,
    },
    /// Lift a rule: it holds no new message; those it held stay until
    /// released or purged.
    Lift { id: i64 },
    /// Deliver every message a lifted rule held, through the gate (the
    /// other filters still run).
    Release { id: i64 },
    /// Delete every message a rule held, without delivering them.
    Purge { id: i64 },
}
