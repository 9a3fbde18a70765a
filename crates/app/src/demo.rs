//! `vesontio demo`: a ready-to-try platform in one directory.

use anyhow::{Context, Result};
use std::path::Path;
use vesontio_config::{Service, Settings};
use vesontio_directory::password;
use vesontio_store::{NewAccount, Store};
use vesontio_types::{AccountKind, Secret};

/// Demo accounts are ready to use (no forced change), all with this password.
pub const PASSWORD: &str = "Vesontio-Demo-2026!";

/// Writes DIR/vesontio.toml and a self-signed certificate unless present.
pub fn prepare(dir: &Path, port_offset: u16, domain: &str) -> Result<std::path::PathBuf> {
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let config = dir.join("vesontio.toml");
    if !config.exists() {
        let mut s = Settings::example("data", "localhost", domain, port_offset);
        s.tls.certificate = "cert.pem".into();
        s.tls.private_key = "key.pem".into();
        // Outbound mail is DKIM-signed (RFC 6376) with a fresh Ed25519 key;
        // the TXT record to publish is written beside it.
        let (pem, txt) = vesontio_delivery::outbound::dkim::generate_ed25519_pem()
            .map_err(|e| anyhow::anyhow!("dkim key: {e}"))?;
        write_private(&dir.join("dkim.pem"), pem.as_bytes())?;
        std::fs::write(
            dir.join("dkim.txt"),
            format!("{}._domainkey.{domain} TXT \"{txt}\"\n", s.dkim.selector),
        )?;
        s.dkim.private_key = "dkim.pem".into();
        // R9: the system's clamd, when one answers on its usual socket.
        if let Some(sock) = system_clamd() {
            s.antivirus.clamd = sock.into();
        }
        std::fs::write(&config, s.to_toml())
            .with_context(|| format!("cannot write {}", config.display()))?;
    }
    let (cert, key) = (dir.join("cert.pem"), dir.join("key.pem"));
    if !cert.exists() || !key.exists() {
        let (c, k) = vesontio_tls::self_signed(&[
            "localhost".into(),
            "127.0.0.1".into(),
            format!("mail.{domain}"),
        ])?;
        std::fs::write(&cert, c)?;
        write_private(&key, k.as_bytes())?;
    }
    Ok(config)
}

/// Where Debian (`clamav-daemon`) and Fedora (`clamd@scan`) put clamd's
/// socket.
const CLAMD_SOCKETS: [&str; 3] = [
    "/run/clamav/clamd.ctl",
    "/var/run/clamav/clamd.ctl",
    "/run/clamd.scan/clamd.sock",
];

/// The first usual clamd socket that answers `PING` within 2 s.
fn system_clamd() -> Option<&'static str> {
    use std::io::{Read, Write};
    CLAMD_SOCKETS.into_iter().find(|path| {
        let Ok(mut s) = std::os::unix::net::UnixStream::connect(path) else {
            return false;
        };
        let _ = s.set_read_timeout(Some(std::time::Duration::from_secs(2)));
        let _ = s.set_write_timeout(Some(std::time::Duration::from_secs(2)));
        let mut buf = [0u8; 8];
        s.write_all(b"zPING\0").is_ok()
            && matches!(s.read(&mut buf), Ok(n) if buf[..n].starts_with(b"PONG"))
    })
}

fn write_private(path: &Path, data: &[u8]) -> Result<()> {
    use std::io::Write;
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    opts.open(path)?.write_all(data)?;
    Ok(())
}

/// Creates the demo accounts if they are missing: two persons, a
/// functional mailbox and a list.
pub async fn seed(store: &Store, quota: i64, domain: &str) -> Result<()> {
    let hash = password::hash_blocking(Secret::new(PASSWORD.into()))
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let now = vesontio_store::now();
    let mk = |address: &str, name: &str, kind: AccountKind, hash: Option<String>| NewAccount {
        address: format!("{address}@{domain}"),
        kind,
        display_name: name.into(),
        password_hash: hash,
        must_change_password: false,
        manager: None,
        quota_bytes: if kind == AccountKind::List { 0 } else { quota },
        created_at: now,
    };
    let wanted = [
        mk(
            "marie.curie",
            "Marie Curie",
            AccountKind::Person,
            Some(hash.clone()),
        ),
        mk(
            "paul.langevin",
            "Paul Langevin",
            AccountKind::Person,
            Some(hash.clone()),
        ),
        mk(
            "dsi",
            "Direction des systèmes d'information",
            AccountKind::Functional,
            None,
        ),
        mk(
            "enseignants",
            "Liste des enseignants",
            AccountKind::List,
            None,
        ),
    ];
    for n in wanted {
        if store.account_by_address(&n.address).await?.is_none() {
            store.create_account(n).await?;
        }
    }
    let get = |a: &'static str| async move {
        store
            .account_by_address(&format!("{a}@{domain}"))
            .await?
            .context("demo account missing")
    };
    let (marie, paul, dsi, list) = (
        get("marie.curie").await?,
        get("paul.langevin").await?,
        get("dsi").await?,
        get("enseignants").await?,
    );
    store.set_member(dsi.id, marie.id, "lrswipkxtea").await?;
    store.set_member(dsi.id, paul.id, "lrswipkxte").await?;
    store.add_list_member(list.id, &marie.address).await?;
    store.add_list_member(list.id, &paul.address).await?;
    store.add_list_sender(list.id, &marie.address).await?;
    store.add_list_sender(list.id, &dsi.address).await?;
    Ok(())
}

pub fn banner(dir: &Path, s: &Settings, endpoints: &[String], domain: &str) -> String {
    let mut out = String::new();
    out.push_str(&format!(
        "vesontio demo running — data in {}\n",
        dir.display()
    ));
    out.push_str(&format!(
        "administer it with: vesontio --config {} account list\n\n",
        dir.join("vesontio.toml").display()
    ));
    if endpoints.is_empty() {
        out.push_str("no network service is implemented yet in this build\n");
    }
    for e in endpoints {
        out.push_str(&format!("  {e}\n"));
    }
    out.push_str(&format!(
        "\ndemo accounts (password {PASSWORD}):\n  marie.curie@{domain}   paul.langevin@{domain}\n  \
         functional mailbox dsi@{domain} (members: both), list enseignants@{domain}\n"
    ));
    // R9: say plainly whether mail is scanned.
    if s.antivirus.enabled() {
        out.push_str(&format!(
            "\nantivirus: every message is scanned by clamd at {}\n",
            s.antivirus.clamd
        ));
    } else {
        out.push_str(&format!(
            "\nantivirus: OFF, mail is NOT scanned: no clamd answered on {} \
             (install clamav-daemon with its signatures, then set antivirus.clamd in {})\n",
            CLAMD_SOCKETS[0],
            dir.join("vesontio.toml").display()
        ));
    }
    out.push_str(&format!(
        "certificate: {} (self-signed; trust it in your client)\nports: standard + {} (e.g. IMAPS {})\nstop with Ctrl-C\n",
        dir.join("cert.pem").display(),
        s.server.port_offset,
        s.port(Service::Imaps)
    ));
    out
}
