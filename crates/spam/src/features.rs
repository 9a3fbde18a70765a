//! What the classifier reads of a message besides its words: the form a
//! sender gives it. Spam is written by few programs for many recipients,
//! so its form repeats even when its words change (SpamBayes' and
//! SpamAssassin's tokenizers read headers for the same reason). Each
//! feature is a token hashed apart from the words (its own tag), so "html"
//! the word and `text/html` the part type never meet.
//!
//! Read: the `From:` domain and its registrable part (the last two
//! labels), whether the sender shows a display name, the program that
//! wrote the message (`X-Mailer`, `User-Agent`), how many visible
//! recipients, whether it sets a `Reply-To`; every part's MIME type,
//! charset (RFC 2046 §4.1.2), transfer encoding (RFC 2045 §6) and
//! attachment extension; and the hosts its links go to (in HTML and in
//! plain text), with the rest of each link's form: its scheme, whether
//! it hides a user name, a port or %-escapes, and the words of its path
//! (an `href` is not part of the text the words come from). And whether
//! the subject shows a `$`, a `!`, or nothing at all.
//!
//! Not read, on purpose: `Received`, `Return-Path`, `Delivered-To` and
//! `Message-ID` describe the path to one mailbox (the collector's own
//! relays, in a public corpus; the académie's own MX, here), so a model
//! learns the site rather than spam, and the gate's SPF, DKIM and DMARC
//! already judge the path with proof. Nor dates, which date the corpus.
//! Nor the HTML elements a message uses (`font`, `img`, `table`): they
//! were measured (benches/README.md) and made the classifier surer of
//! spam on ham newsletters (false positives 0.19 % → 0.31 % of ham in
//! cross-validation), as SpamBayes found when it chose to drop tags.

use mail_parser::{Message, MimeHeaders, PartType};

use crate::structure::{base_domain, host_of, links};
use crate::text::{fnv1a, fold, words};

/// At most this many parts and link hosts are read: bounded work on
/// hostile input (a message of 5,000 parts).
const MAX_PARTS: usize = 50;
const MAX_HOSTS: usize = 100;
const MAX_URL: usize = 2_048;
/// The words of a link's path read, at most: a tracking path can be
/// long, and its first words say what it is (`cgi`, `unsubscribe`, …).
const MAX_PATH_WORDS: usize = 10;

/// The form tokens of a parsed message (unsorted, may repeat).
pub fn of(msg: &Message<'_>) -> Vec<u64> {
    let mut out = Vec::new();
    let mut tok =
        |kind: &str, value: &str| out.push(fnv1a(&[b"h", kind.as_bytes(), value.as_bytes()]));
    headers(msg, &mut tok);
    parts(msg, &mut tok);
    out
}

fn headers(msg: &Message<'_>, tok: &mut impl FnMut(&str, &str)) {
    match msg.from().and_then(|a| a.first()) {
        None => tok("from", "none"),
        Some(a) => {
            let addr = a.address().unwrap_or("").to_ascii_lowercase();
            let domain = addr.rsplit_once('@').map_or("", |(_, d)| d);
            tok("from-domain", domain);
            tok("from-base", &base_domain(domain));
            match a.name().map(str::trim) {
                None | Some("") => tok("from-name", "none"),
                Some(_) => tok("from-name", "some"),
            }
        }
    }
    let mailer = msg
        .header_raw("X-Mailer")
        .or_else(|| msg.header_raw("User-Agent"));
    match mailer {
        None => tok("mailer", "none"),
        // The program's name, not its version: "Microsoft Outlook Express
        // 6.00.2600" and "…6.00.2462" are one sender program.
        Some(m) => {
            let f = fold(m);
            let name: Vec<&str> = words(&f)
                .filter(|w| !w.chars().any(|c| c.is_ascii_digit()))
                .take(2)
                .collect();
            tok("mailer", &name.join(" "));
        }
    }
    let count = |a: Option<&mail_parser::Address<'_>>| a.map_or(0, |a| a.iter().count());
    let rcpt = count(msg.to()) + count(msg.cc());
    tok(
        "rcpt",
        match rcpt {
            0 => "0",
            1 => "1",
            2..=5 => "few",
            _ => "many",
        },
    );
    if msg.reply_to().is_some() {
        tok("reply-to", "yes");
    }
    // The subject's words are the classifier's already; its signs of
    // selling or shouting are not words. Measured (benches/README.md,
    // session 13): these three raised the spam caught in every split
    // with no false positive more, where the shape of a subject's tail
    // (a run of spaces, a random tag) made one more.
    match msg.subject().map(str::trim) {
        None | Some("") => tok("subject", "none"),
        Some(s) => {
            if s.contains('$') {
                tok("subject", "dollar");
            }
            if s.contains('!') {
                tok("subject", "bang");
            }
        }
    }
}

