//! FETCH, STORE, EXPUNGE, APPEND, COPY, MOVE and SEARCH (RFC 9051 §6.4,
//! RFC 4315, RFC 6851, RFC 4731, RFC 7162).

mod common;

use common::*;

const MULTIPART: &[u8] = b"From: =?utf-8?q?Ren=C3=A9_Martin?= <rene.martin@ac-demo.fr>\r\n\
To: jean.dupont@ac-demo.fr\r\n\
Subject: =?utf-8?q?R=C3=A9union_p=C3=A9dagogique?=\r\n\
Date: Tue, 14 Nov 2023 09:30:00 +0100\r\n\
Message-ID: <multi@test>\r\n\
X-Classe: 3e B\r\n\
MIME-Version: 1.0\r\n\
Content-Type: multipart/mixed; boundary=\"XX\"\r\n\
\r\n\
--XX\r\n\
Content-Type: text/plain; charset=utf-8\r\n\
Content-Transfer-Encoding: quoted-printable\r\n\
\r\n\
Ordre du jour : =C3=A9valuations\r\n\
--XX\r\n\
Content-Type: application/pdf; name=\"cr.pdf\"\r\n\
Content-Transfer-Encoding: base64\r\n\
\r\n\
JVBERi0xLjQK\r\n\
--XX--\r\n";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fetch_items_and_seen() {
    let env = start().await;
    let acc = env.user().await;
    env.deliver(
        &acc,
        "INBOX",
        &message("Bonjour", "Paul <paul@ac-demo.fr>", "Corps du message"),
        &[],
    )
    .await;
    env.deliver(&acc, "INBOX", MULTIPART, &[]).await;
    env.py(r#"
M = login()
ok(M.select('INBOX'))
d = ok(M.fetch('1:2', '(UID FLAGS RFC822.SIZE INTERNALDATE)'))
# This IMAP4rev1 session is the first to see both: \\Recent (RFC 3501 §2.3.2).
assert d[0].startswith(b'1 (UID 1 FLAGS (\\Recent) RFC822.SIZE '), d
assert b'INTERNALDATE "14-Nov-2023 22:13:20 +0000"' in d[0], d
d = ok(M.fetch('1', '(ENVELOPE)'))
assert b'"Bonjour"' in d[0] and b'("Paul" NIL "paul" "ac-demo.fr")' in d[0], d
d = ok(M.fetch('2', '(BODYSTRUCTURE)'))
assert b'("TEXT" "PLAIN" ("CHARSET" "utf-8") NIL NIL "QUOTED-PRINTABLE"' in d[0], d
assert b'"MIXED"' in d[0] and b'"APPLICATION" "PDF"' in d[0], d
# BODY.PEEK leaves \Seen alone; partial fetch returns the origin.
d = ok(M.fetch('1', '(BODY.PEEK[HEADER.FIELDS (SUBJECT)])'))
assert d[0][1] == b'Subject: Bonjour\r\n\r\n', d
d = ok(M.fetch('1', '(BODY.PEEK[TEXT]<0.5>)'))
assert b'BODY[TEXT]<0>' in d[0][0] and d[0][1] == b'Corps', d
d = ok(M.fetch('1', '(FLAGS)'))
assert d == [b'1 (FLAGS (\\Recent))'], d
d = ok(M.fetch('2', '(BODY[1])'))
assert d[0][1] == b'Ordre du jour : =C3=A9valuations', d
assert b'FLAGS (\\Seen \\Recent)' in d[0][0] or b'FLAGS (\\Seen \\Recent)' in d[1], d
d = ok(M.fetch('2', '(BINARY.PEEK[1] BINARY.SIZE[2])'))
assert 'Ordre du jour : évaluations'.encode() in d[0][1], d
assert b'BINARY.SIZE[2] 9' in d[1] or b'BINARY.SIZE[2] 9' in d[0][0], d
d = ok(M.uid('FETCH', '2', '(FLAGS)'))
assert d == [b'2 (UID 2 FLAGS (\\Seen \\Recent))'], d
d = ok(M.fetch('1', '(RFC822.HEADER)'))
assert d[0][1].startswith(b'From: Paul'), d
d = ok(M.fetch('1', '(BODY[])'))
assert d[0][1].endswith(b'Corps du message\r\n'), d
# UID FETCH of a UID that does not exist returns nothing and OK.
d = ok(M.uid('FETCH', '99', '(FLAGS)'))
assert d == [None], d
M.logout()
"#)
        .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn store_flags_condstore_and_expunge() {
    let env = start().await;
    let acc = env.user().await;
    for i in 0..4 {
        env.deliver(
            &acc,
            "INBOX",
            &message(&format!("m{i}"), "a@b.fr", "x"),
            &[],
        )
        .await;
    }
    env.py(r#"
R = Raw()
assert R.cmd('ENABLE CONDSTORE')[-1].startswith(b'OK')
R.cmd('SELECT INBOX')
r = R.cmd('STORE 1:2 +FLAGS (\\Flagged $Important)')
# RFC 3501 §7.2.6: the new keyword is announced first.
assert r[0] == b'* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft $Important)', r
assert r[1].startswith(b'* OK [PERMANENTFLAGS (') and b'$Important' in r[1], r
assert r[2].startswith(b'* 1 FETCH (FLAGS (\\Flagged $Important \\Recent) MODSEQ ('), r
assert r[-1].startswith(b'OK'), r
r = R.cmd('FETCH 1 (MODSEQ)')
ms = int(r[0].split(b'MODSEQ (')[1].split(b')')[0])
r = R.cmd('STORE 1 -FLAGS.SILENT (\\Flagged)')
assert r == [b'OK STORE completed'], r
r = R.cmd('STORE 1 (UNCHANGEDSINCE %d) +FLAGS (\\Answered)' % ms)
assert r[-1].startswith(b'OK [MODIFIED 1]'), r
r = R.cmd('UID STORE 3 FLAGS (\\Deleted \\Seen)')
# Flags are a set: reported system flags first, in canonical order.
assert r[0].startswith(b'* 3 FETCH (FLAGS (\\Seen \\Deleted \\Recent) UID 3 MODSEQ'), r
r = R.cmd('STORE 4 +FLAGS.SILENT (\\Deleted)')
r = R.cmd('UID EXPUNGE 4')
assert r[0] == b'* 4 EXPUNGE' and len(r) == 2, r
r = R.cmd('EXPUNGE')
assert r[0] == b'* 3 EXPUNGE' and r[-1].startswith(b'OK'), r
r = R.cmd('SEARCH ALL')
assert r[0] == b'* SEARCH 1 2', r
"#)
        .await;
    let q = env.store.quota_usage(acc.id).await.expect("q");
    assert_eq!(q.used, env.store.recount_usage(acc.id).await.expect("r"));
    let inbox = env
        .store
        .mailbox_by_name(acc.id, "INBOX")
        .await
        .expect("q")
        .expect("mb");
    assert_eq!(env.store.counts(inbox.id).await.expect("c").messages, 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn expunge_elsewhere_waits_for_allowed_moment() {
    let env = start().await;
    let acc = env.user().await;
    for i in 0..3 {
        env.deliver(
            &acc,
            "INBOX",
            &message(&format!("m{i}"), "a@b.fr", "x"),
            &[],
        )
        .await;
    }
    env.py(r#"
A = Raw(); B = Raw()
A.cmd('SELECT INBOX'); B.cmd('SELECT INBOX')
A.cmd('STORE 2 +FLAGS.SILENT (\\Deleted)')
r = A.cmd('EXPUNGE')
assert r[0] == b'* 2 EXPUNGE', r
# RFC 9051 §7.5.1: B's FETCH must not renumber; message 3 is still 3.
r = B.cmd('FETCH 3 (UID)')
assert b'* 3 FETCH (UID 3)' in r, r
assert not any(b'EXPUNGE' in x for x in r), r
r = B.cmd('NOOP')
assert b'* 2 EXPUNGE' in r, r
r = B.cmd('FETCH 2 (UID)')
assert r[0] == b'* 2 FETCH (UID 3)', r
# Expunge, flag change and new message together, seen during a FETCH
# (expunge held, numbers kept) then released by NOOP.
A.cmd('STORE 1 +FLAGS.SILENT (\\Deleted)')
A.cmd('EXPUNGE')
A.cmd('STORE 1 +FLAGS.SILENT (\\Flagged)')
M = login()
ok(M.append('INBOX', None, None, b'Subject: new\r\n\r\nx\r\n'))
r = B.cmd('FETCH 1:2 (UID)')
assert b'* 2 FETCH (FLAGS (\\Flagged) UID 3)' in r, r
assert b'* 3 EXISTS' in r and not any(b'EXPUNGE' in x for x in r), r
r = B.cmd('NOOP')
assert r == [b'* 1 EXPUNGE', b'OK NOOP completed'], r
r = B.cmd('FETCH 1:* (UID FLAGS)')
# UID 4 arrived while only B had the mailbox selected: recent for B.
assert r[:2] == [b'* 1 FETCH (UID 3 FLAGS (\\Flagged))', b'* 2 FETCH (UID 4 FLAGS (\\Recent))'], r
"#)
        .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn append_copy_move_with_uidplus() {
    let env = start().await;
    let acc = env.user().await;
    env.deliver(&acc, "INBOX", &message("one", "a@b.fr", "x"), &[])
        .await;
    env.deliver(&acc, "INBOX", &message("two", "a@b.fr", "y"), &[])
        .await;
    env.py(r#"
M = login()
msg = b'From: me@ac-demo.fr\r\nSubject: brouillon [PRIVE]\r\n\r\nhello\r\n'
typ, data = M.append('Drafts', '(\\Draft)', '"01-Jan-2024 10:00:00 +0100"', msg)
assert typ == 'OK' and b'[APPENDUID ' in data[0] and data[0].split()[2] == b'1]', data
typ, data = M.append('Nowhere', None, None, msg)
assert typ == 'NO' and b'[TRYCREATE]' in data[0], data
ok(M.select('Drafts'))
d = ok(M.fetch('1', '(FLAGS INTERNALDATE)'))
assert b'\\Draft' in d[0] and b'"01-Jan-2024 09:00:00 +0000"' in d[0], d
ok(M.select('INBOX'))
typ, data = M.copy('1:2', 'Archive')
assert typ == 'OK' and b'[COPYUID ' in data[0] and data[0].split()[2:4] == [b'1:2', b'1:2]'], data
typ, data = M._simple_command('MOVE', '1', 'Trash')
assert typ == 'OK', data
oks = M.untagged_responses.get('OK', [])
assert any(b'COPYUID' in o for o in oks), oks
assert M.untagged_responses.get('EXPUNGE') == [b'1'], M.untagged_responses
typ, data = M.copy('1', 'Nowhere')
assert typ == 'NO' and b'TRYCREATE' in data[0], data
s = ok(M.status('Archive', '(MESSAGES)'))
assert s == [b'Archive (MESSAGES 2)'], s
s = ok(M.status('INBOX', '(MESSAGES)'))
assert s == [b'INBOX (MESSAGES 1)'], s
M.logout()
"#)
        .await;
    let drafts = env
        .store
        .mailbox_by_name(acc.id, "Drafts")
        .await
        .expect("q")
        .expect("mb");
    let msgs = env.store.messages(drafts.id).await.expect("msgs");
    assert!(msgs[0].private, "R4: APPEND marks [PRIVE] subjects private");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn append_limits_toobig_and_overquota() {
    let mut cfg = config();
    cfg.max_literal = 2000;
    let env = start_with(cfg).await;
    let acc = env.user().await;
    env.store
        .update_account(
            acc.id,
            vesontio_store::AccountUpdate {
                quota_bytes: Some(1500),
                ..Default::default()
            },
        )
        .await
        .expect("quota");
    env.py(r#"
M = login()
typ, data = M.append('INBOX', None, None, b'Subject: big\r\n\r\n' + b'x' * 3000)
assert typ == 'NO' and b'[TOOBIG]' in data[0], data
ok(M.append('INBOX', None, None, b'Subject: a\r\n\r\n' + b'x' * 1000))
typ, data = M.append('INBOX', None, None, b'Subject: b\r\n\r\n' + b'x' * 1000)
assert typ == 'NO' and b'[OVERQUOTA]' in data[0], data
ok(M.select('INBOX'))
typ, data = M.copy('1', 'Archive')
assert typ == 'NO' and b'[OVERQUOTA]' in data[0], data
M.logout()
"#)
        .await;
}

/// APPEND goes through the ingest gate (issue 15): R7 and the header
/// checks refuse with `NO [CANNOT]`, MULTIAPPEND stores none of its
/// messages when one is refused, and R4 marks a private subject.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn append_through_the_gate_r7_headers_r4() {
    let env = start().await;
    let acc = env.user().await;
    env.py(r#"
import base64
M = login()
exe = (b'From: <a@example.org>\r\nSubject: facture\r\nMIME-Version: 1.0\r\n'
       b'Content-Type: multipart/mixed; boundary="b"\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nvoir\r\n'
       b'--b\r\nContent-Type: application/octet-stream\r\nContent-Disposition: attachment;\r\n filename=\r\n "facture.exe"\r\n'
       b'Content-Transfer-Encoding: base64\r\n\r\n' + base64.b64encode(b'MZ\x90\x00') + b'\r\n--b--\r\n')
typ, data = M.append('INBOX', None, None, exe)
assert typ == 'NO' and b'[CANNOT]' in data[0] and b'facture.exe' in data[0], data
two = b'From: <a@example.org>\r\nFrom: <recteur@ac-demo.fr>\r\nSubject: x\r\n\r\nbody\r\n'
typ, data = M.append('INBOX', None, None, two)
assert typ == 'NO' and b'[CANNOT]' in data[0], data
ok(M.append('INBOX', None, None, b'Subject: Prive : mon dossier\r\n\r\ntexte\r\n'))
M.logout()
"#)
    .await;
    let inbox = env
        .store
        .mailbox_by_name(acc.id, "INBOX")
        .await
        .expect("lookup")
        .expect("INBOX");
    let msgs = env.store.messages(inbox.id).await.expect("messages");
    assert_eq!(msgs.len(), 1, "only the clean message was stored");
    assert!(msgs[0].private, "R4 on APPEND");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn search_keys_and_esearch() {
    let env = start().await;
    let acc = env.user().await;
    env.deliver(
        &acc,
        "INBOX",
        &message(
            "Conseil de classe",
            "Paul <paul@ac-demo.fr>",
            "Les notes du trimestre",
        ),
        &["\\Seen"],
    )
    .await;
    env.deliver(&acc, "INBOX", MULTIPART, &["\\Flagged"]).await;
    env.deliver(
        &acc,
        "INBOX",
        &message("Cantine", "chef@ac-demo.fr", &"menu ".repeat(200)),
        &[],
    )
    .await;
    env.py(r#"
M = login()
ok(M.select('INBOX'))
def s(*crit, uid=False):
    d = ok(M.uid('SEARCH', *crit) if uid else M.search(None, *crit))
    return d[0].split()
assert s('ALL') == [b'1', b'2', b'3']
assert s('SEEN') == [b'1'] and s('UNSEEN') == [b'2', b'3']
assert s('FLAGGED') == [b'2']
assert s('FROM', 'paul') == [b'1']
R = Raw()
R.cmd('SELECT INBOX')
def lit(s):
    b = s.encode()
    return b'{%d+}\r\n' % len(b) + b
r = R.cmd(b'SEARCH CHARSET UTF-8 FROM ' + lit('René'))
assert r[0] == b'* SEARCH 2', r
r = R.cmd(b'SEARCH CHARSET UTF-8 SUBJECT ' + lit('RÉUNION pédagogique'))
assert r[0] == b'* SEARCH 2', r
r = R.cmd(b'SEARCH BODY ' + lit('ÉVALUATIONS'))
assert r[0] == b'* SEARCH 2', ('decoded QP body, case-insensitive', r)
assert s('TEXT', 'trimestre') == [b'1']
assert s('HEADER', 'X-Classe', '3e') == [b'2']
assert s('LARGER', '1000') == [b'3']
assert s('SMALLER', '400') == [b'1'], s('SMALLER', '400')
assert s('NOT', 'SEEN', 'NOT', 'FLAGGED') == [b'3']
assert s('OR', 'SEEN', 'FLAGGED') == [b'1', b'2']
assert s('2:*') == [b'2', b'3']
assert s('SINCE', '14-Nov-2023') == [b'1', b'2', b'3']
assert s('BEFORE', '14-Nov-2023') == []
assert s('ON', '14-Nov-2023') == [b'1', b'2', b'3']
assert s('SENTBEFORE', '14-Nov-2023') == [b'1', b'3']
assert s('UID', '2:3', uid=True) == [b'2', b'3']
typ, data = M._simple_command('SEARCH', 'RETURN', '(MIN MAX COUNT ALL)', 'UNSEEN')
assert typ == 'OK'
es = M.untagged_responses.pop('ESEARCH')
assert es[0].endswith(b'MIN 2 MAX 3 COUNT 2 ALL 2:3'), es
typ, data = M._simple_command('SEARCH', 'CHARSET', 'KOI8-R', 'ALL')
assert typ == 'NO' and b'BADCHARSET' in data[0], data
assert R.cmd('SEARCH FROBNICATE')[-1].startswith(b'BAD')
assert R.cmd('SEARCH 1:9')[-1].startswith(b'OK'), 'sequence set beyond EXISTS in SEARCH is fine'
M.logout()
"#)
        .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn large_fetch_is_sent_in_steps() {
    let env = start().await;
    let acc = env.user().await;
    // 12 × ~600 KB: more than one 4 MiB step.
    for i in 0..12u8 {
        let body = format!("{}", (b'a' + i) as char).repeat(600_000);
        env.deliver(
            &acc,
            "INBOX",
            &message(&format!("big{i}"), "a@b.fr", &body),
            &[],
        )
        .await;
    }
    env.py(r#"
M = login()
ok(M.select('INBOX'))
d = ok(M.fetch('1:*', '(RFC822.SIZE BODY[TEXT])'))
bodies = [x for x in d if isinstance(x, tuple)]
assert len(bodies) == 12, len(bodies)
for i, (head, data) in enumerate(bodies):
    assert head.startswith(b'%d (' % (i + 1)), head
    assert data == bytes([ord('a') + i]) * 600000 + b'\r\n', (i, len(data))
d = ok(M.search(None, 'UNSEEN'))
assert d == [b''], ('BODY[TEXT] sets \\Seen on all', d)
M.logout()
"#)
        .await;
}

/// RFC 3516 §4.3 (Dovecot imaptest append-binary): a binary part APPENDed
/// as literal8 is fetched as base64 by BODY[] and as the octets by BINARY[].
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn append_literal8_binary_part() {
    let env = start().await;
    env.user().await;
    env.py(r#"
R = Raw()
msg = (b'From: user@domain.org\r\nMime-Version: 1.0\r\nContent-Type: application/octet-stream\r\n'
       b'Content-Transfer-Encoding: binary\r\n\r\n\x00-\xff\r\n\r\n')
r = R.cmd(b'APPEND INBOX ~{%d+}\r\n' % len(msg) + msg)
assert r[-1].startswith(b'OK [APPENDUID'), r
R.cmd('SELECT INBOX')
R.send(b'f1 FETCH 1 (BODY.PEEK[1])\r\n')
l = R.line()
assert l == b'* 1 FETCH (BODY[1] {14}\r\n', l
assert R.f.read(14) == b'AC3/DQoNCg==\r\n'
assert R.line() == b')\r\n'
assert R.line().startswith(b'f1 OK')
R.send(b'f2 FETCH 1 (BINARY.PEEK[1])\r\n')
l = R.line()
assert l == b'* 1 FETCH (BINARY[1] ~{7}\r\n', l
assert R.f.read(7) == b'\x00-\xff\r\n\r\n'
"#)
        .await;
}

/// Issue 11: a NUL in a stored message went out as `literal8` inside
/// BODY[], ENVELOPE and BODYSTRUCTURE. RFC 3516 §4.2 keeps literal8 for
/// BINARY[]; everywhere else the NUL is sent as 0x80 (sizes unchanged).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nul_in_a_message_is_never_sent_as_literal8_outside_binary() {
    let env = start().await;
    let acc = env.user().await;
    let raw = b"From: a@b.fr\r\nTo: jean.dupont@ac-demo.fr\r\nSubject: fac\0ture\r\n\
Date: Mon, 13 Nov 2023 10:00:00 +0100\r\nMIME-Version: 1.0\r\n\
Content-Type: text/plain; charset=utf-8; name=\"a\0b.txt\"\r\n\r\nbo\0dy\r\n";
    env.deliver(&acc, "INBOX", raw, &[]).await;
    env.py(r#"
RAW = (b'From: a@b.fr\r\nTo: jean.dupont@ac-demo.fr\r\nSubject: fac\x00ture\r\n'
       b'Date: Mon, 13 Nov 2023 10:00:00 +0100\r\nMIME-Version: 1.0\r\n'
       b'Content-Type: text/plain; charset=utf-8; name="a\x00b.txt"\r\n\r\nbo\x00dy\r\n')
SENT = RAW.replace(b'\x00', b'\x80')
M = login()
ok(M.select('INBOX'))
d = ok(M.fetch('1', '(RFC822.SIZE BODY.PEEK[])'))
assert d[0][1] == SENT, d
assert b'RFC822.SIZE %d' % len(RAW) in d[0][0], d
d = ok(M.fetch('1', '(BODY.PEEK[TEXT] RFC822.TEXT)'))
assert d[0][1] == b'bo\x80dy\r\n', d
M.logout()

def exchange(R, tag, cmd):
    R.send(tag + b' ' + cmd + b'\r\n')
    buf = b''
    while not (buf.startswith(tag + b' ') or (b'\r\n' + tag + b' ') in buf) or not buf.endswith(b'\r\n'):
        chunk = R.s.recv(65536)
        assert chunk, buf
        buf += chunk
    return buf
R = Raw()
R.cmd('SELECT INBOX')
for i, item in enumerate([b'BODY.PEEK[]', b'RFC822', b'BODY.PEEK[HEADER]', b'ENVELOPE',
                          b'BODYSTRUCTURE', b'BODY', b'BODY.PEEK[1]', b'BODY.PEEK[HEADER.FIELDS (SUBJECT)]']):
    out = exchange(R, b'n%d' % i, b'FETCH 1 (' + item + b')')
    assert b'\x00' not in out and b'~{' not in out, (item, out)
    assert (b'n%d OK' % i) in out, out
    assert b'\x80' in out, (item, out)
# BINARY[] is the one place for literal8 (RFC 3516 §4.2).
out = exchange(R, b'b1', b'FETCH 1 (BINARY.PEEK[1])')
assert b'BINARY[1] ~{7}\r\nbo\x00dy\r\n' in out, out
"#)
        .await;
}
