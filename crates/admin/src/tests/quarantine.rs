//! The quarantine library (R9, R8) on a real store: views never show a
//! private message's subject (R4), release goes through the gate given,
//! every action is audited (R11), expiry purges.

use std::sync::Mutex;

use super::*;
use crate::quarantine::{Redeliver, purge_expired, recipient_notice};
use vesontio_store::NewQuarantine;

const BODY: &[u8] = b"From: a@example.org\r\nSubject: Secret plans\r\n\r\nThe body text\r\n";

async fn hold(a: &Admin, private: bool, at: i64) -> i64 {
    let (blob, _) = a.store().put_blob(BODY.to_vec()).await.unwrap();
    a.store()
        .quarantine_add(NewQuarantine {
            created_at: at,
            blob,
            sender: "a@example.org".into(),
            recipients: vec![format!("jeanne.dupont@{DOMAIN}")],
            reason: "virus".into(),
            rule: Some("antivirus:Eicar-Test-Signature".into()),
            private,
            subject: Some("Secret plans".into()),
        })
        .await
        .unwrap()
}

/// What the gate was given: sender, recipients, cause, bytes.
type Given = (String, Vec<String>, Option<String>, Vec<u8>);

/// A gate that records what it was given, or refuses.
struct Gate {
    refuse: bool,
    got: Mutex<Vec<Given>>,
}

impl Redeliver for Gate {
    fn redeliver(
        &self,
        sender: &str,
        recipients: &[String],
        cause: Option<&str>,
        raw: Vec<u8>,
    ) -> impl std::future::Future<Output = std::result::Result<String, String>> + Send {
        self.got.lock().unwrap().push((
            sender.to_string(),
            recipients.to_vec(),
            cause.map(str::to_string),
            raw,
        ));
        let refuse = self.refuse;
        async move {
            if refuse {
                Err("552 trop gros / too big".to_string())
            } else {
                Ok("Q123".to_string())
            }
        }
    }
}

#[tokio::test]
async fn private_messages_show_their_envelope_only() {
    let a = admin().await;
    let open = hold(&a, false, 1000).await;
    let private = hold(&a, true, 1000).await;
    let list = a.quarantine_list(&actor(), Some(86_400)).await.unwrap();
    assert_eq!(list.len(), 2);
    assert_eq!(list[0].subject.as_deref(), Some("Secret plans"));
    assert_eq!(list[0].expires_at, Some(1000 + 86_400));
    assert_eq!(list[1].subject, None);
    assert!(list[1].private);
    assert_eq!(list[1].sender, "a@example.org");
    // JSON export: the private entry carries no subject and no body.
    let json = serde_json::to_string(&list[1]).unwrap();
    assert!(!json.contains("Secret"), "{json}");
    assert!(!json.contains("body"), "{json}");
    let shown = a.quarantine_show(&actor(), private, None).await.unwrap();
    assert_eq!(shown.view.subject, None);
    assert_eq!(shown.size, BODY.len() as u64);
    let shown_open = a.quarantine_show(&actor(), open, None).await.unwrap();
    assert_eq!(shown_open.view.subject.as_deref(), Some("Secret plans"));
    // The recipients' notice quotes no private subject either.
    let n = recipient_notice(&shown.view);
    assert!(!n.text.contains("Secret"));
    assert!(n.text.contains("Eicar-Test-Signature"));
    assert!(
        !n.text.contains("antivirus:"),
        "the signature, not the rule"
    );
    assert!(
        recipient_notice(&shown_open.view)
            .text
            .contains("Objet : Secret plans")
    );
    // The audit log names the actions and never a subject.
    let audit = audit_entries(&a).await;
    let actions: Vec<&str> = audit
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions,
        ["quarantine_list", "quarantine_show", "quarantine_show"]
    );
    assert!(audit.iter().all(|e| !e.to_string().contains("Secret")));
    assert_eq!(audit[1]["id"], private);
    assert_eq!(audit[1]["rule"], "antivirus:Eicar-Test-Signature");
}

#[tokio::test]
async fn release_goes_through_the_gate_then_leaves() {
    let a = admin().await;
    let id = hold(&a, true, 1000).await;
    let refusing = Gate {
        refuse: true,
        got: Mutex::new(Vec::new()),
    };
    let e = a
        .quarantine_release(&actor(), id, &refusing)
        .await
        .unwrap_err();
    assert!(matches!(e, AdminError::ReleaseRefused { .. }), "{e:?}");
    assert!(e.fr().contains("reste en quarantaine"));
    assert_eq!(a.store().quarantine_list().await.unwrap().len(), 1);

    let gate = Gate {
        refuse: false,
        got: Mutex::new(Vec::new()),
    };
    let r = a.quarantine_release(&actor(), id, &gate).await.unwrap();
    assert_eq!(r.queue_id, "Q123");
    let got = gate.got.lock().unwrap().clone();
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].0, "a@example.org");
    assert_eq!(got[0].1, vec![format!("jeanne.dupont@{DOMAIN}")]);
    assert_eq!(
        got[0].2.as_deref(),
        Some("antivirus"),
        "the stage that held it is left out"
    );
    assert_eq!(got[0].3, BODY, "released with its bytes as they came");
    assert!(a.store().quarantine_list().await.unwrap().is_empty());
    assert!(matches!(
        a.quarantine_release(&actor(), id, &gate).await,
        Err(AdminError::QuarantineNotFound { .. })
    ));
    let audit = audit_entries(&a).await;
    let actions: Vec<&str> = audit
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions,
        ["quarantine_release_refused", "quarantine_release"]
    );
    assert_eq!(audit[1]["queue_id"], "Q123");
    assert_eq!(audit[1]["by"], "root");
}

#[tokio::test]
async fn delete_and_purge() {
    let a = admin().await;
    let old = hold(&a, false, 1000).await;
    let young = hold(&a, false, 100_000).await;
    let gone = hold(&a, false, 100_000).await;
    a.quarantine_delete(&actor(), gone).await.unwrap();
    assert!(matches!(
        a.quarantine_delete(&actor(), gone).await,
        Err(AdminError::QuarantineNotFound { id }) if id == gone
    ));
    // Expiry 1 day at now = 1000 + 1 day + 1: only `old` goes.
    let n = purge_expired(a.store(), 1000 + 86_400 + 1, 86_400)
        .await
        .unwrap();
    assert_eq!(n, 1);
    let left: Vec<i64> = a
        .store()
        .quarantine_list()
        .await
        .unwrap()
        .iter()
        .map(|e| e.id)
        .collect();
    assert_eq!(left, vec![young]);
    assert_eq!(
        purge_expired(a.store(), 1000 + 86_400 + 1, 86_400)
            .await
            .unwrap(),
        0
    );
    let audit = audit_entries(&a).await;
    let purge = audit
        .iter()
        .find(|e| e["action"] == "quarantine_purge")
        .unwrap();
    assert_eq!(purge["ids"], serde_json::json!([old]));
    assert!(
        audit
            .iter()
            .any(|e| e["action"] == "quarantine_delete" && e["id"] == gone)
    );
}
