//! Functional mailboxes (R2) in the `Shared/<address>/` namespace, with
//! ACL rights from the store membership (RFC 4314) and per-member `\Seen`.

mod common;

use common::*;
use vesontio_types::AccountKind;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn members_see_shared_folders_with_own_seen() {
    let env = start().await;
    let jean = env.user().await;
    let marie = env
        .account("marie.curie@ac-demo.fr", AccountKind::Person, false)
        .await;
    let dsi = env
        .account("dsi@ac-demo.fr", AccountKind::Functional, false)
        .await;
    env.store
        .set_member(dsi.id, jean.id, "lrswipkxtea")
        .await
        .expect("member");
    env.store
        .set_member(dsi.id, marie.id, "lrs")
        .await
        .expect("member");
    env.deliver(&dsi, "INBOX", &message("Panne serveur", "a@b.fr", "x"), &[])
        .await;
    env.py(r#"
M = login()
l = ok(M.list('""', 'Shared/*'))
names = [x.rsplit(b' ', 1)[1].strip(b'"') for x in l]
assert b'Shared/dsi@ac-demo.fr' in names, names
l = ok(M.list('""', '%'))
top = [x for x in l if x.endswith(b' Shared')]
assert len(top) == 1 and b'\\Noselect' in top[0] and b'\\HasChildren' in top[0], l
assert b'Shared/dsi@ac-demo.fr/INBOX' in names and b'Shared/dsi@ac-demo.fr/Sent' in names, names
typ, data = M._simple_command('MYRIGHTS', 'Shared/dsi@ac-demo.fr/INBOX')
assert typ == 'OK'
assert M.untagged_responses.pop('MYRIGHTS') == [b'Shared/dsi@ac-demo.fr/INBOX lrswipkxtea']
typ, data = M._simple_command('GETACL', 'Shared/dsi@ac-demo.fr/INBOX')
assert typ == 'OK'
acl = M.untagged_responses.pop('ACL')[0]
assert b'jean.dupont@ac-demo.fr lrswipkxtea' in acl and b'marie.curie@ac-demo.fr lrs' in acl, acl
typ, data = M._simple_command('MYRIGHTS', 'INBOX')
assert M.untagged_responses.pop('MYRIGHTS') == [b'INBOX lrswipkxtea']
ok(M.select('Shared/dsi@ac-demo.fr/INBOX'))
d = ok(M.fetch('1', '(FLAGS BODY[HEADER.FIELDS (SUBJECT)])'))
assert b'\\Seen' in d[0][0] or b'\\Seen' in d[1], d
# R2: his own count, kept by the store; Marie's is hers (below).
s = ok(M.status('Shared/dsi@ac-demo.fr/INBOX', '(MESSAGES UNSEEN)'))
assert s == [b'Shared/dsi@ac-demo.fr/INBOX (MESSAGES 1 UNSEEN 0)'], s
ok(M.select('Shared/dsi@ac-demo.fr/INBOX'))
assert 'UNSEEN' not in M.untagged_responses, M.untagged_responses
assert ok(M.search(None, 'UNSEEN')) == [b''], 'his own \\Seen, from the index'
d = ok(M.getquotaroot('Shared/dsi@ac-demo.fr/INBOX'))
assert d[0] == [b'Shared/dsi@ac-demo.fr/INBOX Shared/dsi@ac-demo.fr'], d
M.logout()

# Marie has not read it: her \Seen is her own.
M2 = login('marie.curie@ac-demo.fr')
s = ok(M2.status('Shared/dsi@ac-demo.fr/INBOX', '(MESSAGES UNSEEN)'))
assert s == [b'Shared/dsi@ac-demo.fr/INBOX (MESSAGES 1 UNSEEN 1)'], s
ok(M2.select('Shared/dsi@ac-demo.fr/INBOX'))
assert M2.untagged_responses.get('UNSEEN') == [b'1'], M2.untagged_responses
assert ok(M2.uid('SEARCH', 'UNSEEN')) == [b'1']
assert ok(M2.search(None, 'SEEN')) == [b'']
d = ok(M2.fetch('1', '(FLAGS)'))
assert d == [b'1 (FLAGS ())'], d
# Without 'w' and 't' rights she cannot flag or delete; without 'i' not append.
ok(M2.store('1', '+FLAGS', '(\\Flagged)'))
d = ok(M2.fetch('1', '(FLAGS)'))
assert d == [b'1 (FLAGS ())'], d
typ, data = M2.append('Shared/dsi@ac-demo.fr/INBOX', None, None, b'Subject: x\r\n\r\ny\r\n')
assert typ == 'NO' and b'NOPERM' in data[0], data
typ, data = M2._simple_command('GETACL', 'Shared/dsi@ac-demo.fr/INBOX')
assert typ == 'NO', data
M2.logout()
"#)
        .await;
    // A non-member sees no shared folder.
    env.account("paul.b@ac-demo.fr", AccountKind::Person, false)
        .await;
    env.py(r#"
M = login('paul.b@ac-demo.fr')
l = ok(M.list('""', 'Shared/*'))
assert l == [None], l
typ, data = M.select('Shared/dsi@ac-demo.fr/INBOX')
assert typ == 'NO', data
"#)
        .await;
}

/// A member's session on a functional mailbox is brought up to date from
/// the store's compact index (issue 14): flags set by another session,
/// the member's own `\Seen` set elsewhere, new mail, expunges, MODSEQ
/// under CONDSTORE; and never another member's `\Seen`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shared_sessions_sync_from_the_index() {
    let env = start().await;
    let jean = env.user().await;
    let marie = env
        .account("marie.curie@ac-demo.fr", AccountKind::Person, false)
        .await;
    let dsi = env
        .account("dsi@ac-demo.fr", AccountKind::Functional, false)
        .await;
    env.store
        .set_member(dsi.id, jean.id, "lrswipkxtea")
        .await
        .expect("member");
    env.store
        .set_member(dsi.id, marie.id, "lrs")
        .await
        .expect("member");
    for s in ["Un", "Deux"] {
        env.deliver(&dsi, "INBOX", &message(s, "a@b.fr", "x"), &[])
            .await;
    }
    env.py(r#"
A = Raw()
r = A.cmd('SELECT "Shared/dsi@ac-demo.fr/INBOX" (CONDSTORE)')
assert b'* 2 EXISTS' in r and b'* OK [UNSEEN 1] First unseen' in r, r
B = Raw()
assert B.cmd('SELECT "Shared/dsi@ac-demo.fr/INBOX"')[-1].startswith(b'OK')
assert B.cmd('STORE 1 +FLAGS.SILENT (\\Flagged \\Seen)')[-1].startswith(b'OK')
r = A.cmd('NOOP')
f = [l for l in r if l.startswith(b'* 1 FETCH')]
assert len(f) == 1 and b'\\Flagged' in f[0] and b'\\Seen' in f[0] and b'MODSEQ (' in f[0], r
# Marie reads message 2: Jean is not told, it is hers.
M = Raw(user='marie.curie@ac-demo.fr')
assert M.cmd('SELECT "Shared/dsi@ac-demo.fr/INBOX"')[-1].startswith(b'OK')
assert M.cmd('STORE 2 +FLAGS.SILENT (\\Seen)')[-1].startswith(b'OK')
r = A.cmd('NOOP')
assert not any(b' FETCH ' in l for l in r if l.startswith(b'* ')), r
assert B.cmd('STORE 1 +FLAGS.SILENT (\\Deleted)')[-1].startswith(b'OK')
assert B.cmd('EXPUNGE')[-1].startswith(b'OK')
r = A.cmd('NOOP')
assert b'* 1 EXPUNGE' in r, r
"#)
        .await;
    env.deliver(&dsi, "INBOX", &message("Trois", "a@b.fr", "x"), &[])
        .await;
    env.py(r#"
A = Raw()
r = A.cmd('SELECT "Shared/dsi@ac-demo.fr/INBOX"')
assert b'* 2 EXISTS' in r and b'* OK [UNSEEN 1] First unseen' in r, r
M = Raw(user='marie.curie@ac-demo.fr')
r = M.cmd('STATUS "Shared/dsi@ac-demo.fr/INBOX" (MESSAGES UNSEEN)')
assert r[0].endswith(b'(MESSAGES 2 UNSEEN 1)'), r
"#)
        .await;
}
