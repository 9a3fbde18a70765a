//! SORT, THREAD, ESORT (RFC 5256, RFC 5957, RFC 5267) and MULTIAPPEND
//! (RFC 3502), driven by Python's imaplib (raw lines where imaplib cannot
//! send the command: several literals, RETURN options).

mod common;

use common::*;

/// Checks for the scripts below (on the imaplib connection `M`).
const CHECKS: &str = r#"
def eq(a, b):
    assert a == b, (a, b)
def bad(*args):
    try:
        r = M._simple_command(*args)
    except M.error as e:
        assert ' BAD ' in str(e), e
        return
    raise AssertionError(('not BAD', args, r))
"#;

/// Four messages with distinct keys, appended with their internal dates
/// after a first message that is expunged, so UIDs are sequence + 1.
const SORT_SETUP: &str = r#"
import email.utils
def msg(hdrs, body):
    return ('\r\n'.join(hdrs) + '\r\n\r\n' + body + '\r\n').encode('utf-8')
MSGS = [
    (msg(['From: "Zoé Martin" <zoe@ac-demo.fr>', 'To: b@ac-demo.fr', 'Subject: Re: Budget 2024',
          'Date: Tue, 14 Nov 2023 09:00:00 +0100'], 'x' * 50), '11-Nov-2023 10:00:00 +0000'),
    (msg(['From: Zed <alice@ac-demo.fr>', 'To: Yves <yves@ac-demo.fr>', 'Subject: [profs] Agenda',
          'Date: Mon, 13 Nov 2023 23:30:00 -0500'], 'y' * 500), '12-Nov-2023 10:00:00 +0000'),
    (msg(['From: =?utf-8?q?=C3=89mile?= <emile@ac-demo.fr>',
          'Subject: =?utf-8?q?=C3=A9l=C3=A8ves?='], 'z' * 5), '10-Nov-2023 10:00:00 +0000'),
    (msg(['From: bob@ac-demo.fr', 'Cc: carl@ac-demo.fr', 'Subject: budget 2024',
          'Date: Wed, 15 Nov 2023 08:00:00 +0000'], 'w' * 200), '16-Nov-2023 10:00:00 +0000'),
]
M = login()
ok(M.append('INBOX', '(\\Deleted)', '"01-Nov-2023 00:00:00 +0000"', msg(['Subject: gone'], 'gone')))
for raw, date in MSGS:
    ok(M.append('INBOX', None, '"%s"' % date, raw))
ok(M.select('INBOX'))
ok(M.expunge())
def sort(*args):
    d = ok(M.sort(*args))
    return d[0].decode()
def usort(*args):
    d = ok(M.uid('SORT', *args))
    return d[0].decode()
