use crate::i18n::{EN, FR, Lang, from_accept_language};

#[test]
fn both_catalogues_have_the_same_keys() {
    let mut fr: Vec<_> = FR.keys().collect();
    let mut en: Vec<_> = EN.keys().collect();
    fr.sort();
    en.sort();
    assert_eq!(fr, en);
}

/// Every `t.get("…")`, `t.fmt("…"` and `c.t.get("…")` in the sources and
/// templates names a key of the French catalogue.
#[test]
fn every_key_used_exists() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut missing = Vec::new();
    let mut files = Vec::new();
    for dir in [
        "src",
        "src/mail",
        "src/files",
        "templates",
        "templates/mail",
        "templates/files",
    ] {
        for e in std::fs::read_dir(root.join(dir)).unwrap() {
            let p = e.unwrap().path();
            if p.is_file() {
                files.push(p);
            }
        }
    }
    for p in files {
        let text = std::fs::read_to_string(&p).unwrap();
        for pat in ["get(\"", "fmt(\""] {
            for (i, _) in text.match_indices(pat) {
                let rest = &text[i + pat.len()..];
                let key = &rest[..rest.find('"').unwrap()];
                if key.contains('.') && !key.contains('{') && !FR.contains_key(key) {
                    missing.push(format!("{}: {key}", p.display()));
                }
            }
        }
    }
    assert!(missing.is_empty(), "{missing:?}");
}

#[test]
fn accept_language_known_answers() {
    assert_eq!(from_accept_language("en-GB,en;q=0.9"), Some(Lang::En));
    assert_eq!(
        from_accept_language("de, en;q=0.5, fr;q=0.8"),
        Some(Lang::Fr)
    );
    assert_eq!(from_accept_language("de"), None);
    assert_eq!(from_accept_language("fr;q=0, en;q=0.1"), Some(Lang::En));
}

#[test]
fn paris_time_follows_summer_time() {
    // 2026-07-01 12:00 UTC is 14:00 in Paris; 2026-12-01 12:00 UTC is 13:00.
    assert_eq!(
        crate::text::paris(1_782_907_200)
            .format("%H:%M")
            .to_string(),
        "14:00"
    );
    assert_eq!(
        crate::text::paris(1_796_126_400)
            .format("%H:%M")
            .to_string(),
        "13:00"
    );
}

#[test]
fn sizes_in_french() {
    let t = crate::i18n::T::new(Lang::Fr);
    assert_eq!(crate::text::size(512, &t), "512 octets");
    assert_eq!(crate::text::size(1536, &t), "1,5\u{a0}ko");
    assert_eq!(crate::text::size(150 << 20, &t), "150\u{a0}Mo");
}

#[test]
fn sanitiser_drops_style_urls_but_keeps_layout() {
    let s = crate::html::sanitise(
        "<p style=\"color:red;position:fixed\">a</p><p style=\"color:blue;background-image:url(https://t.example/x)\">b</p><img src=\"https://t.example/p.gif\">",
        false,
    );
    // Allowed properties stay, others go; a style naming a URL goes whole.
    assert!(
        s.html.contains("color:red") && !s.html.contains("fixed"),
        "{}",
        s.html
    );
    assert!(!s.html.contains("blue"), "{}", s.html);
    assert!(!s.html.contains("t.example"), "{}", s.html);
    assert_eq!(s.blocked_images, 1);
}
