//! Two `vesontio serve` processes on one PostgreSQL schema (issue 15 item
//! 6): the POP3 maildrop lock holds across them (RFC 2449 §8.1.2
//! `[IN-USE]` from either), and the clock-driven jobs, which both run at
//! start, send a departure warning once. Each node has its own data
//! directory and the bodies are in the database (`store.blobs =
//! "database"`): the warning one node wrote reads whole on the other.
//! Needs the PostgreSQL server at
//! `VESONTIO_TEST_POSTGRES` (default `postgres://postgres@127.0.0.1:5432/test`);
//! with `CI` set an unreachable server fails the test.

mod common;

use std::io::Write;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_vesontio");
const PASSWORD: &str = "Vesontio-Cluster-2026!";

fn pg_url() -> String {
    std::env::var("VESONTIO_TEST_POSTGRES")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into())
}

fn cli(config: &Path, args: &[&str], stdin: Option<&str>) {
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
        let mut w = child.stdin.take().expect("stdin");
        w.write_all(input.as_bytes()).expect("write stdin");
    }
    drop(child.stdin.take());
    let o = child.wait_with_output().expect("wait");
    assert!(
        o.status.success(),
        "vesontio {args:?}: {}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
}

struct Node(Child);

impl Drop for Node {
    fn drop(&mut self) {
        let _ = Command::new("kill")
            .args(["-INT", &self.0.id().to_string()])
            .status();
        let _ = self.0.wait();
    }
}

