//! `vesontio quarantine list | show | release | delete` (R9, R8) as an
//! administrator runs it: the real binary on a configuration file and its
//! store. Entries are put in the quarantine through the store, as the
//! gate's filters do; release must deliver through the gate into the
//! recipient's mailbox; a private message (R4) never shows its subject;
//! every action is in the audit log (R11).

use std::path::Path;
use std::process::{Command, Output};

use vesontio_store::{NewQuarantine, Store, StoreConfig};

const BIN: &str = env!("CARGO_BIN_EXE_vesontio");
const RCPT: &str = "jeanne.dupont@ac-test.fr";

fn run(config: &Path, args: &[&str], stdin: Option<&str>) -> Output {
    use std::io::Write;
    use std::process::Stdio;
    let mut child = Command::new(BIN)
        .arg("--config")
        .arg(config)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn vesontio");
    if let Some(input) = stdin {
        child
            .stdin
            .take()
            .expect("stdin")
            .write_all(input.as_bytes())
            .expect("stdin");
    }
    drop(child.stdin.take());
    child.wait_with_output().expect("wait")
}

fn ok(o: &Output) -> String {
    let out = String::from_utf8_lossy(&o.stdout).into_owned();
    assert!(
        o.status.success(),
        "{out}{}",
        String::from_utf8_lossy(&o.stderr)
    );
    out
}

fn message(subject: &str) -> Vec<u8> {
    format!(
        "From: Alice <alice@example.org>\r\nTo: {RCPT}\r\nSubject: {subject}\r\n\
         Message-ID: <q-{}@example.org>\r\nDate: Wed, 02 Dec 2026 10:00:00 +0000\r\n\r\n\
         Bonjour.\r\n",
        subject.len()
    )
    .into_bytes()
}

/// Holds three messages the way the filters do; returns their ids.
fn hold(data: &Path) -> Vec<i64> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(async {
        let store = Store::open(StoreConfig::Sqlite {
            dir: data.to_path_buf(),
        })
        .await
        .expect("store");
        let mut ids = Vec::new();
        for (subject, private, reason, rule) in [
            (
                "Facture impayée",
                false,
                "virus",
                "antivirus:Eicar-Test-Signature",
            ),
            ("Entretien confidentiel", true, "virus", "antivirus:X"),
            ("Annonce", false, "hold: alert", "alert:7"),
        ] {
            let (blob, _) = store.put_blob(message(subject)).await.expect("blob");
            ids.push(
                store
                    .quarantine_add(NewQuarantine {
                        created_at: vesontio_store::now(),
                        blob,
                        sender: "alice@example.org".into(),
                        recipients: vec![RCPT.into()],
                        reason: reason.into(),
                        rule: Some(rule.into()),
                        private,
                        // What a careless writer might store: the view
                        // must still hide a private subject (R4).
                        subject: Some(subject.into()),
                    })
                    .await
                    .expect("hold"),
            );
        }
        store.close().await;
        ids
    })
}

