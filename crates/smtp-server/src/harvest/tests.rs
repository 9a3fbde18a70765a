#![allow(clippy::unwrap_used)]
use super::*;

const LIMITS: RcptLimits = RcptLimits {
    soft: 10,
    hard: 20,
    delay: Duration::from_secs(1),
    memory: Duration::from_secs(3600),
};

#[test]
fn verdicts_follow_the_soft_and_hard_limits() {
    for n in 1..=10 {
        assert_eq!(LIMITS.verdict(n), Verdict::Answer, "{n}");
    }
    assert_eq!(LIMITS.verdict(11), Verdict::Delay(Duration::from_secs(1)));
    assert_eq!(LIMITS.verdict(15), Verdict::Delay(Duration::from_secs(5)));
    assert_eq!(LIMITS.verdict(19), Verdict::Delay(Duration::from_secs(9)));
    assert_eq!(LIMITS.verdict(20), Verdict::Close);
    assert_eq!(LIMITS.verdict(1000), Verdict::Close);
    let wide = RcptLimits {
        hard: 10_000,
        ..LIMITS
    };
    assert_eq!(wide.verdict(500), Verdict::Delay(MAX_DELAY));
}

#[test]
fn addresses_are_counted_across_sessions_and_forgotten() {
    let t = Tracker::default();
    let a: IpAddr = "192.0.2.7".parse().unwrap();
    let b: IpAddr = "192.0.2.8".parse().unwrap();
    let t0 = Instant::now();
    let hour = Duration::from_secs(3600);
    for n in 1..=5 {
        assert_eq!(t.fail(a, t0, hour), n);
    }
    assert_eq!(t.fail(b, t0, hour), 1);
    assert_eq!(t.fail(a, t0 + Duration::from_secs(60), hour), 6);
    // An hour after the last failure, the count starts again.
    assert_eq!(t.fail(a, t0 + Duration::from_secs(3661), hour), 1);
    t.clear(a);
    assert_eq!(t.fail(a, t0 + Duration::from_secs(3662), hour), 1);
}

#[test]
fn ipv6_is_counted_by_its_64_and_mapped_ipv4_as_ipv4() {
    let t = Tracker::default();
    let now = Instant::now();
    let hour = Duration::from_secs(3600);
    assert_eq!(t.fail("2001:db8:1:2::1".parse().unwrap(), now, hour), 1);
    assert_eq!(
        t.fail("2001:db8:1:2:ffff::9".parse().unwrap(), now, hour),
        2
    );
    assert_eq!(t.fail("2001:db8:1:3::1".parse().unwrap(), now, hour), 1);
    assert_eq!(t.fail("198.51.100.1".parse().unwrap(), now, hour), 1);
    assert_eq!(t.fail("::ffff:198.51.100.1".parse().unwrap(), now, hour), 2);
}

#[test]
fn the_table_is_bounded() {
    let t = Tracker::default();
    let now = Instant::now();
    let hour = Duration::from_secs(3600);
    for i in 0..MAX_TRACKED as u32 {
        t.fail(IpAddr::from(i.to_be_bytes()), now, hour);
    }
    let new: IpAddr = "203.0.113.1".parse().unwrap();
    // Full of fresh entries: a new address is not tracked.
    assert_eq!(t.fail(new, now, hour), 0);
    // Once they are stale, they make room.
    assert_eq!(t.fail(new, now + hour, hour), 1);
    assert_eq!(t.by_address.lock().unwrap().len(), 1);
}
