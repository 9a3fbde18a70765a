//! The large-file service (R21) through the webmail's handlers: upload
//! with and without JavaScript (resumable after a cut), the person's
//! list, deletion, the public link downloaded by an anonymous client with
//! and without password, expiry, the service's own quota, and the compose
//! form's offer of links when R6 refuses a message.
#![allow(clippy::unwrap_used)]

mod common;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use common::client::{Client, csrf_in, urlencode};
use common::*;
use http_body_util::BodyExt;
use tower::ServiceExt;
use vesontio_web::{Clock, LargeFilesConfig};

const JEANNE: &str = "jeanne.martin@ac-test.fr";
const PAUL: &str = "paul.durand@ac-test.fr";
const DAY: i64 = 86_400;
const MAX: usize = 300_000;
const QUOTA: u64 = 500_000;

/// A webmail whose large-file service takes 300,000 bytes per file and
/// 500,000 per person, and whose messages are limited to 64 KB (R6).
async fn files_env() -> Env {
    env_full(
        Clock::manual(NOW),
        |dc| dc.message_size_limit = 64 * 1024,
        |wc| {
            wc.large_files = LargeFilesConfig {
                enabled: true,
                max_size: MAX as u64,
                quota: QUOTA,
                default_expiry_secs: 7 * DAY,
                max_expiry_secs: 30 * DAY,
            }
        },
    )
    .await
}

/// Bytes that are not text, so that any re-encoding shows.
fn content(n: usize, seed: u8) -> Vec<u8> {
    (0..n)
        .map(|i| ((i * 31 + seed as usize) % 256) as u8)
        .collect()
}

fn unescape(s: &str) -> String {
    s.replace("&#60;", "<")
        .replace("&#62;", ">")
        .replace("&#38;", "&")
        .replace("&#39;", "'")
        .replace("&#34;", "\"")
        .replace("&quot;", "\"")
        .replace("&amp;", "&")
}

async fn logged_in(e: &Env, who: &str) -> (Client, String) {
    let mut c = Client::new(e);
    c.login(who, PASSWORD).await;
    let page = c.get("/files").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let csrf = csrf_in(&page.body);
    (c, csrf)
}

/// The tokens of the links on a page, in order.
fn tokens(html: &str) -> Vec<String> {
    html.match_indices("/f/")
        .map(|(i, _)| html[i + 3..].chars().take(48).collect::<String>())
        .filter(|t| t.len() == 48 && t.chars().all(|c| c.is_ascii_hexdigit()))
        .collect()
}

/// A raw response: status, headers, body bytes (downloads are binary).
async fn raw(c: &Client, req: Request<Body>) -> (StatusCode, axum::http::HeaderMap, Vec<u8>) {
    let res = c.app.clone().oneshot(req).await.unwrap();
    let (status, headers) = (res.status(), res.headers().clone());
    let body = res.into_body().collect().await.unwrap().to_bytes().to_vec();
    (status, headers, body)
}

fn get(uri: &str) -> Request<Body> {
    Request::get(uri).body(Body::empty()).unwrap()
}

async fn upload(
    c: &mut Client,
    csrf: &str,
    name: &str,
    data: &[u8],
    password: &str,
) -> common::client::Res {
    c.post_multipart(
        "/files",
        &[("csrf", csrf), ("expiry", "86400"), ("password", password)],
        &[("file", name, "application/pdf", data)],
    )
    .await
}

