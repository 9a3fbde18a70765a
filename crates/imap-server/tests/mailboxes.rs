//! LIST, LSUB, STATUS, CREATE, DELETE, RENAME, SUBSCRIBE, SELECT/EXAMINE,
//! CLOSE, UNSELECT (RFC 9051 §6.3, §6.4.1, RFC 6154, RFC 5258, RFC 5819).

mod common;

use common::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn list_shows_special_use_and_children() {
    let env = start().await;
    let acc = env.user().await;
    env.store
        .create_mailbox(acc.id, "Projets/2024", None)
        .await
        .expect("mb");
    env.py(
        r#"
M = login()
lines = ok(M.list('""', '*'))
d = {l.rsplit(b' ', 1)[1].strip(b'"'): l for l in lines}
assert set(d) == {b'INBOX', b'Sent', b'Drafts', b'Trash', b'Junk', b'Archive', b'Projets', b'Projets/2024'}, d
assert lines[0].endswith(b'INBOX'), lines
assert b'\\Sent' in d[b'Sent'] and b'\\HasNoChildren' in d[b'Sent'], d[b'Sent']
assert b'\\Trash' in d[b'Trash'] and b'\\Junk' in d[b'Junk'] and b'\\Drafts' in d[b'Drafts'], d
assert b'\\Noselect' in d[b'Projets'] and b'\\HasChildren' in d[b'Projets'], d[b'Projets']
assert b'"/"' in d[b'INBOX']
lines = ok(M.list('""', '%'))
assert not any(l.endswith(b'Projets/2024') for l in lines), lines
lines = ok(M.list('Projets/', '%'))
assert len(lines) == 1 and lines[0].endswith(b'Projets/2024'), lines
lines = ok(M.list('""', '""'))
assert lines == [b'(\\Noselect) "/" ""'], lines
# LIST-EXTENDED: special-use selection and RETURN (STATUS).
typ, data = M._simple_command('LIST', '(SPECIAL-USE)', '""', '*')
assert typ == 'OK'
lines = M.untagged_responses.pop('LIST')
assert len(lines) == 5 and not any(b'INBOX' in l for l in lines), lines
typ, data = M._simple_command('LIST', '""', 'INBOX', 'RETURN', '(STATUS (MESSAGES UIDNEXT UNSEEN))')
assert typ == 'OK'
st = M.untagged_responses.pop('STATUS')
assert st == [b'INBOX (MESSAGES 0 UIDNEXT 1 UNSEEN 0)'], st
M.logout()
"#,
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn create_rename_delete_subscribe() {
    let env = start().await;
    env.user().await;
    env.py(r#"
M = login()
ok(M.create('Cours'))
typ, data = M.create('Cours')
assert typ == 'NO' and b'ALREADYEXISTS' in data[0], data
typ, data = M._simple_command('CREATE', 'Factures', '(USE (\\Archive))')
assert typ == 'OK', data
l = ok(M.list('""', 'Factures'))
assert b'\\Archive' in l[0], l
typ, data = M._simple_command('CREATE', 'X', '(USE (\\Bogus))')
assert typ == 'NO' and b'USEATTR' in data[0], data
ok(M.rename('Cours', '"Cours 2025"'))
l = ok(M.list('""', 'Cours*'))
assert len(l) == 1 and l[0].endswith(b'"Cours 2025"'), l
typ, data = M.rename('Nope', 'Other')
assert typ == 'NO' and b'NONEXISTENT' in data[0], data
ok(M.subscribe('"Cours 2025"'))
l = ok(M.lsub('""', '*'))
assert any(x.endswith(b'"Cours 2025"') for x in l), l
ok(M.unsubscribe('"Cours 2025"'))
l = ok(M.lsub('""', '*'))
assert not any(x.endswith(b'"Cours 2025"') for x in l), l
# A subscription outlives its mailbox (RFC 9051 §6.3.7, RFC 5258 §3):
# LIST (SUBSCRIBED) shows it \NonExistent, LSUB still lists it, a plain
# LIST does not, and UNSUBSCRIBE can drop it.
ok(M.create('Projet'))
ok(M.subscribe('Projet'))
ok(M.delete('Projet'))
typ, dat = M._simple_command('LIST', '(SUBSCRIBED)', '""', 'Projet')
l = ok(M._untagged_response(typ, dat, 'LIST'))
assert len(l) == 1 and b'\\NonExistent' in l[0] and b'\\Subscribed' in l[0], l
assert b'\\Noselect' not in l[0], l
l = ok(M.lsub('""', 'Projet'))
assert len(l) == 1 and l[0].endswith(b'Projet'), l
l = ok(M.list('""', 'Projet'))
assert l == [None], l
typ, data = M.subscribe('Absent')
assert typ == 'NO' and b'NONEXISTENT' in data[0], data
ok(M.unsubscribe('Projet'))
l = ok(M.lsub('""', 'Projet'))
assert l == [None], l
# The system folders start subscribed; a folder CREATEd over IMAP does not.
l = ok(M.lsub('""', '*'))
assert any(x.endswith(b'Sent') for x in l) and not any(b'Factures' in x for x in l), l
ok(M.delete('"Cours 2025"'))
typ, data = M.delete('INBOX')
assert typ == 'NO', data
typ, data = M.select('"Cours 2025"')
assert typ == 'NO' and b'NONEXISTENT' in data[0], data
typ, data = M.create('Shared/x')
assert typ == 'NO' and b'NOPERM' in data[0], data
# Modified UTF-7 names (RFC 3501 §5.1.3).
ok(M.create('&AMk-l&AOg-ves'))
l = ok(M.list('""', '&AMk-l&AOg-ves'))
assert l[0].endswith(b'&AMk-l&AOg-ves'), l
M.logout()
"#)
        .await;
    let acc = env
        .store
        .account_by_address(USER)
        .await
        .expect("q")
        .expect("acc");
    let mb = env
        .store
        .mailbox_by_name(acc.id, "Élèves")
        .await
        .expect("q");
    assert!(mb.is_some(), "UTF-7 name decoded in the store");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn select_examine_status_close() {
    let env = start().await;
    let acc = env.user().await;
    env.deliver(&acc, "INBOX", &message("one", "a@b.fr", "x"), &["\\Seen"])
        .await;
    env.deliver(&acc, "INBOX", &message("two", "a@b.fr", "y"), &[])
        .await;
    env.py(
        r#"
R = Raw()
r = R.cmd('SELECT INBOX')
t = b'\n'.join(r)
assert b'* 2 EXISTS' in t, t
assert b'* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft)' in t, t
assert b'[PERMANENTFLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft \\*)]' in t, t
assert b'[UIDVALIDITY ' in t and b'[UIDNEXT 3]' in t and b'[HIGHESTMODSEQ ' in t, t
assert r[-1].startswith(b'OK [READ-WRITE]'), r
r = R.cmd('EXAMINE INBOX')
t = b'\n'.join(r)
assert b'[CLOSED]' in t and b'[PERMANENTFLAGS ()]' in t, t
assert r[-1].startswith(b'OK [READ-ONLY]'), r
assert R.cmd('STORE 1 +FLAGS (\\Deleted)')[-1].startswith(b'NO'), 'read-only'
r = R.cmd('STATUS INBOX (MESSAGES UNSEEN UIDNEXT UIDVALIDITY SIZE DELETED HIGHESTMODSEQ APPENDLIMIT)')
assert r[0].startswith(b'* STATUS INBOX (MESSAGES 2 UNSEEN 1 UIDNEXT 3 UIDVALIDITY '), r
assert b'APPENDLIMIT 1000000' in r[0] and b'DELETED 0' in r[0], r
R.cmd('SELECT INBOX')
assert R.cmd('STORE 1 +FLAGS.SILENT (\\Deleted)')[-1].startswith(b'OK')
assert R.cmd('UNSELECT')[-1].startswith(b'OK')
R.cmd('SELECT INBOX')
r = R.cmd('CLOSE')
assert r == [b'OK CLOSE completed'], r
r = R.cmd('STATUS INBOX (MESSAGES)')
assert r[0] == b'* STATUS INBOX (MESSAGES 1)', r
assert R.cmd('FETCH 1 FLAGS')[-1].startswith(b'BAD'), 'closed'
"#,
    )
    .await;
    let a = env.store.account(acc.id).await.expect("q").expect("acc");
    assert!(
        a.last_read_at.is_some(),
        "R13: selecting INBOX records a read"
    );
}
