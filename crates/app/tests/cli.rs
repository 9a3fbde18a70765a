//! The user-facing contract of the `vesontio` binary (docs/design.md), driven as
//! a user would: real processes, real files.

mod common;

use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_vesontio");

fn run(args: &[&str], stdin: Option<&str>) -> Output {
    let mut child = Command::new(BIN)
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
            .expect("write stdin");
    }
    drop(child.stdin.take());
    child.wait_with_output().expect("wait")
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// Starts `vesontio demo`, waits for its banner, returns the child.
fn start_demo(dir: &Path, offset: u16) -> std::process::Child {
    let mut child = Command::new(BIN)
        .args([
            "demo",
            "--dir",
            dir.to_str().expect("utf-8 path"),
            "--port-offset",
            &offset.to_string(),
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn demo");
    let config = dir.join("vesontio.toml");
    let deadline = Instant::now() + Duration::from_secs(60);
    // The banner is printed after seeding: wait until the demo accounts exist.
    loop {
        assert!(Instant::now() < deadline, "demo did not start");
        if let Some(st) = child.try_wait().expect("try_wait") {
            panic!("demo exited before it was ready: {st:?}");
        }
        if config.exists() {
            let o = run(
                &[
                    "--config",
                    config.to_str().expect("path"),
                    "account",
                    "show",
                    "marie.curie@ac-demo.fr",
                    "--json",
                ],
                None,
            );
            if o.status.success() {
                break;
            }
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    // Keep reading what the demo prints: closing the pipe would make its
    // next line (the banner can still be on its way) fail with EPIPE and
    // the demo exit with an error, a race that showed under load.
    if let Some(mut out) = child.stdout.take() {
        std::thread::spawn(move || {
            let _ = std::io::copy(&mut out, &mut std::io::sink());
        });
    }
    child
}

fn stop(mut child: std::process::Child) -> std::process::ExitStatus {
    // SIGINT, as Ctrl-C would.
    let _ = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status();
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        if let Some(st) = child.try_wait().expect("try_wait") {
            return st;
        }
        assert!(Instant::now() < deadline, "demo did not stop on SIGINT");
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn demo_then_account_add_with_password_policy() {
    let tmp = tempfile::tempdir().expect("tmp");
    let dir = tmp.path().join("D");
    let demo = start_demo(&dir, common::free_offset());
    let config = dir.join("vesontio.toml");
    let c = config.to_str().expect("path");
    assert!(dir.join("cert.pem").exists() && dir.join("key.pem").exists());

    let weak = run(
        &[
            "--config",
            c,
            "account",
            "add",
            "jeanne.dupont@ac-demo.fr",
            "--password-stdin",
            "--no-change-at-first-login",
        ],
        Some("azerty123\n"),
    );
    assert!(!weak.status.success(), "a weak password is refused");
    let t = text(&weak);
    assert!(
        t.contains("too easy to guess") && t.contains("12 characters"),
        "refusal explains and advises: {t}"
    );

    let strong = run(
        &[
            "--config",
            c,
            "account",
            "add",
            "jeanne.dupont@ac-demo.fr",
            "--password-stdin",
            "--no-change-at-first-login",
        ],
        Some("Kx9mPq2vLr7tWz!\n"),
    );
    assert!(strong.status.success(), "{}", text(&strong));

    let list = run(&["--config", c, "account", "list", "--json"], None);
    assert!(list.status.success(), "{}", text(&list));
    let v: serde_json::Value = serde_json::from_slice(&list.stdout).expect("json");
    let jeanne = v
        .as_array()
        .expect("array")
        .iter()
        .find(|a| a["address"] == "jeanne.dupont@ac-demo.fr")
        .expect("listed");
    assert_eq!(
        jeanne["quota_bytes"],
        1u64 << 30,
        "1 GB default quota (R15)"
    );
    assert_eq!(jeanne["quota"], "1GB");
    assert_eq!(jeanne["kind"], "person");
    assert_eq!(jeanne["must_change_password"], false);

    // Homonyms get a suggestion; non-nominative personal addresses are refused (R1).
    let dup = run(
        &["--config", c, "account", "add", "Jeanne.Dupont@ac-demo.fr"],
        None,
    );
    assert!(
        text(&dup).contains("jeanne.dupont2@ac-demo.fr"),
        "{}",
        text(&dup)
    );
    let bad = run(
        &["--config", c, "account", "add", "jdupont@ac-demo.fr"],
        None,
    );
    assert!(
        !bad.status.success() && text(&bad).contains("first.last@domain"),
        "{}",
        text(&bad)
    );
    let foreign = run(&["--config", c, "account", "add", "a.b@example.org"], None);
    assert!(
        !foreign.status.success() && text(&foreign).contains("not a local domain"),
        "{}",
        text(&foreign)
    );

    // An account created without a password gets a printed initial one it must change (R26).
    let init = run(
        &["--config", c, "account", "add", "paul.durand@ac-demo.fr"],
        None,
    );
    assert!(text(&init).contains("initial password:"), "{}", text(&init));
    let show = run(
        &[
            "--config",
            c,
            "account",
            "show",
            "paul.durand@ac-demo.fr",
            "--json",
        ],
        None,
    );
    let v: serde_json::Value = serde_json::from_slice(&show.stdout).expect("json");
    assert_eq!(v["must_change_password"], true);

    let verify = run(&["--config", c, "audit", "verify"], None);
    assert!(
        verify.status.success() && text(&verify).contains("audit log intact"),
        "{}",
        text(&verify)
    );

    let st = stop(demo);
    assert!(st.success(), "demo exits cleanly on SIGINT: {st:?}");
}

#[test]
fn lists_and_groups() {
    let tmp = tempfile::tempdir().expect("tmp");
    let dir = tmp.path().join("D");
    let demo = start_demo(&dir, common::free_offset());
    let c = dir.join("vesontio.toml");
    let c = c.to_str().expect("path");
    assert!(
        run(&["--config", c, "list", "add", "profs@ac-demo.fr"], None)
            .status
            .success()
    );
    let m = run(
        &[
            "--config",
            c,
            "list",
            "members",
            "profs@ac-demo.fr",
            "--add",
            "marie.curie@ac-demo.fr",
            "paul.langevin@ac-demo.fr",
            "--json",
        ],
        None,
    );
    let v: serde_json::Value = serde_json::from_slice(&m.stdout).expect("json");
    assert_eq!(
        v,
        serde_json::json!(["marie.curie@ac-demo.fr", "paul.langevin@ac-demo.fr"])
    );
    let s = run(
        &[
            "--config",
            c,
            "list",
            "senders",
            "profs@ac-demo.fr",
            "--add",
            "dsi@ac-demo.fr",
            "--json",
        ],
        None,
    );
    assert_eq!(
        serde_json::from_slice::<serde_json::Value>(&s.stdout).expect("json"),
        serde_json::json!(["dsi@ac-demo.fr"])
    );
    let g = run(
        &[
            "--config",
            c,
            "group",
            "members",
            "dsi@ac-demo.fr",
            "--remove",
            "paul.langevin@ac-demo.fr",
            "--json",
        ],
        None,
    );
    let v: serde_json::Value = serde_json::from_slice(&g.stdout).expect("json");
    assert_eq!(
        v,
        serde_json::json!([{"address": "marie.curie@ac-demo.fr", "rights": "lrswipkxtea"}])
    );
    let fwd = run(
        &[
            "--config",
            c,
            "account",
            "set",
            "dsi@ac-demo.fr",
            "--forward",
            "x@example.org",
        ],
        None,
    );
    assert!(
        !fwd.status.success() && text(&fwd).contains("R22"),
        "{}",
        text(&fwd)
    );
    assert!(stop(demo).success());
}

#[test]
fn check_config_reports_every_problem_at_once() {
    let tmp = tempfile::tempdir().expect("tmp");
    let path = tmp.path().join("bad.toml");
    std::fs::write(
        &path,
        "[limits]\nmesage_size = \"10MB\"\n[quota]\ndefault = \"lots\"\n",
    )
    .expect("write");
    let o = run(
        &["--config", path.to_str().expect("path"), "check-config"],
        None,
    );
    assert!(!o.status.success());
    let t = text(&o);
    assert!(
        t.contains("limits.mesage_size") && t.contains("message_size"),
        "misspelt key named with a hint: {t}"
    );
    assert!(
        t.contains("quota.default"),
        "bad size named in the same run: {t}"
    );
    assert!(t.contains("2 problem"), "{t}");
    std::fs::write(&path, "[domains]\nlocal = [\"ac-test.fr\"]\n").expect("write");
    let o = run(
        &["--config", path.to_str().expect("path"), "check-config"],
        None,
    );
    assert!(o.status.success(), "{}", text(&o));
    // Issue 11: a smarthost for every non-local domain.
    std::fs::write(
        &path,
        "[domains]\nlocal = [\"ac-test.fr\"]\n[dns.routes]\n\"*\" = \"relay.ac-test.fr:25\"\n",
    )
    .expect("write");
    let o = run(
        &["--config", path.to_str().expect("path"), "check-config"],
        None,
    );
    assert!(o.status.success(), "{}", text(&o));
    let o = run(&["check-config"], None);
    assert!(
        !o.status.success() && text(&o).contains("--config"),
        "{}",
        text(&o)
    );
}

/// `vesontio account list | head -1`: the reader goes away after one line
/// and the command ends quietly (exit 0, no panic), however much it had
/// left to print. 2,000 imported accounts make the listing larger than a
/// pipe's buffer, so the command is still writing when the pipe closes.
/// Running the import again skips every row and says so (resumption).
#[test]
fn account_list_piped_into_head_exits_quietly() {
    use std::io::BufRead;
    let tmp = tempfile::tempdir().expect("tmp");
    let dir = tmp.path().join("D");
    let demo = start_demo(&dir, common::free_offset());
    let c = dir.join("vesontio.toml");
    let c = c.to_str().expect("path");
    let file = tmp.path().join("boxes.csv");
    let rows: String = (0..2000)
        .map(|i| format!("service{i:04}@ac-demo.fr;Service {i}\n"))
        .collect();
    std::fs::write(&file, rows).expect("write");
    let f = file.to_str().expect("path");
    let import = [
        "--config",
        c,
        "account",
        "import",
        f,
        "--kind",
        "functional",
    ];
    let first = run(&import, None);
    assert!(first.status.success(), "{}", text(&first));
    assert!(
        String::from_utf8_lossy(&first.stdout).ends_with("2000 account(s) created\n"),
        "{}",
        text(&first)
    );
    let again = run(&import, None);
    let out = String::from_utf8_lossy(&again.stdout);
    assert!(
        again.status.success()
            && out.contains("2000 account(s) already existed, skipped")
            && out.ends_with("0 account(s) created\n"),
        "{}",
        text(&again)
    );

    let mut child = Command::new(BIN)
        .args(["--config", c, "account", "list"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    let mut reader = std::io::BufReader::new(child.stdout.take().expect("stdout"));
    let mut line = String::new();
    reader.read_line(&mut line).expect("one line");
    assert!(line.starts_with("ADDRESS"), "{line}");
    drop(reader); // what `head -1` does after its line
    let o = child.wait_with_output().expect("wait");
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        o.status.success() && !err.contains("panicked") && !err.contains("error"),
        "{:?}: {err}",
        o.status
    );
    assert!(stop(demo).success());
}

/// R24: `spam learn` teaches the store's models (the shared base or a
/// local domain's), counts a message taught twice once, corrects one
/// taught the other way, and `spam stats` shows what each model holds.
#[test]
fn spam_learn_and_stats() {
    let tmp = tempfile::tempdir().expect("tmp");
    let dir = tmp.path().join("D");
    let demo = start_demo(&dir, common::free_offset());
    let c = dir.join("vesontio.toml");
    let c = c.to_str().expect("path");
    let spam_dir = tmp.path().join("spam");
    let ham_dir = tmp.path().join("ham");
    std::fs::create_dir_all(&spam_dir).expect("mkdir");
    std::fs::create_dir_all(&ham_dir).expect("mkdir");
    for i in 0..25 {
        std::fs::write(
            spam_dir.join(format!("{i:02}.eml")),
            format!(
                "From: lot@win.example\r\nSubject: Gagnez {i} euros\r\n\r\nCliquez ici pour le gros lot numero {i}, offre exclusive.\r\n"
            ),
        )
        .expect("write");
        std::fs::write(
            ham_dir.join(format!("{i:02}.eml")),
            format!(
                "From: paul.langevin@ac-demo.fr\r\nSubject: Conseil de classe {i}\r\n\r\nLe conseil de classe de la seconde {i} aura lieu jeudi.\r\n"
            ),
        )
        .expect("write");
    }
    std::fs::write(ham_dir.join("empty.eml"), "").expect("write");
    let spam_dir = spam_dir.to_str().expect("path");
    let ham_dir = ham_dir.to_str().expect("path");
    let o = run(&["--config", c, "spam", "learn", "--spam", spam_dir], None);
    assert!(o.status.success(), "{}", text(&o));
    // Nothing to judge with yet (no ham learned): all 25 learned.
    assert!(
        text(&o).contains(
            "the shared base: 25 learned as spam, 0 already known, 0 corrected, 0 already judged spam surely, 0 skipped"
        ),
        "{}",
        text(&o)
    );
    let o = run(
        &[
            "--config",
            c,
            "spam",
            "learn",
            "--ham",
            "--domain",
            "AC-DEMO.FR",
            ham_dir,
        ],
        None,
    );
    // Learned until the classifier is sure of such mail, then judged
    // surely (`spam learn` learns like reports do): 25 offered in all.
    let said = text(&o);
    let count = |what: &str| -> u64 {
        let at = said
            .find(what)
            .unwrap_or_else(|| panic!("{what} in {said}"));
        said[..at]
            .split_whitespace()
            .last()
            .and_then(|n| n.parse().ok())
            .expect("a count")
    };
    let learned_ham = count(" learned as ham");
    assert_eq!(
        learned_ham + count(" already judged ham surely"),
        25,
        "{said}"
    );
    assert!((20..=25).contains(&learned_ham), "{said}");
    assert!(
        said.contains("0 corrected,") && said.contains("surely, 1 skipped"),
        "{said}"
    );
    // The same spam again: already known. One of them as ham: corrected.
    let o = run(&["--config", c, "spam", "learn", "--spam", spam_dir], None);
    assert!(
        text(&o).contains("0 learned as spam, 25 already known"),
        "{}",
        text(&o)
    );
    let one = format!("{spam_dir}/00.eml");
    let o = run(&["--config", c, "spam", "learn", "--ham", &one], None);
    assert!(
        text(&o).contains("0 learned as ham, 0 already known, 1 corrected"),
        "{}",
        text(&o)
    );
    // Not a local domain, or neither --spam nor --ham: refused, nothing learned.
    let o = run(
        &[
            "--config",
            c,
            "spam",
            "learn",
            "--spam",
            "--domain",
            "example.org",
            spam_dir,
        ],
        None,
    );
    assert!(
        !o.status.success() && text(&o).contains("example.org is not a local domain"),
        "{}",
        text(&o)
    );
    let o = run(&["--config", c, "spam", "learn", spam_dir], None);
    assert!(!o.status.success(), "{}", text(&o));
    let s = run(&["--config", c, "spam", "stats", "--json"], None);
    assert!(s.status.success(), "{}", text(&s));
    let v: serde_json::Value = serde_json::from_slice(&s.stdout).expect("json");
    assert_eq!(v[0]["domain"], "");
    assert_eq!(v[0]["spam"], 24);
    assert_eq!(v[0]["ham"], 1);
    assert_eq!(v[1]["domain"], "ac-demo.fr");
    assert_eq!(v[1]["spam"], 0);
    assert_eq!(v[1]["ham"], learned_ham);
    assert!(v[1]["tokens"].as_u64().unwrap_or(0) > 20, "{v}");
    // R11: each run is in the audit log, in numbers only.
    let a = run(&["--config", c, "audit", "export"], None);
    let log = String::from_utf8_lossy(&a.stdout);
    assert_eq!(log.matches("spam.learn").count(), 4, "{log}");
    assert!(!log.contains("Gagnez"), "{log}");
    assert!(stop(demo).success());
}

/// R8: `alert add|list|lift` keep the store's rules; refused forms say
/// what to give; each change is audited.
#[test]
fn security_alerts_from_the_cli() {
    let tmp = tempfile::tempdir().expect("tmp");
    let dir = tmp.path().join("D");
    let offset = common::free_offset();
    let demo = start_demo(&dir, offset);
    let c = dir.join("vesontio.toml");
    let c = c.to_str().expect("path");
    let o = run(
        &[
            "--config",
            c,
            "alert",
            "add",
            "--extension",
            ".ISO",
            "--expires",
            "2d",
            "--note",
            "campagne ISO",
            "--json",
        ],
        None,
    );
    assert!(o.status.success(), "{}", text(&o));
    let a: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json");
    assert_eq!(a["kind"], "extension");
    assert_eq!(a["value"], "iso");
    let id = a["id"].as_i64().expect("id");
    let o = run(
        &[
            "--config",
            c,
            "alert",
            "add",
            "--content",
            "Facture impayée",
            "--expires",
            "12h",
        ],
        None,
    );
    assert!(
        text(&o).contains("added: content \"Facture impayée\""),
        "{}",
        text(&o)
    );
    // Added before any mail: the demo's alert stage caches rules for 5 s.
    let o = run(
        &[
            "--config",
            c,
            "alert",
            "add",
            "--sender-domain",
            "example.net",
            "--json",
        ],
        None,
    );
    let domain_id = serde_json::from_slice::<serde_json::Value>(&o.stdout).expect("json")["id"]
        .as_i64()
        .expect("id")
        .to_string();
    for bad in [
        vec!["alert", "add", "--expires", "2d"],
        vec!["alert", "add", "--sender", "a@b.fr", "--expires", "100d"],
        vec!["alert", "add", "--sender", "a@b.fr", "--content", "x y"],
    ] {
        let mut args = vec!["--config", c];
        args.extend(bad.iter().copied());
        let o = run(&args, None);
        assert!(!o.status.success(), "{bad:?}: {}", text(&o));
    }
    let l = run(&["--config", c, "alert", "list", "--json"], None);
    let v: serde_json::Value = serde_json::from_slice(&l.stdout).expect("json");
    assert_eq!(v.as_array().map(Vec::len), Some(3), "{v}");
    assert_eq!(v[2]["id"], id);
    assert_eq!(v[2]["active"], true);
    assert_eq!(v[2]["held"], 0);
    let o = run(&["--config", c, "alert", "lift", &id.to_string()], None);
    assert!(
        o.status.success() && text(&o).contains("lifted"),
        "{}",
        text(&o)
    );
    let o = run(&["--config", c, "alert", "lift", &id.to_string()], None);
    assert!(
        !o.status.success() && text(&o).contains("already lifted"),
        "{}",
        text(&o)
    );
    let l = run(&["--config", c, "alert", "list"], None);
    assert!(!text(&l).contains("\"iso\""), "{}", text(&l));
    let l = run(&["--config", c, "alert", "list", "--all"], None);
    assert!(
        text(&l).contains("\"iso\"") && text(&l).contains("lifted"),
        "{}",
        text(&l)
    );

    // Mail on the MX: the phrase alert holds it, accepted with a 250.
    let v: serde_json::Value =
        serde_json::from_slice(&run(&["--config", c, "alert", "list", "--json"], None).stdout)
            .expect("json");
    let phrase = v[1]["id"].as_i64().expect("id").to_string();
    let port = 25 + offset;
    let mail = |n: u32, text: &str| {
        format!(
            "From: <alice@example.org>\r\nTo: <marie.curie@ac-demo.fr>\r\nSubject: Relance {n}\r\n\
             Message-ID: <relance.{n}@example.org>\r\nDate: Wed, 2 Dec 2026 10:00:00 +0000\r\n\r\n{text}\r\n"
        )
    };
    for n in 0..2 {
        let r = common::smtp_send(
            port,
            "alice@example.org",
            "marie.curie@ac-demo.fr",
            mail(n, "Votre facture impayee est jointe.").as_bytes(),
        );
        assert!(r.starts_with("250"), "{r}");
    }
    let v: serde_json::Value =
        serde_json::from_slice(&run(&["--config", c, "alert", "list", "--json"], None).stdout)
            .expect("json");
    assert_eq!(v[1]["held"], 2, "{v}");
    // In force: release refused; lifted: both delivered through the gate.
    let o = run(&["--config", c, "alert", "release", &phrase], None);
    assert!(
        !o.status.success() && text(&o).contains("lift it first"),
        "{}",
        text(&o)
    );
    assert!(
        run(&["--config", c, "alert", "lift", &phrase], None)
            .status
            .success()
    );
    let o = run(&["--config", c, "alert", "release", &phrase], None);
    assert!(
        o.status.success() && text(&o).contains("2 message(s) released"),
        "{}",
        text(&o)
    );
    let q = run(&["--config", c, "quarantine", "list", "--json"], None);
    let q: serde_json::Value = serde_json::from_slice(&q.stdout).expect("json");
    assert_eq!(q.as_array().map(Vec::len), Some(0), "{q}");
    // Purge: the sender-domain alert holds one, purge deletes it undelivered.
    let r = common::smtp_send(
        port,
        "bob@mail.example.net",
        "marie.curie@ac-demo.fr",
        mail(9, "Bonjour.").as_bytes(),
    );
    assert!(r.starts_with("250"), "{r}");
    let o = run(&["--config", c, "alert", "purge", &domain_id], None);
    assert!(
        o.status.success() && text(&o).contains("1 message(s) deleted"),
        "{}",
        text(&o)
    );

    let a = run(&["--config", c, "audit", "export"], None);
    let log = String::from_utf8_lossy(&a.stdout);
    assert_eq!(log.matches("alert.add").count(), 3, "{log}");
    assert_eq!(log.matches("alert.lift").count(), 2, "{log}");
    assert_eq!(
        log.matches("\\\"quarantine_release\\\"").count(),
        2,
        "{log}"
    );
    assert!(stop(demo).success());
}
