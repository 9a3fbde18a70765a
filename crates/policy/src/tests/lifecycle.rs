//! R12 departures, R13 inactive functional mailboxes, R14 forwarding copies, and the dates their notices print.

use super::*;

#[test]
fn r12_departure_table() {
    let year = 365 * DAY;
    let two_months = 61 * DAY;
    let left = NOW - year;
    assert!(departed_due(left, NOW, year));
    assert!(!departed_due(left + 1, NOW, year));
    assert!(!departure_warning_due(NOW, NOW, year, two_months, false));
    assert!(departure_warning_due(
        NOW - (year - two_months),
        NOW,
        year,
        two_months,
        false
    ));
    assert!(!departure_warning_due(
        NOW - (year - two_months) + 1,
        NOW,
        year,
        two_months,
        false
    ));
    assert!(!departure_warning_due(
        NOW - year,
        NOW,
        year,
        two_months,
        true
    ));

    use DepartedAction::*;
    // (departed_at, warned_at, expected)
    let rows: &[(i64, Option<i64>, DepartedAction)] = &[
        (NOW - DAY, None, Nothing),
        (NOW - (year - two_months), None, Warn),
        (NOW - (year - two_months), Some(NOW), Nothing),
        (NOW - year, Some(NOW - two_months), Delete),
        (NOW - year, Some(NOW - two_months + 1), Nothing), // warning period not over
        (NOW - 2 * year, None, Warn),                      // recorded late: warn first
        (NOW - 2 * year, Some(NOW - DAY), Nothing),
        (NOW - 2 * year, Some(NOW - two_months), Delete),
    ];
    for &(departed, warned, want) in rows {
        assert_eq!(
            departed_action(departed, warned, NOW, year, two_months),
            want,
            "{departed} {warned:?}"
        );
    }
    let n = departure_warning_notice(NOW + two_months);
    assert!(
        n.subject.contains("le 02/05/2026") && n.subject.contains("on 2026-05-02"),
        "{}",
        n.subject
    );
}

#[test]
fn r13_functional_inactivity_table() {
    let six_months = 183 * DAY;
    let created = NOW - 2 * six_months;
    let rows: &[(Option<i64>, i64, bool)] = &[
        (None, created, true),
        (None, NOW - six_months + 1, false),
        (Some(NOW - six_months), created, true),
        (Some(NOW - six_months + 1), created, false),
        (Some(created - 10 * six_months), NOW, false), // read "before" creation counts from creation
    ];
    for &(last_read, created, want) in rows {
        assert_eq!(
            functional_inactive(last_read, created, NOW, six_months),
            want,
            "{last_read:?} {created}"
        );
    }
}

#[test]
fn r14_forward_no_copy_table() {
    let four_months = 122 * DAY;
    let since = NOW - 10 * four_months;
    let rows: &[(bool, bool, Option<i64>, bool)] = &[
        (true, true, None, true),
        (true, true, Some(NOW - four_months), true),
        (true, true, Some(NOW - four_months + 1), false),
        (true, false, None, false), // already no copy
        (false, true, None, false), // not forwarding
    ];
    for &(fwd, keep, last_read, want) in rows {
        assert_eq!(
            forward_no_copy_due(fwd, keep, last_read, since, NOW, four_months),
            want,
            "{fwd} {keep} {last_read:?}"
        );
    }
    assert!(
        !forward_no_copy_due(true, true, None, NOW - DAY, NOW, four_months),
        "counts from the forward's start"
    );
    assert!(
        texts::forward_no_copy_notice("moi@example.org")
            .text
            .contains("redirigés vers moi@example.org")
    );
}

#[test]
fn dates_known_answers() {
    let rows: &[(i64, &str, &str)] = &[
        (0, "01/01/1970", "1970-01-01"),
        (NOW, "02/03/2026", "2026-03-02"),
        (951_782_400, "29/02/2000", "2000-02-29"),
        (-1, "31/12/1969", "1969-12-31"),
    ];
    for &(t, fr, iso) in rows {
        assert_eq!(date_fr_iso(t), (fr.to_string(), iso.to_string()), "{t}");
    }
}
