//! The large-file service's files (R21, migration v20): the quota of its
//! own, resumable uploads, the blob they become and its references,
//! downloads, deletion and the purge, identical on both backends.

use super::*;

fn new_file(account: AccountId, token: &str, size: i64, expires: i64) -> NewSharedFile {
    NewSharedFile {
        token: token.into(),
        account_id: account,
        name: "rapport annuel.pdf".into(),
        content_type: "application/pdf".into(),
        size,
        expires_at: expires,
        password_hash: Some("$argon2id$v=19$fake".into()),
        now: NOW,
    }
}

/// The bytes of a test file: not all equal, so a misplaced chunk shows.
fn content(n: usize) -> Vec<u8> {
    (0..n).map(|i| (i * 7 % 251) as u8).collect()
}

pub async fn r21_shared_files_upload_quota_and_download(s: Store) {
    let a = person(&s, "jeanne.martin@ac-test.fr", 1 << 20).await;
    let b = person(&s, "paul.durand@ac-test.fr", 1 << 20).await;
    let data = content(10_000);

    let f = s
        .shared_file_create(&new_file(a.id, "tok-a", 10_000, NOW + 86_400), 15_000)
        .await
        .unwrap()
        .unwrap();
    assert_eq!((f.received, f.downloads, f.complete()), (0, 0, false));
    assert_eq!(s.shared_files_used(a.id).await.unwrap(), 10_000);
    // The quota is the service's own (the mailbox has 1 MB free) and an
    // upload in progress counts whole.
    match s
        .shared_file_create(&new_file(a.id, "tok-a2", 6_000, NOW + 86_400), 15_000)
        .await
        .unwrap()
    {
        Err(StoreError::OverQuota {
            used,
            needed,
            limit,
        }) => assert_eq!((used, needed, limit), (10_000, 6_000, 15_000)),
        other => panic!("expected over quota, got {other:?}"),
    }
    // Another account has its own quota; a token is unique.
    assert!(matches!(
        s.shared_file_create(&new_file(b.id, "tok-a", 10, NOW + 60), 15_000)
            .await,
        Err(StoreError::AlreadyExists(_))
    ));

    // A piece in the wrong place is not written; the offset is told.
    assert_eq!(
        s.shared_upload_write(f.id, 100, &data[100..200], NOW)
            .await
            .unwrap(),
        UploadWrite::Offset(0)
    );
    assert_eq!(
        s.shared_upload_write(f.id, 0, &data[..4_000], NOW + 1)
            .await
            .unwrap(),
        UploadWrite::Written(4_000)
    );
    // A resent piece (the response was lost) is refused with the offset.
    assert_eq!(
        s.shared_upload_write(f.id, 0, &data[..4_000], NOW + 2)
            .await
            .unwrap(),
        UploadWrite::Offset(4_000)
    );
    // Not past the declared size.
    let mut long = data[4_000..].to_vec();
    long.push(0);
    assert!(matches!(
        s.shared_upload_write(f.id, 4_000, &long, NOW + 2).await,
        Err(StoreError::Invalid(_))
    ));
    // Unfinished: it cannot become a blob yet.
    assert!(s.shared_upload_finish(f.id).await.is_err());
    let got = s.shared_file(f.id).await.unwrap().unwrap();
    assert_eq!((got.received, got.updated_at), (4_000, NOW + 1));
    assert_eq!(s.shared_upload_offset(&got).await.unwrap(), 4_000);

    assert_eq!(
        s.shared_upload_write(f.id, 4_000, &data[4_000..], NOW + 3)
            .await
            .unwrap(),
        UploadWrite::Written(10_000)
    );
    let done = s.shared_upload_finish(f.id).await.unwrap();
    let blob = done.blob_id.clone().unwrap();
    assert_eq!(blob, crate::blob::id_of(&data));
    assert_eq!(s.read_blob(&blob).await.unwrap(), data, "byte for byte");
    assert!(!s.spool().upload_path(f.id).exists(), "partial file moved");
    assert_eq!(s.referenced_blobs().await.unwrap(), vec![blob.clone()]);
    // Finishing twice is harmless.
    assert_eq!(s.shared_upload_finish(f.id).await.unwrap(), done);

    let by_token = s.shared_file_by_token("tok-a").await.unwrap().unwrap();
    assert_eq!(by_token, done);
    assert_eq!(
        by_token.password_hash.as_deref(),
        Some("$argon2id$v=19$fake")
    );
    assert!(s.shared_file_by_token("tok-z").await.unwrap().is_none());
    assert!(s.shared_file_downloaded(f.id, NOW + 10).await.unwrap());
    assert!(s.shared_file_downloaded(f.id, NOW + 11).await.unwrap());
    // At expiry, no more downloads and no count.
    assert!(!s.shared_file_downloaded(f.id, NOW + 86_400).await.unwrap());
    assert_eq!(s.shared_file(f.id).await.unwrap().unwrap().downloads, 2);

    // An empty file completes without data.
    let e = s
        .shared_file_create(&new_file(a.id, "tok-empty", 0, NOW + 60), 15_000)
        .await
        .unwrap()
        .unwrap();
    let e = s.shared_upload_finish(e.id).await.unwrap();
    assert_eq!(e.blob_id.as_deref(), Some(crate::blob::id_of(b"").as_str()));

    // A file received whole elsewhere (the plain form) is adopted; only
    // by an upload that has nothing yet and declares its size.
    let tmp = s.spool().temp_path();
    std::fs::write(&tmp, b"whole file").unwrap();
    let w = s
        .shared_file_create(&new_file(b.id, "tok-whole", 10, NOW + 60), 15_000)
        .await
        .unwrap()
        .unwrap();
    let wrong = s
        .shared_file_create(&new_file(b.id, "tok-wrong", 11, NOW + 60), 15_000)
        .await
        .unwrap()
        .unwrap();
    assert!(s.shared_upload_adopt(wrong.id, &tmp, NOW).await.is_err());
    s.shared_upload_adopt(w.id, &tmp, NOW + 5).await.unwrap();
    assert!(!tmp.exists());
    let w = s.shared_upload_finish(w.id).await.unwrap();
    assert_eq!(
        s.read_blob(w.blob_id.as_deref().unwrap()).await.unwrap(),
        b"whole file"
    );
    // The owner alone changes an expiry.
    assert!(
        !s.shared_file_set_expiry(w.id, a.id, NOW + 999)
            .await
            .unwrap()
    );
    assert!(
        s.shared_file_set_expiry(w.id, b.id, NOW + 999)
            .await
            .unwrap()
    );
    assert_eq!(
        s.shared_file(w.id).await.unwrap().unwrap().expires_at,
        NOW + 999
    );

    let list = s.shared_files(a.id).await.unwrap();
    assert_eq!(list.len(), 2);
    assert_eq!(s.shared_files(b.id).await.unwrap().len(), 2);

    // Only the owner deletes; the blob goes with its last reference.
    assert!(!s.shared_file_delete(f.id, b.id).await.unwrap());
    assert!(s.shared_file_delete(f.id, a.id).await.unwrap());
    assert!(!s.shared_file_delete(f.id, a.id).await.unwrap());
    released_then_swept(&s, &blob).await;
    assert_eq!(s.shared_files_used(a.id).await.unwrap(), 0);
}

