//! FETCH and UID FETCH (RFC 9051 §6.4.5, §6.4.9), BINARY (RFC 3516),
//! CHANGEDSINCE/MODSEQ (RFC 7162 §3.1.4) and VANISHED (RFC 7162 §3.2.6).

use std::collections::HashMap;

use vesontio_imap_proto::bodystructure::{
    BinaryError, binary, binary_size, body_structure, envelope, partial, section,
};
use vesontio_imap_proto::{
    Code, Data, DateTime, FetchAttr, FetchValue, Flag, NumSet, Response, Section, SectionText,
    SequenceSet, UidMode,
};
use vesontio_store::{FlagOp, MessageMeta};
use vesontio_types::Uid;

use crate::error::{CmdError, CmdResult, Done};
use crate::ops::selected;
use crate::selected::{to_flags, view_flags};
use crate::session::Session;

/// Items answered from the structure cache without the body when cached.
fn structural(a: &FetchAttr) -> bool {
    matches!(
        a,
        FetchAttr::Envelope | FetchAttr::Body | FetchAttr::BodyStructure
    )
}

/// Items answered from a cached top-level header.
fn header_only(a: &FetchAttr) -> bool {
    match a {
        FetchAttr::Rfc822Header => true,
        FetchAttr::BodySection { section, .. } => {
            section.part.is_empty()
                && matches!(
                    section.text,
                    Some(
                        SectionText::Header
                            | SectionText::HeaderFields(_)
                            | SectionText::HeaderFieldsNot(_)
                    )
                )
        }
        _ => false,
    }
}

fn needs_body(a: &FetchAttr) -> bool {
    !matches!(
        a,
        FetchAttr::Flags
            | FetchAttr::Uid
            | FetchAttr::InternalDate
            | FetchAttr::Rfc822Size
            | FetchAttr::ModSeq
    )
}

/// RFC 9051 §6.4.5: these set `\Seen` (unless the mailbox is read-only).
fn sets_seen(a: &FetchAttr) -> bool {
    matches!(
        a,
        FetchAttr::BodySection { peek: false, .. }
            | FetchAttr::Binary { peek: false, .. }
            | FetchAttr::Rfc822
            | FetchAttr::Rfc822Text
    )
}

fn cut(data: Option<Vec<u8>>, p: Option<(u32, u32)>) -> (Option<u32>, Option<Vec<u8>>) {
    match p {
        None => (None, data),
        Some((off, count)) => (Some(off), data.map(|d| partial(&d, off, count).to_vec())),
    }
}

/// A message as a FLAGS/UID-only FETCH needs it: every other field empty
/// (nothing else of it is read, see [`prepare`]).
fn flags_meta(mailbox: vesontio_types::MailboxId, uid: Uid, flags: Vec<String>) -> MessageMeta {
    MessageMeta {
        id: 0,
        mailbox_id: mailbox,
        uid,
        blob_id: String::new(),
        size: 0,
        internal_date: 0,
        flags,
        modseq: 0,
        private: false,
        crlf_size: None,
        email_id: 0,
        thread_id: 0,
        content_id: 0,
    }
}

/// A FETCH in progress: what is left to send. The session runs it in
/// steps and writes each step's replies before the next, so a large FETCH
/// never holds more than about [`STEP_BYTES`] of message data in memory.
pub(crate) struct FetchJob {
    pairs: std::collections::VecDeque<(u32, Uid)>,
    metas: HashMap<Uid, MessageMeta>,
    seen: Option<std::collections::HashSet<Uid>>,
    items: Vec<FetchAttr>,
    uid: UidMode,
    changed_since: Option<u64>,
    condstore: bool,
    flags_changed: Vec<Uid>,
    body_needed: bool,
    read_any: bool,
}

/// Message octets read per step before the replies are written out.
pub(crate) const STEP_BYTES: usize = 4 * 1024 * 1024;
/// Stored models read at once per step (one statement).
const STEP_MODELS: usize = 200;

/// FETCH run to the end in one go (tests and small callers).
pub(crate) async fn fetch(
    s: &mut Session,
    set: &SequenceSet,
    items: &[FetchAttr],
    uid: UidMode,
    changed_since: Option<u64>,
    vanished: bool,
    out: &mut Vec<Response>,
) -> CmdResult {
    let mut job = prepare(s, set, items, uid, changed_since, vanished, out).await?;
    while !step(s, &mut job, out).await? {}
    Ok(finish(&job))
}

