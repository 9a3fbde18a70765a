//! RFC 3030 CHUNKING: BDAT chunks, their sequencing and limits.

use super::*;

fn chunking() -> SessionConfig {
    SessionConfig {
        chunking: true,
        ..cfg()
    }
}

fn data_events(ev: &[Event]) -> Vec<Vec<u8>> {
    ev.iter()
        .filter_map(|e| match e {
            Event::Data(b) => Some(b.clone()),
            _ => None,
        })
        .collect()
}

#[test]
fn ehlo_offers_chunking_only_when_configured() {
    let mut s = ServerSession::new(chunking());
    let o = out(&mut s, "EHLO c\r\n");
    assert!(o.contains("250-CHUNKING\r\n"), "{o}");
    let mut s = ServerSession::new(cfg());
    assert!(!out(&mut s, "EHLO c\r\n").contains("CHUNKING"));
    assert_eq!(
        out(&mut s, "BDAT 0 LAST\r\n"),
        "500 5.5.1 Command unrecognized\r\n"
    );
}

#[test]
fn chunks_make_one_message() {
    let mut s = in_tx(chunking());
    let (o, ev) = run(&mut s, b"BDAT 5\r\nhelloBDAT 8 LAST\r\n world\r\n");
    assert_eq!(
        o,
        "250 2.0.0 5 octets received\r\n250 2.0.0 Ok: queued as Q1\r\n"
    );
    assert_eq!(data_events(&ev), vec![b"hello world\r\n".to_vec()]);
    // The transaction is over.
    assert_eq!(
        out(&mut s, "RCPT TO:<b@y>\r\n"),
        "503 5.5.1 Need MAIL before RCPT\r\n"
    );
}

#[test]
fn chunk_octets_are_never_commands() {
    let mut s = in_tx(chunking());
    let (o, ev) = run(&mut s, b"BDAT 6 LAST\r\nQUIT\r\nNOOP\r\n");
    assert_eq!(o, "250 2.0.0 Ok: queued as Q1\r\n250 2.0.0 OK\r\n");
    assert_eq!(data_events(&ev), vec![b"QUIT\r\n".to_vec()]);
    assert!(!s.is_closed());
    // Refused BDAT: its octets are read and dropped all the same.
    let mut s = ehloed(chunking());
    let (o, ev) = run(&mut s, b"BDAT 6\r\nQUIT\r\nNOOP\r\n");
    assert_eq!(o, "503 5.5.1 Need MAIL command\r\n250 2.0.0 OK\r\n");
    assert!(ev.is_empty());
    let mut s = ehloed(chunking());
    let (o, _) = run(&mut s, b"MAIL FROM:<a@x>\r\nBDAT 6 LAST\r\nQUIT\r\n");
    assert_eq!(
        o,
        "250 2.1.0 Sender OK\r\n554 5.5.1 No valid recipients\r\n"
    );
    assert!(!s.is_closed());
}

#[test]
fn pipelined_transaction_with_bdat_fed_byte_by_byte() {
    let mut s = ehloed(chunking());
    let input = b"MAIL FROM:<a@x>\r\nRCPT TO:<b@y>\r\nBDAT 3\r\na\r\nBDAT 0 LAST\r\nQUIT\r\n";
    let mut o = String::new();
    let mut ev = Vec::new();
    for b in input {
        let (x, e) = run(&mut s, &[*b]);
        o.push_str(&x);
        ev.extend(e);
    }
    assert_eq!(
        o,
        "250 2.1.0 Sender OK\r\n250 2.1.5 Recipient OK\r\n250 2.0.0 3 octets received\r\n\
250 2.0.0 Ok: queued as Q1\r\n221 2.0.0 mx.test closing connection\r\n"
    );
    assert_eq!(data_events(&ev), vec![b"a\r\n".to_vec()]);
}

#[test]
fn bdat_over_the_size_limit() {
    let mut s = in_tx(chunking());
    let mut input = b"BDAT 600\r\n".to_vec();
    input.extend(vec![b'x'; 600]);
    input.extend(b"BDAT 600 LAST\r\n");
    input.extend(vec![b'y'; 600]);
    input.extend(b"BDAT 4 LAST\r\nzzzzNOOP\r\n");
    let (o, ev) = run(&mut s, &input);
    assert_eq!(
        o,
        format!(
            "250 2.0.0 600 octets received\r\n552 5.3.4 {TOO_BIG}\r\n\
503 5.5.1 Need MAIL command\r\n250 2.0.0 OK\r\n"
        )
    );
    assert_eq!(
        ev,
        vec![Event::MessageRefused {
            reason: Refusal::TooLarge,
            size: 1200
        }]
    );
}

#[test]
fn bdat_exactly_at_the_limit() {
    let mut s = in_tx(chunking());
    let mut input = b"BDAT 1000 LAST\r\n".to_vec();
    input.extend(vec![b'x'; 998]);
    input.extend(b"\r\n");
    let (o, ev) = run(&mut s, &input);
    assert_eq!(o, "250 2.0.0 Ok: queued as Q1\r\n");
    assert_eq!(data_events(&ev)[0].len(), 1000);
}

#[test]
fn data_after_bdat_is_refused() {
    let mut s = in_tx(chunking());
    let o = out(&mut s, "BDAT 2\r\nabDATA\r\n");
    assert_eq!(
        o,
        "250 2.0.0 2 octets received\r\n503 5.5.1 DATA not allowed after BDAT\r\n"
    );
}

#[test]
fn bad_bdat_size_closes() {
    let mut s = in_tx(chunking());
    let (o, ev) = run(&mut s, b"BDAT ten LAST\r\nQUIT\r\n");
    assert_eq!(
        o,
        "501 5.5.4 Syntax error: bad BDAT chunk size\r\n\
421 4.5.0 mx.test Bad BDAT command, closing connection\r\n"
    );
    assert_eq!(
        ev,
        vec![Event::Close {
            reason: CloseReason::BadChunk
        }]
    );
    assert!(s.is_closed());
}

#[test]
fn bdat_line_endings() {
    let mut s = in_tx(chunking());
    let (_, ev) = run(&mut s, b"BDAT 3\r\na\r\rBDAT 3 LAST\r\n\nb\n");
    assert_eq!(data_events(&ev), vec![b"a\r\n\r\nb\r\n".to_vec()]);
    let mut s = in_tx(SessionConfig {
        data_line_endings: LineEndings::Refuse,
        ..chunking()
    });
    let (o, ev) = run(&mut s, b"BDAT 2 LAST\r\na\n");
    assert_eq!(
        o,
        "550 5.6.11 Bare CR or LF not allowed in message data, lines must end with CRLF\r\n"
    );
    assert!(data_events(&ev).is_empty());
}
