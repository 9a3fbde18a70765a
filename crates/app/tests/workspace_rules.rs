//! Rules of the workspace checked on every test run:
//! - dependencies between our crates point down the crate map of
//!   ARCHITECTURE.md (a crate may depend only on crates of a lower layer,
//!   so server crates never depend on each other);
//! - `-proto` crates never depend on tokio (sans-IO);
//! - no GPL, AGPL, LGPL or SSPL crate anywhere in the dependency tree.

use serde_json::Value;
use std::collections::BTreeMap;
use std::process::Command;

fn metadata() -> Value {
    let out = Command::new(env!("CARGO"))
        .args(["metadata", "--format-version", "1", "--locked"])
        .current_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."))
        .output()
        .expect("run cargo metadata");
    assert!(
        out.status.success(),
        "cargo metadata failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("metadata json")
}

/// The layer of each workspace crate; a crate may depend only on lower layers.
fn layer(name: &str) -> Option<u32> {
    Some(match name {
        "vesontio-types" => 0,
        "vesontio-config"
        | "vesontio-message"
        | "vesontio-tls"
        | "vesontio-netkit"
        | "vesontio-smtp-proto"
        | "vesontio-pop3-proto" => 1,
        // imap-proto encodes the MIME model of `message`.
        "vesontio-imap-proto" | "vesontio-policy" | "vesontio-store" | "vesontio-spam" => 2,
        "vesontio-directory" => 3,
        "vesontio-delivery" | "vesontio-admin" | "vesontio-access" => 4,
        "vesontio-smtp-server"
        | "vesontio-imap-server"
        | "vesontio-pop3-server"
        | "vesontio-web"
        | "vesontio-jobs" => 5,
        // The binary, and the benchmarks' load tool beside it.
        "vesontio" | "vesontio-bench" => 6,
        _ => return None,
    })
}

#[test]
fn dependencies_point_down() {
    let m = metadata();
    let members: Vec<&Value> = m["packages"]
        .as_array()
        .expect("packages")
        .iter()
        .filter(|p| p["source"].is_null())
        .collect();
    let mut problems = Vec::new();
    for p in &members {
        let name = p["name"].as_str().unwrap_or("");
        let Some(mine) = layer(name) else {
            problems.push(format!(
                "{name} has no layer: add it to workspace_rules.rs and ARCHITECTURE.md"
            ));
            continue;
        };
        for d in p["dependencies"].as_array().into_iter().flatten() {
            let dep = d["name"].as_str().unwrap_or("");
            let kind = d["kind"].as_str();
            if kind == Some("dev") {
                continue;
            }
            if let Some(theirs) = layer(dep) {
                if theirs >= mine {
                    problems.push(format!("{name} (layer {mine}) depends on {dep} (layer {theirs}): dependencies must point down"));
                }
            }
            if name.ends_with("-proto") && (dep == "tokio" || dep.starts_with("tokio-")) {
                problems.push(format!("{name} is sans-IO and must not depend on {dep}"));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

fn forbidden(expr: &str) -> bool {
    // "A OR B": fine if any alternative is free of copyleft terms.
    let upper = expr.to_uppercase().replace('/', " OR ");
    upper
        .split(" OR ")
        .all(|alt| ["GPL", "SSPL"].iter().any(|bad| alt.contains(bad)))
}

#[test]
fn no_copyleft_licences() {
    let m = metadata();
    let mut bad = BTreeMap::new();
    for p in m["packages"].as_array().expect("packages") {
        let name = p["name"].as_str().unwrap_or("?");
        match p["license"].as_str() {
            Some(l) if forbidden(l) => {
                bad.insert(name.to_string(), l.to_string());
            }
            Some(_) => {}
            None => {
                // A licence file instead of an SPDX expression: must be reviewed by hand.
                if !p["source"].is_null() && p["license_file"].is_null() {
                    bad.insert(name.to_string(), "no licence declared".to_string());
                }
            }
        }
    }
    assert!(bad.is_empty(), "copyleft or undeclared licences: {bad:?}");
}

#[test]
fn licence_rule_known_answers() {
    assert!(forbidden("GPL-3.0"));
    assert!(forbidden("AGPL-3.0-only"));
    assert!(forbidden("LGPL-2.1-or-later"));
    assert!(forbidden("SSPL-1.0"));
    assert!(!forbidden("MIT OR Apache-2.0"));
    assert!(
        !forbidden("MIT OR GPL-2.0"),
        "a permissive alternative is enough"
    );
    assert!(!forbidden("Apache-2.0 AND ISC"));
    assert!(!forbidden("MPL-2.0"));
}
