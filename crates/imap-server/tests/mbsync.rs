//! End to end with a real client: `mbsync` (isync) syncs the account's
//! INBOX (far side, this server over IMAPS) with a Maildir (near side),
//! both ways: a message added on each side, a flag changed on each side, a
//! message deleted on each side, then a sync that finds nothing to do.
//! Skipped (with a note) only when `mbsync` is not installed and `CI` is
//! not set; with `CI` set a missing mbsync fails the test.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::*;
use vesontio_store::{ExpungeMode, FlagOp, MessageMeta};

fn have_mbsync() -> bool {
    Command::new("mbsync").arg("--version").output().is_ok()
}

/// Runs `mbsync -c cfg <flag> -a`; returns its stdout+stderr, failing
/// on a non-zero exit.
async fn mbsync(cfg: PathBuf, flag: &'static str) -> String {
    let out = tokio::task::spawn_blocking(move || {
        Command::new("mbsync")
            .arg("-c")
            .arg(&cfg)
            .arg(flag)
            .arg("-a")
            .output()
    })
    .await
    .expect("join")
    .expect("run mbsync");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "mbsync failed:\n{text}");
    text
}

/// The IMAP commands mbsync sent, from its network debug output (`-Dn`:
/// `>>> tag COMMAND ...`), tags removed.
fn commands(text: &str) -> Vec<String> {
    text.lines()
        .filter_map(|l| l.strip_prefix(">>> "))
        .filter_map(|l| l.split_once(' ').map(|(_, c)| c.to_ascii_uppercase()))
        .collect()
}

/// Messages of the Maildir folder: (file name, content), in `cur` and `new`.
fn maildir(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut v = Vec::new();
    for sub in ["cur", "new"] {
        for e in std::fs::read_dir(dir.join(sub)).expect("maildir") {
            let e = e.expect("entry");
            let name = e.file_name().to_string_lossy().to_string();
            v.push((
                format!("{sub}/{name}"),
                std::fs::read(e.path()).expect("read"),
            ));
        }
    }
    v.sort();
    v
}

/// Maildir flag letters of a file name (`...:2,FS`).
fn md_flags(name: &str) -> String {
    name.rsplit_once(":2,")
        .map(|(_, f)| f.to_string())
        .unwrap_or_default()
}

fn has(content: &[u8], needle: &str) -> bool {
    String::from_utf8_lossy(content).contains(needle)
}

async fn server_inbox(env: &Env, acc: &vesontio_store::Account) -> Vec<(MessageMeta, Vec<u8>)> {
    let mb = env
        .store
        .mailbox_by_name(acc.id, "INBOX")
        .await
        .expect("mailbox")
        .expect("INBOX");
    let mut v = Vec::new();
    for m in env.store.messages(mb.id).await.expect("messages") {
        let raw = env.store.read_blob(&m.blob_id).await.expect("blob");
        v.push((m, raw));
    }
    v
}

