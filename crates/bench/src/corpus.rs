//! Realistic, deterministic test messages: the same seed and number give
//! the same bytes on every machine, so two servers are measured on the same
//! mail. The mix follows what staff mailboxes hold: mostly plain text
//! (French and English, quoted-printable UTF-8), some text + HTML, some with
//! an attachment (never one that R7 forbids, never a zip, which R7 looks
//! into); threads (`Re:`, `In-Reply-To`), thirty senders, a year of dates.
//!
//! Known words for SEARCH: senders named `camille`, subjects with `budget`,
//! bodies with `deadline`, and the rare word [`RARE_WORD`] in the body of
//! one message in [`RARE_EVERY`] (and nowhere else).

use base64::Engine;

pub const RARE_WORD: &str = "zygomorphe";
pub const RARE_EVERY: u64 = 1000;

/// splitmix64: small, fast, and the same everywhere (no crate version can
/// change the sequence).
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }
    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    /// 0..n (n > 0).
    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
    pub fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len() as u64) as usize]
    }
}

const WORDS: &[&str] = &[
    "the",
    "of",
    "and",
    "to",
    "in",
    "is",
    "for",
    "on",
    "that",
    "with",
    "as",
    "it",
    "this",
    "be",
    "are",
    "from",
    "at",
    "or",
    "server",
    "mail",
    "message",
    "account",
    "report",
    "budget",
    "project",
    "deadline",
    "please",
    "review",
    "attached",
    "document",
    "schedule",
    "update",
    "team",
    "network",
    "storage",
    "backup",
    "release",
    "migration",
    "security",
    "agenda",
    "minutes",
    "proposal",
    "le",
    "la",
    "les",
    "de",
    "des",
    "du",
    "et",
    "un",
    "une",
    "est",
    "pour",
    "que",
    "qui",
    "dans",
    "sur",
    "avec",
    "par",
    "réunion",
    "élève",
    "professeur",
    "académie",
    "rentrée",
    "établissement",
    "collège",
    "lycée",
    "examen",
    "bulletin",
    "emploi",
    "temps",
    "semaine",
    "prochaine",
    "merci",
    "cordialement",
    "pièce",
    "jointe",
    "réponse",
    "demande",
    "dossier",
    "inscription",
    "calendrier",
    "conseil",
    "classe",
    "notes",
    "évaluation",
    "année",
    "scolaire",
    "réseau",
    "informatique",
    "données",
    "sauvegarde",
    "messagerie",
    "compte",
    "parents",
    "cours",
    "salle",
    "horaire",
    "absence",
    "sortie",
];
const FIRST: &[&str] = &[
    "Alice",
    "Bruno",
    "Camille",
    "David",
    "Élodie",
    "François",
    "Gaëlle",
    "Hugo",
    "Inès",
    "Julien",
    "Karim",
    "Léa",
    "Marc",
    "Nadia",
    "Olivier",
];
const LAST: &[&str] = &["Martin", "Bernard", "Dubois", "Thomas", "Robert", "Petit"];
const SUBJECTS: &[&str] = &[
    "Réunion de rentrée",
    "Quarterly report",
    "Budget prévisionnel",
    "Conseil de classe",
    "Server migration plan",
    "Emploi du temps",
    "Project budget review",
    "Notes du trimestre",
    "Project status update",
    "Sortie pédagogique",
    "Inscription examen",
    "Weekly sync",
];
const ATTACHMENTS: &[(&str, &str, &[u8])] = &[
    ("application/pdf", "pdf", b"%PDF-1.4\n"),
    ("image/jpeg", "jpg", b"\xff\xd8\xff\xe0"),
    ("text/csv", "csv", b"nom;note\n"),
];

/// 2026-01-01 00:00 UTC; message `i` is dated about `i` hours later, so a
/// mailbox of 10,000 spans a year.
const EPOCH: i64 = 1_767_225_600;

fn ascii_fold(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            'é' | 'è' | 'ê' | 'É' => 'e',
            'ë' => 'e',
            'ç' => 'c',
            'ï' | 'î' => 'i',
            _ => c,
        })
        .collect::<String>()
        .to_lowercase()
}