fn python(script: &str) -> String {
    let o = Command::new("python3")
        .args(["-c", script])
        .output()
        .expect("python3 is required");
    assert!(
        o.status.success(),
        "python failed:\n{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8_lossy(&o.stdout).trim().to_string()
}

const POP: &str = r#"
import poplib, ssl, sys
CTX = ssl.create_default_context()
CTX.check_hostname = False
CTX.verify_mode = ssl.CERT_NONE
def login(port, user):
    p = poplib.POP3_SSL('127.0.0.1', port, context=CTX, timeout=20)
    p.user(user)
    p.pass_(PASSWORD)
    return p
"#;

#[test]
fn two_nodes_share_the_maildrop_lock_and_run_jobs_once() {
    if std::net::TcpStream::connect(("127.0.0.1", 5432)).is_err() {
        assert!(
            std::env::var_os("CI").is_none(),
            "PostgreSQL required (CI) but unreachable"
        );
        eprintln!("SKIPPED: no PostgreSQL at 127.0.0.1:5432");
        return;
    }
    let tmp = tempfile::tempdir().expect("tmp");
    let base = tmp.path();
    let (cert, key) =
        vesontio_tls::self_signed(&["localhost".into(), "127.0.0.1".into()]).expect("certificate");
    std::fs::write(base.join("cert.pem"), cert).expect("cert");
    std::fs::write(base.join("key.pem"), key).expect("key");
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    let schema = format!("cluster_{}_{}", std::process::id(), nanos % 1_000_000_000);
    let first = common::free_offset();
    let second = common::free_offset();
    let config = |name: &str, offset: u16| {
        let data = base.join(format!("data-{name}"));
        let mut s = vesontio_config::Settings::example(
            data.to_str().expect("utf-8"),
            "localhost",
            "ac-demo.fr",
            offset,
        );
        s.tls.certificate = "cert.pem".into();
        s.tls.private_key = "key.pem".into();
        s.store.backend = vesontio_config::StoreBackend::Postgres;
        s.store.postgres_url = pg_url();
        s.store.postgres_schema = schema.clone();
        s.store.blobs = vesontio_config::BlobBackend::Database;
        s.large_files.max_size = vesontio_config::ByteSize(900 << 20);
        let path = base.join(name);
        std::fs::write(&path, s.to_toml()).expect("write config");
        path
    };
    let (c1, c2) = (config("n1.toml", first), config("n2.toml", second));

    let pw = format!("{PASSWORD}\n");
    for who in ["marie.curie", "jean.dupont"] {
        let address = format!("{who}@ac-demo.fr");
        cli(
            &c1,
            &[
                "account",
                "add",
                &address,
                "--password-stdin",
                "--no-change-at-first-login",
            ],
            Some(&pw),
        );
    }
    // Left long ago: the first pass of either node warns (R12, the full
    // warning period given from the warning).
    cli(
        &c1,
        &[
            "account",
            "set",
            "jean.dupont@ac-demo.fr",
            "--status",
            "departed",
            "--departure-date",
            "2025-01-01",
        ],
        None,
    );

    let start = |c: &Path, log: &str| {
        let log = std::fs::File::create(base.join(log)).expect("node log");
        Node(
            Command::new(BIN)
                .arg("--config")
                .arg(c)
                .arg("serve")
                .stdout(Stdio::null())
                .stderr(log)
                .spawn()
                .expect("spawn serve"),
        )
    };
    // Started together: both run the jobs at once.
    let mut nodes = (start(&c1, "n1.log"), start(&c2, "n2.log"));
    let (p1, p2) = (995 + first, 995 + second);
    let deadline = Instant::now() + Duration::from_secs(60);
    let logs = || {
        let read = |n| std::fs::read_to_string(base.join(n)).unwrap_or_default();
        format!("node 1:\n{}\nnode 2:\n{}", read("n1.log"), read("n2.log"))
    };
    while std::net::TcpStream::connect(("127.0.0.1", p1)).is_err()
        || std::net::TcpStream::connect(("127.0.0.1", p2)).is_err()
    {
        for node in [&mut nodes.0, &mut nodes.1] {
            if let Ok(Some(status)) = node.0.try_wait() {
                panic!("a node exited ({status}) before serving:\n{}", logs());
            }
        }
        assert!(
            Instant::now() < deadline,
            "the nodes did not start:\n{}",
            logs()
        );
        std::thread::sleep(Duration::from_millis(200));
    }

    let head = format!("{POP}\nPASSWORD = {PASSWORD:?}\n");
    // RFC 2449 §8.1.2: the second session on either node is [IN-USE].
    let out = python(&format!(
        r#"{head}
U = 'marie.curie@ac-demo.fr'
a = login({p1}, U)
for port in ({p1}, {p2}):
    try:
        login(port, U)
        print('second session allowed on', port)
        sys.exit(0)
    except poplib.error_proto as e:
        assert b'[IN-USE]' in e.args[0], e
a.quit()
# Released at QUIT, on the other node too.
b = login({p2}, U)
b.quit()
print('ok')
"#
    ));
    assert_eq!(out, "ok");

    // The departure warning: once, though both nodes ran the jobs. Wait
    // for it, then long enough for the slower node's pass to finish.
    let count = || {
        python(&format!(
            "{head}\np = login({p1}, 'jean.dupont@ac-demo.fr')\nprint(p.stat()[0])\np.quit()\n"
        ))
        .parse::<u32>()
        .expect("a count")
    };
    let deadline = Instant::now() + Duration::from_secs(60);
    while count() == 0 {
        assert!(Instant::now() < deadline, "no departure warning arrived");
        std::thread::sleep(Duration::from_millis(300));
    }
    std::thread::sleep(Duration::from_secs(3));
    assert_eq!(count(), 1, "the departure warning is sent once");
    // Whichever node wrote it, both read the same bytes.
    let out = python(&format!(
        r#"{head}
bodies = []
for port in ({p1}, {p2}):
    p = login(port, 'jean.dupont@ac-demo.fr')
    bodies.append(b'\n'.join(p.retr(1)[1]))
    p.quit()
assert bodies[0] == bodies[1] and len(bodies[0]) > 100, bodies
print('ok')
"#
    ));
    assert_eq!(out, "ok");
}
