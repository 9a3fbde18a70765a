//! DKIM signing (RFC 6376) verified by mail-auth, and SPF/DKIM/DMARC
//! evaluation against a static zone.

use std::net::IpAddr;
use std::sync::Arc;

use super::super::dkim::{Signer, generate_ed25519_pem};
use super::sink::Sink;
use super::*;
use crate::inbound_auth::{AuthDns, evaluate};

const ALICE: &str = "alice@local.test";
const BOB: &str = "bob@remote.test";

fn ip(s: &str) -> IpAddr {
    s.parse().expect("ip")
}

/// The zone of local.test: its key, SPF and DMARC policy.
fn zone(signer: &Signer) -> StaticDns {
    StaticDns::new()
        .txt(&signer.dns_name(), &signer.dns_txt_record())
        .txt("local.test", "v=spf1 ip4:192.0.2.10 -all")
        .txt("_dmarc.local.test", "v=DMARC1; p=reject")
        .ip("local.test", ip("192.0.2.10"))
}

fn signer() -> Signer {
    let (pem, txt) = generate_ed25519_pem().expect("key");
    assert!(pem.starts_with("-----BEGIN PRIVATE KEY-----\n"), "{pem}");
    let s = Signer::from_pem("local.test", "vesontio", &pem).expect("signer");
    // The generated record is the one the signer publishes.
    assert_eq!(s.dns_txt_record(), txt);
    assert!(txt.starts_with("v=DKIM1; k=ed25519; p="));
    assert_eq!(s.dns_name(), "vesontio._domainkey.local.test");
    s
}

#[tokio::test]
async fn dkim_signature_verifies_and_all_pass() {
    let s = signer();
    let dns = AuthDns::offline(&zone(&s)).expect("dns");
    let signed = s.sign_message(&message(ALICE, BOB)).expect("sign");
    let head = String::from_utf8_lossy(&signed);
    assert!(head.starts_with("DKIM-Signature: "), "{head}");
    assert!(head.contains("d=local.test"));
    assert!(head.contains("s=vesontio"));
    assert!(head.contains("a=ed25519-sha256"));

    let v = evaluate(
        &dns,
        &signed,
        ip("192.0.2.10"),
        "mx.local.test",
        Some(ALICE),
        "mx.remote.test",
    )
    .await;
    let ar = v.field.clone();
    assert!(
        ar.starts_with("Authentication-Results: mx.remote.test;"),
        "{ar}"
    );
    assert!(ar.contains("dkim=pass"), "{ar}");
    assert!(ar.contains("header.d=local.test"), "{ar}");
    assert!(ar.contains("spf=pass"), "{ar}");
    assert!(ar.contains("smtp.mailfrom=alice@local.test"), "{ar}");
    assert!(ar.contains("dmarc=pass"), "{ar}");
    assert!(ar.ends_with("\r\n"));
    assert!(v.sender_authenticated);
}

#[tokio::test]
async fn tampered_body_and_foreign_ip_fail() {
    let s = signer();
    let dns = AuthDns::offline(&zone(&s)).expect("dns");
    let mut signed = s.sign_message(&message(ALICE, BOB)).expect("sign");
    signed.extend_from_slice(b"P.S. added on the way\r\n");
    let v = evaluate(
        &dns,
        &signed,
        ip("203.0.113.5"),
        "evil.example",
        Some(ALICE),
        "mx.remote.test",
    )
    .await;
    let ar = v.field.clone();
    // mail-auth reports a body hash mismatch as `neutral` with the reason
    // (RFC 6376 §3.7: the signature does not verify, so it is not a pass).
    assert!(
        ar.contains("dkim=neutral (body hash did not verify)"),
        "{ar}"
    );
    assert!(!ar.contains("dkim=pass"), "{ar}");
    assert!(ar.contains("spf=fail"), "{ar}");
    assert!(ar.contains("dmarc=fail"), "{ar}");
    assert!(!v.sender_authenticated, "a forged sender gets no DSN");
}