/// A blob that a link serves is not reclaimed when the messages that
/// shared it go, and the purge takes expired files and abandoned uploads
/// with their blobs and partial files.
pub async fn r21_shared_files_blobs_purge_and_account_deletion(s: Store) {
    let a = person(&s, "jeanne.martin@ac-test.fr", 1 << 20).await;
    let body = "Subject: same\r\n\r\nthe same bytes as the file\r\n";
    let m = msg(&s, body).await;
    let blob = m.blob.id.clone();
    let ia = inbox(&s, a.id).await;
    s.append(ia.id, m).await.unwrap();

    let f = s
        .shared_file_create(
            &new_file(a.id, "tok-keep", body.len() as i64, NOW + 100),
            1 << 20,
        )
        .await
        .unwrap()
        .unwrap();
    s.shared_upload_write(f.id, 0, body.as_bytes(), NOW)
        .await
        .unwrap();
    let f = s.shared_upload_finish(f.id).await.unwrap();
    assert_eq!(f.blob_id.as_deref(), Some(blob.as_str()), "shared blob");

    // The message goes; the file's reference keeps the blob.
    s.expunge(ia.id, None, ExpungeMode::Any).await.unwrap();
    sweep_after_grace(&s).await;
    assert!(has_blob(&s, &blob).await, "a link still serves it");
    assert_eq!(s.read_blob(&blob).await.unwrap(), body.as_bytes());

    // An upload left half-way, and one still going.
    let stale = s
        .shared_file_create(&new_file(a.id, "tok-stale", 100, NOW + 10_000), 1 << 20)
        .await
        .unwrap()
        .unwrap();
    s.shared_upload_write(stale.id, 0, &[1; 50], NOW)
        .await
        .unwrap();
    let going = s
        .shared_file_create(&new_file(a.id, "tok-going", 100, NOW + 10_000), 1 << 20)
        .await
        .unwrap()
        .unwrap();
    s.shared_upload_write(going.id, 0, &[2; 50], NOW + 500)
        .await
        .unwrap();
    assert!(s.spool().upload_path(stale.id).exists());

    // Before expiry, with uploads idle since NOW abandoned: the stale one.
    assert_eq!(s.shared_files_purge(NOW + 99, NOW + 1).await.unwrap(), 1);
    assert!(!s.spool().upload_path(stale.id).exists());
    assert!(s.shared_file(stale.id).await.unwrap().is_none());
    assert!(has_blob(&s, &blob).await);
    // At expiry: the complete file and its blob.
    assert_eq!(s.shared_files_purge(NOW + 100, NOW + 1).await.unwrap(), 1);
    assert!(s.shared_file(f.id).await.unwrap().is_none());
    released_then_swept(&s, &blob).await;
    assert!(s.referenced_blobs().await.unwrap().is_empty());

    // Deleting the account takes its remaining files and uploads.
    let kept = s
        .shared_file_create(&new_file(a.id, "tok-last", 3, NOW + 10_000), 1 << 20)
        .await
        .unwrap()
        .unwrap();
    s.shared_upload_write(kept.id, 0, b"abc", NOW)
        .await
        .unwrap();
    let kept = s.shared_upload_finish(kept.id).await.unwrap();
    let kept_blob = kept.blob_id.unwrap();
    s.delete_account(a.id).await.unwrap();
    assert!(s.shared_file(going.id).await.unwrap().is_none());
    assert!(!s.spool().upload_path(going.id).exists());
    released_then_swept(&s, &kept_blob).await;
    assert!(s.referenced_blobs().await.unwrap().is_empty());
    // The blob listing ignores the uploads directory.
    assert!(s.blobs().list().await.unwrap().is_empty());
}
