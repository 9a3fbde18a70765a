//! Rich-text compose (issue 10): `assets/rich.js` turns the body into an
//! editor with a small toolbar and sends its HTML in the `html` field, the
//! textarea keeping the same text as the plain alternative. Whatever the
//! browser produced is cleaned here before anything is built from it: an
//! allow-list of formatting elements only (no style, class or id, no
//! image, no table, no form), links `http`, `https` and `mailto` only,
//! with `rel="noopener noreferrer"`. The message then goes as
//! `multipart/alternative` (RFC 2046 §5.1.4), text first.

use std::collections::HashSet;

/// The longest HTML body taken from the form; past it, the plain text
/// alone is sent (the message is still the person's words).
pub const MAX_HTML: usize = 512 * 1024;

const TAGS: &[&str] = &[
    "p",
    "br",
    "div",
    "b",
    "strong",
    "i",
    "em",
    "u",
    "s",
    "ul",
    "ol",
    "li",
    "a",
    "blockquote",
    "pre",
    "code",
    "h2",
    "h3",
];

/// The form's HTML, cleaned; `None` when there is none, it says nothing,
/// or it is too long.
pub fn clean(html: &str) -> Option<String> {
    if html.trim().is_empty() || html.len() > MAX_HTML {
        return None;
    }
    let cleaned = ammonia::Builder::empty()
        .tags(TAGS.iter().copied().collect::<HashSet<_>>())
        .add_tag_attributes("a", ["href"])
        .url_schemes(["http", "https", "mailto"].into_iter().collect())
        .url_relative(ammonia::UrlRelative::Deny)
        .link_rel(Some("noopener noreferrer"))
        .clean(html)
        .to_string();
    // An editor emptied by the person leaves `<br>` or `<div><br></div>`.
    let visible = ammonia::Builder::empty().clean(&cleaned).to_string();
    if visible.trim().is_empty() {
        return None;
    }
    Some(cleaned)
}

/// The HTML part of a message: a whole document, UTF-8.
pub fn document(cleaned: &str) -> String {
    format!(
        "<!DOCTYPE html>\r\n<html><head><meta charset=\"utf-8\"></head><body>\r\n{cleaned}\r\n</body></html>\r\n"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formatting_stays_and_everything_else_goes() {
        let dirty = "<p style=\"color:red\" onclick=\"x()\"><b>Gras</b> <i>italique</i> \
            <a href=\"javascript:alert(1)\">lien</a> <a href=\"https://eduscol.education.fr/\">bon</a></p>\
            <script>alert(1)</script><img src=\"https://tracker.example/p.gif\"><ul><li>un</li></ul>\
            <iframe src=\"https://example.org\"></iframe><form><input name=\"pw\"></form>";
        let c = clean(dirty).unwrap();
        assert!(
            c.contains("<b>Gras</b>") && c.contains("<i>italique</i>"),
            "{c}"
        );
        assert!(c.contains("<ul><li>un</li></ul>"), "{c}");
        assert!(
            c.contains(
                "<a href=\"https://eduscol.education.fr/\" rel=\"noopener noreferrer\">bon</a>"
            ),
            "{c}"
        );
        for bad in [
            "style",
            "onclick",
            "javascript",
            "script",
            "<img",
            "tracker",
            "iframe",
            "<form",
            "<input",
        ] {
            assert!(!c.contains(bad), "{bad} in {c}");
        }
    }

    #[test]
    fn empty_or_huge_html_is_no_html() {
        assert_eq!(clean(""), None);
        assert_eq!(clean("<div><br></div>"), None);
        assert_eq!(clean("<script>x</script>"), None);
        assert_eq!(clean(&"<b>a</b>".repeat(MAX_HTML)), None);
        assert!(document("<p>x</p>").contains("<meta charset=\"utf-8\">"));
    }
}