/// The tagged OK of a finished job.
pub(crate) fn finish(job: &FetchJob) -> Done {
    Done::ok(match job.uid {
        UidMode::Uid => "UID FETCH completed",
        UidMode::Seq => "FETCH completed",
    })
}

/// Resolves the set, reads metadata, marks `\Seen` for non-PEEK body
/// items and queues VANISHED; the FETCH replies come from [`step`].
pub(crate) async fn prepare(
    s: &mut Session,
    set: &SequenceSet,
    items: &[FetchAttr],
    uid: UidMode,
    changed_since: Option<u64>,
    vanished: bool,
    out: &mut Vec<Response>,
) -> Result<FetchJob, CmdError> {
    let store = s.shared.store.clone();
    let en = s.enabled;
    if vanished && !en.qresync {
        return Err(CmdError::bad("VANISHED requires ENABLE QRESYNC"));
    }
    if changed_since.is_some() || items.contains(&FetchAttr::ModSeq) {
        // RFC 7162 §3.1.4, §3.1.3: CHANGEDSINCE and MODSEQ enable CONDSTORE.
        super::enable_condstore(s, out);
    }
    let condstore = s.enabled.condstore;
    let sel = selected(s)?;
    let pairs = sel.resolve(set, uid).map_err(CmdError::bad)?;
    let mb = sel.target.mailbox.id;
    let read_only = sel.read_only || !sel.target.may('s');
    let shared_reader = sel.seen_reader;
    let target = sel.target.clone();
    let mut metas: HashMap<Uid, MessageMeta> = HashMap::new();
    // `FETCH 1:* (FLAGS)`, what a client without CONDSTORE sends to learn
    // the flags again on every open: from the compact index, no row read
    // (with CONDSTORE each reply also carries the row's MODSEQ).
    let flags_only = !condstore
        && changed_since.is_none()
        && items
            .iter()
            .all(|a| matches!(a, FetchAttr::Flags | FetchAttr::Uid));
    let rows = if flags_only && pairs.len() * 2 > sel.uids.len() {
        let index = store.mailbox_index(mb).await?;
        (0..index.uids.len())
            .map(|i| flags_meta(mb, index.uids[i], index.flags(i)))
            .collect()
    } else if pairs.len() * 2 > sel.uids.len() {
        store.messages(mb).await?
    } else {
        let uids: Vec<Uid> = pairs.iter().map(|p| p.1).collect();
        store.messages_by_uids(mb, &uids).await?
    };
    for m in rows {
        metas.insert(m.uid, m);
    }
    if let (true, Some(since)) = (vanished, changed_since) {
        // RFC 7162 §3.2.6: expunged UIDs of the set, before the FETCH data.
        let largest = sel.uids.last().copied().unwrap_or(0);
        let gone: Vec<Uid> = store
            .vanished_since(mb, since)
            .await?
            .into_iter()
            .filter(|u| set.contains(*u, largest.max(*u)))
            .collect();
        if !gone.is_empty() {
            out.push(Response::Data(Data::Vanished {
                earlier: true,
                uids: NumSet::from_numbers(&gone),
            }));
        }
    }
    let mut seen = sel.seen_set(&store).await?;
    let mut pairs: Vec<(u32, Uid)> = pairs
        .into_iter()
        .filter(|(_, u)| metas.contains_key(u))
        .collect();
    if let Some(since) = changed_since {
        pairs.retain(|(_, u)| metas.get(u).is_some_and(|m| m.modseq > since));
    }
    // Non-PEEK body fetches mark the messages seen first, so the replies
    // carry the new flags (RFC 9051 §6.4.5).
    let mut flags_changed: Vec<Uid> = Vec::new();
    if !read_only && items.iter().any(sets_seen) {
        let unseen: Vec<Uid> = pairs
            .iter()
            .filter_map(|(_, u)| metas.get(u))
            .filter(|m| {
                !view_flags(m, seen.as_ref())
                    .iter()
                    .any(|f| f.eq_ignore_ascii_case("\\Seen"))
            })
            .map(|m| m.uid)
            .collect();
        if !unseen.is_empty() {
            match (shared_reader, seen.as_mut()) {
                (Some(reader), Some(set)) => {
                    vesontio_access::seen::mark(&store, &target, reader, &unseen, true).await?;
                    set.extend(unseen.iter().copied());
                }
                _ => {
                    let up = store
                        .store_flags(mb, &unseen, FlagOp::Add, &["\\Seen".to_string()], None)
                        .await?;
                    if let (Some(&(_, _, ms)), Some(sel)) =
                        (up.updated.first(), s.selected.as_mut())
                    {
                        sel.stored_here(ms);
                    }
                    for (u, f, ms) in up.updated {
                        if let Some(m) = metas.get_mut(&u) {
                            m.flags = f;
                            m.modseq = ms;
                        }
                    }
                }
            }
            flags_changed = unseen;
        }
    }
    Ok(FetchJob {
        pairs: pairs.into_iter().collect(),
        metas,
        seen,
        items: items.to_vec(),
        uid,
        changed_since,
        condstore,
        flags_changed,
        body_needed: items.iter().any(needs_body),
        read_any: false,
    })
}

