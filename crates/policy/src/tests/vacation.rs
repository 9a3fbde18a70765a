//! R23 absence replies.

use super::*;

fn mail(to: &[&str], cc: &[&str]) -> Analysis {
    Analysis {
        to: to.iter().map(|s| addr(s)).collect(),
        cc: cc.iter().map(|s| addr(s)).collect(),
        ..Analysis::default()
    }
}

#[test]
fn r23_vacation_table() {
    let user = [addr("paul.martin@ac-demo.fr"), addr("p.martin@ac-demo.fr")];
    let friend = addr("x@example.org");
    let daemon = addr("MAILER-DAEMON@example.org");
    let owner = addr("owner-liste@example.org");
    let request = addr("liste-request@example.org");
    let self_ = addr("Paul.Martin@ac-demo.fr");
    let direct = mail(&["Paul.Martin@AC-DEMO.FR"], &[]);
    let via_alias_cc = mail(&["other@ac-demo.fr"], &["p.martin@ac-demo.fr"]);
    let bcc = mail(&["other@ac-demo.fr"], &[]);
    let auto = Analysis {
        auto_submitted: Some("auto-generated".into()),
        ..direct.clone()
    };
    let auto_no = Analysis {
        auto_submitted: Some("no".into()),
        ..direct.clone()
    };
    let bulk = Analysis {
        precedence: Some("bulk".into()),
        ..direct.clone()
    };
    let junk = Analysis {
        precedence: Some("junk".into()),
        ..direct.clone()
    };
    let normal_prec = Analysis {
        precedence: Some("normal".into()),
        ..direct.clone()
    };
    let list = Analysis {
        list_id: Some("<l.example.org>".into()),
        has_list_headers: true,
        ..direct.clone()
    };
    let unsub = Analysis {
        has_list_headers: true,
        ..direct.clone()
    };

    type Row<'a> = (
        bool,
        Option<i64>,
        Option<i64>,
        Option<&'a Address>,
        &'a Analysis,
        bool,
        RecipientCheck,
        Result<(), NoReplyReason>,
    );
    use NoReplyReason::*;
    use RecipientCheck::*;
    let s = Some(NOW - DAY);
    let e = Some(NOW + DAY);
    let rows: Vec<Row<'_>> = vec![
        (true, s, e, Some(&friend), &direct, false, Required, Ok(())),
        (
            true,
            None,
            None,
            Some(&friend),
            &direct,
            false,
            Required,
            Ok(()),
        ),
        (
            true,
            s,
            e,
            Some(&friend),
            &via_alias_cc,
            false,
            Required,
            Ok(()),
        ),
        (true, s, e, Some(&friend), &auto_no, false, Required, Ok(())),
        (
            true,
            s,
            e,
            Some(&friend),
            &normal_prec,
            false,
            Required,
            Ok(()),
        ),
        (
            false,
            s,
            e,
            Some(&friend),
            &direct,
            false,
            Required,
            Err(Inactive),
        ),
        (
            true,
            Some(NOW + 1),
            e,
            Some(&friend),
            &direct,
            false,
            Required,
            Err(NotStarted),
        ),
        (
            true,
            Some(NOW),
            e,
            Some(&friend),
            &direct,
            false,
            Required,
            Ok(()),
        ),
        (
            true,
            s,
            Some(NOW),
            Some(&friend),
            &direct,
            false,
            Required,
            Err(Ended),
        ),
        (
            true,
            s,
            Some(NOW + 1),
            Some(&friend),
            &direct,
            false,
            Required,
            Ok(()),
        ),
        (true, s, e, None, &direct, false, Required, Err(NullSender)),
        (
            true,
            s,
            e,
            Some(&daemon),
            &direct,
            false,
            Required,
            Err(SystemSender),
        ),
        (
            true,
            s,
            e,
            Some(&owner),
            &direct,
            false,
            Required,
            Err(SystemSender),
        ),
        (
            true,
            s,
            e,
            Some(&request),
            &direct,
            false,
            Required,
            Err(SystemSender),
        ),
        (
            true,
            s,
            e,
            Some(&friend),
            &auto,
            false,
            Required,
            Err(AutoSubmitted),
        ),
        (
            true,
            s,
            e,
            Some(&friend),
            &bulk,
            false,
            Required,
            Err(BulkPrecedence),
        ),
        (
            true,
            s,
            e,
            Some(&friend),
            &junk,
            false,
            Required,
            Err(BulkPrecedence),
        ),
        (
            true,
            s,
            e,
            Some(&friend),
            &list,
            false,
            Required,
            Err(ListMail),
        ),
        (
            true,
            s,
            e,
            Some(&friend),
            &unsub,
            false,
            Required,
            Err(ListMail),
        ),
        (
            true,
            s,
            e,
            Some(&self_),
            &direct,
            false,
            Required,
            Err(FromUser),
        ),
        (
            true,
            s,
            e,
            Some(&friend),
            &bcc,
            false,
            Required,
            Err(NotAddressedToUser),
        ),
        (true, s, e, Some(&friend), &bcc, false, NotRequired, Ok(())),
        (
            true,
            s,
            e,
            Some(&friend),
            &direct,
            true,
            Required,
            Err(AlreadyReplied),
        ),
    ];
    for (i, (active, start, end, sender, analysis, replied, check, want)) in
        rows.into_iter().enumerate()
    {
        let f = VacationFacts {
            active,
            start,
            end,
            now: NOW,
            sender,
            analysis,
            recipient_addresses_of_user: &user,
            already_replied_this_period: replied,
            recipient_check: check,
        };
        assert_eq!(should_auto_reply(&f), want, "row {i}");
    }
}

#[test]
fn r23_with_a_parsed_mailing_list_message() {
    let raw = b"From: x@example.org\r\nTo: paul.martin@ac-demo.fr\r\nList-Unsubscribe: <mailto:u@example.org>\r\nSubject: news\r\n\r\nhi\r\n";
    let a = Analysis::of(raw);
    let user = [addr("paul.martin@ac-demo.fr")];
    let sender = addr("x@example.org");
    let f = VacationFacts {
        active: true,
        start: None,
        end: None,
        now: NOW,
        sender: Some(&sender),
        analysis: &a,
        recipient_addresses_of_user: &user,
        already_replied_this_period: false,
        recipient_check: RecipientCheck::Required,
    };
    assert_eq!(should_auto_reply(&f), Err(NoReplyReason::ListMail));
}
