//! Unit tests: configuration texts, reply conversions, trace fields and
//! the AUTH refusal table.

use std::time::Duration;

use vesontio_directory::AuthError;
use vesontio_smtp_proto::{
    EnhancedCode, ForwardPath, Mailbox, Notify, Orcpt, RcptParams, Reply, ReversePath,
};
use vesontio_types::Address;

use crate::decide::auth_refusal;
use crate::transaction::{recipient, sender, wire_reply};
use crate::*;

fn cfg() -> SmtpConfig {
    SmtpConfig {
        hostname: "mx.test".into(),
        size_limit: 10 * 1024 * 1024,
        max_recipients: 100,
        max_line_length: 4096,
        max_bad_commands: 10,
        command_timeout: Duration::from_secs(300),
        data_timeout: Duration::from_secs(180),
        data_termination_timeout: Duration::from_secs(600),
        large_file_url: "https://mx.test/files".into(),
        webmail_url: "https://mx.test/".into(),
        data_line_endings: LineEndings::Refuse,
        data_in_memory: DATA_IN_MEMORY,
        spool_dir: std::env::temp_dir(),
        rcpt_limits: RcptLimits {
            soft: 10,
            hard: 20,
            delay: Duration::from_millis(1),
            memory: Duration::from_secs(3600),
        },
    }
}

#[test]
fn size_text_names_limit_and_service() {
    assert_eq!(
        cfg().size_limit_text(),
        "Message too large: the limit is 10 MB. Send large files with the file transfer service https://mx.test/files"
    );
    let table = [
        (10 * 1024 * 1024, "10 MB"),
        (2048, "2 KB"),
        (1000, "1000 bytes"),
        (1024 * 1024 + 1, "1048577 bytes"),
    ];
    for (n, want) in table {
        assert_eq!(human_size(n), want, "{n}");
    }
}

#[test]
fn listener_ports_and_protocols() {
    let table = [
        (Listener::Mx, 25, "smtp", "mx"),
        (Listener::Submission, 587, "submission", "submission"),
        (Listener::Submissions, 465, "submission", "submissions"),
    ];
    for (l, port, proto, name) in table {
        assert_eq!(l.default_port(), port);
        assert_eq!(l.protocol().as_str(), proto);
        assert_eq!(l.as_str(), name);
    }
}

#[test]
fn auth_errors_map_to_rfc4954_replies() {
    let url = "https://mx.test/";
    let (why, r) = auth_refusal(&AuthError::Invalid, url);
    assert_eq!(
        (why, r.code, r.text.as_str()),
        ("invalid", 535, "Authentication credentials invalid")
    );
    assert_eq!(r.enhanced, Some(EnhancedCode::new(5, 7, 8)));
    let (why, r) = auth_refusal(&AuthError::Disabled, url);
    assert_eq!((why, r), ("disabled", Reply::auth_failed()));
    let (why, r) = auth_refusal(&AuthError::Locked { retry_after: 42 }, url);
    assert_eq!(
        (why, r),
        (
            "locked",
            Reply::new(
                454,
                EnhancedCode::new(4, 7, 0),
                "Too many failed attempts, retry in 42 seconds"
            )
        )
    );
    let (why, r) = auth_refusal(
        &AuthError::Store(vesontio_store::StoreError::Invalid("x".into())),
        url,
    );
    assert_eq!(
        (why, r.code, r.enhanced),
        ("store_error", 454, Some(EnhancedCode::new(4, 7, 0)))
    );
    assert!(r.text.contains("error id "), "{}", r.text);
}

#[test]
fn delivery_replies_become_wire_replies() {
    let r = wire_reply(&vesontio_delivery::Refused::new(
        vesontio_delivery::Rule::Other,
        550,
        "5.1.1",
        "No such user",
    ));
    assert_eq!(
        r,
        Reply::new(550, EnhancedCode::new(5, 1, 1), "No such user")
    );
    let r = wire_reply(&vesontio_delivery::Refused::new(
        vesontio_delivery::Rule::Other,
        452,
        "",
        "later",
    ));
    assert_eq!(r, Reply::plain(452, "later"));
    // A success passed as an error must never turn into a 2xx.
    let r = wire_reply(&vesontio_delivery::Refused::new(
        vesontio_delivery::Rule::Other,
        250,
        "2.0.0",
        "ok",
    ));
    assert_eq!(
        (r.code, r.enhanced),
        (451, Some(EnhancedCode::new(4, 3, 0)))
    );
}

#[test]
fn envelope_paths() {
    let mb = |l: &str, d: &str| Mailbox {
        local_part: l.into(),
        domain: d.into(),
    };
    assert_eq!(sender(&ReversePath::Null), Ok(None));
    assert_eq!(
        sender(&ReversePath::Mailbox(mb("Jean.Dupont", "AC-Test.fr"))),
        Ok(Some(
            Address::parse("Jean.Dupont@ac-test.fr").expect("address")
        ))
    );
    let pm = Address::parse("postmaster@ac-test.fr").expect("address");
    let params = RcptParams {
        notify: Some(Notify {
            success: true,
            failure: true,
            ..Notify::default()
        }),
        orcpt: Some(Orcpt {
            addr_type: "rfc822".into(),
            address: "x@y.test".into(),
        }),
    };
    let r = recipient(&ForwardPath::Postmaster, &params, &pm).expect("postmaster");
    assert_eq!(r.address, pm);
    assert_eq!(r.notify.as_deref(), Some("SUCCESS,FAILURE"));
    assert_eq!(r.orcpt.as_deref(), Some("rfc822;x@y.test"));
    let bad = recipient(
        &ForwardPath::Mailbox(mb("a", "[192.0.2.1]")),
        &RcptParams::default(),
        &pm,
    );
    if let Ok(r) = &bad {
        // If the platform ever accepts address literals, it must keep them.
        assert_eq!(r.address.domain(), "[192.0.2.1]");
    } else {
        let e = bad.expect_err("checked");
        assert_eq!(
            (e.code, e.enhanced),
            (553, Some(EnhancedCode::new(5, 1, 3)))
        );
    }
}
