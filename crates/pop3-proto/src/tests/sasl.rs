//! Known-answer table for AUTH PLAIN responses (RFC 4616 §2, RFC 5034 §4).

use crate::{SaslError, decode_plain};

#[test]
fn known_answers() {
    // (base64, Ok((authzid, authcid, password)) or Err)
    type Want = Result<(Option<&'static str>, &'static str, &'static str), SaslError>;
    let table: &[(&str, Want)] = &[
        ("AGFsaWNlAHNlY3JldA==", Ok((None, "alice", "secret"))),
        (
            "YWxpY2UAYWxpY2UAc2VjcmV0",
            Ok((Some("alice"), "alice", "secret")),
        ),
        (
            "YWRtaW4AYWxpY2UAc2VjcmV0",
            Ok((Some("admin"), "alice", "secret")),
        ),
        // Missing padding, bad characters.
        ("AGFsaWNlAHNlY3JldA", Err(SaslError::Base64)),
        ("!!!!", Err(SaslError::Base64)),
        ("AGFsaWNl AHNlY3JldA==", Err(SaslError::Base64)),
        // RFC 5034 §4: "=" is the empty response.
        ("=", Err(SaslError::Malformed)),
        ("", Err(SaslError::Malformed)),
        ("AABzZWNyZXQ=", Err(SaslError::Malformed)), // empty authcid
        ("AGFsaWNlAA==", Err(SaslError::Malformed)), // empty password
        ("YWxpY2U=", Err(SaslError::Malformed)),     // no NUL
        ("AGFsaWNlAHNlYwByZXQ=", Err(SaslError::Malformed)), // four parts
        ("AP8Acw==", Err(SaslError::Malformed)),     // authcid not UTF-8
    ];
    for (b64, want) in table {
        let got = decode_plain(b64).map(|c| (c.authzid, c.authcid, c.password.expose().clone()));
        let want = want.map(|(z, c, p)| (z.map(str::to_owned), c.to_owned(), p.to_owned()));
        assert_eq!(got, want, "input {b64:?}");
    }
}
