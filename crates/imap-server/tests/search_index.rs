//! SEARCH answered from the store's index (`textindex.rs`): the same
//! criteria give the same messages while the texts wait to be indexed
//! (checked on the stored text) and once they are indexed (the index
//! decides, and only header-block candidates are checked on their fields),
//! keeping RFC 9051 §6.4.4's substring semantics: a FROM term in `To:` or
//! in a field name does not match, TEXT finds header values and bodies.

mod common;

use common::*;

const SEARCHES: &str = r#"
M = login()
ok(M.select('INBOX'))
def s(*crit, uid=False):
    d = ok(M.uid('SEARCH', *crit) if uid else M.search(None, *crit))
    return [int(x) for x in d[0].split()]
R = Raw()
R.cmd('SELECT INBOX')
def lit(s):
    b = s.encode()
    return b'{%d+}\r\n' % len(b) + b
def raw(crit):
    r = R.cmd(b'SEARCH CHARSET UTF-8 ' + crit)
    assert r[-1].startswith(b'OK'), r
    return [int(x) for x in r[0].split()[2:]]
checks = [
    (('FROM', 'lefebvre'), [1, 3]),
    (('FROM', 'dupont'), [2]),          # not 1, whose To: names dupont
    (('TO', 'dupont'), [1]),
    (('FROM', 'from'), []),             # a field name is not a value
    (('SUBJECT', 'budget'), [1, 2]),
    (('SUBJECT', 'subject'), []),
    (('BODY', 'zorblaxify'), [3]),
    (('BODY', 'budget'), [3]),          # 1 and 2 have it in Subject: only
    (('TEXT', 'budget'), [1, 2, 3]),
    (('TEXT', 'meeting'), [2, 4]),      # 4: in its Cc: display name only
    (('TEXT', 'received'), []),         # field names are not text
    (('HEADER', 'X-Classe', '"3e b"'), [4]),
    (('FROM', 'lefebvre', 'BODY', 'zorblaxify'), [3]),
    (('OR', 'FROM', 'dupont', 'BODY', 'zorblaxify'), [2, 3]),
    (('NOT', 'SUBJECT', 'budget'), [3, 4]),
    (('SEEN', 'SUBJECT', 'budget'), [1]),
    (('UNSEEN', 'TEXT', 'meeting'), [2, 4]),
    (('FROM', 'le'), [1, 2, 3]),        # too short for trigrams: checked
    (('LARGER', '10', 'FROM', 'lefebvre'), [1, 3]),
    (('SUBJECT', 'xyzzy'), []),
    (('BODY', '"50%_off"'), [4]),         # LIKE's own characters are plain
]
for crit, want in checks:
    got = s(*crit)
    assert got == want, (crit, got, want)
    assert s(*crit, uid=True) == want, crit
assert raw(b'FROM ' + lit('Léa')) == [2]
assert raw(b'BODY ' + lit('ÉLÈVES')) == [4], 'non-ASCII, case-insensitive'
assert raw(b'TEXT "\\"quoted\\""') == [4], 'a double quote in an FTS5 phrase'
"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn same_answers_pending_and_indexed() {
    let env = start().await;
    let acc = env.user().await;
    env.store.pause_indexing(true);
    let mail = |from: &str, to: &str, subject: &str, extra: &str, body: &str| {
        format!(
            "From: {from}\r\nTo: {to}\r\n{extra}Subject: {subject}\r\n\
             Date: Tue, 14 Nov 2023 09:30:00 +0100\r\nMIME-Version: 1.0\r\n\
             Content-Type: text/plain; charset=utf-8\r\n\
             Content-Transfer-Encoding: 8bit\r\n\r\n{body}\r\n"
        )
        .into_bytes()
    };
    for (m, flags) in [
        (
            mail(
                "Marc Lefebvre <marc.lefebvre@ac-test.fr>",
                "Jean Dupont <jean.dupont@ac-test.fr>",
                "Budget 2025",
                "",
                "Voici le tableau.",
            ),
            &["\\Seen"][..],
        ),
        (
            mail(
                "=?utf-8?q?L=C3=A9a_Dupont?= <lea.dupont@ac-test.fr>",
                "moi@ac-test.fr",
                "Re: Budget 2025",
                "",
                "See you at the meeting.",
            ),
            &[][..],
        ),
        (
            mail(
                "marc.lefebvre@ac-test.fr",
                "moi@ac-test.fr",
                "Rapport",
                "",
                "Le budget: référence zorblaxify.",
            ),
            &["\\Seen"][..],
        ),
        (
            mail(
                "secretariat@ac-test.fr",
                "moi@ac-test.fr",
                "Sortie",
                "Cc: Team meeting <team@ac-test.fr>\r\nX-Classe: 3E B\r\n",
                "Les élèves: 50%_off, \"quoted\".",
            ),
            &[][..],
        ),
    ] {
        env.deliver(&acc, "INBOX", &m, flags).await;
    }
    env.py(SEARCHES).await;
    let moved = env
        .store
        .index_search_backlog()
        .await
        .expect("the backlog is indexed");
    assert_eq!(moved, 4, "every text was pending, now indexed");
    env.py(SEARCHES).await;
}
