//! The repository stands on its own, and `docs/charter.md` stays true:
//! - every rule R1–R27 has a row in the summary table and a section;
//! - every rule id used in a `.rs` or `.md` file (comments, docs, `fn r7_…`
//!   test names) has a row, so no rule is cited that the page does not state;
//! - the configuration keys and the tests the page names exist;
//! - every relative link in every Markdown file reaches a file (and a
//!   heading, for `#anchors`) inside the repository;
//! - no file refers to a place outside the repository.
//!
//! Plain file reading, no build products: the whole check takes milliseconds.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

const RULES: std::ops::RangeInclusive<u32> = 1..=27;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .expect("repository root")
}

/// Every file under the root with one of `exts`, skipping build output,
/// git data and fuzzing corpora.
fn files(exts: &[&str]) -> Vec<PathBuf> {
    fn walk(dir: &Path, exts: &[&str], out: &mut Vec<PathBuf>) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for e in entries.flatten() {
            let path = e.path();
            let name = e.file_name().to_string_lossy().into_owned();
            let Ok(kind) = e.file_type() else { continue };
            if kind.is_dir() {
                if !(name.starts_with('.')
                    || ["target", "corpus", "artifacts", "node_modules"].contains(&name.as_str()))
                {
                    walk(&path, exts, out);
                }
            } else if kind.is_file() && exts.iter().any(|x| name.ends_with(x)) {
                out.push(path);
            }
        }
    }
    let mut out = Vec::new();
    walk(&root(), exts, &mut out);
    out.sort();
    out
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn rel(path: &Path) -> String {
    path.strip_prefix(root())
        .unwrap_or(path)
        .display()
        .to_string()
}

fn is_word(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

/// Rule ids in `text`: `R7` as a whole word, and test functions named
/// `fn r7_…`. Returns (id, line number).
fn rule_ids(text: &str) -> Vec<(u32, usize)> {
    let mut out = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let b = line.as_bytes();
        for i in 0..b.len() {
            let (start, lower) = match b[i] {
                b'R' => (i + 1, false),
                b'r' if line[..i].ends_with("fn ") => (i + 1, true),
                _ => continue,
            };
            if i > 0 && is_word(b[i - 1]) {
                continue;
            }
            let end = start + b[start..].iter().take_while(|c| c.is_ascii_digit()).count();
            if end == start {
                continue;
            }
            let boundary = if lower {
                b.get(end) == Some(&b'_')
            } else {
                b.get(end).is_none_or(|&c| !is_word(c))
            };
            if boundary && let Ok(id) = line[start..end].parse() {
                out.push((id, n + 1));
            }
        }
    }
    out
}

/// Markdown text outside fenced blocks, with inline code blanked out, line
/// by line (so that `[x](y)` written as an example is not a link).
fn prose_lines(md: &str) -> Vec<(usize, String)> {
    let mut fence = false;
    let mut out = Vec::new();
    for (n, line) in md.lines().enumerate() {
        if line.trim_start().starts_with("```") {
            fence = !fence;
            continue;
        }
        if fence {
            continue;
        }
        let mut s = String::with_capacity(line.len());
        let mut code = false;
        for c in line.chars() {
            if c == '`' {
                code = !code;
                s.push(' ');
            } else {
                s.push(if code { ' ' } else { c });
            }
        }
        out.push((n + 1, s));
    }
    out
}

/// Targets of inline links `[text](target)` on one line of prose.
fn link_targets(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = line;
    while let Some(i) = rest.find("](") {
        let after = &rest[i + 2..];
        let Some(close) = after.find(')') else { break };
        let target = after[..close].split_whitespace().next().unwrap_or("");
        out.push(target.trim_matches(['<', '>']).to_string());
        rest = &after[close..];
    }
    out
}