fn parts(msg: &Message<'_>, tok: &mut impl FnMut(&str, &str)) {
    let mut hosts = 0;
    for part in msg.parts.iter().take(MAX_PARTS) {
        let mut urls: Vec<String> = Vec::new();
        if let Some(ct) = part.content_type() {
            let kind = format!(
                "{}/{}",
                ct.ctype().to_ascii_lowercase(),
                ct.subtype().unwrap_or("").to_ascii_lowercase()
            );
            tok("type", &kind);
            if let Some(cs) = ct.attribute("charset") {
                tok("charset", &cs.to_ascii_lowercase());
            }
        }
        if let Some(cte) = part.content_transfer_encoding() {
            tok("encoding", &cte.to_ascii_lowercase());
        }
        if let Some(ext) = part.attachment_name().and_then(|n| n.rsplit_once('.')) {
            tok("attachment", &ext.1.to_ascii_lowercase());
        }
        let mut host = |url: String| {
            let h = host_of(&url);
            if h.is_empty() || hosts >= MAX_HOSTS {
                return;
            }
            urls.push(url);
            hosts += 1;
            if h.parse::<std::net::IpAddr>().is_ok() {
                tok("url-host", "ip");
            } else {
                tok("url-host", &h);
                tok("url-base", &base_domain(&h));
            }
        };
        match &part.body {
            PartType::Html(h) => {
                let lower = h.to_ascii_lowercase();
                for (href, _) in links(&lower) {
                    host(href);
                }
            }
            PartType::Text(t) => {
                for url in text_urls(t) {
                    host(url);
                }
            }
            _ => {}
        }
        // A link repeated (a newsletter's every image to one site) is one
        // form: read once.
        urls.sort_unstable();
        urls.dedup();
        for url in &urls {
            url_form(url, tok);
        }
    }
}

/// The form of an http(s) link besides its host (which [`parts`] reads):
/// its scheme, a user name or port before the host (`http://bank@evil`,
/// an unusual port), %-escapes (spelling a path so filters do not read
/// it), and the first words of its path.
fn url_form(url: &str, tok: &mut impl FnMut(&str, &str)) {
    let Some((scheme, rest)) = url.split_once("://") else {
        return;
    };
    tok("url-scheme", scheme);
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, path) = rest.split_at(end);
    if authority.contains('@') {
        tok("url", "userinfo");
    }
    if authority.contains(':') {
        tok("url", "port");
    }
    if url.contains('%') {
        tok("url", "escaped");
    }
    let folded = fold(path);
    for w in words(&folded).take(MAX_PATH_WORDS) {
        tok("url-path", w);
    }
}

/// The `http(s)://…` runs of plain text, lower-cased (whatever case the
/// scheme is written in), at most [`MAX_HOSTS`].
fn text_urls(t: &str) -> Vec<String> {
    // ASCII lower-casing keeps byte offsets.
    let lower = t.to_ascii_lowercase();
    lower
        .match_indices("http")
        .filter_map(|(i, _)| {
            let rest = &lower[i..];
            if !(rest.starts_with("http://") || rest.starts_with("https://")) {
                return None;
            }
            // Only the host is read: a URL is looked at for at most
            // MAX_URL bytes, so "http://http://…" without a space costs
            // MAX_HOSTS × MAX_URL, not the text's length each time.
            let mut cut = rest.len().min(MAX_URL);
            while !rest.is_char_boundary(cut) {
                cut -= 1;
            }
            let rest = &rest[..cut];
            let end = rest
                .find(|c: char| c.is_whitespace() || "<>\"'()[]".contains(c))
                .unwrap_or(rest.len());
            Some(rest[..end].to_string())
        })
        .take(MAX_HOSTS)
        .collect()
}

#[cfg(test)]
mod tests;
