//! Blobs (issue 14 item 9): the [`crate::BlobStore`] contract every
//! backend keeps (files and database, see `tests/sqlite.rs` and
//! `tests/postgres.rs`), and the mark-and-sweep reclaim racing deliveries.

#![allow(clippy::unwrap_used)]

use std::sync::Arc;

use super::*;
use crate::messages::ExpungeMode;

/// Put, get, byte ranges, existence, the list and a delete bounded by
/// the time of the last put.
pub async fn blob_put_get_range_delete(s: Store) {
    let b = s.blobs();
    let data: Vec<u8> = (0..300_000u32).map(|i| (i % 251) as u8).collect();
    let r = b.put(Arc::new(data.clone())).await.unwrap();
    assert_eq!(r.id, crate::blob::id_of(&data), "named by its SHA-256");
    assert_eq!(r.size, 300_000);
    assert_eq!(b.get(&r.id).await.unwrap(), data, "byte for byte");
    assert_eq!(b.get_range(&r.id, 0, 5).await.unwrap(), data[..5]);
    assert_eq!(
        b.get_range(&r.id, 123_456, 70_000).await.unwrap(),
        data[123_456..193_456],
        "a range in the middle"
    );
    assert_eq!(
        b.get_range(&r.id, 299_990, 100).await.unwrap(),
        data[299_990..],
        "clipped at the end"
    );
    assert!(b.get_range(&r.id, 300_000, 10).await.unwrap().is_empty());
    assert!(b.get_range(&r.id, 400_000, 10).await.unwrap().is_empty());
    assert!(b.get_range(&r.id, 10, 0).await.unwrap().is_empty());
    assert!(b.exists(&r.id).await.unwrap());
    // The same content again: the same blob, once.
    assert_eq!(b.put(Arc::new(data.clone())).await.unwrap(), r);
    let small = b
        .put(Arc::new(b"Subject: x\r\n\r\ny\r\n".to_vec()))
        .await
        .unwrap();
    let empty = b.put(Arc::new(Vec::new())).await.unwrap();
    assert_eq!(empty.size, 0);
    assert!(b.get(&empty.id).await.unwrap().is_empty());
    let mut list = b.list().await.unwrap();
    list.sort();
    let mut want = vec![r.id.clone(), small.id.clone(), empty.id.clone()];
    want.sort();
    assert_eq!(list, want);

    // Put just now: a delete bounded before now keeps it.
    let now = crate::now();
    assert!(!b.delete(&r.id, now - 10).await.unwrap());
    assert_eq!(b.get(&r.id).await.unwrap(), data);
    // Bounded after the put: gone, and reads say so.
    assert!(b.delete(&r.id, now + 10).await.unwrap());
    assert!(!b.exists(&r.id).await.unwrap());
    assert!(matches!(
        b.get(&r.id).await,
        Err(StoreError::BlobCorrupt(id)) if id == r.id
    ));
    assert!(matches!(
        b.get_range(&r.id, 0, 1).await,
        Err(StoreError::BlobCorrupt(_))
    ));
    assert!(b.delete(&r.id, now + 10).await.unwrap(), "already gone");
    // A put after the delete writes it again.
    assert_eq!(b.put(Arc::new(data.clone())).await.unwrap(), r);
    assert_eq!(b.get(&r.id).await.unwrap(), data);
    assert_eq!(b.get(&small.id).await.unwrap(), b"Subject: x\r\n\r\ny\r\n");
    // Ids are checked before any path or query.
    for bad in ["", "../../etc/passwd", &"g".repeat(64)] {
        assert!(matches!(b.get(bad).await, Err(StoreError::Invalid(_))));
        assert!(matches!(
            b.delete(bad, now).await,
            Err(StoreError::Invalid(_))
        ));
    }
}

/// A file received whole (a large-file upload) becomes a blob; its
/// source is gone afterwards, whether the content was new or not.
pub async fn blob_adopt_takes_a_file(s: Store) {
    let body = b"the whole file, received elsewhere".to_vec();
    let id = crate::blob::id_of(&body);
    for round in 0..2 {
        let src = s.spool().temp_path();
        std::fs::write(&src, &body).unwrap();
        assert_eq!(crate::blob::id_of_file(&src).unwrap(), id);
        s.blobs().adopt(&id, &src).await.unwrap();
        assert!(!src.exists(), "round {round}: source taken");
        assert_eq!(s.read_blob(&id).await.unwrap(), body);
    }
    assert_eq!(s.read_blob_range(&id, 4, 5).await.unwrap(), b"whole");
    // Adopted now: kept by a delete bounded before now.
    assert!(!s.blobs().delete(&id, crate::now() - 10).await.unwrap());
}