#[tokio::test]
async fn r21_upload_without_javascript_then_an_anonymous_download_until_expiry() {
    let e = files_env().await;
    let jeanne = person(&e, JEANNE, "Jeanne Martin", PASSWORD, false).await;
    let (mut c, csrf) = logged_in(&e, JEANNE).await;
    let page = c.get("/files").await;
    let body = unescape(&page.body);
    assert!(
        body.contains("Fichiers volumineux") && body.contains("Vous n'avez déposé aucun fichier.")
    );
    assert!(body.contains("aria-current=\"page\""), "the nav entry");
    assert!(page.body.contains("enctype=\"multipart/form-data\""));
    // The CSRF field comes before the file: checked before any byte is kept.
    assert!(page.body.find("name=\"csrf\"").unwrap() < page.body.find("type=\"file\"").unwrap());

    let data = content(250_000, 7);
    // Without the token: refused, nothing kept.
    let r = upload(&mut c, "0".repeat(64).as_str(), "cours.pdf", &data, "").await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert!(e.store.shared_files(jeanne.id).await.unwrap().is_empty());

    let r = upload(&mut c, &csrf, "cours de géographie.pdf", &data, "").await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(r.location(), "/files?ok=uploaded");
    let list = c.get("/files?ok=uploaded").await;
    let text = unescape(&list.body);
    assert!(text.contains("Le fichier a été déposé"), "{text}");
    assert!(text.contains("cours de géographie.pdf"));
    assert!(text.contains("244\u{a0}ko"), "size in French: {text}");
    let token = tokens(&list.body).pop().expect("a link");
    assert!(
        list.body
            .contains(&format!("https://mail.ac-test.fr/f/{token}"))
    );
    // The mailbox quota (R15) is untouched: the service has its own.
    assert_eq!(
        e.store
            .account(jeanne.id)
            .await
            .unwrap()
            .unwrap()
            .bytes_used,
        0
    );

    // Anyone with the link, no session.
    let anon = Client::new(&e);
    let (status, _, page) = raw(&anon, get(&format!("/f/{token}"))).await;
    let page = String::from_utf8(page).unwrap();
    assert_eq!(status, StatusCode::OK);
    assert!(unescape(&page).contains("cours de géographie.pdf"));
    assert!(page.contains(&format!("href=\"/f/{token}/download\"")));
    let (status, h, got) = raw(&anon, get(&format!("/f/{token}/download"))).await;
    assert_eq!(status, StatusCode::OK);
    assert!(got == data, "byte for byte");
    let cd = h[header::CONTENT_DISPOSITION].to_str().unwrap();
    assert!(
        cd.starts_with("attachment;")
            && cd.contains("filename*=UTF-8''cours%20de%20g%C3%A9ographie.pdf"),
        "{cd}"
    );
    assert_eq!(h[header::X_CONTENT_TYPE_OPTIONS], "nosniff");
    assert_eq!(
        h[header::CONTENT_SECURITY_POLICY],
        "default-src 'none'; sandbox"
    );
    assert_eq!(h[header::CONTENT_LENGTH], "250000");
    // A link checker's HEAD is not a download.
    let head = Request::head(format!("/f/{token}/download"))
        .body(Body::empty())
        .unwrap();
    let (status, h, _) = raw(&anon, head).await;
    assert_eq!(
        (status, h[header::CONTENT_LENGTH].to_str().unwrap()),
        (StatusCode::OK, "250000")
    );
    // A download resumed with a Range (RFC 9110 §14): the rest, byte for
    // byte, and not counted as another download.
    let resume = Request::get(format!("/f/{token}/download"))
        .header(header::RANGE, "bytes=200000-")
        .body(Body::empty())
        .unwrap();
    let (status, h, tail) = raw(&anon, resume).await;
    assert_eq!(status, StatusCode::PARTIAL_CONTENT);
    assert_eq!(h[header::CONTENT_RANGE], "bytes 200000-249999/250000");
    assert!(tail == data[200_000..], "the rest of the file");
    let past = Request::get(format!("/f/{token}/download"))
        .header(header::RANGE, "bytes=250000-")
        .body(Body::empty())
        .unwrap();
    assert_eq!(raw(&anon, past).await.0, StatusCode::RANGE_NOT_SATISFIABLE);
    let (_, _, again) = raw(&anon, get(&format!("/f/{token}/download"))).await;
    assert!(again == data);
    let f = e.store.shared_file_by_token(&token).await.unwrap().unwrap();
    assert_eq!(f.downloads, 2);
    assert_eq!(f.expires_at, NOW + DAY, "the chosen expiry");
    let list = unescape(&c.get("/files").await.body);
    assert!(
        list.contains("<dt>Téléchargements</dt><dd>2</dd>"),
        "{list}"
    );

    // A wrong token and a malformed one: not found, nothing counted.
    let (status, _, _) = raw(&anon, get(&format!("/f/{}", "a".repeat(48)))).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _, _) = raw(&anon, get("/f/../files")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // At expiry: a clear page, 410, and no file.
    e.clock.advance(DAY);
    let (status, _, page) = raw(&anon, get(&format!("/f/{token}"))).await;
    assert_eq!(status, StatusCode::GONE);
    assert!(unescape(&String::from_utf8(page).unwrap()).contains("Ce lien a expiré le"));
    let (status, h, got) = raw(&anon, get(&format!("/f/{token}/download"))).await;
    assert_eq!(status, StatusCode::GONE);
    assert!(h.get(header::CONTENT_DISPOSITION).is_none() && got != data);
    let f = e.store.shared_file_by_token(&token).await.unwrap().unwrap();
    assert_eq!(f.downloads, 2, "no count after expiry");
}

