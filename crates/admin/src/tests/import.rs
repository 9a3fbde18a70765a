//! Bulk import: the hash pool's bound, interruption then resumption, and
//! every bad line reported before anything is created.

use super::*;
use crate::import::*;
use vesontio_types::AccountKind;

/// Slow enough that an unbounded import would run many at once, cheap in
/// memory (argon2's smallest costs).
fn slow_hash(pw: &Secret<String>) -> std::result::Result<String, String> {
    std::thread::sleep(std::time::Duration::from_millis(3));
    vesontio_directory::password::hash_for_tests(pw).map_err(|e| e.to_string())
}

fn file(n: usize) -> String {
    let mut s = String::from("# address;name;password\n\n");
    for i in 0..n {
        s.push_str(&format!("prenom{i}.nom@ac-demo.fr;;\n"));
    }
    s
}

fn opts(workers: usize) -> ImportOptions {
    ImportOptions {
        workers,
        hash: slow_hash,
        ..ImportOptions::new(AccountKind::Person)
    }
}

#[derive(Default)]
struct Seen {
    created: Vec<(String, bool)>,
    skipped: usize,
    started: Option<usize>,
    /// Signals after this many creations (to interrupt the import).
    stop_after: Option<(usize, Option<tokio::sync::oneshot::Sender<()>>)>,
}

impl ImportProgress for Seen {
    fn started(&mut self, rows: usize) {
        self.started = Some(rows);
    }
    fn created(&mut self, address: &str, pw: Option<&Secret<String>>) {
        self.created.push((address.to_string(), pw.is_some()));
        if let Some((n, tx)) = &mut self.stop_after {
            if self.created.len() >= *n {
                if let Some(tx) = tx.take() {
                    let _ = tx.send(());
                }
            }
        }
    }
    fn skipped(&mut self, _address: &str) {
        self.skipped += 1;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hashes_never_exceed_the_pool() {
    let a = admin().await;
    let mut seen = Seen::default();
    let r = a
        .import_accounts(&actor(), &file(300), &opts(3), &mut seen)
        .await
        .unwrap();
    assert_eq!((r.rows, r.created, r.skipped), (300, 300, 0));
    assert!(
        r.peak_hashing <= 3,
        "{} hashes ran at once with a pool of 3",
        r.peak_hashing
    );
    // The pool is used: with a 3 ms hash, rows overlap.
    assert!(r.peak_hashing >= 2, "peak {}", r.peak_hashing);
    assert_eq!(seen.started, Some(300));
    assert!(
        seen.created.iter().all(|(_, shown)| *shown),
        "initial passwords are returned"
    );
    let all = a
        .store()
        .list_accounts(Some(AccountKind::Person))
        .await
        .unwrap();
    assert_eq!(all.len(), 300);
    assert!(all.iter().all(|acc| acc.must_change_password));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn interrupted_import_resumes_and_skips_what_exists() {
    let a = admin().await;
    let text = file(200);
    let (tx, rx) = tokio::sync::oneshot::channel();
    let mut first = Seen {
        stop_after: Some((50, Some(tx))),
        ..Default::default()
    };
    // Dropping the import future is what an interruption (Ctrl-C, a
    // closed console request) does.
    let (who, o) = (actor(), opts(2));
    tokio::select! {
        r = a.import_accounts(&who, &text, &o, &mut first) => panic!("finished: {r:?}"),
        _ = rx => {}
    }
    let done = first.created.len();
    assert!((50..200).contains(&done), "{done}");
    let exist = a.store().list_accounts(None).await.unwrap().len();
    assert!(
        exist >= done && exist < 200,
        "{exist} accounts after the interruption"
    );

    let mut second = Seen::default();
    let r = a
        .import_accounts(&actor(), &text, &opts(2), &mut second)
        .await
        .unwrap();
    assert_eq!(
        r.skipped, exist,
        "every account of the first run is recognised"
    );
    assert_eq!(r.created + r.skipped, 200);
    let all = a.store().list_accounts(None).await.unwrap();
    assert_eq!(all.len(), 200, "each row exactly once");
    // Each created account has its audit entry, even the interrupted run's.
    let adds = audit_entries(&a)
        .await
        .iter()
        .filter(|e| e["action"] == "account_add")
        .count();
    assert_eq!(adds, 200);
}

#[tokio::test]
async fn every_bad_line_is_reported_and_nothing_created() {
    let a = admin().await;
    let text = "jeanne.dupont@ac-demo.fr;;\nJeanne@ac-demo.fr;;\na.b@example.org;;\nx.y@ac-demo.fr;;password123\nnot an address\n";
    let err = a
        .import_accounts(&actor(), text, &opts(2), &mut ())
        .await
        .unwrap_err();
    let AdminError::ImportInvalid(lines) = &err else {
        panic!("{err}")
    };
    let numbers: Vec<usize> = lines.iter().map(|(n, _)| *n).collect();
    assert_eq!(numbers, [2, 3, 4, 5]);
    assert!(
        err.en().contains("line 3: a.b@example.org") || err.en().contains("line 3: example.org")
    );
    assert!(err.fr().contains("ligne 2"));
    assert!(a.store().list_accounts(None).await.unwrap().is_empty());
}