/// The race item 9 names: the last reference goes (the blob is marked),
/// a delivery of the same content comes (un-marking it), and the sweep
/// after the grace period keeps it.
pub async fn sweep_keeps_a_blob_reused_by_a_delivery(s: Store) {
    let a = person(&s, "a@ac-demo.fr", 1 << 20).await;
    let mb = inbox(&s, a.id).await;
    let body = "Subject: again\r\n\r\nthe same content twice\r\n";
    let m = msg(&s, body).await;
    let id = m.blob.id.clone();
    s.append(mb.id, m).await.unwrap();
    s.expunge(mb.id, None, ExpungeMode::Any).await.unwrap();
    assert_eq!(
        s.unreferenced_blobs().await.unwrap(),
        vec![id.clone()],
        "marked"
    );
    let r = s.append(mb.id, msg(&s, body).await).await.unwrap();
    assert!(
        s.unreferenced_blobs().await.unwrap().is_empty(),
        "un-marked"
    );
    assert_eq!(sweep_after_grace(&s).await, 0);
    assert_eq!(s.read_blob(&id).await.unwrap(), body.as_bytes());
    assert_eq!(s.referenced_blobs().await.unwrap(), vec![id.clone()]);
    let kept = s.message_by_uid(mb.id, r.uid).await.unwrap().unwrap();
    assert_eq!(kept.blob_id, id);
    // Its stored model stayed with it.
    assert!(
        s.contents(std::slice::from_ref(&id))
            .await
            .unwrap()
            .contains_key(&id)
    );
    // Released again, and nobody comes: swept.
    s.expunge(mb.id, None, ExpungeMode::Any).await.unwrap();
    released_then_swept(&s, &id).await;
}

/// The other order: the sweep deletes the row between a delivery's put
/// and its commit. The bytes, put within the grace, stay; the delivery's
/// commit inserts the row again.
pub async fn sweep_between_a_put_and_its_commit_keeps_the_bytes(s: Store) {
    let a = person(&s, "a@ac-demo.fr", 1 << 20).await;
    let mb = inbox(&s, a.id).await;
    let body = "Subject: late\r\n\r\ndelivered while swept\r\n";
    s.append(mb.id, msg(&s, body).await).await.unwrap();
    s.expunge(mb.id, None, ExpungeMode::Any).await.unwrap();
    let marked = crate::now();
    // The put lands in a later second than the mark, as the grace
    // assumes of any delivery racing a sweep (file times are coarse).
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    let m = msg(&s, body).await;
    let id = m.blob.id.clone();
    // Due since the mark: the row goes, the freshly put bytes stay.
    s.sweep_blobs(marked + SWEEP_GRACE_SECS).await.unwrap();
    assert!(
        s.unreferenced_blobs().await.unwrap().is_empty(),
        "row swept"
    );
    assert!(has_blob(&s, &id).await, "bytes put within the grace kept");
    let r = s.append(mb.id, m).await.unwrap();
    assert_eq!(s.referenced_blobs().await.unwrap(), vec![id.clone()]);
    let meta = s.message_by_uid(mb.id, r.uid).await.unwrap().unwrap();
    assert_eq!(s.read_blob(&meta.blob_id).await.unwrap(), body.as_bytes());
}

/// Deliveries and expunges of one content racing sweeps: whatever the
/// interleaving, every message still in a mailbox reads its body. Each
/// sweep first makes every mark old (as if the grace had passed since the
/// release) while the puts stay as recent as they are: the sweep deletes
/// rows between deliveries' puts and commits.
pub async fn sweeps_racing_deliveries_lose_nothing(s: Store) {
    let a = person(&s, "a@ac-demo.fr", 1 << 24).await;
    let mb = inbox(&s, a.id).await;
    let body = "Subject: churn\r\n\r\nreused over and over\r\n";
    let sweeper = {
        let s = s.clone();
        tokio::spawn(async move {
            let mut swept = 0;
            for _ in 0..60 {
                s.debug_execute("UPDATE blobs SET zero_since = 0 WHERE zero_since IS NOT NULL")
                    .await
                    .unwrap();
                swept += s.sweep_blobs(crate::now()).await.unwrap();
                tokio::task::yield_now().await;
            }
            swept
        })
    };
    for i in 0..40 {
        let r = s.append(mb.id, msg(&s, body).await).await.unwrap();
        let meta = s.message_by_uid(mb.id, r.uid).await.unwrap().unwrap();
        assert_eq!(
            s.read_blob(&meta.blob_id).await.unwrap(),
            body.as_bytes(),
            "round {i}"
        );
        if i % 2 == 0 {
            s.expunge(mb.id, None, ExpungeMode::Any).await.unwrap();
        }
    }
    assert_eq!(sweeper.await.unwrap(), 0, "bytes put within the grace stay");
    let left = s.messages(mb.id).await.unwrap();
    assert_eq!(left.len(), 1);
    for m in &left {
        assert_eq!(s.read_blob(&m.blob_id).await.unwrap(), body.as_bytes());
    }
    // Once nobody delivers it any more, the content goes.
    s.expunge(mb.id, None, ExpungeMode::Any).await.unwrap();
    sweep_after_grace(&s).await;
    assert!(s.blobs().list().await.unwrap().is_empty());
}

