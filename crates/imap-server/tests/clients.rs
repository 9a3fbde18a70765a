//! Command sequences as Thunderbird, Outlook and Apple Mail send them.

mod common;

use common::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn common_client_commands() {
    let env = start().await;
    let acc = env.user().await;
    env.deliver(
        &acc,
        "INBOX",
        &message("Hello", "Paul <paul@ac-demo.fr>", "Body"),
        &[],
    )
    .await;
    env.py(
        r#"
R = Raw()
def okc(c):
    r = R.cmd(c)
    assert r[-1].startswith(b'OK'), (c, r)
    return r
r = okc('LIST (SUBSCRIBED) "" "*" RETURN (CHILDREN SPECIAL-USE)')
assert len(r) == 7 and all(b'\\Subscribed' in x for x in r[:-1]), r
assert b'\\Sent' in r[4] and b'\\HasNoChildren' in r[4], r
okc('LSUB "" "*"')
okc('LIST "" "%"')
okc('NAMESPACE')
okc('STATUS "Sent" (UIDNEXT MESSAGES UNSEEN RECENT)')
okc('GETQUOTAROOT "INBOX"')
okc('ID ("name" "Thunderbird" "version" "128.0")')
okc('SELECT "INBOX" (CONDSTORE)')
okc('UID FETCH 1:* (FLAGS) (CHANGEDSINCE 1)')
r = okc('UID FETCH 1 (UID RFC822.SIZE FLAGS BODY.PEEK[HEADER.FIELDS (From To Cc Bcc Subject Date Message-ID Priority X-Priority References Newsgroups In-Reply-To Content-Type Reply-To)])')
assert b'Subject: Hello' in b'\n'.join(r), r
okc('UID FETCH 1 (BODY.PEEK[1.MIME] BODY.PEEK[1])')
okc('UID FETCH 1 (UID RFC822.SIZE BODY.PEEK[])')
okc('UID STORE 1 +FLAGS ($Forwarded)')
okc('UID SEARCH UNDELETED')
okc('UID SEARCH 1:* NOT DELETED')
okc('SEARCH UNDELETED SINCE 1-Jan-2020')
okc('CHECK')
msg = b'From: jean.dupont@ac-demo.fr\r\nSubject: sent\r\n\r\nhi\r\n'
R.send(b'A1 APPEND "Sent" (\\Seen) "27-Nov-2026 01:00:00 +0100" {%d}\r\n' % len(msg))
l = R.line()
assert l.startswith(b'+'), l
R.send(msg + b'\r\n')
l = R.line()
assert l.startswith(b'A1 OK [APPENDUID'), l
okc('UID MOVE 1 "Archive"')
okc('EXAMINE "Archive"')
r = okc('UID FETCH 1:* (FLAGS)')
assert b'$Forwarded' in r[0], r
okc('UNSELECT')
okc('LOGOUT')
"#,
    )
    .await;
}
