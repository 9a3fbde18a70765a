//! Replays every protocol transcript in `testdata/*.txt` (STYLE.md
//! "Protocol transcripts"): each file gets a fresh server, the account
//! `jean.dupont@ac-demo.fr` and the messages its `#!` lines ask for:
//!
//! `#! message <mailbox> subject=<words_with_underscores> [flags=\Seen,\Flagged] [size=<n>]`
//!
//! `UPDATE_EXPECT=1 cargo test -p vesontio-imap-server --test transcripts`
//! rewrites the exchanges that differ with what the server sent.

mod common;

use common::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn transcripts() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .expect("testdata")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "txt"))
        .collect();
    files.sort();
    assert!(!files.is_empty());
    let runner = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/transcript.py");
    for file in files {
        let env = start().await;
        let acc = env.user().await;
        let text = std::fs::read_to_string(&file).expect("read");
        for line in text.lines().filter_map(|l| l.strip_prefix("#! message ")) {
            let mut parts = line.split_whitespace();
            let mailbox = parts.next().expect("mailbox");
            let (mut subject, mut flags, mut size) = (String::new(), Vec::new(), 0usize);
            for p in parts {
                match p.split_once('=') {
                    Some(("subject", v)) => subject = v.replace('_', " "),
                    Some(("flags", v)) => flags = v.split(',').map(str::to_string).collect(),
                    Some(("size", v)) => size = v.parse().expect("size"),
                    _ => panic!("bad directive {line}"),
                }
            }
            let body = "x".repeat(size);
            let flags: Vec<&str> = flags.iter().map(String::as_str).collect();
            env.deliver(
                &acc,
                mailbox,
                &message(&subject, "Paul <paul@ac-demo.fr>", &body),
                &flags,
            )
            .await;
        }
        let script = format!(
            "os.environ['TRANSCRIPT'] = {:?}\nexec(open({:?}).read())",
            file.display().to_string(),
            runner.display().to_string()
        );
        env.py(&script).await;
    }
}
