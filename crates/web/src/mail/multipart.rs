//! `multipart/form-data` (RFC 7578 on RFC 2046 §5.1) for the compose
//! form, which carries files. Small and strict: the whole body is in
//! memory already (bounded by the route's body limit, itself from R6),
//! parts are cut at the delimiter lines, and each part's headers give its
//! field name and, for files, the file name and type. Bounded work: at
//! most [`MAX_PARTS`] parts and [`MAX_HEADER`] bytes of headers each.

use memchr::memmem;

pub const MAX_PARTS: usize = 300;
const MAX_HEADER: usize = 8 * 1024;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Part {
    pub name: String,
    /// Set for file fields (possibly empty: no file chosen).
    pub filename: Option<String>,
    pub content_type: Option<String>,
    pub data: Vec<u8>,
}

/// The `boundary` parameter of a `multipart/form-data` content type.
pub fn boundary(content_type: &str) -> Option<String> {
    let (kind, params) = content_type.split_once(';')?;
    if !kind.trim().eq_ignore_ascii_case("multipart/form-data") {
        return None;
    }
    params.split(';').find_map(|p| {
        let (k, v) = p.split_once('=')?;
        k.trim()
            .eq_ignore_ascii_case("boundary")
            .then(|| v.trim().trim_matches('"').to_string())
            .filter(|b| !b.is_empty() && b.len() <= 70)
    })
}

/// A parameter of a header value (`name="x"`, RFC 7578 §4.2), with the
/// browsers' escaping of `"` as `%22` undone.
pub(crate) fn param(value: &str, name: &str) -> Option<String> {
    let mut rest = value;
    while let Some(i) = rest.find(';') {
        rest = &rest[i + 1..];
        let t = rest.trim_start();
        let Some((k, v)) = t.split_once('=') else {
            continue;
        };
        if !k.trim().eq_ignore_ascii_case(name) {
            continue;
        }
        let v = v.trim_start();
        let out = if let Some(q) = v.strip_prefix('"') {
            q.split('"').next().unwrap_or("").to_string()
        } else {
            v.split(';').next().unwrap_or("").trim().to_string()
        };
        return Some(out.replace("%22", "\""));
    }
    None
}

/// The parts of `body`, or `None` when it is not well formed.
pub fn parse(body: &[u8], boundary: &str) -> Option<Vec<Part>> {
    let delim = format!("--{boundary}");
    let mut parts = Vec::new();
    // The first delimiter may open the body without a CRLF before it.
    let mut pos = memmem::find(body, delim.as_bytes())? + delim.len();
    let next_delim = format!("\r\n--{boundary}");
    let finder = memmem::Finder::new(next_delim.as_bytes());
    loop {
        let rest = &body[pos..];
        if rest.starts_with(b"--") {
            return Some(parts);
        }
        if !rest.starts_with(b"\r\n") {
            return None;
        }
        let start = pos + 2;
        let end = start + finder.find(&body[start..])?;
        let part = &body[start..end];
        let split = memmem::find(&part[..part.len().min(MAX_HEADER + 4)], b"\r\n\r\n")?;
        let head = String::from_utf8_lossy(&part[..split]);
        let data = part[split + 4..].to_vec();
        let (mut name, mut filename, mut content_type) = (None, None, None);
        for line in head.split("\r\n") {
            let Some((k, v)) = line.split_once(':') else {
                continue;
            };
            if k.trim().eq_ignore_ascii_case("content-disposition") {
                name = param(v, "name");
                filename = param(v, "filename");
            } else if k.trim().eq_ignore_ascii_case("content-type") {
                content_type = Some(v.trim().to_string());
            }
        }
        parts.push(Part {
            name: name?,
            filename,
            content_type,
            data,
        });
        if parts.len() > MAX_PARTS {
            return None;
        }
        pos = end + next_delim.len();
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn fields_and_files_are_cut_at_the_delimiters() {
        let b = "----x1";
        let body = format!(
            "--{b}\r\nContent-Disposition: form-data; name=\"subject\"\r\n\r\nSortie\r\n\
--{b}\r\nContent-Disposition: form-data; name=\"files\"; filename=\"r\u{e9}sum\u{e9} %22A%22.pdf\"\r\n\
Content-Type: application/pdf\r\n\r\n%PDF\r\n-- fin\r\n--{b}--\r\n"
        );
        assert_eq!(
            boundary(&format!("multipart/form-data; boundary={b}")).as_deref(),
            Some(b)
        );
        let p = parse(body.as_bytes(), b).unwrap();
        assert_eq!(p.len(), 2);
        assert_eq!(
            (p[0].name.as_str(), p[0].data.as_slice()),
            ("subject", &b"Sortie"[..])
        );
        assert_eq!(p[1].filename.as_deref(), Some("résumé \"A\".pdf"));
        assert_eq!(p[1].content_type.as_deref(), Some("application/pdf"));
        assert_eq!(p[1].data, b"%PDF\r\n-- fin");
        assert!(parse(b"garbage", b).is_none());
        assert!(parse(format!("--{b}\r\nno end").as_bytes(), b).is_none());
        assert_eq!(boundary("application/x-www-form-urlencoded"), None);
    }
}