/// Quoted-printable (RFC 2045 §6.7) of one line of text that has no CR/LF.
fn qp_line(line: &str) -> String {
    let mut out = String::with_capacity(line.len() + 8);
    for &b in line.as_bytes() {
        if (b.is_ascii_graphic() && b != b'=') || b == b' ' {
            out.push(b as char);
        } else {
            out.push_str(&format!("={b:02X}"));
        }
    }
    out
}

/// Lines of text of about `bytes` encoded bytes, each at most 76 characters
/// once quoted-printable (so no word is ever split by a soft break).
fn text(rng: &mut Rng, bytes: usize, rare: bool) -> Vec<String> {
    let mut lines = Vec::new();
    let mut total = 0;
    let mut line = String::new();
    let mut words = 0usize;
    while total < bytes {
        let w = if rare && words == 7 {
            RARE_WORD
        } else {
            rng.pick(WORDS)
        };
        words += 1;
        let candidate = if line.is_empty() {
            w.to_string()
        } else {
            format!("{line} {w}")
        };
        if qp_line(&candidate).len() > 76 {
            total += qp_line(&line).len() + 2;
            lines.push(std::mem::replace(&mut line, w.to_string()));
            if rng.below(8) == 0 {
                lines.push(String::new()); // a paragraph break
                total += 2;
            }
        } else {
            line = candidate;
        }
    }
    if !line.is_empty() {
        lines.push(line);
    }
    lines
}

fn rfc5322_date(t: i64) -> String {
    const DAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let days = t.div_euclid(86_400);
    let secs = t.rem_euclid(86_400);
    // Civil date from days since 1970-01-01 (H. Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{}, {day} {} {year} {:02}:{:02}:{:02} +0000",
        DAYS[days.rem_euclid(7) as usize],
        MONTHS[(month - 1) as usize],
        secs / 3600,
        secs / 60 % 60,
        secs % 60
    )
}

/// Message `i` of the set `seed`, for `to`, of about `avg_size` bytes on
/// average over the set (CRLF line endings).
pub fn message(seed: u64, i: u64, to: &str, avg_size: usize) -> Vec<u8> {
    let mut rng = Rng::new(seed.wrapping_mul(1_000_003) ^ i);
    let (first, last) = (rng.pick(FIRST), rng.pick(LAST));
    let name = format!("{first} {last}");
    let name = if name.is_ascii() {
        format!("\"{name}\"")
    } else {
        format!("=?utf-8?q?{}?=", qp_line(&name).replace(' ', "_"))
    };
    let from = format!(
        "{name} <{}.{}@ac-exemple.fr>",
        ascii_fold(first),
        ascii_fold(last)
    );
    let reply = i > 0 && rng.below(4) == 0;
    let subject = format!(
        "{}{} n°{}",
        if reply { "Re: " } else { "" },
        rng.pick(SUBJECTS),
        i / 5
    );
    let date = EPOCH + i as i64 * 3600 + rng.below(3600) as i64;
    let rare = i % RARE_EVERY == RARE_EVERY / 2;
    // RFC 2047 §4.2: an encoded word only when the subject is not ASCII.
    let subject = if subject.is_ascii() {
        subject
    } else {
        let q = qp_line(&subject).replace('_', "=5F").replace('?', "=3F");
        format!("=?utf-8?q?{}?=", q.replace(' ', "_"))
    };
    let mut h = format!(
        "From: {from}\r\nTo: <{to}>\r\nSubject: {subject}\r\nDate: {}\r\n\
         Message-ID: <bench.{seed}.{i}@vesontio.bench>\r\n",
        rfc5322_date(date)
    );
    if reply {
        h.push_str(&format!(
            "In-Reply-To: <bench.{seed}.{}@vesontio.bench>\r\n",
            i - 1
        ));
    }
    h.push_str(&format!("MIME-Version: 1.0\r\nX-Bench-Seq: {i}\r\n"));
    let kind = rng.below(100);
    let size = (avg_size as u64 / 2 + rng.below(avg_size as u64 + 1)) as usize;
    let plain = |rng: &mut Rng, bytes: usize| {
        let mut p = String::from(
            "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n",
        );
        for l in text(rng, bytes, rare) {
            p.push_str(&qp_line(&l));
            p.push_str("\r\n");
        }
        p
    };
    let boundary = format!("=_bench_{seed}_{i}");
    let body = if kind < 55 {
        plain(&mut rng, size)
    } else if kind < 80 {
        let text_part = plain(&mut rng, size / 3);
        let html: String = text(&mut rng, size / 2, false)
            .iter()
            .map(|l| format!("<p>{}</p>\r\n", qp_line(l)))
            .collect();
        format!(
            "Content-Type: multipart/alternative; boundary=\"{boundary}\"\r\n\r\n\
             --{boundary}\r\n{text_part}--{boundary}\r\n\
             Content-Type: text/html; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n\
             <html><body>\r\n{html}</body></html>\r\n--{boundary}--\r\n"
        )
    } else {
        let text_part = plain(&mut rng, size / 5);
        let (mime, ext, magic) = ATTACHMENTS[rng.below(ATTACHMENTS.len() as u64) as usize];
        let mut data = magic.to_vec();
        while data.len() < size * 3 / 5 {
            data.extend_from_slice(&rng.next().to_le_bytes());
        }
        let b64 = base64::engine::general_purpose::STANDARD.encode(&data);
        let mut encoded = String::with_capacity(b64.len() + b64.len() / 38);
        for chunk in b64.as_bytes().chunks(76) {
            encoded.push_str(std::str::from_utf8(chunk).unwrap_or(""));
            encoded.push_str("\r\n");
        }
        format!(
            "Content-Type: multipart/mixed; boundary=\"{boundary}\"\r\n\r\n\
             --{boundary}\r\n{text_part}--{boundary}\r\n\
             Content-Type: {mime}; name=\"document-{i}.{ext}\"\r\n\
             Content-Disposition: attachment; filename=\"document-{i}.{ext}\"\r\n\
             Content-Transfer-Encoding: base64\r\n\r\n{encoded}--{boundary}--\r\n"
        )
    };
    let mut out = h.into_bytes();
    out.extend_from_slice(body.as_bytes());
    out
}

