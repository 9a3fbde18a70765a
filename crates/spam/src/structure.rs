//! Header and structure tests: what a message's form says, whatever its
//! words. Each test is a named hit with fixed points (listed in
//! [`TESTS`]); none quotes content, so the report header stays
//! content-free.

use mail_parser::{Address, Message, MessageParser, PartType};

use crate::Hit;

/// Every structure test, its points and what it means.
pub const TESTS: &[(&str, f32, &str)] = &[
    (
        "MISSING_DATE",
        1.0,
        "no Date field (RFC 5322 §3.6 requires one)",
    ),
    (
        "MISSING_MESSAGE_ID",
        1.0,
        "no Message-ID field (every real client adds one)",
    ),
    ("MISSING_FROM", 2.0, "no From address"),
    (
        "FROM_NAME_OTHER_ADDRESS",
        2.0,
        "the From display name shows an address other than the sender's",
    ),
    (
        "REPLY_TO_OTHER_DOMAIN",
        1.0,
        "replies go to another domain than the sender's",
    ),
    ("HTML_ONLY", 0.5, "HTML without a plain-text alternative"),
    (
        "HTML_HIDDEN_TEXT",
        1.5,
        "HTML with text made invisible (display:none, zero size, white on white)",
    ),
    ("URL_SHORTENER", 1.0, "a link through a URL shortener"),
    ("URL_NUMERIC_HOST", 2.0, "a link to a bare IP address"),
    (
        "LINK_TEXT_OTHER_HOST",
        2.5,
        "a link whose text shows another site than it leads to",
    ),
    ("SUBJECT_ALL_CAPS", 1.0, "a subject in capitals"),
    (
        "SUBJECT_EXCLAMATIONS",
        1.0,
        "a subject with three exclamation marks or more",
    ),
    (
        "BULK_NO_UNSUBSCRIBE",
        0.5,
        "bulk mail without List-Unsubscribe (RFC 2369)",
    ),
    (
        "MANY_VISIBLE_RECIPIENTS",
        1.0,
        "more than 50 addresses in To and Cc",
    ),
    ("DATE_IN_FUTURE", 1.5, "dated more than a day ahead"),
    (
        "DATE_LONG_AGO",
        1.0,
        "dated more than 30 days before it arrived",
    ),
];

const SHORTENERS: &[&str] = &[
    "bit.ly",
    "tinyurl.com",
    "t.co",
    "goo.gl",
    "ow.ly",
    "is.gd",
    "buff.ly",
    "cutt.ly",
    "rebrand.ly",
    "shorturl.at",
    "tiny.cc",
    "rb.gy",
    "s.id",
    "t.ly",
    "v.gd",
];

fn hit(name: &'static str) -> Hit {
    let points = TESTS
        .iter()
        .find(|(n, _, _)| *n == name)
        .map_or(0.0, |t| t.1);
    Hit {
        rule: name.to_string(),
        points,
    }
}

/// The structure tests that fire on `raw`, received at `now`.
pub fn check(raw: &[u8], now: i64) -> Vec<Hit> {
    check_message(MessageParser::default().parse(raw).as_ref(), now)
}

/// The same on a message already parsed (`None`: it did not parse), so
/// the scorer parses once for the tests and the classifier.
pub fn check_message(msg: Option<&Message<'_>>, now: i64) -> Vec<Hit> {
    let mut out = Vec::new();
    let Some(msg) = msg else {
        return vec![hit("MISSING_FROM")];
    };
    headers(msg, now, &mut out);
    bodies(msg, &mut out);
    out
}

fn first_address(a: Option<&Address<'_>>) -> Option<(String, String)> {
    let a = a?.first()?;
    Some((
        a.name().unwrap_or("").to_string(),
        a.address()?.to_ascii_lowercase(),
    ))
}

fn domain(addr: &str) -> &str {
    addr.rsplit_once('@').map_or("", |(_, d)| d)
}