/// Sends the replies of the next messages, up to about [`STEP_BYTES`] of
/// message data; `true` once every message was sent.
pub(crate) async fn step(
    s: &mut Session,
    job: &mut FetchJob,
    out: &mut Vec<Response>,
) -> Result<bool, CmdError> {
    let store = s.shared.store.clone();
    let (uid, changed_since, condstore) = (job.uid, job.changed_since, job.condstore);
    let mut bytes = 0usize;
    // The stored models of the next messages not in the cache, in one read.
    if job.items.iter().any(|a| structural(a) || header_only(a)) {
        let missing: Vec<String> = job
            .pairs
            .iter()
            .take(STEP_MODELS)
            .filter_map(|(_, u)| job.metas.get(u))
            .filter(|m| s.shared.structures.get(&m.blob_id).is_none())
            .map(|m| m.blob_id.clone())
            .collect();
        if !missing.is_empty() {
            for (id, c) in store.contents(&missing).await? {
                s.shared.structures.insert_stored(&id, c);
            }
        }
    }
    while bytes < STEP_BYTES {
        let Some((seq, u)) = job.pairs.pop_front() else {
            break;
        };
        let Some(m) = job.metas.get(&u) else { continue };
        let items = &job.items;
        let seen = job.seen.as_ref();
        let cached = s.shared.structures.get(&m.blob_id);
        let cached_header = cached.as_ref().and_then(|p| p.header.clone());
        let from_cache = cached.is_some()
            && job.items.iter().all(|a| {
                !needs_body(a) || structural(a) || (header_only(a) && cached_header.is_some())
            });
        job.read_any |= job.body_needed;
        let raw = if job.body_needed && !from_cache {
            let raw = store.read_blob_sized(&m.blob_id, m.size).await?;
            bytes += raw.len();
            Some(raw)
        } else {
            None
        };
        let have_body = raw.is_some();
        let raw = raw.as_deref().unwrap_or_default();
        // Header items read the cached header when the body was not read.
        let head: &[u8] = match (&cached_header, have_body) {
            (Some(h), false) => h,
            _ => raw,
        };
        let parsed = match cached {
            Some(p) => Some(p),
            None if job.items.iter().any(|a| structural(a) || header_only(a)) => {
                Some(s.shared.structures.parse(&m.blob_id, raw))
            }
            None => None,
        };
        let stored = view_flags(m, seen);
        let mut flags = to_flags(&stored);
        // RFC 3501 §2.3.2: `\Recent` for IMAP4rev1 sessions.
        if !s.enabled.rev2 && s.selected.as_ref().is_some_and(|x| x.is_recent(u)) {
            flags.push(Flag::Recent);
        }
        let mut vals: Vec<FetchValue> = Vec::new();
        let mut sent_flags = false;
        let mut sent_modseq = false;
        if uid == UidMode::Uid && !items.contains(&FetchAttr::Uid) {
            // RFC 9051 §6.4.9: UID FETCH always returns the UID.
            vals.push(FetchValue::Uid(u));
        }
        for it in items {
            let v = match it {
                FetchAttr::Flags => {
                    sent_flags = true;
                    FetchValue::Flags(flags.clone())
                }
                FetchAttr::Uid => FetchValue::Uid(u),
                FetchAttr::InternalDate => {
                    FetchValue::InternalDate(DateTime::from_unix(m.internal_date))
                }
                FetchAttr::Rfc822Size => FetchValue::Rfc822Size(m.size.max(0) as u64),
                FetchAttr::Envelope => match &parsed {
                    Some(p) => FetchValue::Envelope(Box::new(p.envelope.clone())),
                    None => FetchValue::Envelope(Box::new(envelope(raw))),
                },
                FetchAttr::Body => match &parsed {
                    Some(p) => FetchValue::Body(Box::new(p.structure.clone())),
                    None => FetchValue::Body(Box::new(body_structure(raw))),
                },
                FetchAttr::BodyStructure => match &parsed {
                    Some(p) => FetchValue::BodyStructure(Box::new(p.structure.clone())),
                    None => FetchValue::BodyStructure(Box::new(body_structure(raw))),
                },
                FetchAttr::BodySection {
                    section: sec,
                    partial: p,
                    ..
                } => {
                    let src = if header_only(it) { head } else { raw };
                    let (origin, data) = cut(section(src, sec), *p);
                    FetchValue::BodySection {
                        section: sec.clone(),
                        origin,
                        data,
                    }
                }
                FetchAttr::Binary {
                    section: path,
                    partial: p,
                    ..
                } => {
                    let data = match binary(raw, path) {
                        Ok(d) => Some(d),
                        Err(BinaryError::NoSuchPart) => None,
                        Err(BinaryError::UnknownCte) => {
                            return Err(CmdError::no(
                                Code::UnknownCte,
                                "Cannot decode this part's transfer encoding",
                            ));
                        }
                    };
                    let (origin, data) = cut(data, *p);
                    FetchValue::Binary {
                        section: path.clone(),
                        origin,
                        data,
                    }
                }
                FetchAttr::BinarySize { section: path } => FetchValue::BinarySize {
                    section: path.clone(),
                    size: match binary_size(raw, path) {
                        Ok(n) => n,
                        Err(BinaryError::NoSuchPart) => 0,
                        Err(BinaryError::UnknownCte) => {
                            return Err(CmdError::no(
                                Code::UnknownCte,
                                "Cannot decode this part's transfer encoding",
                            ));
                        }
                    },
                },
                FetchAttr::Rfc822 => FetchValue::Rfc822(Some(raw.to_vec())),
                FetchAttr::Rfc822Header => FetchValue::Rfc822Header(section(
                    head,
                    &Section {
                        part: vec![],
                        text: Some(SectionText::Header),
                    },
                )),
                FetchAttr::Rfc822Text => FetchValue::Rfc822Text(section(
                    raw,
                    &Section {
                        part: vec![],
                        text: Some(SectionText::Text),
                    },
                )),
                FetchAttr::EmailId => FetchValue::EmailId(m.email_id.max(0) as u64),
                FetchAttr::ThreadId => {
                    FetchValue::ThreadId((m.thread_id > 0).then_some(m.thread_id as u64))
                }
                FetchAttr::ModSeq => {
                    sent_modseq = true;
                    FetchValue::ModSeq(m.modseq)
                }
            };
            vals.push(v);
        }
        if !sent_flags && job.flags_changed.contains(&u) {
            sent_flags = true;
            vals.push(FetchValue::Flags(flags.clone()));
        }
        // RFC 7162 §3.1.4: with CONDSTORE on, FETCH replies carry MODSEQ
        // when asked with CHANGEDSINCE or when flags are reported.
        if !sent_modseq && condstore && (changed_since.is_some() || sent_flags) {
            vals.push(FetchValue::ModSeq(m.modseq));
        }
        if sent_flags && let Some(sel) = s.selected.as_mut() {
            sel.remember(u, stored, Some(m.modseq));
        }
        out.push(Response::Data(Data::Fetch { seq, items: vals }));
    }
    if !job.pairs.is_empty() {
        return Ok(false);
    }
    if job.read_any
        && let Some(sel) = &s.selected
    {
        // R13: reading received messages keeps the account active.
        let owner = sel.target.owner();
        vesontio_access::consequences::messages_read(&store, owner, vesontio_store::now()).await;
    }
    Ok(true)
}
