//! Dates and sizes as French (or English) readers expect them. Times are
//! shown in Europe/Paris: the académies are in metropolitan France (the
//! EU summer-time rule, Directive 2000/84/EC: from the last Sunday of March
//! to the last Sunday of October, at 01:00 UTC).

use chrono::{DateTime, Datelike, Duration, NaiveDate, TimeZone, Utc, Weekday};

use crate::i18n::{Lang, T};

fn last_sunday(year: i32, month: u32) -> NaiveDate {
    let next = if month == 12 {
        NaiveDate::from_ymd_opt(year + 1, 1, 1)
    } else {
        NaiveDate::from_ymd_opt(year, month + 1, 1)
    };
    let mut d = next.unwrap_or_default() - Duration::days(1);
    while d.weekday() != Weekday::Sun {
        d -= Duration::days(1);
    }
    d
}

/// Paris local time of a Unix time, as a naive date-time.
pub fn paris(ts: i64) -> chrono::NaiveDateTime {
    let utc = Utc.timestamp_opt(ts, 0).single().unwrap_or_default();
    let y = utc.year();
    let at_one = |d: NaiveDate| {
        d.and_hms_opt(1, 0, 0)
            .map(|n| Utc.from_utc_datetime(&n))
            .unwrap_or_default()
    };
    let summer = utc >= at_one(last_sunday(y, 3)) && utc < at_one(last_sunday(y, 10));
    let offset = if summer { 2 } else { 1 };
    (utc + Duration::hours(offset)).naive_utc()
}

/// A list's date column: the time for today, the date otherwise.
pub fn short_date(ts: i64, now: i64, lang: Lang) -> String {
    let (d, today) = (paris(ts), paris(now));
    if d.date() == today.date() {
        d.format("%H:%M").to_string()
    } else if lang == Lang::En {
        d.format("%Y-%m-%d").to_string()
    } else {
        d.format("%d/%m/%Y").to_string()
    }
}

/// A message's full date: "mardi 2 décembre 2026 à 05:10".
pub fn long_date(ts: i64, t: &T) -> String {
    let d = paris(ts);
    let day = t.get(&format!("day.{}", d.weekday().num_days_from_monday()));
    let month = t.get(&format!("month.{}", d.month()));
    t.get("date.long")
        .replace("{wd}", day)
        .replace("{d}", &d.day().to_string())
        .replace("{m}", month)
        .replace("{y}", &d.year().to_string())
        .replace("{hm}", &d.format("%H:%M").to_string())
}

/// Sizes in French units (octets, ko, Mo, Go; 1024-based like the quota),
/// with a decimal comma in French.
pub fn size(bytes: i64, t: &T) -> String {
    let b = bytes.max(0) as f64;
    let (v, unit) = if b < 1024.0 {
        return format!("{} {}", bytes.max(0), t.get("unit.b"));
    } else if b < 1024.0 * 1024.0 {
        (b / 1024.0, "unit.kb")
    } else if b < 1024.0 * 1024.0 * 1024.0 {
        (b / 1024.0 / 1024.0, "unit.mb")
    } else {
        (b / 1024.0 / 1024.0 / 1024.0, "unit.gb")
    };
    let n = if v < 10.0 {
        format!("{v:.1}")
    } else {
        format!("{v:.0}")
    };
    let n = if t.lang == Lang::Fr {
        n.replace('.', ",")
    } else {
        n
    };
    // A no-break space between number and unit, as French typography wants.
    format!("{n}\u{a0}{}", t.get(unit))
}

#[allow(dead_code)]
pub fn utc(ts: i64) -> DateTime<Utc> {
    Utc.timestamp_opt(ts, 0).single().unwrap_or_default()
}
