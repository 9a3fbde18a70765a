//! fetchmail retrieving over implicit TLS (the port 995 role), with and
//! without `keep`, into an MDA that saves each message to its own file.

#![allow(clippy::unwrap_used)]

mod common;

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;

use common::{Env, PASS, USER, message};

const FETCHMAIL: &str = "/usr/bin/fetchmail";

fn fetchmail_present() -> bool {
    if Path::new(FETCHMAIL).exists() {
        true
    } else {
        // A skip that passes green would hide a lost test in CI.
        assert!(
            std::env::var_os("CI").is_none(),
            "{FETCHMAIL} is required when CI is set (install the fetchmail package)"
        );
        eprintln!("SKIPPED: {FETCHMAIL} is not installed (CI installs it)");
        false
    }
}

/// The messages the tests deliver: plain ones, and one with leading dots,
/// bare LFs and no final newline.
fn corpus() -> Vec<Vec<u8>> {
    vec![
        message(1),
        b"From: carol@example.org\nTo: alice.martin@example.org\nSubject: dots\n\n.hidden\n..two\nbare lf\r\nlast line without newline".to_vec(),
        message(3),
    ]
}

/// What fetchmail hands its MDA: the message with LF line ends (it strips
/// the CRs of the wire form) and a final newline.
fn as_delivered(raw: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < raw.len() {
        match raw[i] {
            b'\r' => {
                out.push(b'\n');
                if raw.get(i + 1) == Some(&b'\n') {
                    i += 1;
                }
            }
            b => out.push(b),
        }
        i += 1;
    }
    if out.last() != Some(&b'\n') {
        out.push(b'\n');
    }
    out
}

struct Fetch {
    home: PathBuf,
    out: PathBuf,
    rc: PathBuf,
}

impl Fetch {
    fn new(env: &Env, keep: bool) -> Fetch {
        let home = env.dir.path().join(if keep { "home-keep" } else { "home" });
        let out = home.join("out");
        std::fs::create_dir_all(&out).unwrap();
        let mda = home.join("mda.sh");
        std::fs::write(
            &mda,
            format!(
                "#!/bin/sh\nn=$(ls '{out}' | wc -l)\ncat > '{out}/msg-'$(printf %03d $n)\n",
                out = out.display()
            ),
        )
        .unwrap();
        std::fs::set_permissions(&mda, std::fs::Permissions::from_mode(0o755)).unwrap();
        let rc = home.join("fetchmailrc");
        std::fs::write(
            &rc,
            format!(
                "set no syslog\n\
                 poll localhost via 127.0.0.1 with proto POP3 port {port}\n  \
                 user \"{USER}\" there with password \"{PASS}\"\n  \
                 ssl sslcertck sslcertfile \"{cert}\" sslproto \"TLS1.2+\" sslcommonname \"localhost\"\n  \
                 {keep}\n  mda \"{mda}\"\n",
                port = env.tls.port(),
                cert = env.cert_path.display(),
                keep = if keep { "keep" } else { "nokeep" },
                mda = mda.display(),
            ),
        )
        .unwrap();
        // fetchmail refuses a run control file others can read.
        std::fs::set_permissions(&rc, std::fs::Permissions::from_mode(0o600)).unwrap();
        Fetch { home, out, rc }
    }

    /// Runs fetchmail once; returns its exit code (0: mail, 1: no mail).
    async fn run(&self) -> i32 {
        let (home, rc) = (self.home.clone(), self.rc.clone());
        let out = tokio::task::spawn_blocking(move || {
            Command::new(FETCHMAIL)
                .env("HOME", &home)
                .env("FETCHMAILHOME", &home)
                .arg("-f")
                .arg(&rc)
                .arg("--pidfile")
                .arg(home.join("fetchmail.pid"))
                .arg("--idfile")
                .arg(home.join("fetchids"))
                .arg("--invisible")
                .arg("-v")
                .output()
                .unwrap()
        })
        .await
        .unwrap();
        let code = out.status.code().unwrap_or(-1);
        if code > 1 {
            panic!(
                "fetchmail failed ({code})\n--- stdout\n{}\n--- stderr\n{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            );
        }
        code
    }

    fn received(&self) -> Vec<Vec<u8>> {
        let mut names: Vec<_> = std::fs::read_dir(&self.out)
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        names.sort();
        names.iter().map(|p| std::fs::read(p).unwrap()).collect()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fetchmail_keep_retrieves_identical_bytes_and_deletes_nothing() {
    if !fetchmail_present() {
        return;
    }
    let env = Env::start().await;
    for m in corpus() {
        env.deliver(&m).await;
    }
    let f = Fetch::new(&env, true);
    assert_eq!(f.run().await, 0);
    let want: Vec<Vec<u8>> = corpus().iter().map(|m| as_delivered(m)).collect();
    assert_eq!(
        f.received()
            .iter()
            .map(|m| String::from_utf8_lossy(m).into_owned())
            .collect::<Vec<_>>(),
        want.iter()
            .map(|m| String::from_utf8_lossy(m).into_owned())
            .collect::<Vec<_>>()
    );
    assert_eq!(env.inbox_uids().await, vec![1, 2, 3]);
    // With `keep`, fetchmail remembers UIDLs: a second run fetches only the
    // new message, which works only if UIDLs are stable across sessions.
    env.deliver(&message(4)).await;
    assert_eq!(f.run().await, 0);
    let got = f.received();
    assert_eq!(got.len(), 4, "only the new message is fetched again");
    assert_eq!(got[3], as_delivered(&message(4)));
    assert_eq!(env.inbox_uids().await, vec![1, 2, 3, 4]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fetchmail_without_keep_deletes_and_frees_quota() {
    if !fetchmail_present() {
        return;
    }
    let env = Env::start().await;
    for m in corpus() {
        env.deliver(&m).await;
    }
    let f = Fetch::new(&env, false);
    assert_eq!(f.run().await, 0);
    let want: Vec<Vec<u8>> = corpus().iter().map(|m| as_delivered(m)).collect();
    assert_eq!(f.received(), want);
    assert!(env.inbox_uids().await.is_empty());
    assert_eq!(env.used().await, 0);
    // Nothing left: fetchmail says so with exit code 1.
    assert_eq!(f.run().await, 1);
    assert_eq!(f.received().len(), 3);
}
