//! R16 quota warning and R17 holds.

use super::*;

#[test]
fn r16_quota_crossing_table() {
    let q = 1000 * MB;
    let t = 900 * MB; // 90 %
    let cases: &[(u64, u64, u64, u8, bool)] = &[
        (0, t - 1, q, 90, false),
        (t - 1, t, q, 90, true),
        (0, q, q, 90, true),
        (t, t + 1, q, 90, false),     // already above: warned before
        (t + 5, t - 5, q, 90, false), // going down
        (t, t, q, 90, false),
        (0, u64::MAX, u64::MAX, 90, true),
        (0, 100, 0, 90, false), // no quota
        (99, 100, 100, 100, true),
    ];
    for &(before, after, quota, pct, want) in cases {
        assert_eq!(
            quota_crossed_warning(before, after, quota, pct),
            want,
            "{before} -> {after} of {quota} at {pct}"
        );
    }
    let n = quota_warning_notice(t, q, 90);
    assert_eq!(
        n.subject,
        "Votre boîte aux lettres est pleine à 90 % / Your mailbox is 90 % full"
    );
    assert!(n.text.contains("utilise 900 Mo sur 1000 Mo"));
    assert!(n.text.contains("uses 900 MB of 1000 MB"));
    assert!(
        !n.text.contains("http") && !n.text.contains("www"),
        "no links in quota warnings"
    );
}

#[test]
fn r17_hold_and_room() {
    let hold = 5 * DAY;
    assert!(!held_expired(NOW, NOW, hold));
    assert!(!held_expired(NOW, NOW + hold - 1, hold));
    assert!(held_expired(NOW, NOW + hold, hold));
    assert!(
        !held_expired(NOW, NOW - DAY, hold),
        "clock skew does not expire"
    );
    assert!(quota_allows(900, 100, 1000));
    assert!(!quota_allows(900, 101, 1000));
    assert!(quota_allows(u64::MAX, 1, 0));
    assert!(!quota_allows(u64::MAX, 1, u64::MAX));
    let r = mailbox_full_refusal("paul@ac-demo.fr");
    assert_eq!((r.code, r.enhanced), (452, "4.2.2"));
    assert!(texts::held_for_quota_text("paul@ac-demo.fr", 5).contains("dans 5 jours"));
    assert!(texts::held_expired_text("paul@ac-demo.fr", 5).contains("for 5 days"));
}