/// A store of the release before mark and sweep (schema v20) with a blob
/// left at refcount 0 by an interrupted reclaim: after the upgrade the
/// row is due at once, and referenced blobs are untouched.
pub async fn v22_rows_left_at_zero_are_due(config: StoreConfig) {
    let old = Store::open_at_schema(config.clone(), 20).await.unwrap();
    let (left, _) = old.put_blob(b"left at zero".to_vec()).await.unwrap();
    let (kept, _) = old.put_blob(b"still referenced".to_vec()).await.unwrap();
    for (id, n) in [(&left.id, 0), (&kept.id, 1)] {
        old.debug_execute_with(
            "INSERT INTO blobs (id, size, refcount) VALUES ($1, 12, $2)",
            &[crate::DebugVal::Text(id), crate::DebugVal::Int(n)],
        )
        .await
        .unwrap();
    }
    old.close().await;
    drop(old);
    let s = Store::open(config).await.unwrap();
    assert_eq!(s.unreferenced_blobs().await.unwrap(), vec![left.id.clone()]);
    // Due without waiting for the grace; its bytes, put a moment ago,
    // stay until a later sweep.
    s.sweep_blobs(crate::now()).await.unwrap();
    assert!(s.unreferenced_blobs().await.unwrap().is_empty());
    assert_eq!(s.referenced_blobs().await.unwrap(), vec![kept.id.clone()]);
    assert!(has_blob(&s, &kept.id).await);
    assert!(has_blob(&s, &left.id).await, "put within the grace");
}

/// A COPY into another account of a content without a stored model (a
/// row of an earlier release) parses the blob outside the transaction and
/// files the copy in the content's conversation there.
pub async fn copy_parses_a_content_without_model_outside(s: Store) {
    let a = person(&s, "a@ac-demo.fr", 1 << 20).await;
    let b = person(&s, "b@ac-demo.fr", 1 << 20).await;
    let (ia, ib) = (inbox(&s, a.id).await, inbox(&s, b.id).await);
    let body = "Message-ID: <m@x>\r\nSubject: old row\r\n\r\nbody\r\n";
    let r = s.append(ia.id, msg(&s, body).await).await.unwrap();
    s.debug_execute("DELETE FROM contents").await.unwrap();
    let map = s.copy_messages(ia.id, &[r.uid], ib.id).await.unwrap();
    assert_eq!(map, vec![(r.uid, 1)]);
    let copy = s.message_by_uid(ib.id, 1).await.unwrap().unwrap();
    assert!(copy.email_id > 0);
    let reply = "Message-ID: <r@x>\r\nIn-Reply-To: <m@x>\r\nSubject: Re: old row\r\n\r\nyes\r\n";
    let rr = s.append(ib.id, msg(&s, reply).await).await.unwrap();
    assert_eq!(
        rr.thread_id, copy.thread_id,
        "the parse found its Message-ID"
    );
}

/// Bytes no row names (a put whose delivery never committed) are removed
/// by the orphan sweep once put longer ago than the grace, never before;
/// bytes a row names stay.
pub async fn orphan_bytes_swept_after_the_grace(s: Store) {
    let a = person(&s, "a@ac-demo.fr", 1 << 20).await;
    let mb = inbox(&s, a.id).await;
    let kept = msg(&s, "Subject: kept\r\n\r\nreferenced\r\n").await;
    let kept_id = kept.blob.id.clone();
    s.append(mb.id, kept).await.unwrap();
    let (orphan, _) = s.put_blob(b"never delivered".to_vec()).await.unwrap();
    assert_eq!(s.sweep_orphan_blobs(crate::now()).await.unwrap(), 0);
    assert!(has_blob(&s, &orphan.id).await, "maybe a delivery in flight");
    let later = crate::now() + SWEEP_GRACE_SECS + 1;
    assert_eq!(s.sweep_orphan_blobs(later).await.unwrap(), 1);
    assert!(!has_blob(&s, &orphan.id).await);
    assert!(has_blob(&s, &kept_id).await);
    assert_eq!(s.blobs().list().await.unwrap(), vec![kept_id]);
}
