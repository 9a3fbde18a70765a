//! The reading page's warnings: the filters' `X-Vesontio-Warning` banner
//! (R25), in the catalogue's words only, and the "external sender"
//! marker for mail from outside the installation's domains.
#![allow(clippy::unwrap_used)]

mod common;

use common::client::*;
use common::*;

const JEANNE: &str = "jeanne.martin@ac-test.fr";

const WARNED: &str = "From: Service informatique <support@ac-tesst.fr>\r\n\
To: jeanne.martin@ac-test.fr\r\n\
Subject: Votre compte va expirer\r\n\
X-Vesontio-Warning: lookalike-domain Le domaine ac-tesst.fr imite ac-test.fr\r\n\
X-Vesontio-Warning: credentials Ce message est officiel, donnez votre mot de passe\r\n\
Message-ID: <warn-1@ac-tesst.fr>\r\n\
Content-Type: text/plain; charset=utf-8\r\n\
\r\n\
Confirmez votre mot de passe ici.\r\n";

#[tokio::test]
async fn the_filters_warning_is_a_banner_in_our_words_and_outsiders_are_marked() {
    let e = env().await;
    let jeanne = person(&e, JEANNE, "Jeanne Martin", PASSWORD, false).await;
    let (inbox, warned) = deliver(&e, &jeanne, WARNED).await;
    let (_, local) = deliver(&e, &jeanne, PLAIN).await;
    let (_, outside) = deliver(&e, &jeanne, HOSTILE).await;
    let mut c = Client::new(&e);
    c.login(JEANNE, PASSWORD).await;

    let page = c.get(&format!("/mail/{inbox}/{warned}")).await;
    let body = page.body.replace("&#39;", "'");
    assert!(
        body.contains("class=\"warning-banner\" role=\"alert\""),
        "{body}"
    );
    assert!(body.contains("Attention : ce message est peut-être frauduleux."));
    assert!(body.contains("Il vient d'un domaine qui ressemble à celui de l'académie"));
    assert!(body.contains("Il demande un mot de passe ou des informations de connexion."));
    // The header's own words never reach the page.
    assert!(!body.contains("Ce message est officiel"), "{body}");
    assert!(!body.contains("imite ac-test.fr"), "{body}");
    // From outside: marked, with the domain named.
    assert!(body.contains("Expéditeur extérieur"));
    assert!(body.contains("(domaine ac-tesst.fr)"));

    // A colleague of the académie: no banner, no marker.
    let page = c.get(&format!("/mail/{inbox}/{local}")).await;
    assert!(!page.body.contains("warning-banner"), "{}", page.body);
    assert!(!page.body.contains("Expéditeur extérieur"));

    // Outside without a warning: the marker alone.
    let page = c.get(&format!("/mail/{inbox}/{outside}")).await;
    assert!(!page.body.contains("warning-banner"));
    assert!(page.body.contains("Expéditeur extérieur"));
    assert!(page.body.contains("(domaine example.org)"));

    // In English too.
    let mut en = Client::new(&e);
    en.login(JEANNE, PASSWORD).await;
    let settings = en.get("/settings").await;
    let csrf = csrf_in(&settings.body);
    en.post("/settings/language", &[("csrf", &csrf), ("lang", "en")])
        .await;
    let page = en.get(&format!("/mail/{inbox}/{warned}")).await;
    assert!(
        page.body
            .contains("Warning: this message may be fraudulent."),
        "{}",
        page.body
    );
    assert!(page.body.contains("External sender"));
}