/// GitHub's anchor for a heading: lower case, punctuation dropped, spaces
/// to hyphens; repeated headings get `-1`, `-2`…
fn anchors(md: &str) -> BTreeSet<String> {
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    let mut out = BTreeSet::new();
    let mut fence = false;
    for line in md.lines() {
        if line.trim_start().starts_with("```") {
            fence = !fence;
        }
        if fence || !line.starts_with('#') {
            continue;
        }
        let text = line.trim_start_matches('#').trim();
        let slug: String = text
            .to_lowercase()
            .chars()
            .filter(|c| c.is_alphanumeric() || matches!(c, ' ' | '-' | '_'))
            .map(|c| if c == ' ' { '-' } else { c })
            .collect();
        let n = seen.entry(slug.clone()).or_insert(0);
        out.insert(if *n == 0 {
            slug.clone()
        } else {
            format!("{slug}-{n}")
        });
        *n += 1;
    }
    out
}

fn charter() -> String {
    read(&root().join("docs/charter.md"))
}

/// Rule ids of the summary table's rows (`| [R7](#…) | …`).
fn table_rows(md: &str) -> Vec<u32> {
    md.lines()
        .filter_map(|l| {
            let cell = l.strip_prefix('|')?.split('|').next()?.trim();
            let id = cell.trim_start_matches('[').strip_prefix('R')?;
            let digits: String = id.chars().take_while(char::is_ascii_digit).collect();
            digits.parse().ok()
        })
        .collect()
}

/// Each rule section (`### R7 …`) and its lines, in order.
fn sections(md: &str) -> Vec<(u32, Vec<&str>)> {
    let mut out: Vec<(u32, Vec<&str>)> = Vec::new();
    for line in md.lines() {
        if line.starts_with("## ") {
            out.push((0, Vec::new())); // a group heading ends the section
        } else if let Some(h) = line.strip_prefix("### R") {
            let digits: String = h.chars().take_while(char::is_ascii_digit).collect();
            out.push((digits.parse().unwrap_or(0), Vec::new()));
        } else if let Some(last) = out.last_mut() {
            last.1.push(line);
        }
    }
    out.retain(|(id, _)| *id != 0);
    out
}

/// Inline code spans of a line.
fn code_spans(line: &str) -> Vec<&str> {
    line.split('`').skip(1).step_by(2).collect()
}

#[test]
fn charter_has_a_row_and_a_section_for_r1_to_r27() {
    let md = charter();
    let rows = table_rows(&md);
    let secs: Vec<u32> = sections(&md).iter().map(|(id, _)| *id).collect();
    let want: Vec<u32> = RULES.collect();
    assert_eq!(
        rows, want,
        "summary table rows of docs/charter.md, in order"
    );
    assert_eq!(secs, want, "### R<n> sections of docs/charter.md, in order");
    for (id, lines) in sections(&md) {
        for field in [
            "- Charter:",
            "- Config:",
            "- Enforced in:",
            "- Tests:",
            "- Status:",
        ] {
            assert!(
                lines.iter().any(|l| l.starts_with(field)),
                "R{id} in docs/charter.md has no `{field}` line"
            );
        }
        let status = lines
            .iter()
            .find_map(|l| l.strip_prefix("- Status: "))
            .unwrap_or("");
        assert!(
            ["enforced", "partial", "not yet"]
                .iter()
                .any(|s| status.starts_with(s)),
            "R{id}: status must start with enforced, partial or not yet: {status}"
        );
    }
}

#[test]
fn every_rule_id_in_the_repository_is_in_the_charter_table() {
    let rows: BTreeSet<u32> = table_rows(&charter()).into_iter().collect();
    let mut missing = Vec::new();
    let mut used = BTreeSet::new();
    for f in files(&[".rs", ".md"]) {
        for (id, line) in rule_ids(&read(&f)) {
            used.insert(id);
            if !rows.contains(&id) {
                missing.push(format!("{}:{line}: R{id}", rel(&f)));
            }
        }
    }
    assert!(
        missing.is_empty(),
        "rule ids without a row in docs/charter.md:\n{}",
        missing.join("\n")
    );
    // The scan itself works: the code cites rules everywhere.
    assert!(used.len() > 20, "only {used:?} found: is the scan broken?");
}