"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sort_by_each_criterion() {
    let env = start().await;
    env.user().await;
    env.py(&format!(
        "{CHECKS}{SORT_SETUP}{}",
        r#"
caps = ok(M.capability())[0].split()
for c in [b'SORT', b'SORT=DISPLAY', b'ESORT', b'THREAD=REFERENCES', b'THREAD=ORDEREDSUBJECT', b'MULTIAPPEND']:
    assert c in caps, (c, caps)
# RFC 5256 §2.1: base subjects, compared with i;unicode-casemap.
eq(sort('(SUBJECT)', 'UTF-8', 'ALL'), '2 1 4 3')
eq(sort('(REVERSE SUBJECT)', 'UTF-8', 'ALL'), '3 1 4 2')
# REVERSE applies to its own key only; ties go by mailbox order.
eq(sort('(SUBJECT REVERSE DATE)', 'UTF-8', 'ALL'), '2 4 1 3')
# RFC 5256 §2.2: sent dates in UTC; message 3 has no Date: its internal date.
eq(sort('(DATE)', 'UTF-8', 'ALL'), '3 2 1 4')
eq(sort('(REVERSE DATE)', 'UTF-8', 'ALL'), '4 1 2 3')
eq(sort('(ARRIVAL)', 'UTF-8', 'ALL'), '3 1 2 4')
# addr-mailbox of the first address; the empty string collates first.
eq(sort('(FROM)', 'UTF-8', 'ALL'), '2 4 3 1')
eq(sort('(CC REVERSE ARRIVAL)', 'UTF-8', 'ALL'), '2 1 3 4')
eq(sort('(TO)', 'US-ASCII', 'ALL'), '3 4 1 2')
# RFC 5957: display names, or the address when there is none.
eq(sort('(DISPLAYFROM)', 'UTF-8', 'ALL'), '4 3 2 1')
eq(sort('(REVERSE DISPLAYTO)', 'UTF-8', 'ALL'), '2 1 3 4')
# SIZE agrees with RFC822.SIZE.
sizes = {}
for line in ok(M.fetch('1:4', '(RFC822.SIZE)')):
    n, _, s = line.decode().replace('(', ' ').replace(')', ' ').split()
    sizes[int(n)] = int(s)
assert sort('(SIZE)', 'UTF-8', 'ALL') == ' '.join(str(n) for n in sorted(sizes, key=lambda n: (sizes[n], n)))
# UID SORT answers UIDs (one above the sequence numbers here).
eq(usort('(SUBJECT)', 'UTF-8', 'ALL'), '3 2 5 4')
# Search criteria narrow the set; a UTF-8 literal in the criteria.
eq(sort('(DATE)', 'UTF-8', 'SUBJECT', 'budget'), '1 4')
M.literal = 'élèves'.encode()
eq(sort('(DATE)', 'UTF-8', 'SUBJECT'), '3')
eq(sort('(SUBJECT)', 'UTF-8', 'SUBJECT', 'nothing-like-this'), '')
# RFC 5256: the charset is mandatory; unknown ones get [BADCHARSET].
typ, d = M.sort('(SUBJECT)', 'ISO-8859-15', 'ALL')
assert typ == 'NO' and b'BADCHARSET' in d[0], (typ, d)
bad('SORT', '(SUBJECT)', 'ALL')
bad('SORT', '(BOGUS)', 'UTF-8', 'ALL')
M.logout()
"#
    ))
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn esort_return_options() {
    let env = start().await;
    env.user().await;
    env.py(&format!(
        "{CHECKS}{SORT_SETUP}{}",
        r#"
M.logout()
R = Raw()
assert R.cmd('SELECT INBOX')[-1].startswith(b'OK')
def esearch(cmd):
    r = R.cmd(cmd)
    assert r[-1].startswith(b'OK'), r
    e = [l for l in r if l.startswith(b'* ESEARCH')]
    assert len(e) == 1, r
    return e[0].decode()
# RFC 5267 §3.1: MIN and MAX are the first and last in the sort order,
# ALL keeps that order (ranges only where ascending, §3.2).
e = esearch('SORT RETURN (MIN MAX COUNT ALL) (REVERSE DATE) UTF-8 ALL')
assert e.endswith(' MIN 4 MAX 3 COUNT 4 ALL 4,1:3'), e
assert e.startswith('* ESEARCH (TAG "T'), e
e = esearch('UID SORT RETURN () (SUBJECT) UTF-8 ALL')
assert e.endswith(' UID ALL 3:2,5:4') or e.endswith(' UID ALL 3,2,5,4'), e
# RFC 5267 §4.4: PARTIAL windows of the sorted result.
e = esearch('SORT RETURN (PARTIAL 2:3) (REVERSE DATE) UTF-8 ALL')
assert e.endswith(' PARTIAL (2:3 1:2)'), e
e = esearch('SORT RETURN (PARTIAL 4:9) (REVERSE DATE) UTF-8 ALL')
assert e.endswith(' PARTIAL (4:9 3)'), e
e = esearch('SORT RETURN (PARTIAL 9:10) (REVERSE DATE) UTF-8 ALL')
assert e.endswith(' PARTIAL (9:10 NIL)'), e
e = esearch('SORT RETURN (COUNT) (DATE) UTF-8 SUBJECT nothing-like-this')
assert e.endswith(' COUNT 0'), e
# And the same PARTIAL for SEARCH, in mailbox order.
e = esearch('UID SEARCH RETURN (PARTIAL 1:2) ALL')
assert e.endswith(' UID PARTIAL (1:2 2:3)'), e
# SAVE with SORT: $ is the set, whatever the order.
r = R.cmd('SORT RETURN (SAVE) (REVERSE DATE) UTF-8 SUBJECT budget')
assert r[-1].startswith(b'OK') and not any(l.startswith(b'* ESEARCH') for l in r), r
r = R.cmd('FETCH $ (UID)')
assert r[:-1] == [b'* 1 FETCH (UID 2)', b'* 4 FETCH (UID 5)'], r
# Malformed return options are BAD (RFC 5267 §4.4: one of ALL and PARTIAL).
for c in ['SORT RETURN (ALL PARTIAL 1:2) (DATE) UTF-8 ALL',
          'SORT RETURN (PARTIAL 1:*) (DATE) UTF-8 ALL',
          'SORT RETURN (PARTIAL 1) (DATE) UTF-8 ALL']:
    assert R.cmd(c)[-1].startswith(b'BAD'), c
"#
    ))
    .await;
}

