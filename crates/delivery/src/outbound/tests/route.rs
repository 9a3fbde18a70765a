//! Route choice (RFC 5321 §5.1, RFC 7505) against a static zone.

use std::net::IpAddr;
use std::sync::Arc;

use super::super::StaticDns;
use super::super::route::{Hop, Route, RouteError, Router};

fn ip(s: &str) -> IpAddr {
    s.parse().expect("ip")
}

fn zone() -> StaticDns {
    StaticDns::new()
        // Listed out of order on purpose.
        .mx("example.org", 20, "mx2.example.org.")
        .mx("example.org", 10, "mx1.example.org")
        .mx("example.org", 30, "mx3.example.org")
        .ip("mx1.example.org", ip("192.0.2.1"))
        .ip("mx1.example.org", ip("2001:db8::1"))
        .ip("mx2.example.org", ip("192.0.2.2"))
        // mx3 has no address at all: skipped.
        .ip("bare.example", ip("192.0.2.9"))
        .mx("nomail.example", 0, ".")
        .servfail("broken.example")
}

fn router(routes: &[(&str, &str)]) -> Router {
    Router::new(
        routes
            .iter()
            .map(|(d, a)| (d.to_string(), a.to_string()))
            .collect(),
        Arc::new(zone()),
    )
}

#[tokio::test]
async fn mx_by_preference() {
    let r = router(&[]);
    assert_eq!(
        r.route("Example.ORG").await,
        Ok(Route::Mx(vec![
            "mx1.example.org".into(),
            "mx2.example.org".into(),
            "mx3.example.org".into()
        ]))
    );
    let hops = r.hops("example.org").await.expect("hops");
    assert_eq!(
        hops,
        vec![
            Hop {
                name: "mx1.example.org".into(),
                addr: "192.0.2.1:25".into()
            },
            Hop {
                name: "mx1.example.org".into(),
                addr: "[2001:db8::1]:25".into()
            },
            Hop {
                name: "mx2.example.org".into(),
                addr: "192.0.2.2:25".into()
            },
        ]
    );
}

#[tokio::test]
async fn implicit_mx_when_no_mx_record() {
    let r = router(&[]);
    assert_eq!(
        r.route("bare.example").await,
        Ok(Route::Mx(vec!["bare.example".into()]))
    );
    assert_eq!(
        r.hops("bare.example").await,
        Ok(vec![Hop {
            name: "bare.example".into(),
            addr: "192.0.2.9:25".into()
        }])
    );
}

#[tokio::test]
async fn null_mx_is_a_permanent_failure() {
    let r = router(&[]);
    let Err(RouteError::Permanent(reply)) = r.route("nomail.example").await else {
        panic!("null MX must fail permanently");
    };
    assert_eq!(reply.code, 556);
    assert_eq!(
        reply.enhanced.map(|e| e.to_string()).as_deref(),
        Some("5.1.10")
    );
}

#[tokio::test]
async fn nxdomain_is_permanent_servfail_is_transient() {
    let r = router(&[]);
    match r.hops("nowhere.example").await {
        Err(RouteError::Permanent(reply)) => {
            assert_eq!(reply.code, 550);
            assert_eq!(
                reply.enhanced.map(|e| e.to_string()).as_deref(),
                Some("5.1.2")
            );
        }
        other => panic!("unexpected {other:?}"),
    }
    match r.hops("broken.example").await {
        Err(RouteError::Transient(reply)) => assert_eq!(reply.code, 451),
        other => panic!("unexpected {other:?}"),
    }
}

#[tokio::test]
async fn static_routes_win_and_star_is_a_smarthost() {
    let r = router(&[("example.org", "127.0.0.1:2525"), ("*", "relay.local:587")]);
    assert_eq!(
        r.route("EXAMPLE.org").await,
        Ok(Route::Static("127.0.0.1:2525".into()))
    );
    // Even a null-MX domain goes to the smarthost: it decides.
    assert_eq!(
        r.route("nomail.example").await,
        Ok(Route::Static("relay.local:587".into()))
    );
    assert_eq!(
        r.hops("example.org").await,
        Ok(vec![Hop {
            name: "127.0.0.1".into(),
            addr: "127.0.0.1:2525".into()
        }])
    );
}
