//! Unit tests: the refusal table, UIDL values.

use vesontio_directory::AuthError;
use vesontio_pop3_proto::ErrCode;
use vesontio_store::StoreError;

use crate::auth_reply;
use crate::maildrop::uidl;

#[test]
fn auth_refusals_known_answers() {
    let table: Vec<(AuthError, ErrCode, &str, &str)> = vec![
        (
            AuthError::Invalid,
            ErrCode::Auth,
            "authentication failed",
            "invalid-credentials",
        ),
        (
            AuthError::Locked { retry_after: 42 },
            ErrCode::LoginDelay,
            "too many failed attempts, retry in 42 s",
            "locked",
        ),
        (
            AuthError::Disabled,
            ErrCode::Auth,
            "account disabled",
            "disabled",
        ),
        (
            AuthError::Store(StoreError::Invalid("boom".into())),
            ErrCode::SysTemp,
            "temporary server failure, try again later (error id E1)",
            "server-error",
        ),
    ];
    for (err, code, text, reason) in table {
        let r = auth_reply(&err, "mail.example", "E1");
        assert_eq!((r.code, r.text.as_str(), r.reason), (code, text, reason));
        assert!(
            !r.text.contains("boom"),
            "store details never reach the client"
        );
    }
}

#[test]
fn uidl_is_uidvalidity_dot_uid() {
    assert_eq!(uidl(7, 42), "7.42");
    assert_eq!(uidl(u32::MAX, u32::MAX), "4294967295.4294967295");
    // RFC 1939 §7: at most 70 characters in 0x21..=0x7E.
    assert!(uidl(u32::MAX, u32::MAX).len() <= 70);
}

/// The size the store records at delivery is the size POP3 announces.
#[test]
fn store_crlf_size_agrees_with_pop3_octet_size() {
    let cases: &[&[u8]] = &[
        b"",
        b"a",
        b"a\r\n",
        b"a\nb\n",
        b"a\rb\r",
        b"a\r\r\nb",
        b"a\n\rb",
        b"\n",
        b"\r\n\r\n",
        b".x\r\n..\r\n",
        b"x\r\n.\r\n",
        b"Subject: t\r\n\r\nbody without end",
        b"\r",
        b"\r\r\n\n",
    ];
    for raw in cases {
        assert_eq!(
            vesontio_store::crlf_size(raw) as u64,
            vesontio_pop3_proto::octet_size(raw),
            "{:?}",
            String::from_utf8_lossy(raw)
        );
    }
    let mut x: u64 = 0x1234_5678;
    for _ in 0..2000 {
        let raw: Vec<u8> = (0..(x % 200))
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                [b'a', b'\r', b'\n', b'.', b' '][(x % 5) as usize]
            })
            .collect();
        assert_eq!(
            vesontio_store::crlf_size(&raw) as u64,
            vesontio_pop3_proto::octet_size(&raw),
            "{:?}",
            raw
        );
    }
}