/// A real reply chain, replies by subject only, and replies to a message
/// that is not in the mailbox.
const THREAD_SETUP: &str = r#"
def msg(mid, subject, date, refs=None, irt=None):
    h = ['From: a@ac-demo.fr', 'Message-ID: <%s@ac-demo.fr>' % mid, 'Subject: ' + subject,
         'Date: %s Nov 2023 %s +0000' % date]
    if refs: h.append('References: ' + ' '.join('<%s@ac-demo.fr>' % r for r in refs))
    if irt: h.append('In-Reply-To: <%s@ac-demo.fr>' % irt)
    return ('\r\n'.join(h) + '\r\n\r\nbody\r\n').encode()
MSGS = [
    msg('a', 'Sortie scolaire', ('01', '10:00:00')),
    msg('b', 'Re: Sortie scolaire', ('02', '10:00:00'), irt='a'),
    msg('c', 'Re: Sortie scolaire', ('03', '10:00:00'), refs=['a', 'b']),
    msg('d', 'RE: Sortie scolaire', ('02', '12:00:00'), refs=['a']),
    msg('e', 'Conseil de classe', ('01', '09:00:00')),
    msg('f', 'Re: Conseil de classe', ('04', '10:00:00')),
    msg('g', 'Cantine', ('05', '10:00:00'), refs=['missing']),
    msg('h', 'Re: Cantine', ('06', '10:00:00'), refs=['missing']),
]
M = login()
for raw in MSGS:
    ok(M.append('INBOX', None, None, raw))
ok(M.select('INBOX'))
def thread(*args):
    return ok(M.thread(*args))[0].decode()
"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn thread_both_algorithms() {
    let env = start().await;
    env.user().await;
    env.py(&format!(
        "{CHECKS}{THREAD_SETUP}{}",
        r#"
# REFERENCES: 1 has replies 2 (then 3) and 4; 6 joins 5 by subject; 7
# and 8 answer a message that is not here: siblings under a dummy.
eq(thread('REFERENCES', 'UTF-8', 'ALL'), '(5 6)(1 (2 3)(4))((7)(8))')
# ORDEREDSUBJECT: by base subject, children of the first, by date.
eq(thread('ORDEREDSUBJECT', 'UTF-8', 'ALL'), '(5 6)(1 (2)(4)(3))(7 8)')
# The search criteria select what is threaded.
eq(thread('REFERENCES', 'US-ASCII', 'NOT', 'SUBJECT', 'Cantine'), '(5 6)(1 (2 3)(4))')
eq(thread('REFERENCES', 'UTF-8', 'SUBJECT', 'nothing-like-this'), '')
# Without a and b, c (References a b) and d (References a) are siblings
# under a dummy.
ok(M.store('1,2', '+FLAGS', '\\Deleted'))
ok(M.expunge())
# (Now 1 is c, 2 is d, and d is the older.)
eq(thread('REFERENCES', 'UTF-8', 'ALL'), '(3 4)((2)(1))((5)(6))')
# UID THREAD answers UIDs.
eq(ok(M.uid('THREAD', 'REFERENCES', 'UTF-8', 'ALL'))[0].decode(), '(5 6)((4)(3))((7)(8))')
bad('THREAD', 'BOGUS', 'UTF-8', 'ALL')
typ, d = M.thread('REFERENCES', 'KOI8-R', 'ALL')
assert typ == 'NO', (typ, d)
M.logout()
"#
    ))
    .await;
}

const RAW_APPEND: &str = r#"
def mail(subject, size):
    head = 'From: a@ac-demo.fr\r\nSubject: %s\r\n\r\n' % subject
    return (head + 'x' * (size - len(head) - 2) + '\r\n').encode()
