use super::*;

#[test]
fn size_known_answers() {
    let table: &[(&str, u64)] = &[
        ("10MB", 10 * 1024 * 1024),
        ("1GB", 1024 * 1024 * 1024),
        ("512KB", 512 * 1024),
        ("100B", 100),
        ("100", 100),
        ("0", 0),
        ("1.5GB", 1536 * 1024 * 1024),
        ("1.5 GiB", 1536 * 1024 * 1024),
        ("10 mb", 10 * 1024 * 1024),
        ("10M", 10 * 1024 * 1024),
        ("2KiB", 2048),
        ("1TB", 1 << 40),
        ("0.5KB", 512),
        ("1.3KB", 1331), // 1331.2, rounded down
        ("  7 kb ", 7 * 1024),
    ];
    for (text, bytes) in table {
        assert_eq!(ByteSize::parse(text), Ok(ByteSize(*bytes)), "{text}");
    }
}

#[test]
fn size_rejects() {
    for text in [
        "",
        "MB",
        "10 MBB",
        "ten MB",
        "-5MB",
        "1..5GB",
        "1.GB",
        ".5GB",
        "10 XB",
        "1.5.2MB",
        "99999999999TB",
        "1.0000000001MB",
    ] {
        let err = ByteSize::parse(text).unwrap_err();
        assert!(err.0.contains(&format!("{text:?}")), "{text}: {err}");
    }
}

#[test]
fn size_display_is_shortest_exact_form() {
    let table: &[(u64, &str)] = &[
        (0, "0B"),
        (100, "100B"),
        (1024, "1KB"),
        (1025, "1025B"),
        (10 * 1024 * 1024, "10MB"),
        (1536 * 1024 * 1024, "1536MB"),
        (1 << 30, "1GB"),
        (3 << 40, "3TB"),
    ];
    for (bytes, text) in table {
        assert_eq!(ByteSize(*bytes).to_string(), *text);
        assert_eq!(
            ByteSize::parse(text),
            Ok(ByteSize(*bytes)),
            "round trip {text}"
        );
    }
}

#[test]
fn duration_known_answers() {
    let table: &[(&str, u64)] = &[
        ("30s", 30),
        ("10m", 600),
        ("2h", 7200),
        ("5d", 5 * 86_400),
        ("2w", 14 * 86_400),
        ("4mo", 120 * 86_400),
        ("2mo", 60 * 86_400),
        ("6mo", 180 * 86_400),
        ("1y", 365 * 86_400),
        ("1h30m", 5400),
        ("1h 30m", 5400),
        ("5 days", 5 * 86_400),
        ("6 months", 180 * 86_400),
        ("1 year", 365 * 86_400),
        ("0s", 0),
    ];
    for (text, secs) in table {
        assert_eq!(
            HumanDuration::parse(text),
            Ok(HumanDuration::from_secs(*secs)),
            "{text}"
        );
    }
    assert_eq!(
        HumanDuration::parse("500ms").unwrap().duration(),
        Duration::from_millis(500)
    );
}

#[test]
fn duration_rejects() {
    for text in [
        "",
        "5",
        "d",
        "5x",
        "5 fortnights",
        "1h30",
        "-5d",
        "5D",
        "1.5h",
        "5d!",
    ] {
        let err = HumanDuration::parse(text).unwrap_err();
        assert!(err.0.contains(&format!("{text:?}")), "{text}: {err}");
    }
    assert!(
        HumanDuration::parse("5")
            .unwrap_err()
            .0
            .contains("without a unit")
    );
}

#[test]
fn duration_display_is_shortest_exact_form() {
    let table: &[(u64, &str)] = &[
        (0, "0s"),
        (30, "30s"),
        (90, "90s"),
        (600, "10m"),
        (5400, "90m"),
        (7200, "2h"),
        (5 * 86_400, "5d"),
        (14 * 86_400, "2w"),
        (60 * 86_400, "2mo"),
        (120 * 86_400, "4mo"),
        (360 * 86_400, "12mo"),
        (365 * 86_400, "1y"),
    ];
    for (secs, text) in table {
        let d = HumanDuration::from_secs(*secs);
        assert_eq!(d.to_string(), *text);
        assert_eq!(HumanDuration::parse(text), Ok(d), "round trip {text}");
    }
    assert_eq!(
        HumanDuration(Duration::from_millis(1500)).to_string(),
        "1500ms"
    );
}

#[test]
fn serde_uses_the_text_forms() {
    #[derive(Serialize, Deserialize, PartialEq, Debug)]
    struct T {
        size: ByteSize,
        bytes: ByteSize,
        delay: HumanDuration,
    }
    let t: T = toml::from_str("size = \"10MB\"\nbytes = 4096\ndelay = \"5d\"\n").unwrap();
    assert_eq!(
        t,
        T {
            size: ByteSize(10 << 20),
            bytes: ByteSize(4096),
            delay: HumanDuration::from_days(5)
        }
    );
    let text = toml::to_string(&t).unwrap();
    assert_eq!(text, "size = \"10MB\"\nbytes = \"4KB\"\ndelay = \"5d\"\n");
}

#[test]
fn display_then_parse_is_identity() {
    // A spread of values, including ones with no exact larger unit.
    let mut values = vec![0u64, 1, 999, 1023, 1024, 1025, u64::MAX];
    for shift in 0..63 {
        values.push(1u64 << shift);
        values.push((1u64 << shift) * 3);
        values.push((1u64 << shift) + 7);
    }
    for v in values {
        let size = ByteSize(v);
        assert_eq!(ByteSize::parse(&size.to_string()), Ok(size), "{v}");
    }
    for secs in [
        1u64,
        59,
        61,
        3599,
        3601,
        86_399,
        86_401,
        29 * 86_400,
        31 * 86_400,
        400 * 86_400,
    ] {
        let d = HumanDuration::from_secs(secs);
        assert_eq!(HumanDuration::parse(&d.to_string()), Ok(d), "{secs}");
    }
    for ms in [1u64, 999, 1001, 60_001] {
        let d = HumanDuration(Duration::from_millis(ms));
        assert_eq!(HumanDuration::parse(&d.to_string()), Ok(d), "{ms}ms");
    }
}
