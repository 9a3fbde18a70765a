//! RFC 8474 OBJECTID: MAILBOXID on SELECT, CREATE and STATUS; EMAILID and
//! THREADID in FETCH and SEARCH; ids stable across MOVE, shared by COPY,
//! and one thread for a reply and its original.

mod common;

use common::*;

const ORIGINAL: &[u8] = b"From: paul@ac-demo.fr\r\nTo: jean.dupont@ac-demo.fr\r\n\
Subject: Conseil de classe\r\nMessage-ID: <cc@ac-demo.fr>\r\n\r\nLe conseil est jeudi.\r\n";
const REPLY: &[u8] = b"From: jean.dupont@ac-demo.fr\r\nTo: paul@ac-demo.fr\r\n\
Subject: Re: Conseil de classe\r\nMessage-ID: <re@ac-demo.fr>\r\nIn-Reply-To: <cc@ac-demo.fr>\r\n\
References: <cc@ac-demo.fr>\r\n\r\nJe serai la.\r\n";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn objectids() {
    let env = start().await;
    let acc = env.user().await;
    env.deliver(&acc, "INBOX", ORIGINAL, &[]).await;
    env.deliver(&acc, "Sent", REPLY, &[]).await;
    env.deliver(
        &acc,
        "INBOX",
        &message("Autre", "x@ac-demo.fr", "sans rapport"),
        &[],
    )
    .await;
    env.py(r#"
import re
M = login()
typ, caps = M.capability()
assert b'OBJECTID' in caps[0], caps
typ, data = M.select('INBOX')
code = M.response('MAILBOXID')[1]
assert code and re.fullmatch(rb'\(F\d+\)', code[0]), code
inbox_id = code[0]
d = ok(M.fetch('1:2', '(EMAILID THREADID)'))
ids = [re.search(rb'EMAILID \((M\d+)\) THREADID \((T\d+)\)', x).groups() for x in d]
(e1, t1), (e2, t2) = ids
assert e1 != e2 and t1 != t2, ids
# The reply in Sent shares the original's thread.
typ, st = M.status('Sent', '(MAILBOXID MESSAGES)')
assert re.search(rb'MAILBOXID \(F\d+\)', st[0]) and b'MESSAGES 1' in st[0], st
typ, st = M.status('INBOX', '(MAILBOXID)')
assert b'MAILBOXID ' + inbox_id in st[0], (st, inbox_id)
M.select('Sent')
d = ok(M.fetch('1', '(THREADID)'))
assert b'THREADID (' + t1 + b')' in d[0], (d, t1)
M.select('INBOX')
# COPY shares the email id, MOVE keeps it.
ok(M.copy('1', 'Archive'))
typ, data = M._simple_command('MOVE', '1', 'Trash')
assert typ == 'OK', data
M.select('Trash')
d = ok(M.fetch('1', '(EMAILID THREADID)'))
assert b'EMAILID (' + e1 + b')' in d[0] and b'THREADID (' + t1 + b')' in d[0], d
M.select('Archive')
d = ok(M.fetch('1', '(EMAILID)'))
assert b'EMAILID (' + e1 + b')' in d[0], d
# SEARCH by id (RFC 8474 §6).
typ, hits = M.search(None, 'EMAILID', e1.decode())
assert hits == [b'1'], hits
typ, hits = M.search(None, 'THREADID', 'T999999')
assert hits == [b''], hits
typ, data = M.create('Projets')
assert typ == 'OK' and re.search(rb'\[MAILBOXID \(F\d+\)\]', data[0]), data
"#)
        .await;
}