#[tokio::test]
async fn r21_a_password_protected_link() {
    let e = files_env().await;
    person(&e, JEANNE, "Jeanne Martin", PASSWORD, false).await;
    let (mut c, csrf) = logged_in(&e, JEANNE).await;
    let data = content(5_000, 3);
    let r = upload(&mut c, &csrf, "bulletins.pdf", &data, "Sésame 2026").await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let list = c.get("/files").await;
    assert!(unescape(&list.body).contains("Mot de passe demandé"));
    let token = tokens(&list.body).pop().unwrap();
    let f = e.store.shared_file_by_token(&token).await.unwrap().unwrap();
    assert!(
        f.password_hash
            .as_deref()
            .unwrap()
            .starts_with("$argon2id$")
    );

    let mut anon = Client::new(&e);
    let page = anon.get(&format!("/f/{token}")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("type=\"password\"") && !page.body.contains("/download\""));
    // The download URL without the password gives the form, not the file.
    let (status, h, got) = raw(&anon, get(&format!("/f/{token}/download"))).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert!(h.get(header::CONTENT_DISPOSITION).is_none() && got != data);
    let wrong = anon
        .post(&format!("/f/{token}"), &[("password", "sesame")])
        .await;
    assert_eq!(wrong.status, StatusCode::FORBIDDEN);
    assert!(unescape(&wrong.body).contains("Ce mot de passe n'est pas le bon."));
    let req = Request::post(format!("/f/{token}"))
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from(format!("password={}", urlencode("Sésame 2026"))))
        .unwrap();
    let (status, h, got) = raw(&anon, req).await;
    assert_eq!(status, StatusCode::OK);
    assert!(got == data, "byte for byte");
    assert!(
        h[header::CONTENT_DISPOSITION]
            .to_str()
            .unwrap()
            .starts_with("attachment")
    );
    let f = e.store.shared_file_by_token(&token).await.unwrap().unwrap();
    assert_eq!(f.downloads, 1, "wrong passwords are not downloads");

    // Guessing is slowed: after ten wrong tries from one address, even the
    // right password waits a quarter of an hour.
    for _ in 0..10 {
        let r = anon
            .post(&format!("/f/{token}"), &[("password", "guess")])
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
    }
    let right = || {
        Request::post(format!("/f/{token}"))
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from(format!("password={}", urlencode("Sésame 2026"))))
            .unwrap()
    };
    let (status, _, body) = raw(&anon, right()).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    assert!(unescape(&String::from_utf8(body).unwrap()).contains("Trop d'essais de mot de passe"));
    e.clock.advance(901);
    let (status, _, got) = raw(&anon, right()).await;
    assert_eq!(status, StatusCode::OK);
    assert!(got == data);
}

