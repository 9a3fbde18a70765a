//! No input may panic the parser, the connection or the MIME code.

use crate::bodystructure;
use crate::command::Section;
use crate::conn::{Limits, LiteralMode, ServerConn};
use crate::parser::{ParseOptions, parse_command};
use crate::state::State;

/// xorshift64*: deterministic pseudo-random bytes without a dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

const SEEDS: &[&str] = &[
    "a LOGIN user pass\r\n",
    "a SELECT INBOX (QRESYNC (1 2 1:5 (1,2 3,4)))\r\n",
    "a UID FETCH 1:* (FLAGS BODY.PEEK[1.2.HEADER.FIELDS (A B)]<0.10> BINARY[1]) (CHANGEDSINCE 5 VANISHED)\r\n",
    "a SEARCH RETURN (MIN MAX) CHARSET UTF-8 OR (FROM x SINCE 1-Jan-2000) NOT MODSEQ 5 UID $\r\n",
    "a APPEND x (\\Seen) \"01-Jan-2000 00:00:00 +0000\" {3+}\r\nabc ~{2}\r\nzz\r\n",
    "a LIST (SUBSCRIBED) \"\" (\"a\" b) RETURN (STATUS (MESSAGES))\r\n",
    "a STORE 1,2:* (UNCHANGEDSINCE 3) +FLAGS.SILENT (\\Deleted $x)\r\n",
    "a ID (\"k\" \"v\")\r\na IDLE\r\nDONE\r\na AUTHENTICATE PLAIN =\r\n*\r\n",
    "a SETACL m id -rw\r\na SETQUOTA r (STORAGE 5)\r\na CREATE x (USE (\\Sent))\r\n",
    "a UID SORT RETURN (MIN PARTIAL 5:1 UPDATE) (REVERSE DATE DISPLAYFROM) UTF-8 OR (SUBJECT x) 1:*\r\n",
    "a THREAD REFERENCES \"US-ASCII\" NOT DELETED\r\na CANCELUPDATE \"a\" \"b\"\r\n",
];

const TOKENS: &[&[u8]] = &[
    b" ",
    b"(",
    b")",
    b"[",
    b"]",
    b"<",
    b">",
    b"{",
    b"}",
    b"{5}\r\n",
    b"{2+}\r\n",
    b"~{1}\r\n",
    b"\"",
    b"\\",
    b"*",
    b"$",
    b":",
    b",",
    b".",
    b"\r\n",
    b"\n",
    b"\0",
    b"\xff",
    b"NIL",
    b"UID",
    b"BODY[",
    b"OR",
    b"NOT",
    b"&",
    b"-",
    b"99999999999999999999",
];

fn mutate(rng: &mut Rng, base: &[u8]) -> Vec<u8> {
    let mut v = base.to_vec();
    for _ in 0..1 + rng.below(4) {
        match rng.below(4) {
            0 if !v.is_empty() => {
                let i = rng.below(v.len());
                v[i] = rng.next() as u8;
            }
            1 if !v.is_empty() => {
                let i = rng.below(v.len());
                let j = (i + rng.below(8)).min(v.len());
                v.drain(i..j);
            }
            _ => {
                let i = rng.below(v.len() + 1);
                let t = TOKENS[rng.below(TOKENS.len())];
                v.splice(i..i, t.iter().copied());
            }
        }
    }
    v
}

#[test]
fn no_panic_on_random_and_mutated_input() {
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let limits = Limits {
        max_command_len: 512,
        max_literal: 256,
        literal_mode: LiteralMode::Plus,
    };
    for i in 0..10_000 {
        let input = if i % 4 == 0 {
            (0..rng.below(64)).map(|_| rng.next() as u8).collect()
        } else {
            let seed = SEEDS[rng.below(SEEDS.len())];
            mutate(&mut rng, seed.as_bytes())
        };
        let _ = parse_command(&input, ParseOptions { utf8: i % 2 == 0 });
        let mut c = ServerConn::new(limits);
        c.set_state(
            [
                State::NotAuthenticated,
                State::Authenticated,
                State::Selected,
            ][i % 3],
        );
        // Feed in random chunks, deciding literals randomly.
        let mut pos = 0;
        while pos < input.len() {
            let n = 1 + rng.below(16);
            let end = (pos + n).min(input.len());
            c.feed(&input[pos..end]);
            pos = end;
            for _ in 0..64 {
                if c.awaiting_literal_decision() {
                    c.accept_literal(rng.below(2) == 0);
                }
                if c.poll_event().is_none() && !c.awaiting_literal_decision() {
                    break;
                }
            }
        }
        let _ = c.take_output();
    }
}

#[test]
fn no_panic_on_mangled_messages() {
    let mut rng = Rng(42);
    let base = "From: a@b\r\nContent-Type: multipart/mixed; boundary=x\r\n\r\n--x\r\nContent-Type: message/rfc822\r\n\r\nSubject: s\r\nContent-Type: multipart/alternative; boundary=y\r\n\r\n--y\r\nContent-Transfer-Encoding: base64\r\n\r\nAAEC\r\n--y--\r\n--x\r\nContent-Type: text/plain; charset*=x''y\r\n\r\nhi\r\n--x--\r\n";
    for _ in 0..1_000 {
        let raw = mutate(&mut rng, base.as_bytes());
        let _ = bodystructure::body_structure(&raw);
        let _ = bodystructure::envelope(&raw);
        let path: Vec<u32> = (0..rng.below(4)).map(|_| rng.below(4) as u32).collect();
        let _ = bodystructure::section(
            &raw,
            &Section {
                part: path.clone(),
                text: None,
            },
        );
        let _ = bodystructure::binary(&raw, &path);
        let _ = bodystructure::search_text(&raw);
    }
    // Deep nesting stays bounded.
    let mut deep = String::new();
    for i in 0..200 {
        deep.push_str(&format!(
            "Content-Type: multipart/mixed; boundary=b{i}\r\n\r\n--b{i}\r\n"
        ));
    }
    let _ = bodystructure::body_structure(deep.as_bytes());
}