/// A plain message of about `size` bytes (headers included) from `from` to
/// `to`: what the SMTP load sends.
pub fn sized(seed: u64, i: u64, from: &str, to: &str, size: usize) -> Vec<u8> {
    let mut rng = Rng::new(seed ^ i.rotate_left(17));
    let mut m = format!(
        "From: <{from}>\r\nTo: <{to}>\r\nSubject: vesontio-bench {i}\r\nDate: {}\r\n\
         Message-ID: <bench.smtp.{seed}.{i}@vesontio.bench>\r\nMIME-Version: 1.0\r\n\
         Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n",
        rfc5322_date(EPOCH + i as i64)
    );
    let room = size.saturating_sub(m.len());
    for l in text(&mut rng, room, false) {
        m.push_str(&qp_line(&l));
        m.push_str("\r\n");
    }
    m.into_bytes()
}

/// One mbox entry (mboxrd: `From ` lines in the body get one more `>`),
/// with LF line endings as mbox files have.
pub fn mbox_entry(message: &[u8], out: &mut Vec<u8>) {
    out.extend_from_slice(b"From bench@vesontio.bench Thu Jan  1 00:00:00 2026\n");
    let text = String::from_utf8_lossy(message);
    for line in text.split("\r\n") {
        if line.trim_start_matches('>').starts_with("From ") {
            out.push(b'>');
        }
        out.extend_from_slice(line.as_bytes());
        out.push(b'\n');
    }
}

/// SMTP DATA transparency (RFC 5321 §4.5.2): a line starting with `.` gets
/// one more; then the terminating `.`.
pub fn dot_stuffed(message: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(message.len() + 16);
    let mut at_line_start = true;
    for &b in message {
        if at_line_start && b == b'.' {
            out.push(b'.');
        }
        out.push(b);
        at_line_start = b == b'\n';
    }
    if !out.ends_with(b"\r\n") {
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(b".\r\n");
    out
}

#[cfg(test)]
pub(crate) fn date_for_tests(t: i64) -> String {
    rfc5322_date(t)
}
