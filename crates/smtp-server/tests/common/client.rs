//! A minimal SMTP client over plain TCP for the tests that need exact
//! control of the bytes (pipelining, timeouts, crashes) and for the
//! benchmark. Each reply is read whole (RFC 5321 §4.2.1 multi-line).

#![allow(dead_code)]

use std::net::SocketAddr;

use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

/// One reply: code and text lines (without code and separator).
#[derive(Debug, Clone)]
pub struct Reply {
    pub code: u16,
    pub lines: Vec<String>,
}

impl Reply {
    /// The whole reply as sent, lines joined with `\n`.
    pub fn text(&self) -> String {
        self.lines.join("\n")
    }
    /// `code text-of-last-line`, e.g. `250 2.0.0 Ok: queued as X`.
    pub fn last(&self) -> String {
        format!(
            "{} {}",
            self.code,
            self.lines.last().cloned().unwrap_or_default()
        )
    }
}

pub struct Client {
    conn: BufReader<TcpStream>,
}

impl Client {
    /// Connects and reads the greeting.
    pub async fn connect(addr: SocketAddr) -> std::io::Result<(Client, Reply)> {
        let tcp = TcpStream::connect(addr).await?;
        tcp.set_nodelay(true)?;
        let mut c = Client {
            conn: BufReader::new(tcp),
        };
        let greeting = c.reply().await?;
        Ok((c, greeting))
    }

    pub async fn send(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        self.conn.get_mut().write_all(bytes).await
    }

    /// Reads one reply; `UnexpectedEof` when the server closed.
    pub async fn reply(&mut self) -> std::io::Result<Reply> {
        let mut lines = Vec::new();
        loop {
            let mut line = String::new();
            let n = self.conn.read_line(&mut line).await?;
            if n == 0 {
                return Err(std::io::ErrorKind::UnexpectedEof.into());
            }
            let line = line.trim_end_matches(['\r', '\n']);
            let code: u16 = line
                .get(..3)
                .and_then(|c| c.parse().ok())
                .ok_or_else(|| std::io::Error::other(format!("bad reply line {line:?}")))?;
            let more = line.as_bytes().get(3) == Some(&b'-');
            lines.push(line.get(4..).unwrap_or("").to_string());
            if !more {
                return Ok(Reply { code, lines });
            }
        }
    }

    /// Sends `line` + CRLF and reads the reply.
    pub async fn cmd(&mut self, line: &str) -> std::io::Result<Reply> {
        self.send(format!("{line}\r\n").as_bytes()).await?;
        self.reply().await
    }

    /// True once the server has closed the connection (reads EOF).
    pub async fn closed(&mut self) -> bool {
        let mut b = [0u8; 1];
        matches!(self.conn.read(&mut b).await, Ok(0) | Err(_))
    }

    /// One message with MAIL, RCPT and DATA pipelined (RFC 2920), then the
    /// dot-stuffed body. Returns the reply to the final dot; an earlier
    /// refusal is returned as it is.
    pub async fn send_message(
        &mut self,
        from: &str,
        to: &str,
        message: &[u8],
    ) -> std::io::Result<Reply> {
        self.send(format!("MAIL FROM:<{from}>\r\nRCPT TO:<{to}>\r\nDATA\r\n").as_bytes())
            .await?;
        let mail = self.reply().await?;
        let rcpt = self.reply().await?;
        let data = self.reply().await?;
        if mail.code != 250 {
            return Ok(mail);
        }
        if rcpt.code != 250 {
            return Ok(rcpt);
        }
        if data.code != 354 {
            return Ok(data);
        }
        self.send(&stuff(message)).await?;
        self.reply().await
    }
}

/// RFC 5321 §4.5.2 dot-stuffing plus the terminating `.`; `message` must
/// use CRLF line endings.
pub fn stuff(message: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(message.len() + 8);
    let mut at_line_start = true;
    for &b in message {
        if at_line_start && b == b'.' {
            out.push(b'.');
        }
        out.push(b);
        at_line_start = b == b'\n';
    }
    if !at_line_start {
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(b".\r\n");
    out
}
