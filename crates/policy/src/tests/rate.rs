//! R5 recipients per message and per hour.

use super::*;

#[test]
fn r5_recipients_per_message() {
    assert!(check_recipients_per_message(1, 50).is_ok());
    assert!(check_recipients_per_message(50, 50).is_ok());
    let r = check_recipients_per_message(51, 50).unwrap_err();
    assert_eq!((r.code, r.enhanced), (452, "4.5.3"));
    assert!(!r.is_permanent());
    assert!(r.text.contains("50 au plus par message"));
}

#[test]
fn r5_sliding_window_known_answers() {
    let mut w = RateWindow::hourly();
    assert!(w.is_idle(NOW));
    // NOW is a multiple of 60: buckets line up with minutes.
    assert_eq!(NOW % 60, 0);
    w.record(NOW, 100);
    w.record(NOW + 30, 50);
    assert_eq!(w.clone().count(NOW + 60), 150);
    w.record(NOW + 20 * 60, 40);
    // (time, expected count)
    let table: &[(i64, u64)] = &[
        (NOW + 20 * 60, 190),
        (NOW + 59 * 60, 190),
        (NOW + HOUR - 1, 190),
        // The first minute's bucket leaves the window one hour after its end.
        (NOW + HOUR, 190),
        (NOW + HOUR + 59, 190),
        (NOW + HOUR + 60, 40),
        (NOW + HOUR + 20 * 60 + 59, 40),
        (NOW + HOUR + 21 * 60, 0),
    ];
    for &(t, want) in table {
        assert_eq!(w.clone().count(t), want, "t = NOW + {}", t - NOW);
    }
    assert!(!w.clone().would_exceed(NOW + 60, 10, 200));
    assert!(w.clone().would_exceed(NOW + 60, 11, 200));
    assert!(!w.clone().would_exceed(NOW + HOUR + 60, 160, 200));
}

#[test]
fn r5_window_memory_is_bounded_and_clock_skew_safe() {
    let mut w = RateWindow::hourly();
    for i in 0..100_000 {
        w.record(NOW + i, 1);
    }
    assert!(w.buckets.len() <= 61, "{}", w.buckets.len());
    assert_eq!(w.count(NOW + 100_000), 3600 + 40);
    // A clock going backwards never lowers the count.
    let mut w = RateWindow::hourly();
    w.record(NOW, 5);
    w.record(NOW - 10 * 60, 5);
    assert_eq!(w.count(NOW), 10);
}

#[test]
fn r5_hourly_check_records_only_when_allowed() {
    let mut w = RateWindow::hourly();
    assert!(check_hourly_rate(&mut w, NOW, 150, 200).is_ok());
    let r = check_hourly_rate(&mut w, NOW + 60, 60, 200).unwrap_err();
    assert_eq!((r.code, r.enhanced), (450, "4.7.1"));
    assert_eq!(w.count(NOW + 60), 150, "a refused message is not counted");
    assert!(check_hourly_rate(&mut w, NOW + 60, 50, 200).is_ok());
    assert!(check_hourly_rate(&mut w, NOW + 120, 1, 200).is_err());
    assert!(check_hourly_rate(&mut w, NOW + HOUR + 120, 200, 200).is_ok());
}
