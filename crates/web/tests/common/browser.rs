//! What every browser test shares: the tools check (Debian's chromium,
//! node and `browser/node_modules`; missing tools skip the test, except
//! under CI, where they fail it), the webmail served over HTTPS on
//! 127.0.0.1 with a self-signed certificate for `localhost`, and the
//! `RESULT name value` lines the scripts print. The scripts' own shared
//! part (launch, context, login, axe-core, `RESULT` and `step` lines,
//! watchdog) is `browser/lib.mjs`.
#![allow(clippy::unwrap_used, dead_code)]

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use tokio::net::TcpListener;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;
use vesontio_web::Web;

pub fn tools_present(dir: &Path) -> Result<(), String> {
    let chromium = std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into());
    if !Path::new(&chromium).exists() {
        return Err(format!("{chromium} missing (apt-get install chromium)"));
    }
    if Command::new("node").arg("--version").output().is_err() {
        return Err("node missing".into());
    }
    if !dir.join("node_modules/playwright-core").exists() {
        return Err(format!("run npm ci in {}", dir.display()));
    }
    Ok(())
}

/// `crates/web/browser`, or `None` (the test then returns) when a tool is
/// missing outside CI. Installs the TLS provider the server needs.
pub fn scripts_dir(test: &str) -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("browser");
    if let Err(why) = tools_present(&dir) {
        if std::env::var_os("CI").is_some() {
            panic!("browser test cannot run under CI: {why}");
        }
        eprintln!("SKIPPED {test}: {why}");
        return None;
    }
    vesontio_tls::install_default_provider();
    Some(dir)
}

/// Where screenshots go (committed, linked from the README).
pub fn shots_dir() -> PathBuf {
    let shots = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/screenshots");
    std::fs::create_dir_all(&shots).unwrap();
    shots
}

/// A listening socket on 127.0.0.1 and its port, bound before the webmail
/// is built (some tests put the port in its configuration).
pub async fn bind() -> (TcpListener, u16) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    (listener, port)
}

/// The webmail serving HTTPS on `listener` until [`Https::stop`].
pub struct Https {
    pub url: String,
    stop: CancellationToken,
    server: JoinHandle<std::io::Result<()>>,
}

impl Https {
    pub fn serve(web: Web, listener: TcpListener, port: u16) -> Https {
        let (cert, key) = vesontio_tls::self_signed(&["localhost".into()]).unwrap();
        let tls = vesontio_tls::acceptor(cert.as_bytes(), key.as_bytes()).unwrap();
        let stop = CancellationToken::new();
        let server = tokio::spawn(vesontio_web::serve_https(
            web,
            listener,
            tls,
            stop.clone(),
            TaskTracker::new(),
        ));
        Https {
            url: format!("https://localhost:{port}"),
            stop,
            server,
        }
    }

    pub async fn stop(self) {
        self.stop.cancel();
        let _ = self.server.await;
    }
}

/// Runs `node <dir>/<script> args…` to its end, off the runtime's threads.
pub async fn node(dir: &Path, script: &str, args: Vec<String>) -> (String, String) {
    let d = dir.to_path_buf();
    let script = d.join(script);
    let output = tokio::task::spawn_blocking(move || {
        Command::new("node")
            .arg(script)
            .args(args)
            .current_dir(&d)
            .output()
    })
    .await
    .unwrap()
    .unwrap();
    (
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

/// Runs `node <dir>/<script> args…` as [`node`] does, answering each
/// `WAIT <what>` line it prints: `on_wait(what)` runs (mail delivered
/// while a page is open, say), then the script reads `go` on its stdin
/// (`ask` in `browser/lib.mjs`). Gives up after `within`.
pub async fn node_waiting<F, Fut>(
    dir: &Path,
    script: &str,
    args: Vec<String>,
    within: std::time::Duration,
    mut on_wait: F,
) -> (String, String)
where
    F: FnMut(String) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    use std::io::{BufRead, BufReader, Write};
    use std::process::Stdio;
    let mut child = Command::new("node")
        .arg(dir.join(script))
        .args(args)
        .current_dir(dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take();
    let stdout = child.stdout.take().unwrap();
    let mut stderr = child.stderr.take().unwrap();
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<String>();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                return;
            }
        }
    });
    let err_thread = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = std::io::Read::read_to_string(&mut stderr, &mut s);
        s
    });
    let mut lines = Vec::new();
    let run = async {
        while let Some(line) = rx.recv().await {
            if let Some(what) = line.strip_prefix("WAIT ") {
                on_wait(what.to_string()).await;
                if let Some(w) = stdin.as_mut() {
                    writeln!(w, "go").unwrap();
                    w.flush().unwrap();
                }
            }
            lines.push(line);
        }
    };
    let finished = tokio::time::timeout(within, run).await.is_ok();
    drop(stdin);
    if !finished {
        let _ = child.kill();
    }
    let _ = tokio::task::spawn_blocking(move || child.wait()).await;
    let stderr = err_thread.join().unwrap();
    assert!(
        finished,
        "{script} did not finish in {within:?}: {lines:?}\n{stderr}"
    );
    (lines.join("\n"), stderr)
}

/// The `RESULT name value` lines of a script's output.
pub fn results(stdout: &str) -> HashMap<&str, &str> {
    stdout
        .lines()
        .filter_map(|l| l.strip_prefix("RESULT "))
        .filter_map(|l| l.split_once(' '))
        .collect()
}