fn headers(msg: &Message<'_>, now: i64, out: &mut Vec<Hit>) {
    match msg.date() {
        None => out.push(hit("MISSING_DATE")),
        Some(d) => {
            let at = d.to_timestamp();
            if at > now + 86_400 {
                out.push(hit("DATE_IN_FUTURE"));
            } else if at < now - 30 * 86_400 {
                out.push(hit("DATE_LONG_AGO"));
            }
        }
    }
    if msg.message_id().is_none() {
        out.push(hit("MISSING_MESSAGE_ID"));
    }
    match first_address(msg.from()) {
        None => out.push(hit("MISSING_FROM")),
        Some((name, addr)) => {
            // "service@impots.gouv.fr <x@evil.example>": the name shows an
            // address that is not the sender's.
            let shown = name
                .split(|c: char| c.is_whitespace() || "<>()\"'".contains(c))
                .find(|w| w.contains('@') && w.contains('.'));
            if shown.is_some_and(|s| !s.eq_ignore_ascii_case(&addr)) {
                out.push(hit("FROM_NAME_OTHER_ADDRESS"));
            }
            if let Some((_, reply)) = first_address(msg.reply_to())
                && !domain(&reply).eq_ignore_ascii_case(domain(&addr))
            {
                out.push(hit("REPLY_TO_OTHER_DOMAIN"));
            }
        }
    }
    let subject = msg.subject().unwrap_or("");
    let letters: Vec<char> = subject.chars().filter(|c| c.is_alphabetic()).collect();
    if letters.len() >= 10 && letters.iter().all(|c| c.is_uppercase()) {
        out.push(hit("SUBJECT_ALL_CAPS"));
    }
    if subject.matches('!').count() >= 3 {
        out.push(hit("SUBJECT_EXCLAMATIONS"));
    }
    let precedence = msg
        .header_raw("Precedence")
        .map(|v| v.trim().to_ascii_lowercase());
    if precedence
        .as_deref()
        .is_some_and(|p| p == "bulk" || p == "list")
        && msg.header_raw("List-Unsubscribe").is_none()
    {
        out.push(hit("BULK_NO_UNSUBSCRIBE"));
    }
    let count = |a: Option<&Address<'_>>| a.map_or(0, |a| a.iter().count());
    if count(msg.to()) + count(msg.cc()) > 50 {
        out.push(hit("MANY_VISIBLE_RECIPIENTS"));
    }
}

fn bodies(msg: &Message<'_>, out: &mut Vec<Hit>) {
    let (mut text, mut html) = (false, Vec::new());
    for part in msg.parts.iter().take(500) {
        match &part.body {
            PartType::Text(_) => text = true,
            PartType::Html(h) => html.push(h.as_ref()),
            _ => {}
        }
    }
    if !html.is_empty() && !text {
        out.push(hit("HTML_ONLY"));
    }
    let mut fired = [false; 4];
    for h in html {
        let lower = h.to_ascii_lowercase();
        let compact: String = lower.chars().filter(|c| !c.is_whitespace()).collect();
        if [
            "display:none",
            "visibility:hidden",
            "font-size:0",
            "font-size:1px",
            "color:#ffffff;background-color:#ffffff",
            "color:#fff;background:#fff",
        ]
        .iter()
        .any(|p| compact.contains(p))
        {
            fired[0] = true;
        }
        for (href, shown) in links(&lower) {
            let host = host_of(&href);
            if SHORTENERS.contains(&host.as_str()) {
                fired[1] = true;
            }
            if !host.is_empty() && host.parse::<std::net::IpAddr>().is_ok() {
                fired[2] = true;
            }
            // The text shows a site (a URL or a bare domain) and the link
            // goes elsewhere: the classic phishing link.
            let shown = shown.trim();
            let shown_host = if shown.contains("://") {
                host_of(shown)
            } else if !shown.contains(' ') && shown.contains('.') && !shown.contains('@') {
                host_of(&format!("http://{shown}"))
            } else {
                String::new()
            };
            if !shown_host.is_empty()
                && !host.is_empty()
                && base_domain(&shown_host) != base_domain(&host)
            {
                fired[3] = true;
            }
        }
    }
    for (f, name) in fired.iter().zip([
        "HTML_HIDDEN_TEXT",
        "URL_SHORTENER",
        "URL_NUMERIC_HOST",
        "LINK_TEXT_OTHER_HOST",
    ]) {
        if *f {
            out.push(hit(name));
        }
    }
}

/// `(href, text)` of the `<a>` elements of lower-cased HTML (at most 200:
/// bounded work on hostile input).
pub(crate) fn links(html: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut rest = html;
    while let Some(i) = rest.find("<a") {
        if out.len() >= 200 {
            break;
        }
        rest = &rest[i + 2..];
        let Some(end) = rest.find('>') else { break };
        let tag = &rest[..end];
        let href = tag.find("href=").map(|j| {
            let v = &tag[j + 5..];
            let (q, v) = match v.chars().next() {
                Some(c @ ('"' | '\'')) => (Some(c), &v[1..]),
                _ => (None, v),
            };
            let stop = match q {
                Some(c) => v.find(c),
                None => v.find(|c: char| c.is_whitespace()),
            };
            v[..stop.unwrap_or(v.len())].to_string()
        });
        rest = &rest[end + 1..];
        let close = rest.find("</a").unwrap_or(rest.len());
        let text = strip_tags(&rest[..close]);
        if let Some(h) = href {
            out.push((h, text));
        }
    }
    out
}

fn strip_tags(s: &str) -> String {
    let mut out = String::new();
    let mut inside = false;
    for c in s.chars() {
        match c {
            '<' => inside = true,
            '>' => inside = false,
            c if !inside => out.push(c),
            _ => {}
        }
    }
    out
}

/// The host of an http(s) URL, lower case, without port or `www.`.
pub(crate) fn host_of(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return String::new();
    };
    if scheme != "http" && scheme != "https" {
        return String::new();
    }
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let auth = &rest[..end];
    // user:pass@host: the host is after the last '@'.
    let host = auth.rsplit('@').next().unwrap_or("");
    let host = match host.strip_prefix('[') {
        Some(v6) => v6.split(']').next().unwrap_or(""),
        None => host.split(':').next().unwrap_or(""),
    };
    host.trim_start_matches("www.").to_ascii_lowercase()
}

