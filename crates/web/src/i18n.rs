//! Message catalogues: every user-visible string of the webmail lives in
//! `i18n/fr.txt` (the reference) or `i18n/en.txt`, one `key = text` line
//! each, embedded at build time. French is the default; English is chosen
//! by the `lang` cookie (settings) or, without it, by `Accept-Language`
//! (RFC 9110 §12.5.4; weights are honoured in their order of preference).

use std::collections::HashMap;
use std::sync::LazyLock;

use axum::extract::FromRequestParts;
use axum::http::request::Parts;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    Fr,
    En,
}

fn parse(text: &'static str) -> HashMap<&'static str, &'static str> {
    text.lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .filter_map(|l| l.split_once(" = "))
        .map(|(k, v)| (k.trim(), v.trim()))
        .collect()
}

pub(crate) static FR: LazyLock<HashMap<&'static str, &'static str>> =
    LazyLock::new(|| parse(include_str!("../i18n/fr.txt")));
pub(crate) static EN: LazyLock<HashMap<&'static str, &'static str>> =
    LazyLock::new(|| parse(include_str!("../i18n/en.txt")));

/// The catalogue of one language, handed to every template as `t`.
#[derive(Clone, Copy)]
pub struct T {
    pub lang: Lang,
}

impl T {
    pub fn new(lang: Lang) -> T {
        T { lang }
    }

    /// The text of `key`; a missing key shows as itself (a unit test
    /// checks that every key the templates and code use exists in both).
    pub fn get(&self, key: &str) -> &'static str {
        let cat = match self.lang {
            Lang::Fr => &*FR,
            Lang::En => &*EN,
        };
        cat.get(key)
            .or_else(|| FR.get(key))
            .copied()
            .unwrap_or_else(|| {
                tracing::warn!(key, "missing catalogue key");
                "?"
            })
    }

    /// `get(key)` with `{0}` replaced by `arg`.
    pub fn fmt(&self, key: &str, arg: &dyn std::fmt::Display) -> String {
        self.get(key).replace("{0}", &arg.to_string())
    }

    pub fn code(&self) -> &'static str {
        match self.lang {
            Lang::Fr => "fr",
            Lang::En => "en",
        }
    }
}

/// The first supported language of an `Accept-Language` value, by weight.
pub fn from_accept_language(header: &str) -> Option<Lang> {
    let mut best: Option<(f32, Lang)> = None;
    for item in header.split(',') {
        let mut parts = item.trim().split(';');
        let tag = parts.next().unwrap_or("").trim().to_ascii_lowercase();
        let q = parts
            .find_map(|p| p.trim().strip_prefix("q="))
            .and_then(|q| q.parse::<f32>().ok())
            .unwrap_or(1.0);
        let lang = match tag.split('-').next() {
            Some("fr") => Lang::Fr,
            Some("en") => Lang::En,
            _ => continue,
        };
        if q > 0.0 && best.is_none_or(|(b, _)| q > b) {
            best = Some((q, lang));
        }
    }
    best.map(|(_, l)| l)
}

pub(crate) fn cookie<'a>(headers: &'a axum::http::HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(axum::http::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|c| c.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

/// The language of a request: the `lang` cookie, else `Accept-Language`,
/// else French.
pub fn lang_of(parts: &Parts) -> Lang {
    match cookie(&parts.headers, "lang") {
        Some("en") => return Lang::En,
        Some("fr") => return Lang::Fr,
        _ => {}
    }
    parts
        .headers
        .get(axum::http::header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
        .and_then(from_accept_language)
        .unwrap_or(Lang::Fr)
}

impl<S: Send + Sync> FromRequestParts<S> for T {
    type Rejection = std::convert::Infallible;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<T, Self::Rejection> {
        Ok(T::new(lang_of(parts)))
    }
}