#[tokio::test]
async fn r21_size_quota_and_type_are_refused_with_the_reason() {
    let e = files_env().await;
    let jeanne = person(&e, JEANNE, "Jeanne Martin", PASSWORD, false).await;
    let (mut c, csrf) = logged_in(&e, JEANNE).await;
    let r = upload(&mut c, &csrf, "film.mp4", &content(MAX + 1, 1), "").await;
    assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert!(
        unescape(&r.body).contains("Ce fichier est trop volumineux : 293\u{a0}ko au plus."),
        "{}",
        r.body
    );
    let r = upload(&mut c, &csrf, "a.pdf", &content(MAX, 1), "").await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    // 300,000 + 250,000 > 500,000: the service's quota, said with figures.
    let r = upload(&mut c, &csrf, "b.pdf", &content(250_000, 2), "").await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let t = unescape(&r.body);
    assert!(t.contains("role=\"alert\""), "{t}");
    assert!(
        t.contains("Votre espace de fichiers est plein : 293\u{a0}ko utilisés sur 488\u{a0}ko."),
        "{t}"
    );
    // R7: not the way around the forbidden extensions.
    let r = upload(&mut c, &csrf, "setup.EXE", b"MZ", "").await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(unescape(&r.body).contains("Les fichiers .exe ne sont pas acceptés"));
    // An expiry past the maximum is refused.
    let r = c
        .post_multipart(
            "/files",
            &[("csrf", &csrf), ("expiry", &(31 * DAY).to_string())],
            &[("file", "c.pdf", "application/pdf", b"%PDF")],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(unescape(&r.body).contains("Choisissez une durée de validité de 30 jours au plus."));
    // The resumable start says the same, as JSON.
    let req = Request::post("/files/uploads")
        .header(header::COOKIE, c.cookie_header())
        .header("x-csrf-token", &csrf)
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(
            r#"{"name":"b.pdf","type":"application/pdf","size":250000}"#,
        ))
        .unwrap();
    let (status, _, body) = raw(&c, req).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let v: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert!(
        v["error"]
            .as_str()
            .unwrap()
            .contains("espace de fichiers est plein")
    );
    assert_eq!(e.store.shared_files(jeanne.id).await.unwrap().len(), 1);
}

fn json_req(c: &Client, method: &str, uri: &str, csrf: &str) -> axum::http::request::Builder {
    Request::builder()
        .method(method)
        .uri(uri)
        .header(header::COOKIE, c.cookie_header())
        .header("x-csrf-token", csrf)
}

fn put(
    c: &Client,
    id: i64,
    csrf: &str,
    start: usize,
    data: Vec<u8>,
    total: usize,
) -> Request<Body> {
    json_req(c, "PUT", &format!("/files/uploads/{id}"), csrf)
        .header(
            header::CONTENT_RANGE,
            format!("bytes {start}-{}/{total}", start + data.len() - 1),
        )
        .body(Body::from(data))
        .unwrap()
}