#[tokio::test]
async fn unknown_domain_gives_none() {
    let dns = AuthDns::offline(&StaticDns::new()).expect("dns");
    let raw = message("someone@elsewhere.example", BOB);
    let v = evaluate(
        &dns,
        &raw,
        ip("198.51.100.7"),
        "h.elsewhere.example",
        Some("someone@elsewhere.example"),
        "mx.remote.test",
    )
    .await;
    let ar = v.field.clone();
    assert!(ar.contains("spf=none"), "{ar}");
    assert!(ar.contains("dmarc=none"), "{ar}");
    assert!(!ar.contains("dkim=pass"), "{ar}");
    assert!(!v.sender_authenticated);
}

/// DSNs only to an authenticated envelope sender: SPF for its domain, or
/// a DKIM pass aligned with it; the null sender never.
#[tokio::test]
async fn sender_authentication_for_dsns() {
    let s = signer();
    let dns = AuthDns::offline(&zone(&s)).expect("dns");
    let signed = s.sign_message(&message(ALICE, BOB)).expect("sign");
    let check = |ip_: &'static str, mail_from: Option<&'static str>| {
        let (dns, signed) = (&dns, &signed);
        async move {
            evaluate(
                dns,
                signed,
                ip(ip_),
                "mx.local.test",
                mail_from,
                "mx.remote.test",
            )
            .await
            .sender_authenticated
        }
    };
    // SPF fails from elsewhere, the aligned DKIM signature passes.
    assert!(check("203.0.113.5", Some(ALICE)).await);
    assert!(check("203.0.113.5", Some("bounces@lists.local.test")).await);
    // DKIM d=local.test says nothing about another domain, nor SPF from here.
    assert!(!check("203.0.113.5", Some("victim@forged.example")).await);
    assert!(!check("203.0.113.5", Some("x@notlocal.test")).await);
    // SPF alone.
    let plain = message(ALICE, BOB);
    let v = evaluate(
        &dns,
        &plain,
        ip("192.0.2.10"),
        "mx.local.test",
        Some(ALICE),
        "h",
    )
    .await;
    assert!(v.sender_authenticated);
    let v = evaluate(
        &dns,
        &plain,
        ip("203.0.113.5"),
        "mx.local.test",
        Some(ALICE),
        "h",
    )
    .await;
    assert!(!v.sender_authenticated);
    // Null sender: never.
    assert!(!check("192.0.2.10", None).await);
    assert!(crate::inbound_auth::aligned("Local.Test.", "local.test"));
    assert!(!crate::inbound_auth::aligned(
        "evillocal.test",
        "local.test"
    ));
}

#[test]
fn bad_pem_is_an_error() {
    assert!(Signer::from_pem("local.test", "s", "not a key").is_err());
}

#[tokio::test]
async fn runner_signs_mail_of_a_dkim_domain() {
    let env = store().await;
    let sink = Sink::start(false).await;
    let s = Arc::new(signer());
    let dns = AuthDns::offline(&zone(&s)).expect("dns");
    let mut cfg = config(vec![("remote.test", &sink.addr)]);
    cfg.dkim = vec![s.clone()];
    let r = runner(cfg, &env.store);
    enqueue(&env.store, ALICE, &[(BOB, None)], message(ALICE, BOB)).await;
    assert_eq!(r.run_once(NOW).await, 1);
    let got = sink.messages();
    assert_eq!(got.len(), 1);
    assert!(got[0].data.starts_with(b"DKIM-Signature: "));
    let v = evaluate(
        &dns,
        &got[0].data,
        ip("192.0.2.10"),
        "mx.local.test",
        Some(ALICE),
        "mx.remote.test",
    )
    .await;
    let ar = v.field.clone();
    assert!(ar.contains("dkim=pass"), "{ar}");
}