/// The last two labels of a host name (a cheap registrable domain: no
/// public suffix list here, so `a.gouv.fr` and `b.gouv.fr` compare as
/// equal, which only makes the test fire less).
pub(crate) fn base_domain(host: &str) -> String {
    if host.parse::<std::net::IpAddr>().is_ok() {
        return host.to_string();
    }
    let labels: Vec<&str> = host.split('.').filter(|l| !l.is_empty()).collect();
    labels[labels.len().saturating_sub(2)..].join(".")
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn names(raw: &str) -> Vec<String> {
        let mut v: Vec<String> = check(raw.as_bytes(), 1_780_000_000)
            .into_iter()
            .map(|h| h.rule)
            .collect();
        v.sort();
        v
    }

    const DATE: &str = "Date: Thu, 28 May 2026 20:00:00 +0000\r\nMessage-ID: <a@b.fr>\r\n";

    #[test]
    fn a_plain_well_formed_message_fires_nothing() {
        let raw = format!(
            "{DATE}From: Paul <paul@ac-test.fr>\r\nTo: a@ac-test.fr\r\nSubject: Réunion\r\n\r\nBonjour.\r\n"
        );
        assert!(names(&raw).is_empty(), "{:?}", names(&raw));
    }

    #[test]
    fn forged_looking_headers_fire() {
        let raw = "From: \"service@impots.gouv.fr\" <x@evil.example>\r\nReply-To: y@other.example\r\n\
                   Subject: URGENT REMBOURSEMENT !!!\r\n\r\nx\r\n";
        assert_eq!(
            names(raw),
            vec![
                "FROM_NAME_OTHER_ADDRESS",
                "MISSING_DATE",
                "MISSING_MESSAGE_ID",
                "REPLY_TO_OTHER_DOMAIN",
                "SUBJECT_ALL_CAPS",
                "SUBJECT_EXCLAMATIONS"
            ]
        );
    }

    #[test]
    fn html_tricks_fire() {
        let raw = format!(
            "{DATE}From: a@x.fr\r\nSubject: s\r\nContent-Type: text/html\r\n\r\n\
             <p>Bonjour</p><div style=\"display: none\">mots neutres</div>\
             <a href=\"https://bit.ly/x\">ici</a>\
             <a href=\"http://203.0.113.7/login\">connexion</a>\
             <a href=\"https://evil.example/impots\">https://www.impots.gouv.fr/</a>\r\n"
        );
        assert_eq!(
            names(&raw),
            vec![
                "HTML_HIDDEN_TEXT",
                "HTML_ONLY",
                "LINK_TEXT_OTHER_HOST",
                "URL_NUMERIC_HOST",
                "URL_SHORTENER"
            ]
        );
    }

    #[test]
    fn a_link_showing_its_own_site_is_fine() {
        let raw = format!(
            "{DATE}From: a@x.fr\r\nSubject: s\r\nContent-Type: text/html\r\n\r\n\
             <a href=\"https://www.ac-besancon.fr/page\">www.ac-besancon.fr</a>\r\n"
        );
        assert_eq!(names(&raw), vec!["HTML_ONLY"]);
    }

    #[test]
    fn dates_far_from_arrival_fire() {
        let future = "Date: Sat, 30 May 2026 20:00:00 +0000\r\nMessage-ID: <a@b>\r\nFrom: a@x.fr\r\n\r\nx\r\n";
        assert_eq!(names(future), vec!["DATE_IN_FUTURE"]);
        let old = "Date: Thu, 1 Jan 2026 20:00:00 +0000\r\nMessage-ID: <a@b>\r\nFrom: a@x.fr\r\n\r\nx\r\n";
        assert_eq!(names(old), vec!["DATE_LONG_AGO"]);
    }

    #[test]
    fn bulk_without_unsubscribe_fires() {
        let raw = format!("{DATE}From: a@x.fr\r\nPrecedence: bulk\r\n\r\nx\r\n");
        assert_eq!(names(&raw), vec!["BULK_NO_UNSUBSCRIBE"]);
        let ok = format!(
            "{DATE}From: a@x.fr\r\nPrecedence: bulk\r\nList-Unsubscribe: <mailto:u@x.fr>\r\n\r\nx\r\n"
        );
        assert!(names(&ok).is_empty());
    }

    #[test]
    fn hosts_are_read_like_a_browser_does() {
        assert_eq!(host_of("https://user@evil.example:8443/x"), "evil.example");
        assert_eq!(host_of("http://www.Impots.gouv.fr"), "impots.gouv.fr");
        assert_eq!(host_of("http://[2001:db8::1]/"), "2001:db8::1");
        assert_eq!(host_of("javascript:alert(1)"), "");
        assert_eq!(base_domain("a.b.impots.gouv.fr"), "gouv.fr");
    }
}
