//! Context updates: frozen criteria and ADDTO/REMOVEFROM known answers
//! (RFC 5267 §4.3.3, §4.3.4).

use super::*;

fn uid_of(view: &'static [Uid]) -> impl Fn(Uid) -> Option<u32> {
    move |u| view.iter().position(|&x| x == u).map(|i| i as u32 + 1)
}

fn set(items: &[(u32, &[(u32, u32)])]) -> Vec<(u32, NumSet)> {
    items
        .iter()
        .map(|(p, r)| (*p, NumSet(r.to_vec())))
        .collect()
}

#[test]
fn search_updates_use_position_zero_in_mailbox_order() {
    let by_uid = |u: Uid| Some(u);
    let (rm, add) = diff(&[10, 11, 13], &[11, 14, 15, 12], false, &by_uid, &by_uid);
    assert_eq!(
        rm,
        Some(ESearchItem::RemoveFrom(set(&[(0, &[(10, 10), (13, 13)])])))
    );
    assert_eq!(
        add,
        Some(ESearchItem::AddTo(set(&[(0, &[(12, 12), (14, 15)])])))
    );
    assert_eq!(
        diff(&[1, 2], &[1, 2], false, &by_uid, &by_uid),
        (None, None)
    );
}

#[test]
fn sequence_numbers_come_from_the_right_view() {
    // UIDs 10..14 at seqs 1..5; 11 and 12 are expunged: before the
    // EXPUNGE responses, 12 was message 3; after, UID 14 is message 3.
    static BEFORE: [Uid; 5] = [10, 11, 12, 13, 14];
    static AFTER: [Uid; 3] = [10, 13, 14];
    let (rm, add) = diff(&[12], &[14], false, &uid_of(&BEFORE), &uid_of(&AFTER));
    assert_eq!(rm, Some(ESearchItem::RemoveFrom(set(&[(0, &[(3, 3)])]))));
    assert_eq!(add, Some(ESearchItem::AddTo(set(&[(0, &[(3, 3)])]))));
}

/// Applies the items as RFC 5267 §4.3.3/§4.3.4 say a client does.
fn apply(mut list: Vec<u32>, items: &[Option<ESearchItem>]) -> Vec<u32> {
    let expand = |s: &NumSet| -> Vec<u32> { s.0.iter().flat_map(|&(a, b)| a..=b).collect() };
    for it in items.iter().flatten() {
        match it {
            ESearchItem::RemoveFrom(pairs) => {
                for (pos, s) in pairs {
                    let n = expand(s);
                    let at = *pos as usize - 1;
                    assert_eq!(&list[at..at + n.len()], &n[..], "removed where said");
                    list.drain(at..at + n.len());
                }
            }
            ESearchItem::AddTo(pairs) => {
                for (pos, s) in pairs {
                    let at = *pos as usize - 1;
                    for (k, x) in expand(s).into_iter().enumerate() {
                        list.insert(at + k, x);
                    }
                }
            }
            _ => unreachable!(),
        }
    }
    list
}

#[test]
fn sort_updates_carry_positions_that_rebuild_the_result() {
    let by_uid = |u: Uid| Some(u);
    let cases: &[(&[Uid], &[Uid])] = &[
        (&[5, 3, 9, 1], &[5, 7, 9, 1, 2]),
        (&[5, 3, 9, 1], &[]),
        (&[], &[4, 2, 8]),
        (&[1, 2, 3, 4, 5, 6], &[2, 3, 5]),
        (&[1, 2, 3], &[9, 1, 8, 2, 7, 3, 6]),
        // Kept messages in another order: all out, all in.
        (&[1, 2, 3], &[3, 2, 1]),
    ];
    for (old, new) in cases {
        let (rm, add) = diff(old, new, true, &by_uid, &by_uid);
        assert_eq!(
            apply(old.to_vec(), &[rm, add]),
            new.to_vec(),
            "{old:?} -> {new:?}"
        );
    }
    // The RFC 5267 §4.3.3 example: 2734:2735, then 2731:2733 in front.
    let (rm, add) = diff(
        &[2734, 2735],
        &[2731, 2732, 2733, 2734, 2735],
        true,
        &by_uid,
        &by_uid,
    );
    assert_eq!(rm, None);
    assert_eq!(add, Some(ESearchItem::AddTo(set(&[(1, &[(2731, 2733)])]))));
    // Runs in sort order that descend are listed one by one, not as ranges.
    let (_, add) = diff(&[], &[9, 8, 7], true, &by_uid, &by_uid);
    assert_eq!(
        add,
        Some(ESearchItem::AddTo(set(&[(1, &[(9, 9), (8, 8), (7, 7)])])))
    );
}

#[test]
fn freezing_resolves_sequence_numbers_now() {
    let view = [10, 11, 12, 13];
    let k = SearchKey::And(vec![
        SearchKey::SequenceSet(SequenceSet::range(SeqNum::Value(2), SeqNum::Star)),
        SearchKey::Not(Box::new(SearchKey::Uid(SequenceSet::range(
            SeqNum::Value(13),
            SeqNum::Star,
        )))),
        SearchKey::Or(
            Box::new(SearchKey::SequenceSet(SequenceSet::Saved)),
            Box::new(SearchKey::Uid(SequenceSet::single(99))),
        ),
        SearchKey::Seen,
    ]);
    let f = freeze(&k, &view, &[10, 12]);
    let uids = |v: &[u32]| SearchKey::Uid(uid_set(v.iter().copied()));
    assert_eq!(
        f,
        SearchKey::And(vec![
            uids(&[11, 12, 13]),
            SearchKey::Not(Box::new(uids(&[13]))),
            SearchKey::Or(
                Box::new(uids(&[10, 12])),
                // A UID set without "*" means the same later.
                Box::new(SearchKey::Uid(SequenceSet::single(99)))
            ),
            SearchKey::Seen,
        ])
    );
}
