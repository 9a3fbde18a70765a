//! A real clamd for tests (R9): its own configuration, socket and
//! signature database in a temporary directory, started in the foreground
//! and killed on drop. There is no internet for freshclam, and clamd
//! refuses an empty database, so the tests write their own signatures: the
//! EICAR test file by MD5 (`.hdb`) and a marker of ours by content (`.ndb`).
//!
//! Missing clamd: the test fails when `CI` is set and is skipped with a
//! message otherwise (Debian: `apt-get install clamav-daemon`; scripts/test
//! installs it).
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The 68-byte EICAR test file (eicar.org), which every antivirus detects.
pub const EICAR: &[u8] = br"X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*";
/// MD5 of [`EICAR`].
const EICAR_MD5: &str = "44d88612fea8a8f36de82e1278abb02f";
/// Content our own `.ndb` signature matches anywhere in any file.
pub const MARKER: &[u8] = b"VESONTIO-ANTIVIRUS-TEST-MARKER-5e1f";
pub const EICAR_SIG: &str = "Vesontio.Test.EICAR";
/// EICAR as a line of text (followed by CR or LF), as it stands in a
/// mail body, where the MD5 of the 68-byte file cannot match; by content
/// (`.ndb`), so it never matches the bare file and [`EICAR_SIG`] stays
/// the one name found there.
pub const EICAR_TEXT_SIG: &str = "Vesontio.Test.EICAR.Text";
pub const MARKER_SIG: &str = "Vesontio.Test.Marker";
/// clamd's `StreamMaxLength` in these tests.
pub const STREAM_MAX: usize = 1024 * 1024;

pub struct ClamdProcess {
    dir: tempfile::TempDir,
    /// clamd's `TemporaryDirectory`, on a tmpfs when there is one.
    _scratch: Option<tempfile::TempDir>,
    child: Option<Child>,
    pub socket: PathBuf,
}

fn clamd_binary() -> Option<PathBuf> {
    for p in ["/usr/sbin/clamd", "/usr/local/sbin/clamd", "/usr/bin/clamd"] {
        if Path::new(p).exists() {
            return Some(p.into());
        }
    }
    None
}

impl ClamdProcess {
    /// `None`: clamd is not installed and we are not in CI (skip).
    pub fn start() -> Option<ClamdProcess> {
        Self::start_with(true)
    }

    /// [`ClamdProcess::start`]; `tmpfs: false` keeps clamd's temporary
    /// files on the disk beside its database (to measure what that costs).
    pub fn start_with(tmpfs: bool) -> Option<ClamdProcess> {
        let Some(bin) = clamd_binary() else {
            if std::env::var_os("CI").is_some() {
                panic!(
                    "clamd is missing (apt-get install clamav-daemon): the R9 tests must run in CI"
                );
            }
            eprintln!("SKIPPED: clamd is not installed (apt-get install clamav-daemon)");
            return None;
        };
        let dir = tempfile::tempdir().expect("tempdir");
        let root = dir.path();
        std::fs::create_dir_all(root.join("db")).expect("db dir");
        std::fs::create_dir_all(root.join("tmp")).expect("tmp dir");
        std::fs::write(
            root.join("db/vesontio.hdb"),
            format!("{EICAR_MD5}:{}:{EICAR_SIG}\n", EICAR.len()),
        )
        .expect("hdb");
        let hex = |d: &[u8]| d.iter().map(|b| format!("{b:02x}")).collect::<String>();
        std::fs::write(
            root.join("db/vesontio.ndb"),
            format!(
                "{MARKER_SIG}:0:*:{}\n{EICAR_TEXT_SIG}:0:*:{}(0d|0a)\n",
                hex(MARKER),
                hex(EICAR)
            ),
        )
        .expect("ndb");
        let socket = root.join("clamd.sock");
        // clamd writes every INSTREAM to a file in its TemporaryDirectory
        // before scanning it, and a mail's decoded parts next to it
        // (ScanMail): on a disk file system the creates and unlinks cost it
        // about twice its CPU per 10 KB message (session 11: ~600 against
        // ~250 us). On a tmpfs, as a mail host should configure it.
        let scratch = tmpfs
            .then(|| {
                tempfile::Builder::new()
                    .prefix("vesontio-clamd-")
                    .tempdir_in("/dev/shm")
                    .ok()
            })
            .flatten();
        let tmp = scratch
            .as_ref()
            .map_or_else(|| root.join("tmp"), |d| d.path().to_path_buf());
        let conf = format!(
            "Foreground yes\n\
             LocalSocket {sock}\n\
             DatabaseDirectory {root}/db\n\
             TemporaryDirectory {tmp}\n\
             PidFile {root}/clamd.pid\n\
             LogFile {root}/clamd.log\n\
             LogTime yes\n\
             StreamMaxLength {max}\n\
             ScanMail yes\n\
             ScanArchive yes\n\
             MaxThreads 8\n\
             IdleTimeout 30\n\
             Bytecode no\n",
            sock = socket.display(),
            root = root.display(),
            tmp = tmp.display(),
            max = STREAM_MAX,
        );
        std::fs::write(root.join("clamd.conf"), conf).expect("clamd.conf");
        let _ = bin;
        let mut p = ClamdProcess {
            dir,
            _scratch: scratch,
            child: None,
            socket,
        };
        p.restart();
        Some(p)
    }