#[test]
fn rule_id_scanner_known_answers() {
    // Built at run time, so that this file cites no rule that does not exist.
    let r = |n: u32| format!("R{n}");
    let text = format!(
        "// {} and {}–{}, not PR{} nor {}x nor R\nfn r{}_size() {{}} fn r{}x() fn arr{}_x",
        r(7),
        r(12),
        r(140),
        1,
        r(3),
        6,
        5,
        4
    );
    let ids: Vec<u32> = rule_ids(&text).into_iter().map(|(id, _)| id).collect();
    assert_eq!(ids, vec![7, 12, 140, 6]);
}

/// The configuration keys a `- Config:` line names: `section.key`, or
/// `[section]` followed by bare `key`s in the same clause; values
/// (`"10MB"`) are skipped.
fn config_keys(line: &str) -> Vec<String> {
    let name = |s: &str| {
        !s.is_empty()
            && s.chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "._".contains(c))
    };
    let mut out = Vec::new();
    // A `[section]` holds until the end of its clause (`;`).
    for clause in line.split(';') {
        let mut section: Option<&str> = None;
        for span in code_spans(clause) {
            if let Some(sec) = span.strip_prefix('[').and_then(|s| s.strip_suffix(']')) {
                section = name(sec).then_some(sec);
            } else if name(span) && span.contains('.') {
                out.push(span.to_string());
            } else if let (Some(sec), true) = (section, name(span)) {
                out.push(format!("{sec}.{span}"));
            }
        }
    }
    out
}

#[test]
fn config_keys_known_answers() {
    let line = "- Config: `limits.message_size` (`\"10MB\"`); `[attachments]` `archive_max_depth`, `unscannable`; an `alert` command";
    assert_eq!(
        config_keys(line),
        [
            "limits.message_size",
            "attachments.archive_max_depth",
            "attachments.unscannable"
        ]
    );
    assert!(config_keys("- Config: none; the `alert` command").is_empty());
}

#[test]
fn config_keys_named_in_the_charter_exist() {
    // A key is known when the real parser does not call it unknown; the
    // value 0 may well be of the wrong type, which is a different error.
    let unknown = |key: &str| {
        let (section, name) = key.rsplit_once('.').expect("dotted key");
        let errors = match vesontio_config::Settings::parse(&format!("[{section}]\n{name} = 0\n")) {
            Ok(_) => return false,
            Err(e) => e,
        };
        errors.iter().any(|e| {
            (e.key == key || key.starts_with(&format!("{}.", e.key)))
                && e.message.starts_with("unknown")
        })
    };
    assert!(unknown("limits.no_such_key") && unknown("no_such_section.key"));
    assert!(!unknown("limits.message_size"));
    let mut bad = Vec::new();
    let mut checked = 0;
    for (id, lines) in sections(&charter()) {
        for line in lines.iter().filter(|l| l.starts_with("- Config:")) {
            for key in config_keys(line) {
                checked += 1;
                if unknown(&key) {
                    bad.push(format!("R{id}: `{key}`"));
                }
            }
        }
    }
    assert!(
        bad.is_empty(),
        "unknown configuration keys in docs/charter.md: {bad:?}"
    );
    assert!(
        checked > 20,
        "only {checked} keys found: is the parse broken?"
    );
}

