//! HTML mail made safe to show, in two independent layers:
//! 1. ammonia (an html5ever parse, so the browser's reading and ours
//!    agree) keeps an allow-list of elements, attributes, URL schemes and
//!    CSS properties: no script, no event handler, no `javascript:`, no
//!    `<base>`, `<form>`, `<meta>`, `<iframe>`, `<svg>`, no `url()` in
//!    styles; remote images lose their `src` unless asked for.
//! 2. The result is served from its own URL into an iframe with `sandbox`
//!    (no `allow-scripts`, no `allow-same-origin`) and a CSP of its own
//!    ([`frame_csp`]), so a sanitiser bug still runs nothing and fetches
//!    nothing.

use std::borrow::Cow;
use std::collections::HashSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

/// CSS properties kept in `style` attributes: layout and typography only.
/// None of them takes a URL, so styles cannot fetch (tracking pixels in
/// `background-image`) whatever the value says.
const STYLE_PROPERTIES: &[&str] = &[
    "color",
    "background-color",
    "font-family",
    "font-size",
    "font-style",
    "font-weight",
    "text-align",
    "text-decoration",
    "vertical-align",
    "line-height",
    "margin",
    "margin-top",
    "margin-bottom",
    "margin-left",
    "margin-right",
    "padding",
    "padding-top",
    "padding-bottom",
    "padding-left",
    "padding-right",
    "border",
    "border-collapse",
    "width",
    "max-width",
    "height",
    "white-space",
];

pub struct Sanitised {
    pub html: String,
    /// Remote images removed (the "show images" button appears if > 0).
    pub blocked_images: usize,
}

/// Sanitises `html`; `remote_images` keeps `http(s)` image sources.
pub fn sanitise(html: &str, remote_images: bool) -> Sanitised {
    let blocked = Arc::new(AtomicUsize::new(0));
    let counter = blocked.clone();
    let mut b = ammonia::Builder::default();
    b.add_generic_attributes(["style", "align", "valign", "bgcolor", "width", "height"])
        .add_tags(["center", "font"])
        .add_tag_attributes("font", ["color", "face", "size"])
        .filter_style_properties(STYLE_PROPERTIES.iter().copied().collect::<HashSet<_>>())
        .url_schemes(["http", "https", "mailto", "cid"].into_iter().collect())
        // Links open outside the frame and tell the target nothing.
        .link_rel(Some("noopener noreferrer"))
        // A relative URL in a mail would point into the webmail itself.
        .url_relative(ammonia::UrlRelative::Deny)
        .set_tag_attribute_value("a", "target", "_blank")
        .attribute_filter(move |element, attribute, value| {
            if element == "img" && attribute == "src" {
                if is_cid(value) {
                    // The frame's CSP would block a `cid:` fetch anyway;
                    // without its part there is nothing to show.
                    return None;
                }
                if !remote_images && is_remote(value) {
                    counter.fetch_add(1, Ordering::Relaxed);
                    return None;
                }
            }
            // srcset could name remote images past the check above.
            if attribute == "srcset" {
                return None;
            }
            // Old IE's `expression()`, CSS escapes that could spell one,
            // and `url()` in a kept property: the whole style goes.
            if attribute == "style" {
                let v = value.to_ascii_lowercase();
                if ["expression", "url(", "\\", "javascript", "@import"]
                    .iter()
                    .any(|bad| v.contains(bad))
                {
                    return None;
                }
            }
            Some(Cow::Borrowed(value))
        });
    let html = b.clean(html).to_string();
    Sanitised {
        html,
        blocked_images: blocked.load(Ordering::Relaxed),
    }
}

/// Whether an image source fetches from the network, read the way
/// ammonia and browsers read URLs (WHATWG URL: leading C0 controls and
/// spaces trimmed, tabs and newlines anywhere removed), so that
/// `&#1;https://…` or `ht&#9;tps://…` count as remote. The corpus found
/// both kept by a prefix test. A relative URL (`//host/…` included) is
/// not counted: ammonia drops it after this filter (`UrlRelative::Deny`).
fn is_remote(value: &str) -> bool {
    match url::Url::parse(value) {
        Ok(u) => !matches!(u.scheme(), "cid" | "data"),
        Err(_) => false,
    }
}

/// A `cid:` URL (RFC 2392), read as [`is_remote`] reads URLs.
fn is_cid(value: &str) -> bool {
    url::Url::parse(value).is_ok_and(|u| u.scheme() == "cid")
}

/// The message frame's own policy: nothing but inline styles and images
/// from `data:` (and the network when the person asked for images);
/// framed by our pages only.
pub fn frame_csp(remote_images: bool) -> String {
    let img = if remote_images {
        "data: https: http:"
    } else {
        "data:"
    };
    format!(
        "default-src 'none'; img-src {img}; style-src 'unsafe-inline'; font-src 'none'; \
         form-action 'none'; base-uri 'none'; frame-ancestors 'self'; sandbox allow-popups \
         allow-popups-to-escape-sandbox"
    )
}