fn flagged(m: &MessageMeta, f: &str) -> bool {
    m.flags.iter().any(|x| x.eq_ignore_ascii_case(f))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mbsync_syncs_both_ways() {
    if !have_mbsync() {
        // A skip that passes green would hide a lost test in CI.
        assert!(
            std::env::var_os("CI").is_none(),
            "mbsync is required when CI is set (install the isync package)"
        );
        eprintln!("SKIPPED mbsync_syncs_both_ways: mbsync (package isync) is not installed");
        return;
    }
    let env = start().await;
    let acc = env.user().await;
    let inbox = env
        .store
        .mailbox_by_name(acc.id, "INBOX")
        .await
        .expect("mailbox")
        .expect("INBOX")
        .id;
    // Far side: two messages on the server.
    let uid_far1 = env
        .deliver(
            &acc,
            "INBOX",
            &message("far one", "a@ac-demo.fr", "Body far 1"),
            &[],
        )
        .await;
    env.deliver(
        &acc,
        "INBOX",
        &message("far two", "a@ac-demo.fr", "Body far 2"),
        &[],
    )
    .await;
    // Near side: a Maildir with one message of its own.
    let md = env.dir.path().join("Mail");
    let md_inbox = md.join("INBOX");
    for sub in ["cur", "new", "tmp"] {
        std::fs::create_dir_all(md_inbox.join(sub)).expect("mkdir");
    }
    std::fs::write(
        md_inbox.join("new/1700000000.M1P1.test"),
        message("near one", "b@ac-demo.fr", "Body near 1"),
    )
    .expect("write");
    let cfg = env.dir.path().join("mbsyncrc");
    std::fs::write(
        &cfg,
        format!(
            "IMAPAccount v\nHost 127.0.0.1\nPort {port}\nUser {USER}\nPass \"{PW}\"\n\
             SSLType IMAPS\nSSLVersions TLSv1.2 TLSv1.3\nCertificateFile {cert}\n\n\
             IMAPStore far\nAccount v\n\n\
             MaildirStore near\nPath {md}/\nInbox {md}/INBOX\nSubFolders Verbatim\n\n\
             Channel c\nFar :far:\nNear :near:\nPatterns INBOX\nCreate Both\n\
             Expunge Both\nSyncState *\nSync All\n",
            port = env.port_tls,
            cert = env.cert.display(),
            md = md.display(),
        ),
    )
    .expect("config");

    // 1. First sync: each side gets the other's messages.
    let out = mbsync(cfg.clone(), "-V").await;
    let near = maildir(&md_inbox);
    assert_eq!(near.len(), 3, "{out}\n{near:?}");
    for s in ["far one", "far two", "near one"] {
        assert!(near.iter().any(|(_, c)| has(c, s)), "near lacks {s}: {out}");
    }
    let far = server_inbox(&env, &acc).await;
    assert_eq!(far.len(), 3, "{out}");
    assert!(far.iter().any(|(_, c)| has(c, "Body near 1")), "{out}");
    // The bytes arrive intact (mbsync may add nothing but line ends).
    let (_, c) = far
        .iter()
        .find(|(_, c)| has(c, "near one"))
        .expect("near one on the server");
    assert!(
        has(c, "Subject: near one\r\n"),
        "{}",
        String::from_utf8_lossy(c)
    );

    // 2. Changes on both sides: near marks "far one" seen and deletes
    // "near one"; far flags "far two" and gets a new message.
    let (name, _) = near
        .iter()
        .find(|(_, c)| has(c, "far one"))
        .expect("far one near")
        .clone();
    let path = md_inbox.join(&name);
    let base = name
        .rsplit_once(":2,")
        .map(|(b, _)| b.to_string())
        .unwrap_or(name.clone());
    let base = base.trim_start_matches("new/").trim_start_matches("cur/");
    std::fs::rename(&path, md_inbox.join(format!("cur/{base}:2,S"))).expect("mark seen");
    let (name, _) = near
        .iter()
        .find(|(_, c)| has(c, "near one"))
        .expect("near one near");
    std::fs::remove_file(md_inbox.join(name)).expect("delete near one");
    let uid_far2 = far
        .iter()
        .find(|(_, c)| has(c, "far two"))
        .map(|(m, _)| m.uid)
        .expect("far two");
    env.store
        .store_flags(inbox, &[uid_far2], FlagOp::Add, &["\\Flagged".into()], None)
        .await
        .expect("flag");
    env.deliver(
        &acc,
        "INBOX",
        &message("far three", "a@ac-demo.fr", "Body far 3"),
        &[],
    )
    .await;

    let out = mbsync(cfg.clone(), "-V").await;
    let far = server_inbox(&env, &acc).await;
    let near = maildir(&md_inbox);
    // Near's deletion reached the server; the \Seen too.
    assert!(!far.iter().any(|(_, c)| has(c, "near one")), "{out}");
    let (m1, _) = far
        .iter()
        .find(|(m, _)| m.uid == uid_far1)
        .expect("far one");
    assert!(flagged(m1, "\\Seen"), "{out} {:?}", m1.flags);
    // Far's flag and new message reached the Maildir.
    assert_eq!(near.len(), 3, "{out}\n{near:?}");
    let (n2, _) = near
        .iter()
        .find(|(_, c)| has(c, "far two"))
        .expect("far two");
    assert!(md_flags(n2).contains('F'), "{n2}");
    assert!(near.iter().any(|(_, c)| has(c, "far three")), "{out}");
    assert!(!near.iter().any(|(_, c)| has(c, "near one")), "{out}");

    // 3. A deletion on the far side (expunged on the server).
    env.store
        .expunge(inbox, Some(&[uid_far2]), ExpungeMode::Any)
        .await
        .expect("expunge");
    let out = mbsync(cfg.clone(), "-V").await;
    let near = maildir(&md_inbox);
    assert_eq!(near.len(), 2, "{out}\n{near:?}");
    assert!(!near.iter().any(|(_, c)| has(c, "far two")), "{out}");
    assert_eq!(server_inbox(&env, &acc).await.len(), 2);

    // 4. Nothing changed: mbsync sends no change to the server (its
    // protocol log has no APPEND, STORE or EXPUNGE) and touches no file;
    // the server's messages keep their flags and modseqs.
    let far_before: Vec<_> = server_inbox(&env, &acc)
        .await
        .into_iter()
        .map(|(m, _)| (m.uid, m.flags, m.modseq))
        .collect();
    let out = mbsync(cfg.clone(), "-Dn").await;
    let cmds = commands(&out);
    assert!(cmds.iter().any(|c| c.starts_with("UID FETCH")), "{out}");
    for c in &cmds {
        assert!(
            !["APPEND", "UID STORE", "STORE", "EXPUNGE", "UID EXPUNGE"]
                .iter()
                .any(|x| c.starts_with(x)),
            "second sync changed something: {c}\n{out}"
        );
    }
    let after: Vec<String> = maildir(&md_inbox).into_iter().map(|(n, _)| n).collect();
    let before: Vec<String> = near.into_iter().map(|(n, _)| n).collect();
    assert_eq!(after, before);
    let far_after: Vec<_> = server_inbox(&env, &acc)
        .await
        .into_iter()
        .map(|(m, _)| (m.uid, m.flags, m.modseq))
        .collect();
    assert_eq!(far_after, far_before);
}