    /// Starts clamd (again) and waits until it answers PING.
    pub fn restart(&mut self) {
        self.stop();
        let bin = clamd_binary().expect("clamd");
        let child = Command::new(bin)
            .arg("-c")
            .arg(self.dir.path().join("clamd.conf"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start clamd");
        self.child = Some(child);
        let deadline = Instant::now() + Duration::from_secs(120);
        loop {
            if ping(&self.socket) {
                return;
            }
            if let Some(c) = self.child.as_mut()
                && let Ok(Some(status)) = c.try_wait()
            {
                panic!("clamd exited with {status}: {}", self.log());
            }
            assert!(
                Instant::now() < deadline,
                "clamd did not start: {}",
                self.log()
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Kills clamd (SIGKILL: no goodbye, as a crash or an OOM kill).
    pub fn stop(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    /// clamd's process id while it runs (benches read its CPU time).
    pub fn pid(&self) -> Option<u32> {
        self.child.as_ref().map(Child::id)
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("clamd.log")).unwrap_or_default()
    }
}

impl Drop for ClamdProcess {
    fn drop(&mut self) {
        self.stop();
    }
}

fn ping(socket: &Path) -> bool {
    use std::io::{Read, Write};
    let Ok(mut s) = std::os::unix::net::UnixStream::connect(socket) else {
        return false;
    };
    let _ = s.set_read_timeout(Some(Duration::from_secs(5)));
    if s.write_all(b"zPING\0").is_err() {
        return false;
    }
    let mut buf = [0u8; 8];
    matches!(s.read(&mut buf), Ok(n) if buf[..n].starts_with(b"PONG"))
}

/// A zip of `(name, content)` entries, deflated.
pub fn zip(entries: &[(&str, &[u8])]) -> Vec<u8> {
    use std::io::Write;
    let mut out = std::io::Cursor::new(Vec::new());
    let mut w = zip::ZipWriter::new(&mut out);
    for (name, data) in entries {
        w.start_file(*name, zip::write::SimpleFileOptions::default())
            .expect("zip entry");
        w.write_all(data).expect("zip write");
    }
    w.finish().expect("zip finish");
    out.into_inner()
}

/// Base64 in 76-column lines (RFC 2045 §6.8).
pub fn base64_lines(data: &[u8]) -> String {
    use base64::Engine;
    let b = base64::engine::general_purpose::STANDARD.encode(data);
    b.as_bytes()
        .chunks(76)
        .map(|l| format!("{}\r\n", String::from_utf8_lossy(l)))
        .collect()
}

/// A message with a text part and one base64 attachment.
pub fn mail_with_attachment(name: &str, ctype: &str, data: &[u8]) -> Vec<u8> {
    format!(
        "From: Alice <alice@example.org>\r\n\
         To: bob@ac-besancon.fr\r\n\
         Subject: =?utf-8?q?Pi=C3=A8ce_jointe?=\r\n\
         Message-ID: <av-test@example.org>\r\n\
         MIME-Version: 1.0\r\n\
         Content-Type: multipart/mixed; boundary=\"b1\"\r\n\
         \r\n\
         --b1\r\n\
         Content-Type: text/plain; charset=utf-8\r\n\
         \r\n\
         Bonjour, voici le document.\r\n\
         --b1\r\n\
         Content-Type: {ctype}; name=\"{name}\"\r\n\
         Content-Transfer-Encoding: base64\r\n\
         Content-Disposition: attachment; filename=\"{name}\"\r\n\
         \r\n\
         {b64}\
         --b1--\r\n",
        b64 = base64_lines(data)
    )
    .into_bytes()
}

/// A message forwarding `inner` as a `message/rfc822` attachment.
pub fn mail_forwarding(inner: &[u8]) -> Vec<u8> {
    let mut m = b"From: Carol <carol@example.net>\r\n\
        To: bob@ac-besancon.fr\r\n\
        Subject: Fwd: document\r\n\
        MIME-Version: 1.0\r\n\
        Content-Type: multipart/mixed; boundary=\"outer\"\r\n\
        \r\n\
        --outer\r\n\
        Content-Type: text/plain\r\n\
        \r\n\
        Voir ci-dessous.\r\n\
        --outer\r\n\
        Content-Type: message/rfc822\r\n\
        Content-Disposition: attachment; filename=\"fwd.eml\"\r\n\
        \r\n"
        .to_vec();
    m.extend_from_slice(inner);
    m.extend_from_slice(b"\r\n--outer--\r\n");
    m
}