#[tokio::test]
async fn r21_resumable_upload_after_a_cut_connection() {
    let e = files_env().await;
    let jeanne = person(&e, JEANNE, "Jeanne Martin", PASSWORD, false).await;
    person(&e, PAUL, "Paul Durand", PASSWORD, false).await;
    let (c, csrf) = logged_in(&e, JEANNE).await;
    let data = content(100_000, 9);
    let start = json_req(&c, "POST", "/files/uploads", &csrf)
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(
            r#"{"name":"conseil.mp4","type":"video/mp4","size":100000,"expiry":"259200","password":""}"#,
        ))
        .unwrap();
    let (status, _, body) = raw(&c, start).await;
    assert_eq!(
        status,
        StatusCode::CREATED,
        "{}",
        String::from_utf8_lossy(&body)
    );
    let v: serde_json::Value = serde_json::from_slice(&body).unwrap();
    let id = v["id"].as_i64().unwrap();
    assert_eq!(
        (v["offset"].as_i64(), v["complete"].as_bool()),
        (Some(0), Some(false))
    );

    // Without the CSRF header: refused.
    let mut no_csrf = put(&c, id, &csrf, 0, data[..10].to_vec(), data.len());
    no_csrf.headers_mut().remove("x-csrf-token");
    assert_eq!(raw(&c, no_csrf).await.0, StatusCode::FORBIDDEN);

    let (status, _, body) = raw(
        &c,
        put(&c, id, &csrf, 0, data[..40_000].to_vec(), data.len()),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let v: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(v["offset"], 40_000);

    // The connection drops in the middle of the next piece.
    let mut pieces: Vec<Result<Vec<u8>, std::io::Error>> = vec![Ok(data[40_000..60_000].to_vec())];
    pieces.push(Err(std::io::Error::new(
        std::io::ErrorKind::ConnectionReset,
        "cut",
    )));
    let cut = json_req(&c, "PUT", &format!("/files/uploads/{id}"), &csrf)
        .header(
            header::CONTENT_RANGE,
            format!("bytes 40000-99999/{}", data.len()),
        )
        .body(Body::from_stream(futures_util::stream::iter(pieces)))
        .unwrap();
    let (status, _, _) = raw(&c, cut).await;
    assert!(!status.is_success(), "{status}");

    // The page, reloaded, asks where the upload stands: nothing of the cut
    // piece was counted.
    let ask = json_req(&c, "GET", &format!("/files/uploads/{id}"), &csrf)
        .body(Body::empty())
        .unwrap();
    let (status, _, body) = raw(&c, ask).await;
    assert_eq!(status, StatusCode::OK);
    let v: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(
        (v["offset"].as_i64(), v["size"].as_i64()),
        (Some(40_000), Some(100_000))
    );
    // The list shows it unfinished.
    let mut c2 = Client {
        app: c.app.clone(),
        jar: c.jar.clone(),
    };
    let list = unescape(&c2.get("/files").await.body);
    assert!(list.contains("Envoi inachevé (40 %)"), "{list}");
    // A piece resent from the start is refused with the offset (409).
    let (status, _, body) = raw(
        &c,
        put(&c, id, &csrf, 0, data[..40_000].to_vec(), data.len()),
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT);
    let v: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(v["offset"], 40_000);
    // A range that does not match its body is refused too.
    let mut bad = put(
        &c,
        id,
        &csrf,
        40_000,
        data[40_000..50_000].to_vec(),
        data.len(),
    );
    bad.headers_mut().insert(
        header::CONTENT_RANGE,
        "bytes 40000-40001/100000".parse().unwrap(),
    );
    assert_eq!(raw(&c, bad).await.0, StatusCode::RANGE_NOT_SATISFIABLE);
    // Someone else cannot see or write it.
    let (paul, paul_csrf) = logged_in(&e, PAUL).await;
    let (status, _, _) = raw(
        &paul,
        put(
            &paul,
            id,
            &paul_csrf,
            40_000,
            data[40_000..].to_vec(),
            data.len(),
        ),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // Resumed from 40,000: complete, with the link.
    let (status, _, body) = raw(
        &c,
        put(&c, id, &csrf, 40_000, data[40_000..].to_vec(), data.len()),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let v: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(
        (v["offset"].as_i64(), v["complete"].as_bool()),
        (Some(100_000), Some(true))
    );
    let link = v["link"].as_str().unwrap();
    let path = link.strip_prefix("https://mail.ac-test.fr").unwrap();
    let anon = Client::new(&e);
    let (status, _, got) = raw(&anon, get(&format!("{path}/download"))).await;
    assert_eq!(status, StatusCode::OK);
    assert!(got == data, "byte for byte after the cut");
    let f = e
        .store
        .shared_files(jeanne.id)
        .await
        .unwrap()
        .pop()
        .unwrap();
    assert_eq!((f.downloads, f.expires_at), (1, NOW + 3 * DAY));
}

#[tokio::test]
async fn r21_the_owner_deletes_a_file_with_the_csrf_token() {
    let e = files_env().await;
    let jeanne = person(&e, JEANNE, "Jeanne Martin", PASSWORD, false).await;
    person(&e, PAUL, "Paul Durand", PASSWORD, false).await;
    let (mut c, csrf) = logged_in(&e, JEANNE).await;
    upload(&mut c, &csrf, "a.pdf", &content(1000, 5), "").await;
    let f = e
        .store
        .shared_files(jeanne.id)
        .await
        .unwrap()
        .pop()
        .unwrap();
    let blob = f.blob_id.clone().unwrap();
    let r = c
        .post(&format!("/files/{}/delete", f.id), &[("csrf", "x")])
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let (mut paul, paul_csrf) = logged_in(&e, PAUL).await;
    let r = paul
        .post(&format!("/files/{}/delete", f.id), &[("csrf", &paul_csrf)])
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "not Paul's");
    let r = c
        .post(&format!("/files/{}/delete", f.id), &[("csrf", &csrf)])
        .await;
    assert_eq!(
        (r.status, r.location()),
        (StatusCode::SEE_OTHER, "/files?ok=deleted")
    );
    assert!(e.store.shared_files(jeanne.id).await.unwrap().is_empty());
    assert!(
        e.store.unreferenced_blobs().await.unwrap().contains(&blob),
        "its blob is released"
    );
    e.store
        .sweep_blobs(vesontio_store::now() + vesontio_store::SWEEP_GRACE_SECS + 1)
        .await
        .unwrap();
    assert!(!e.store.blobs().exists(&blob).await.unwrap(), "and swept");
    let (status, _, _) = raw(&Client::new(&e), get(&format!("/f/{}", f.token))).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn r21_a_message_over_the_size_limit_offers_links_instead() {
    let e = files_env().await;
    let jeanne = person(&e, JEANNE, "Jeanne Martin", PASSWORD, false).await;
    let paul = person(&e, PAUL, "Paul Durand", PASSWORD, false).await;
    let (mut c, csrf) = logged_in(&e, JEANNE).await;
    let video = content(70 * 1024, 11);
    let r = c
        .post_multipart(
            "/compose",
            &[
                ("csrf", &csrf),
                ("to", PAUL),
                ("subject", "Sortie au musée"),
                ("body", "Bonjour Paul,\n\nla vidéo de la sortie."),
                ("action", "send"),
            ],
            &[("files", "sortie.mp4", "video/mp4", &video)],
        )
        .await;
    // R6's sentence, and the offer.
    assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE);
    let t = unescape(&r.body);
    assert!(t.contains("Message trop volumineux"), "{t}");
    assert!(
        t.contains("Envoyer avec des liens") && t.contains("valable 7 jours"),
        "{t}"
    );
    let i = r.body.find("name=\"links\" value=\"").unwrap() + 20;
    let links = r.body[i..].split('"').next().unwrap().to_string();
    assert!(!links.is_empty());
    // Set aside for an hour only, until the person answers.
    let held = e.store.shared_files(jeanne.id).await.unwrap();
    assert_eq!(held.len(), 1);
    assert_eq!(held[0].expires_at, NOW + 3600);

    let r = c
        .post(
            "/compose",
            &[
                ("csrf", &csrf),
                ("to", PAUL),
                ("subject", "Sortie au musée"),
                ("body", "Bonjour Paul,\n\nla vidéo de la sortie."),
                ("links", &links),
                ("action", "send_links"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert!(r.location().starts_with("/mail?ok=sent"));
    let inbox = folder(&e, &paul, "INBOX").await;
    assert_eq!(inbox.len(), 1);
    let msg = &inbox[0].1;
    // The video is not in the message: a few KB of text, no attachment.
    assert!(msg.len() < 8 * 1024, "{} bytes", msg.len());
    assert!(!msg.contains("Content-Disposition: attachment"), "{msg}");
    let f = e
        .store
        .shared_files(jeanne.id)
        .await
        .unwrap()
        .pop()
        .unwrap();
    assert_eq!(f.expires_at, NOW + 7 * DAY, "the default life now");
    let link = format!("https://mail.ac-test.fr/f/{}", f.token);
    let decoded = msg.replace("=\r\n", "");
    assert!(decoded.contains(&link), "the link in the body: {msg}");
    assert!(decoded.contains("sortie.mp4"));
    let (status, _, got) = raw(&Client::new(&e), get(&format!("/f/{}/download", f.token))).await;
    assert_eq!(status, StatusCode::OK);
    assert!(got == video, "the recipient gets the same bytes");
}
