//! The webmail's handlers without a browser: requests through the router
//! (`tower::ServiceExt::oneshot`), a real SQLite store, a manual clock.
#![allow(clippy::unwrap_used)]

mod common;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use common::client::*;
use common::*;
use tower::ServiceExt;

#[tokio::test]
async fn login_page_has_strict_security_headers_and_speaks_french_first() {
    let e = env().await;
    let mut c = Client::new(&e);
    let r = c.get("/login").await;
    assert_eq!(r.status, StatusCode::OK);
    let csp = r.header(header::CONTENT_SECURITY_POLICY);
    for part in [
        "default-src 'self'",
        "script-src 'self'",
        "object-src 'none'",
        "frame-ancestors 'none'",
        "base-uri 'none'",
    ] {
        assert!(csp.contains(part), "CSP {csp:?} lacks {part}");
    }
    assert!(!csp.contains("unsafe-inline"), "{csp}");
    assert_eq!(r.header(header::X_FRAME_OPTIONS), "DENY");
    assert_eq!(r.header(header::REFERRER_POLICY), "no-referrer");
    assert_eq!(r.header(header::X_CONTENT_TYPE_OPTIONS), "nosniff");
    assert_eq!(r.header(header::CACHE_CONTROL), "no-store");
    assert!(
        r.header(header::STRICT_TRANSPORT_SECURITY)
            .starts_with("max-age=")
    );
    assert!(r.body.contains("<html lang=\"fr\">"));
    assert!(r.body.contains("Connexion à votre messagerie"));
    // No inline script or handler anywhere in the page.
    assert!(!r.body.contains("<script>") && !r.body.contains(" onclick"));

    let req = Request::get("/login")
        .header(header::ACCEPT_LANGUAGE, "en-GB,en;q=0.9,fr;q=0.5")
        .body(Body::empty())
        .unwrap();
    let r = c.send(req).await;
    assert!(
        r.body.contains("<html lang=\"en\">"),
        "English by Accept-Language"
    );
}

#[tokio::test]
async fn wrong_then_right_login_sets_a_host_only_strict_cookie_and_shows_the_inbox() {
    let e = env().await;
    let jeanne = person(
        &e,
        "jeanne.martin@ac-test.fr",
        "Jeanne Martin",
        PASSWORD,
        false,
    )
    .await;
    deliver(&e, &jeanne, PLAIN).await;
    let mut c = Client::new(&e);

    let r = c.login("jeanne.martin@ac-test.fr", "wrong password").await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert!(
        r.body.contains("Adresse ou mot de passe incorrect"),
        "{}",
        r.body
    );
    assert!(!c.jar.contains_key("__Host-vesontio"));
    // An unknown address gets the very same answer (no enumeration).
    let unknown = c.login("personne@ac-test.fr", "wrong password").await;
    assert_eq!(unknown.status, r.status);
    assert!(unknown.body.contains("Adresse ou mot de passe incorrect"));

    let r = c.login("Jeanne.Martin@ac-test.fr", PASSWORD).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(r.location(), "/mail");
    let cookie = r
        .set_cookies()
        .into_iter()
        .find(|c| c.starts_with("__Host-vesontio="))
        .unwrap()
        .to_string();
    for attr in ["Path=/", "Secure", "HttpOnly", "SameSite=Strict"] {
        assert!(cookie.contains(attr), "{cookie} lacks {attr}");
    }
    assert!(!cookie.contains("Domain"), "{cookie}");
    // The store holds the hash of the id, never the id itself.
    let raw = c.jar["__Host-vesontio"].clone();
    assert_eq!(raw.len(), 64);
    assert!(e.store.web_session(&raw).await.unwrap().is_none());

    let r = c.get("/mail").await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.contains("Boîte de réception"));
    assert!(
        r.body.contains("Réunion du conseil pédagogique"),
        "{}",
        r.body
    );
    assert!(
        r.body
            .contains("La réunion du conseil pédagogique aura lieu jeudi")
    );
    assert!(r.body.contains("Paul Durand"));
    assert_eq!(r.header(header::CACHE_CONTROL), "no-store");
}