#[test]
fn tests_named_in_the_charter_exist() {
    let root = root();
    let mut bad = Vec::new();
    let mut checked = 0;
    for (id, lines) in sections(&charter()) {
        for line in lines.iter().filter(|l| l.starts_with("- Tests:")) {
            // `[file](../file) `a`, `b`; [file2](…) `c``: names follow their file.
            for part in line.split('[').skip(1) {
                let Some((_, after)) = part.split_once("](") else {
                    continue;
                };
                let Some((target, names)) = after.split_once(')') else {
                    continue;
                };
                let path = root.join("docs").join(target);
                let Ok(source) = std::fs::read_to_string(&path) else {
                    bad.push(format!("R{id}: {target} cannot be read"));
                    continue;
                };
                for name in code_spans(names) {
                    checked += 1;
                    if !source.contains(&format!("fn {name}(")) {
                        bad.push(format!("R{id}: no `fn {name}` in {target}"));
                    }
                }
            }
        }
    }
    assert!(
        bad.is_empty(),
        "tests named in docs/charter.md:\n{}",
        bad.join("\n")
    );
    assert!(
        checked > 50,
        "only {checked} test names found: is the parse broken?"
    );
}

#[test]
fn relative_links_in_markdown_resolve_inside_the_repository() {
    let root = root();
    let mut bad = Vec::new();
    let mut checked = 0;
    for f in files(&[".md"]) {
        let dir = f.parent().expect("parent").to_path_buf();
        for (n, line) in prose_lines(&read(&f)) {
            for target in link_targets(&line) {
                if target.is_empty()
                    || ["http://", "https://", "mailto:"]
                        .iter()
                        .any(|s| target.starts_with(s))
                {
                    continue;
                }
                checked += 1;
                let (path, anchor) = target.split_once('#').unwrap_or((&target, ""));
                let file = if path.is_empty() {
                    f.clone()
                } else {
                    match dir.join(path).canonicalize() {
                        Ok(p) if p.starts_with(&root) => p,
                        Ok(_) => {
                            bad.push(format!(
                                "{}:{n}: {target} is outside the repository",
                                rel(&f)
                            ));
                            continue;
                        }
                        Err(_) => {
                            bad.push(format!("{}:{n}: {target} does not exist", rel(&f)));
                            continue;
                        }
                    }
                };
                let is_md = file.extension().is_some_and(|x| x == "md");
                if !anchor.is_empty() && is_md && !anchors(&read(&file)).contains(anchor) {
                    bad.push(format!(
                        "{}:{n}: no heading #{anchor} in {}",
                        rel(&f),
                        rel(&file)
                    ));
                }
            }
        }
    }
    assert!(bad.is_empty(), "broken Markdown links:\n{}", bad.join("\n"));
    assert!(
        checked > 50,
        "only {checked} links found: is the parse broken?"
    );
}

#[test]
fn markdown_helpers_known_answers() {
    let md = "# Title\n## R7 Forbidden attachments\n## Title\n```\n[no](link)\n```\n\
              see [a](b.md#c) and `[d](e)` and [f](<g h> \"t\")\n";
    let a = anchors(md);
    assert!(a.contains("title") && a.contains("title-1") && a.contains("r7-forbidden-attachments"));
    let links: Vec<String> = prose_lines(md)
        .iter()
        .flat_map(|(_, l)| link_targets(l))
        .collect();
    assert_eq!(links, vec!["b.md#c".to_string(), "g".to_string()]);
}

#[test]
fn no_file_refers_to_a_place_outside_the_repository() {
    // Spelt in two pieces so that this file does not match itself.
    let outside = [format!("..{}", "/shared"), format!("/work{}", "/")];
    let mut bad = Vec::new();
    let mut all = files(&[".rs", ".md", ".sh", ".py", ".toml", ".yml", ".yaml"]);
    all.extend(["scripts/test", ".ci/run"].map(|p| root().join(p)));
    for f in all {
        let text = read(&f);
        for (n, line) in text.lines().enumerate() {
            if outside.iter().any(|o| line.contains(o.as_str())) {
                bad.push(format!("{}:{}: {}", rel(&f), n + 1, line.trim()));
            }
        }
    }
    assert!(
        bad.is_empty(),
        "references outside the repository:\n{}",
        bad.join("\n")
    );
}
