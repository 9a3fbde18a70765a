//! `multipart/form-data` (RFC 7578 on RFC 2046 §5.1) read as it arrives,
//! for the plain upload form: a file of gigabytes goes to disk piece by
//! piece; memory holds one network chunk and a delimiter's length more.
//! Part headers are bounded (8 KB) as in `mail/multipart.rs`, whose
//! parameter reader this shares.

use axum::body::{Body, BodyDataStream};
use futures_util::StreamExt;
use memchr::memmem;

const MAX_HEADER: usize = 8 * 1024;
/// Data handed out once the buffer holds this much past a possible
/// delimiter.
const PIECE: usize = 64 * 1024;

/// A part's headers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Head {
    pub name: String,
    pub filename: Option<String>,
    pub content_type: Option<String>,
}

/// The body is not well-formed multipart, or the connection ended early.
#[derive(Debug)]
pub struct Malformed;

pub struct Reader {
    body: BodyDataStream,
    buf: Vec<u8>,
    /// `\r\n--boundary`: what ends every part.
    delim: Vec<u8>,
    /// In the data of a part (between its headers and its delimiter).
    in_part: bool,
    started: bool,
}

impl Reader {
    pub fn new(body: Body, boundary: &str) -> Reader {
        Reader {
            body: body.into_data_stream(),
            // The first delimiter may open the body without a CRLF.
            buf: b"\r\n".to_vec(),
            delim: format!("\r\n--{boundary}").into_bytes(),
            in_part: false,
            started: false,
        }
    }

    /// One more network chunk; false at the end of the body.
    async fn fill(&mut self) -> Result<bool, Malformed> {
        match self.body.next().await {
            Some(Ok(b)) => {
                self.buf.extend_from_slice(&b);
                Ok(true)
            }
            Some(Err(_)) => Err(Malformed),
            None => Ok(false),
        }
    }

    async fn need(&mut self, n: usize) -> Result<(), Malformed> {
        while self.buf.len() < n {
            if !self.fill().await? {
                return Err(Malformed);
            }
        }
        Ok(())
    }

    /// The next part's headers, or `None` after the closing delimiter.
    /// The rest of the current part's data, if any, is skipped.
    pub async fn next_part(&mut self) -> Result<Option<Head>, Malformed> {
        while self.in_part {
            self.data().await?;
        }
        if !self.started {
            // Skip any preamble up to the first delimiter.
            loop {
                if let Some(i) = memmem::find(&self.buf, &self.delim) {
                    self.buf.drain(..i + self.delim.len());
                    break;
                }
                if self.buf.len() > MAX_HEADER || !self.fill().await? {
                    return Err(Malformed);
                }
            }
            self.started = true;
        }
        self.need(2).await?;
        if self.buf.starts_with(b"--") {
            return Ok(None);
        }
        if !self.buf.starts_with(b"\r\n") {
            return Err(Malformed);
        }
        self.buf.drain(..2);
        let end = loop {
            if let Some(i) = memmem::find(&self.buf, b"\r\n\r\n") {
                break i;
            }
            if self.buf.len() > MAX_HEADER || !self.fill().await? {
                return Err(Malformed);
            }
        };
        let head = String::from_utf8_lossy(&self.buf[..end]).into_owned();
        self.buf.drain(..end + 4);
        let (mut name, mut filename, mut content_type) = (None, None, None);
        for line in head.split("\r\n") {
            let Some((k, v)) = line.split_once(':') else {
                continue;
            };
            if k.trim().eq_ignore_ascii_case("content-disposition") {
                name = crate::mail::multipart::param(v, "name");
                filename = crate::mail::multipart::param(v, "filename");
            } else if k.trim().eq_ignore_ascii_case("content-type") {
                content_type = Some(v.trim().to_string());
            }
        }
        self.in_part = true;
        Ok(Some(Head {
            name: name.ok_or(Malformed)?,
            filename,
            content_type,
        }))
    }

    /// The next piece of the current part's data; `None` at its end.
    pub async fn data(&mut self) -> Result<Option<Vec<u8>>, Malformed> {
        if !self.in_part {
            return Ok(None);
        }
        loop {
            if let Some(i) = memmem::find(&self.buf, &self.delim) {
                let out: Vec<u8> = self.buf.drain(..i).collect();
                self.buf.drain(..self.delim.len());
                self.in_part = false;
                return Ok(Some(out));
            }
            let keep = self.delim.len() - 1;
            if self.buf.len() >= keep + PIECE {
                let n = self.buf.len() - keep;
                return Ok(Some(self.buf.drain(..n).collect()));
            }
            if !self.fill().await? {
                return Err(Malformed);
            }
        }
    }

    /// A small field's value, at most `max` bytes.
    pub async fn text(&mut self, max: usize) -> Result<String, Malformed> {
        let mut v = Vec::new();
        while let Some(d) = self.data().await? {
            v.extend_from_slice(&d);
            if v.len() > max {
                return Err(Malformed);
            }
        }
        Ok(String::from_utf8_lossy(&v).into_owned())
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    /// The body cut into tiny chunks: delimiters split across them.
    fn chunked(body: Vec<u8>, size: usize) -> Body {
        let pieces: Vec<Result<Vec<u8>, std::io::Error>> =
            body.chunks(size).map(|c| Ok(c.to_vec())).collect();
        Body::from_stream(futures_util::stream::iter(pieces))
    }

    #[tokio::test]
    async fn fields_and_a_file_across_chunk_edges() {
        let b = "xyzBOUNDARY";
        let file: Vec<u8> = (0..200_000u32).map(|i| (i % 251) as u8).collect();
        let mut body = format!(
            "--{b}\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\ntok\r\n\
             --{b}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.bin\"\r\n\
             Content-Type: application/octet-stream\r\n\r\n"
        )
        .into_bytes();
        body.extend_from_slice(&file);
        body.extend_from_slice(format!("\r\n--{b}--\r\n").as_bytes());
        for size in [1, 7, 4096, 1 << 20] {
            let mut r = Reader::new(chunked(body.clone(), size), b);
            let h = r.next_part().await.unwrap().unwrap();
            assert_eq!(h.name, "csrf");
            assert_eq!(r.text(100).await.unwrap(), "tok");
            let h = r.next_part().await.unwrap().unwrap();
            assert_eq!(h.filename.as_deref(), Some("a.bin"));
            let mut got = Vec::new();
            while let Some(d) = r.data().await.unwrap() {
                assert!(d.len() <= PIECE + (1 << 20));
                got.extend_from_slice(&d);
            }
            assert!(got == file, "chunk size {size}");
            assert!(r.next_part().await.unwrap().is_none());
        }
        // Cut short: an error, never a truncated file taken as whole.
        let short = body[..body.len() - 30].to_vec();
        let mut r = Reader::new(chunked(short, 999), b);
        r.next_part().await.unwrap();
        r.text(100).await.unwrap();
        r.next_part().await.unwrap();
        let mut failed = false;
        loop {
            match r.data().await {
                Ok(Some(_)) => {}
                Ok(None) => break,
                Err(Malformed) => {
                    failed = true;
                    break;
                }
            }
        }
        assert!(failed);
    }
}
