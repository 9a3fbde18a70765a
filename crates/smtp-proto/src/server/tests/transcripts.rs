//! Replays `testdata/*.txt`: lines `C:` (sent by the client; consecutive
//! lines go in one write, as a pipelining client does) and `S:` (the exact
//! replies expected; a trailing `*` matches any rest of the line). `#`
//! starts a comment; `@config key=value ...` changes the session
//! (`tls=active`, `mode=submission`, `chunking=on`).
//!
//! Decisions: recipients whose local part starts with `unknown` get
//! `550 5.1.1`, the password `bad` gets `535 5.7.8`, everything else is
//! accepted; STARTTLS is followed by a successful handshake.

use super::*;

fn transcript_cfg(directives: &str) -> SessionConfig {
    let mut c = SessionConfig {
        size_limit: 10000,
        size_limit_text: "Message too large: the limit is 10000 bytes.".into(),
        max_recipients: 100,
        max_bad_commands: 20,
        ..cfg()
    };
    for d in directives.split_whitespace() {
        match d {
            "tls=active" => c.tls = TlsState::Active,
            "mode=submission" => c.mode = Mode::Submission,
            "chunking=on" => c.chunking = true,
            other => panic!("unknown directive {other}"),
        }
    }
    c
}

fn decide(s: &mut ServerSession, ev: &Event) {
    let r = match ev {
        Event::RcptTo {
            forward_path: ForwardPath::Mailbox(m),
            ..
        } if m.local_part.starts_with("unknown") => s.reject(Reply::new(
            550,
            EnhancedCode::new(5, 1, 1),
            "No such user here",
        )),
        Event::Auth { password, .. } if password.expose() == "bad" => {
            s.reject(Reply::auth_failed())
        }
        Event::StartTls { .. } => s.tls_established(),
        _ => {
            accept(s);
            Ok(())
        }
    };
    assert_eq!(r, Ok(()));
}

fn matches(expected: &str, actual: &str) -> bool {
    match expected.strip_suffix('*') {
        Some(prefix) => actual.starts_with(prefix),
        None => expected == actual,
    }
}

fn replay(name: &str, text: &str) {
    let mut directives = String::new();
    // Steps: (client lines, expected server lines).
    let mut steps: Vec<(Vec<String>, Vec<String>)> = vec![(vec![], vec![])];
    for line in text.lines() {
        if line.starts_with('#') || line.is_empty() {
            continue;
        }
        if let Some(d) = line.strip_prefix("@config ") {
            directives.push_str(d);
            directives.push(' ');
        } else if let Some(c) = line.strip_prefix("C: ") {
            let first = steps.len() == 1;
            let last = steps.last_mut().expect("one step");
            // The greeting step never takes client lines.
            if last.1.is_empty() && !(first && last.0.is_empty()) {
                last.0.push(c.to_string());
            } else {
                steps.push((vec![c.to_string()], vec![]));
            }
        } else if let Some(s) = line.strip_prefix("S: ") {
            steps.last_mut().expect("one step").1.push(s.to_string());
        } else if line == "S:" {
            steps.last_mut().expect("one step").1.push(String::new());
        } else {
            panic!("{name}: bad transcript line {line:?}");
        }
    }
    let mut s = ServerSession::new(transcript_cfg(&directives));
    s.greeting();
    for (i, (client, server)) in steps.iter().enumerate() {
        let input: String = client.iter().map(|l| format!("{l}\r\n")).collect();
        let (out, _) = run_with(&mut s, input.as_bytes(), decide);
        assert!(out.is_empty() || out.ends_with("\r\n"), "{name}: {out:?}");
        let actual: Vec<&str> = out.split_terminator("\r\n").collect();
        let ok =
            actual.len() == server.len() && server.iter().zip(&actual).all(|(e, a)| matches(e, a));
        assert!(
            ok,
            "{name}, step {i} after {client:?}:\nexpected {server:#?}\nactual {actual:#?}"
        );
    }
}

#[test]
fn replay_testdata_transcripts() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/testdata");
    let mut names: Vec<_> = std::fs::read_dir(dir)
        .expect("testdata directory")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "txt"))
        .collect();
    names.sort();
    assert!(names.len() >= 5, "transcripts missing: {names:?}");
    for p in names {
        let text = std::fs::read_to_string(&p).expect("transcript");
        replay(&p.display().to_string(), &text);
    }
}