#[tokio::test]
async fn forms_without_the_right_csrf_token_are_refused() {
    let e = env().await;
    person(
        &e,
        "jeanne.martin@ac-test.fr",
        "Jeanne Martin",
        PASSWORD,
        false,
    )
    .await;
    let mut c = Client::new(&e);
    // Login without the pre-login cookie's token.
    c.get("/login").await;
    let r = c
        .post(
            "/login",
            &[
                ("address", "jeanne.martin@ac-test.fr"),
                ("password", PASSWORD),
                ("csrf", &"0".repeat(64)),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert!(!c.jar.contains_key("__Host-vesontio"));

    c.login("jeanne.martin@ac-test.fr", PASSWORD).await;
    let r = c.post("/logout", &[("csrf", "forged")]).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(
        c.get("/mail").await.status,
        StatusCode::OK,
        "still logged in"
    );
    let page = c.get("/settings").await;
    let r = c.post("/logout", &[("csrf", &csrf_in(&page.body))]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(c.get("/mail").await.location(), "/login");
}

#[tokio::test]
async fn first_login_with_an_initial_password_opens_only_the_password_change() {
    let e = env().await;
    let a = person(
        &e,
        "lucie.bernard@ac-test.fr",
        "Lucie Bernard",
        INITIAL,
        true,
    )
    .await;
    let (mb, uid) = deliver(&e, &a, PLAIN).await;
    let mut c = Client::new(&e);
    let r = c.login("lucie.bernard@ac-test.fr", INITIAL).await;
    assert_eq!(r.location(), "/password");
    for path in ["/mail", "/settings", &format!("/mail/{mb}/{uid}"), "/"] {
        let r = c.get(path).await;
        assert!(
            r.status.is_redirection() && ["/password", "/mail"].contains(&r.location()),
            "{path}: {} {}",
            r.status,
            r.location()
        );
        assert!(!r.body.contains("conseil"));
    }
    assert_eq!(c.get("/mail").await.location(), "/password");
    let page = c.get("/password").await;
    assert!(page.body.contains("Première connexion"));
    assert!(page.body.contains("Nouveau mot de passe"));
    let csrf = csrf_in(&page.body);

    // Too weak: the server says why, with the CNIL advice, in French.
    let r = c
        .post(
            "/password",
            &[
                ("csrf", &csrf),
                ("current", INITIAL),
                ("new", "soleil2026"),
                ("confirm", "soleil2026"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("trop facile à deviner"), "{}", r.body);
    assert!(r.body.contains("CNIL"));
    // Confirmation differs.
    let r = c
        .post(
            "/password",
            &[
                ("csrf", &csrf),
                ("current", INITIAL),
                ("new", PASSWORD),
                ("confirm", "autre"),
            ],
        )
        .await;
    assert!(r.body.contains("La confirmation ne correspond pas"));
    assert_eq!(c.get("/mail").await.location(), "/password", "still locked");

    let r = c
        .post(
            "/password",
            &[
                ("csrf", &csrf),
                ("current", INITIAL),
                ("new", PASSWORD),
                ("confirm", PASSWORD),
            ],
        )
        .await;
    assert_eq!(r.location(), "/mail?ok=password");
    let r = c.get("/mail?ok=password").await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.contains("Votre mot de passe a été changé"));
    assert!(r.body.contains("Réunion du conseil pédagogique"));
    // The new password now logs in directly.
    let mut other = Client::new(&e);
    assert_eq!(
        other
            .login("lucie.bernard@ac-test.fr", PASSWORD)
            .await
            .location(),
        "/mail"
    );
}

#[tokio::test]
async fn sessions_expire_when_idle_and_after_their_absolute_lifetime() {
    let e = env().await;
    person(
        &e,
        "jeanne.martin@ac-test.fr",
        "Jeanne Martin",
        PASSWORD,
        false,
    )
    .await;
    let mut c = Client::new(&e);
    c.login("jeanne.martin@ac-test.fr", PASSWORD).await;
    e.clock.advance(1700);
    assert_eq!(
        c.get("/mail").await.status,
        StatusCode::OK,
        "within idle time"
    );
    e.clock.advance(1801);
    let r = c.get("/mail").await;
    assert_eq!(r.location(), "/login?expired=1", "idle expiry");
    assert!(
        c.get("/login?expired=1")
            .await
            .body
            .contains("Votre session a expiré")
    );

    c.login("jeanne.martin@ac-test.fr", PASSWORD).await;
    // Used every 25 minutes, it still ends 12 hours after login.
    let mut alive = 0;
    for _ in 0..40 {
        e.clock.advance(1500);
        if c.get("/mail").await.status == StatusCode::OK {
            alive += 1;
        } else {
            break;
        }
    }
    assert_eq!(alive, 28, "12 h / 25 min = 28 uses");
}

#[tokio::test]
async fn logout_everywhere_closes_every_session_of_the_account() {
    let e = env().await;
    person(
        &e,
        "jeanne.martin@ac-test.fr",
        "Jeanne Martin",
        PASSWORD,
        false,
    )
    .await;
    person(&e, "paul.durand@ac-test.fr", "Paul Durand", PASSWORD, false).await;
    let (mut a, mut b, mut p) = (Client::new(&e), Client::new(&e), Client::new(&e));
    a.login("jeanne.martin@ac-test.fr", PASSWORD).await;
    b.login("jeanne.martin@ac-test.fr", PASSWORD).await;
    p.login("paul.durand@ac-test.fr", PASSWORD).await;
    let csrf = csrf_in(&a.get("/settings").await.body);
    let r = a.post("/logout-everywhere", &[("csrf", &csrf)]).await;
    assert_eq!(r.location(), "/login?out=1");
    assert!(b.get("/mail").await.location().starts_with("/login"));
    assert!(a.get("/mail").await.location().starts_with("/login"));
    assert_eq!(
        p.get("/mail").await.status,
        StatusCode::OK,
        "other accounts keep theirs"
    );
}

#[tokio::test]
async fn another_accounts_mail_is_not_found() {
    let e = env().await;
    person(
        &e,
        "jeanne.martin@ac-test.fr",
        "Jeanne Martin",
        PASSWORD,
        false,
    )
    .await;
    let paul = person(&e, "paul.durand@ac-test.fr", "Paul Durand", PASSWORD, false).await;
    let (mb, uid) = deliver(&e, &paul, PLAIN).await;
    let mut c = Client::new(&e);
    c.login("jeanne.martin@ac-test.fr", PASSWORD).await;
    for path in [
        format!("/mail/{mb}"),
        format!("/mail/{mb}/{uid}"),
        format!("/mail/{mb}/{uid}/body"),
        format!("/mail/{mb}/{uid}/part/0"),
    ] {
        let r = c.get(&path).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{path}");
        assert!(!r.body.contains("conseil"));
    }
}

#[tokio::test]
async fn reading_marks_read_and_shows_the_text_body() {
    let e = env().await;
    let j = person(
        &e,
        "jeanne.martin@ac-test.fr",
        "Jeanne Martin",
        PASSWORD,
        false,
    )
    .await;
    let (mb, uid) = deliver(&e, &j, PLAIN).await;
    let mut c = Client::new(&e);
    c.login("jeanne.martin@ac-test.fr", PASSWORD).await;
    assert!(
        c.get("/mail")
            .await
            .body
            .contains("class=\"message unread\"")
    );
    let r = c.get(&format!("/mail/{mb}/{uid}")).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.contains("salle 204"));
    assert!(
        r.body
            .contains("Paul Durand &#60;paul.durand@ac-test.fr&#62;")
            || r.body
                .contains("Paul Durand &lt;paul.durand@ac-test.fr&gt;"),
        "{}",
        r.body
    );
    assert!(
        !c.get("/mail")
            .await
            .body
            .contains("class=\"message unread\"")
    );
}

#[tokio::test]
async fn hostile_html_is_served_sanitised_in_a_sandboxed_frame_with_its_own_csp() {
    let e = env().await;
    let j = person(
        &e,
        "jeanne.martin@ac-test.fr",
        "Jeanne Martin",
        PASSWORD,
        false,
    )
    .await;
    let (mb, uid) = deliver(&e, &j, HOSTILE).await;
    let mut c = Client::new(&e);
    c.login("jeanne.martin@ac-test.fr", PASSWORD).await;

    let page = c.get(&format!("/mail/{mb}/{uid}")).await;
    assert!(
        page.body
            .contains("sandbox=\"allow-popups allow-popups-to-escape-sandbox\"")
    );
    assert!(!page.body.contains("allow-scripts") && !page.body.contains("allow-same-origin"));
    assert!(
        page.body.contains("image(s) distante(s) bloquée(s)"),
        "remote image announced"
    );
    assert!(!page.body.contains("evil.example"));

    let r = c.get(&format!("/mail/{mb}/{uid}/body")).await;
    assert_eq!(r.status, StatusCode::OK);
    let csp = r.header(header::CONTENT_SECURITY_POLICY);
    assert!(csp.starts_with("default-src 'none'"), "{csp}");
    assert!(csp.contains("img-src data:;"), "{csp}");
    assert!(!csp.contains("script-src"), "{csp}");
    assert_eq!(r.header(header::X_FRAME_OPTIONS), "SAMEORIGIN");
    let body = r.body.to_lowercase();
    assert!(body.contains("texte visible du message piégé"));
    for bad in [
        "<script",
        "onerror",
        "javascript:",
        "expression(",
        "<base",
        "<form",
        "<meta http-equiv",
        "@import",
        "<iframe",
        "<object",
        "<svg",
        "<math",
        "evil.example",
        "pwned",
    ] {
        assert!(
            !body.contains(bad),
            "served body contains {bad}: {}",
            r.body
        );
    }
    assert!(body.contains("href=\"https://www.education.gouv.fr/\""));
    assert!(body.contains("rel=\"noopener noreferrer\""));

    // Asked for, remote images come back, and the frame's CSP lets them.
    let r = c.get(&format!("/mail/{mb}/{uid}/body?images=1")).await;
    assert!(r.body.contains("https://evil.example/track.png"));
    assert!(
        r.header(header::CONTENT_SECURITY_POLICY)
            .contains("img-src data: https:")
    );
    assert!(!r.body.contains("pwned"));
}

#[tokio::test]
async fn attachments_download_as_opaque_bytes() {
    let e = env().await;
    let j = person(
        &e,
        "jeanne.martin@ac-test.fr",
        "Jeanne Martin",
        PASSWORD,
        false,
    )
    .await;
    let raw = "From: paul.durand@ac-test.fr\r\nTo: jeanne.martin@ac-test.fr\r\nSubject: Emploi du temps\r\n\
MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nCi-joint.\r\n\
--b\r\nContent-Type: text/html; name=\"edt é.html\"\r\nContent-Disposition: attachment; filename=\"edt é.html\"\r\n\r\n\
<script>alert(1)</script>\r\n--b--\r\n";
    let (mb, uid) = deliver(&e, &j, raw).await;
    let mut c = Client::new(&e);
    c.login("jeanne.martin@ac-test.fr", PASSWORD).await;
    let page = c.get(&format!("/mail/{mb}/{uid}")).await;
    assert!(page.body.contains("edt é.html"), "{}", page.body);
    let r = c.get(&format!("/mail/{mb}/{uid}/part/0")).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.header(header::CONTENT_TYPE), "application/octet-stream");
    assert_eq!(r.header(header::X_CONTENT_TYPE_OPTIONS), "nosniff");
    let cd = r.header(header::CONTENT_DISPOSITION);
    assert!(cd.starts_with("attachment;"), "{cd}");
    assert!(cd.contains("filename*=UTF-8''edt%20%C3%A9.html"), "{cd}");
    assert!(r.body.contains("<script>alert(1)</script>"));
}

#[tokio::test]
async fn plain_http_only_redirects_to_https_on_the_configured_host() {
    let app = vesontio_web::redirect_router(config());
    let req = Request::get("/mail?x=1")
        .header(header::HOST, "evil.example")
        .body(Body::empty())
        .unwrap();
    let r = app.oneshot(req).await.unwrap();
    assert_eq!(r.status(), StatusCode::PERMANENT_REDIRECT);
    assert_eq!(
        r.headers()[header::LOCATION],
        "https://mail.ac-test.fr/mail?x=1"
    );
}

#[tokio::test]
async fn assets_have_hashed_names_and_long_caching() {
    let e = env().await;
    let mut c = Client::new(&e);
    let page = c.get("/login").await;
    let i = page.body.find("/assets/style.").unwrap();
    let url = &page.body[i..i + page.body[i..].find('"').unwrap()];
    assert!(url.len() > "/assets/style..css".len() + 8, "{url}");
    let r = c.get(url).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.header(header::CACHE_CONTROL).contains("immutable"));
    assert!(r.header(header::CONTENT_TYPE).starts_with("text/css"));
    assert_eq!(
        c.get("/assets/style.css").await.status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn search_finds_by_field_across_folders_and_pages() {
    let e = env().await;
    let j = person(
        &e,
        "jeanne.martin@ac-test.fr",
        "Jeanne Martin",
        PASSWORD,
        false,
    )
    .await;
    let paul = person(&e, "paul.durand@ac-test.fr", "Paul Durand", PASSWORD, false).await;
    deliver(
        &e,
        &j,
        "From: Marie Curie <marie.curie@ac-test.fr>\r\nTo: jeanne.martin@ac-test.fr\r\n\
         Subject: Sortie au planétarium\r\n\r\nRendez-vous devant le lycée.\r\n",
    )
    .await;
    deliver(
        &e,
        &j,
        "From: paul.durand@ac-test.fr\r\nTo: jeanne.martin@ac-test.fr\r\n\
         Subject: Marie sera absente\r\n\r\nRien d'autre.\r\n",
    )
    .await;
    // The same words in another account's mail are never found.
    deliver(
        &e,
        &paul,
        "From: Marie Curie <marie.curie@ac-test.fr>\r\nSubject: Planétarium secret\r\n\r\nx\r\n",
    )
    .await;
    let mut c = Client::new(&e);
    c.login("jeanne.martin@ac-test.fr", PASSWORD).await;
    // The empty form lists nothing and says nothing.
    let r = c.get("/search").await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.contains("role=\"search\""), "{}", r.body);
    assert!(!r.body.contains("Résultats"));
    // By sender: only Marie's message, although "marie" is in the other subject.
    let r = c.get("/search?from=MARIE").await;
    assert!(r.body.contains("Sortie au planétarium"), "{}", r.body);
    assert!(!r.body.contains("Marie sera absente"));
    assert!(!r.body.contains("Planétarium secret"));
    // Anywhere: both, each with its folder.
    let r = c.get("/search?q=marie").await;
    assert!(r.body.contains("Sortie au planétarium") && r.body.contains("Marie sera absente"));
    assert!(
        r.body.contains("tag-folder\">Boîte de réception"),
        "{}",
        r.body
    );
    // Nothing found says so.
    let r = c.get("/search?body=introuvable").await;
    assert!(r.body.contains("Aucun message ne correspond"), "{}", r.body);
    // A bad date is explained, not a 500.
    let r = c.get("/search?since=hier").await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.contains("role=\"alert\"") && r.body.contains("JJ/MM/AAAA"));
    // Someone else's folder id in the URL is not found (R2: only own
    // folders and functional mailboxes' the person may read).
    let theirs = e
        .store
        .mailbox_by_name(paul.id, "INBOX")
        .await
        .unwrap()
        .unwrap();
    let r = c
        .get(&format!("/search?q=secret&folder={}", theirs.id.0))
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert!(!r.body.contains("Planétarium secret"));
    // Fifty results a page, then the rest behind "Résultats suivants".
    for i in 0..51 {
        deliver(
            &e,
            &j,
            &format!("From: lot@ac-test.fr\r\nSubject: Lot {i}\r\n\r\nx\r\n"),
        )
        .await;
    }
    let r = c.get("/search?from=lot%40").await;
    assert_eq!(r.body.matches("<li class=\"message").count(), 50);
    let href = common::next_page(&r.body);
    let r = c.get(&href).await;
    assert_eq!(r.body.matches("<li class=\"message").count(), 1, "{href}");
    assert!(!r.body.contains("rel=\"next\""));
}
