//! The filter pipeline's state (migration v9), identical on both
//! backends: a disposition stored with a delivered copy (and none for an
//! APPEND), a held entry's folder and disposition, and training events
//! on moves into and out of Junk and on `$Junk`/`$NotJunk`.

use super::*;

pub async fn dispositions_held_folders_and_training(s: Store) {
    let a = person(&s, "lea.blanc@ac-test.fr", 1 << 20).await;
    let ib = inbox(&s, a.id).await;
    let junk = s.mailbox_by_name(a.id, "Junk").await.unwrap().unwrap();
    let disp = r#"{"score":7.5,"verdict":"junk","folder":"Junk"}"#;
    let out = s
        .deliver_disposed(vec![
            (
                junk.id,
                msg(&s, "Subject: a\r\n\r\nspam\r\n").await,
                Some(disp.into()),
            ),
            (ib.id, msg(&s, "Subject: b\r\n\r\nham\r\n").await, None),
        ])
        .await
        .unwrap();
    let (j, i) = (*out[0].as_ref().unwrap(), *out[1].as_ref().unwrap());
    assert_eq!(
        s.message_disposition(junk.id, j.uid)
            .await
            .unwrap()
            .as_deref(),
        Some(disp)
    );
    assert_eq!(s.message_disposition(ib.id, i.uid).await.unwrap(), None);
    assert_eq!(s.message_disposition(ib.id, 999).await.unwrap(), None);
    // A held entry keeps its folder and disposition; others have none.
    let m = msg(&s, "Subject: c\r\n\r\nheld\r\n").await;
    let entry = NewQueueEntry {
        kind: QueueKind::HeldLocal,
        blob: m.blob.clone(),
        sender: String::new(),
        envid: None,
        ret: None,
        recipients: vec![NewQueueRcpt {
            address: a.address.clone(),
            orcpt: None,
            notify: None,
        }],
        created_at: NOW,
        next_attempt_at: NOW,
    };
    s.enqueue_filed(entry.clone(), Some("Junk"), Some(disp))
        .await
        .unwrap();
    s.enqueue(entry).await.unwrap();
    let q = s.queue_entries().await.unwrap();
    assert_eq!(
        (q[0].folder.as_deref(), q[0].disposition.as_deref()),
        (Some("Junk"), Some(disp))
    );
    assert_eq!(
        (q[1].folder.as_deref(), q[1].disposition.as_deref()),
        (None, None)
    );
    // Training: out of Junk (move) is ham, into Junk spam, a copy out of
    // Junk nothing, the keywords spam and ham.
    let back = s.move_messages(junk.id, &[j.uid], ib.id).await.unwrap();
    assert_eq!(
        s.train_on_move(junk.id, ib.id, &back, true, NOW)
            .await
            .unwrap(),
        1
    );
    let into = s.copy_messages(ib.id, &[i.uid], junk.id).await.unwrap();
    assert_eq!(
        s.train_on_move(ib.id, junk.id, &into, false, NOW)
            .await
            .unwrap(),
        1
    );
    assert_eq!(
        s.train_on_move(junk.id, ib.id, &into, false, NOW)
            .await
            .unwrap(),
        0
    );
    let kw = vec!["$junk".to_string()];
    assert_eq!(
        s.train_on_flags(ib.id, &[i.uid], FlagOp::Add, &kw, NOW)
            .await
            .unwrap(),
        1
    );
    let kw = vec!["$NotJunk".to_string()];
    assert_eq!(
        s.train_on_flags(ib.id, &[i.uid, 999], FlagOp::Replace, &kw, NOW)
            .await
            .unwrap(),
        1
    );
    let ev = s.training_since(0, 100).await.unwrap();
    let got: Vec<(TrainingKind, &str, i64)> = ev
        .iter()
        .map(|e| (e.kind, e.source.as_str(), e.mailbox_id))
        .collect();
    assert_eq!(
        got,
        [
            (TrainingKind::Ham, "move", ib.id.0),
            (TrainingKind::Spam, "copy", junk.id.0),
            (TrainingKind::Spam, "keyword", ib.id.0),
            (TrainingKind::Ham, "keyword", ib.id.0),
        ]
    );
    assert!(
        ev.iter()
            .all(|e| e.account_id == a.id.0 && !e.blob_id.is_empty())
    );
    assert_eq!(ev[0].uid, back[0].1);
    // Read on from a cursor.
    let rest = s.training_since(ev[1].id, 100).await.unwrap();
    assert_eq!(rest.len(), 2);
    assert_eq!(s.training_since(ev[3].id, 100).await.unwrap().len(), 0);
}