#[test]
fn list_show_release_delete_audited() {
    let tmp = tempfile::tempdir().expect("tmp");
    let config = tmp.path().join("vesontio.toml");
    std::fs::write(
        &config,
        "[server]\ndata_dir = \"data\"\n[domains]\nlocal = [\"ac-test.fr\"]\n",
    )
    .expect("config");
    ok(&run(
        &config,
        &[
            "account",
            "add",
            RCPT,
            "--name",
            "Jeanne Dupont",
            "--password-stdin",
            "--no-change-at-first-login",
        ],
        Some("Correct-horse-battery-staple-42\n"),
    ));
    let ids = hold(&tmp.path().join("data"));

    // The table: every entry, the private one without its subject.
    let list = ok(&run(&config, &["quarantine", "list"], None));
    assert!(list.starts_with("ID"), "{list}");
    assert!(list.contains("Facture impayée"), "{list}");
    assert!(list.contains("antivirus:Eicar-Test-Signature"), "{list}");
    assert!(!list.contains("confidentiel"), "R4: {list}");
    assert!(list.contains("(privé / private)"), "{list}");
    assert!(list.ends_with("3 message(s) in quarantine\n"), "{list}");

    let json = ok(&run(&config, &["quarantine", "list", "--json"], None));
    let v: serde_json::Value = serde_json::from_str(&json).expect("json");
    let rows = v.as_array().expect("array");
    assert_eq!(rows.len(), 3);
    assert_eq!(rows[0]["id"], ids[0]);
    assert_eq!(rows[0]["sender"], "alice@example.org");
    assert_eq!(rows[0]["recipients"], serde_json::json!([RCPT]));
    assert_eq!(rows[0]["reason"], "virus");
    assert_eq!(rows[1]["private"], true);
    assert!(rows[1]["subject"].is_null(), "R4: {}", rows[1]);
    // Expiry from antivirus.quarantine_expiry (30 days by default).
    assert_eq!(
        rows[0]["expires_at"].as_i64().expect("expires_at")
            - rows[0]["created_at"].as_i64().expect("created_at"),
        30 * 86_400
    );
    assert!(!json.contains("Bonjour"), "no body in any view");

    let show = ok(&run(
        &config,
        &["quarantine", "show", &ids[1].to_string()],
        None,
    ));
    assert!(show.contains("sender:     alice@example.org"), "{show}");
    assert!(show.contains("rule:       antivirus:X"), "{show}");
    assert!(!show.contains("confidentiel"), "R4: {show}");
    assert!(show.contains(&format!(
        "size:       {} bytes",
        message("Entretien confidentiel").len()
    )));

    // Unknown ids are said, and the command fails.
    let missing = run(&config, &["quarantine", "delete", "999999"], None);
    assert!(!missing.status.success());
    assert!(String::from_utf8_lossy(&missing.stdout).contains("No message 999999 in quarantine"));

    // Release: through the gate into the recipient's mailbox.
    let before = used_bytes(&config);
    let rel = ok(&run(
        &config,
        &["quarantine", "release", &ids[0].to_string()],
        None,
    ));
    assert!(
        rel.starts_with(&format!("released {} (queue id ", ids[0])),
        "{rel}"
    );
    assert!(
        used_bytes(&config) > before,
        "the released copy was delivered"
    );

    let del = ok(&run(
        &config,
        &[
            "quarantine",
            "delete",
            &ids[1].to_string(),
            &ids[2].to_string(),
        ],
        None,
    ));
    assert_eq!(del, format!("deleted {}\ndeleted {}\n", ids[1], ids[2]));
    let list = ok(&run(&config, &["quarantine", "list", "--json"], None));
    assert_eq!(list.trim(), "[]");

    // R11: every action, by whom, and never a subject.
    let audit = ok(&run(&config, &["audit", "export"], None));
    let entries: Vec<serde_json::Value> = audit
        .lines()
        .map(|l| {
            let e: serde_json::Value = serde_json::from_str(l).expect("audit line");
            serde_json::from_str(e["data"].as_str().expect("data")).expect("data json")
        })
        .collect();
    let named = |a: &str| entries.iter().filter(|e| e["action"] == a).count();
    assert_eq!(named("quarantine_list"), 3);
    assert_eq!(named("quarantine_show"), 1);
    assert_eq!(named("quarantine_release"), 1);
    assert_eq!(named("quarantine_delete"), 2);
    assert!(
        !audit.contains("confidentiel") && !audit.contains("Facture"),
        "{audit}"
    );
    let release = entries
        .iter()
        .find(|e| e["action"] == "quarantine_release")
        .expect("release entry");
    assert_eq!(release["id"], ids[0]);
    assert_eq!(release["via"], "cli");
    assert!(release["queue_id"].is_string(), "{release}");
}

fn used_bytes(config: &Path) -> i64 {
    let o = ok(&run(config, &["account", "show", RCPT, "--json"], None));
    let v: serde_json::Value = serde_json::from_str(&o).expect("json");
    v["used_bytes"].as_i64().expect("used_bytes")
}
