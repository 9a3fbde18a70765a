//! HTML mail made safe to show, in two independent layers:
//! 1. ammonia (an html5ever parse, so the browser's reading and ours
//!    agree) keeps an allow-list of elements, attributes, URL schemes and
//!    CSS properties: no script, no event handler, no `javascript:`, no
//!    `<base>`, `<form>`, `<meta>`, `<iframe>`, `<svg>`, no `url()` in
//!    styles; remote images lose their `src` unless asked for; `cid:`
//!    images (RFC 2392) become bounded `data:` URIs of the message's own
//!    PNG, JPEG, GIF or WebP parts (checked by their bytes), or lose
//!    their `src`.
//! 2. The result is served from its own URL into an iframe with `sandbox`
//!    (no `allow-scripts`, no `allow-same-origin`) and a CSP of its own
//!    ([`frame_csp`]), so a sanitiser bug still runs nothing and fetches
//!    nothing.

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};
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
    sanitise_with(html, remote_images, Arc::new(HashMap::new()))
}

/// [`sanitise`], with the message's inline images: `cid:` sources (RFC
/// 2392) become the `data:` URI `inline` has for their Content-ID
/// ([`inline_images`]); a `cid:` without one loses its source.
pub fn sanitise_with(
    html: &str,
    remote_images: bool,
    inline: Arc<HashMap<String, String>>,
) -> Sanitised {
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
                if let Some(id) = cid(value) {
                    // The frame's CSP would block a `cid:` fetch anyway;
                    // without its part there is nothing to show.
                    return inline.get(&id).map(|uri| Cow::Owned(uri.clone()));
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

/// The Content-ID a `cid:` URL names (RFC 2392 §2: the URL is the
/// Content-ID without its angle brackets, %-encoded), read as
/// [`is_remote`] reads URLs; `None` for any other URL.
fn cid(value: &str) -> Option<String> {
    let u = url::Url::parse(value).ok()?;
    if u.scheme() != "cid" {
        return None;
    }
    let id = percent_decode(u.path());
    Some(id.to_ascii_lowercase())
}

fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let hex = |c: u8| (c as char).to_digit(16);
        match (
            b[i],
            b.get(i + 1).copied().and_then(hex),
            b.get(i + 2).copied().and_then(hex),
        ) {
            (b'%', Some(h), Some(l)) => {
                out.push((h * 16 + l) as u8);
                i += 3;
            }
            (c, _, _) => {
                out.push(c);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Largest inline image put in the frame, and all of them together: the
/// frame's HTML carries them as base64 (4/3 of their size), so a message
/// of many large parts does not make a page of hundreds of megabytes.
pub const MAX_INLINE_IMAGE: usize = 2 << 20;
pub const MAX_INLINE_TOTAL: usize = 8 << 20;

/// The image types shown inline, by their first bytes: the type the part
/// declares must be an image and its bytes must be one of these (so a
/// part calling itself `image/png` shows only if it is one). SVG is not
/// among them: it is a document, not a picture.
fn image_kind(bytes: &[u8]) -> Option<&'static str> {
    if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some("image/png")
    } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some("image/jpeg")
    } else if bytes.starts_with(b"GIF87a") || bytes.starts_with(b"GIF89a") {
        Some("image/gif")
    } else if bytes.len() > 12 && bytes.starts_with(b"RIFF") && &bytes[8..12] == b"WEBP" {
        Some("image/webp")
    } else {
        None
    }
}

/// The `data:` URI of an image part, if it is one we show inline.
pub fn image_data_uri(declared_image: bool, bytes: &[u8]) -> Option<String> {
    use base64::Engine;
    if !declared_image || bytes.len() > MAX_INLINE_IMAGE {
        return None;
    }
    let kind = image_kind(bytes)?;
    Some(format!(
        "data:{kind};base64,{}",
        base64::engine::general_purpose::STANDARD.encode(bytes)
    ))
}

/// The whitelisted image type of `bytes` (the attachments' previews use
/// the same rule as inline images).
pub fn image_type(bytes: &[u8]) -> Option<&'static str> {
    image_kind(bytes)
}

/// The message's inline images by lowercase Content-ID, as `data:` URIs,
/// within [`MAX_INLINE_IMAGE`] each and [`MAX_INLINE_TOTAL`] in all.
pub fn inline_images(msg: &mail_parser::Message) -> HashMap<String, String> {
    use mail_parser::MimeHeaders;
    let mut out = HashMap::new();
    let mut total = 0;
    for part in &msg.parts {
        let Some(id) = part.content_id() else {
            continue;
        };
        let id = id.trim().trim_start_matches('<').trim_end_matches('>');
        let image = part
            .content_type()
            .is_some_and(|c| c.ctype().eq_ignore_ascii_case("image"));
        let bytes = part.contents();
        if total + bytes.len() > MAX_INLINE_TOTAL {
            continue;
        }
        if let Some(uri) = image_data_uri(image, bytes) {
            total += bytes.len();
            out.entry(id.to_ascii_lowercase()).or_insert(uri);
        }
    }
    out
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