def multiappend(R, msgs, flags=b'(\\Seen) '):
    """One APPEND with several messages, as LITERAL+ literals."""
    cmd = b'APPEND INBOX'
    for m in msgs:
        cmd += b' ' + flags + b'{%d+}\r\n' % len(m) + m
    return R.cmd(cmd)
def status(R):
    r = R.cmd('STATUS INBOX (MESSAGES)')
    assert r[-1].startswith(b'OK'), r
    return r[0].decode()
"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn multiappend_all_in_one_commit() {
    let env = start().await;
    env.user().await;
    env.py(&format!(
        "{RAW_APPEND}{}",
        r#"
R = Raw()
r = multiappend(R, [mail('one', 300), mail('two', 400), mail('three', 500)])
assert r[-1].startswith(b'OK [APPENDUID '), r
assert r[-1].split()[3] == b'1:3]', r
assert status(R) == '* STATUS INBOX (MESSAGES 3)'
M = login()
ok(M.select('INBOX'))
d = ok(M.fetch('1:3', '(FLAGS RFC822.SIZE BODY.PEEK[HEADER.FIELDS (SUBJECT)])'))
subjects = [x[1].strip() for x in d if isinstance(x, tuple)]
assert subjects == [b'Subject: one', b'Subject: two', b'Subject: three'], d
assert all(b'\\Seen' in x[0] for x in d if isinstance(x, tuple)), d
# Into the selected mailbox: the new messages are announced.
R.cmd('SELECT INBOX')
r = multiappend(R, [mail('four', 300), mail('five', 300)], flags=b'')
assert b'* 5 EXISTS' in r, r
M.logout()
"#
    ))
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn multiappend_over_quota_appends_nothing() {
    let env = start().await;
    let acc = env.user().await;
    env.store
        .update_account(
            acc.id,
            vesontio_store::AccountUpdate {
                quota_bytes: Some(3_000),
                ..Default::default()
            },
        )
        .await
        .expect("quota");
    env.py(&format!(
        "{RAW_APPEND}{}",
        r#"
R = Raw()
# The first two fit, the third does not: none is kept (RFC 3502 §6.3.11).
r = multiappend(R, [mail('one', 1000), mail('two', 1000), mail('three', 1500)])
assert r[-1].startswith(b'NO [OVERQUOTA]'), r
assert status(R) == '* STATUS INBOX (MESSAGES 0)', status(R)
r = R.cmd('GETQUOTAROOT INBOX')
assert b'(STORAGE 0 ' in b' '.join(r), r
# Nothing was charged: the same first two still fit.
r = multiappend(R, [mail('one', 1000), mail('two', 1000)])
assert r[-1].startswith(b'OK [APPENDUID '), r
assert status(R) == '* STATUS INBOX (MESSAGES 2)'
"#
    ))
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn multiappend_with_a_message_too_big_appends_nothing() {
    let mut cfg = config();
    cfg.max_literal = 10_000;
    let env = start_with(cfg).await;
    env.user().await;
    env.py(&format!(
        "{RAW_APPEND}{}",
        r#"
R = Raw()
one = mail('one', 500)
# The second literal is synchronising and over APPENDLIMIT: the server
# refuses it at once with [TOOBIG] and drops the whole command.
R.send(b'T90 APPEND INBOX {%d+}\r\n' % len(one) + one + b' {20000}\r\n')
l = R.line()
assert l.startswith(b'T90 NO [TOOBIG]'), l
assert status(R) == '* STATUS INBOX (MESSAGES 0)'
# The session goes on.
r = multiappend(R, [one, mail('two', 500)])
assert r[-1].startswith(b'OK [APPENDUID '), r
"#
    ))
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn context_updates_for_search_and_sort() {
    let env = start().await;
    let acc = env.user().await;
    for s in ["alpha", "charlie", "echo", "golf"] {
        env.deliver(&acc, "INBOX", &message(s, "a@ac-demo.fr", "text"), &[])
            .await;
    }
    env.py(r#"
R = Raw()
caps = R.cmd('CAPABILITY')[0]
assert b' CONTEXT=SEARCH' in caps and b' CONTEXT=SORT' in caps, caps
assert R.cmd('SELECT INBOX')[-1].startswith(b'OK')
r = R.cmd('UID SEARCH RETURN (UPDATE COUNT) UNSEEN')
S = 'T%d' % R.n
assert r[0] == ('* ESEARCH (TAG "%s") UID COUNT 4' % S).encode(), r
r = R.cmd('SORT RETURN (UPDATE ALL) (REVERSE SUBJECT) UTF-8 UNDELETED')
O = 'T%d' % R.n
assert r[0] == ('* ESEARCH (TAG "%s") ALL 4,3,2,1' % O).encode(), r
# RFC 5267 §4.3: a tag naming an updating search cannot be reused.
R.n -= 1
assert R.cmd('SEARCH RETURN (UPDATE) ALL')[-1].startswith(b'BAD'), 'tag reuse'
# Another session reads message 2: it leaves the UNSEEN result.
M = login()
ok(M.select('INBOX'))
ok(M.store('2', '+FLAGS', '\\Seen'))
r = R.cmd('NOOP')
assert ('* ESEARCH (TAG "%s") UID REMOVEFROM (0 2)' % S).encode() in r, r
# Our own STORE brings it back.
r = R.cmd('STORE 2 -FLAGS \\Seen')
assert ('* ESEARCH (TAG "%s") UID ADDTO (0 2)' % S).encode() in r, r
# A new message: ADDTO after EXISTS, at its place in the sort order.
ok(M.append('INBOX', None, None, b'Subject: delta\r\n\r\nx\r\n'))
r = R.cmd('NOOP')
i = r.index(b'* 5 EXISTS')
assert r.index(('* ESEARCH (TAG "%s") UID ADDTO (0 5)' % S).encode()) > i, r
assert r.index(('* ESEARCH (TAG "%s") ADDTO (3 5)' % O).encode()) > i, r
# \Deleted takes message 1 (alpha, last) out of the UNDELETED sort.
r = R.cmd('STORE 1 +FLAGS.SILENT (\\Deleted)')
assert ('* ESEARCH (TAG "%s") REMOVEFROM (5 1)' % O).encode() in r, r
# Expunged: REMOVEFROM comes before the EXPUNGE.
r = R.cmd('EXPUNGE')
assert r.index(('* ESEARCH (TAG "%s") UID REMOVEFROM (0 1)' % S).encode()) < r.index(b'* 1 EXPUNGE'), r
# Updates reach an IDLE session.
R.send(b'I1 IDLE\r\n')
assert R.line().startswith(b'+'), 'idling'
ok(M.append('INBOX', None, None, b'Subject: bravo\r\n\r\nx\r\n'))
got = []
while not any(l.startswith(('* ESEARCH (TAG "%s") ADDTO' % O).encode()) for l in got):
    got.append(R.line().rstrip(b'\r\n'))
    assert len(got) < 10, got
R.send(b'DONE\r\n')
while True:
    l = R.line()
    got.append(l.rstrip(b'\r\n'))
    if l.startswith(b'I1 '):
        break
assert b'* 5 EXISTS' in got, got
# bravo sorts between charlie and alpha (now gone): last, position 5.
assert ('* ESEARCH (TAG "%s") ADDTO (5 5)' % O).encode() in got, got
# CANCELUPDATE stops them; an unknown tag is BAD.
assert R.cmd('CANCELUPDATE "%s" "%s"' % (S, O))[-1].startswith(b'OK')
r = R.cmd('STORE 1:* +FLAGS (\\Seen)')
assert not any(l.startswith(b'* ESEARCH') for l in r), r
assert R.cmd('CANCELUPDATE "nope"')[-1].startswith(b'BAD')
# RFC 5267 §4.3.1: past the limit, [NOUPDATE] and the other options still honoured.
for _ in range(5):
    assert R.cmd('SEARCH RETURN (UPDATE) ALL')[-1].startswith(b'OK')
r = R.cmd('SEARCH RETURN (UPDATE COUNT) ALL')
assert r[0].endswith(b' COUNT 5'), r
assert r[1].startswith(b'* NO [NOUPDATE "T%d"]' % R.n), r
# Contexts end with the selection.
R.cmd('SELECT INBOX')
ok(M.append('INBOX', None, None, b'Subject: zulu\r\n\r\nx\r\n'))
r = R.cmd('NOOP')
assert not any(l.startswith(b'* ESEARCH') for l in r), r
"#)
    .await;
}
