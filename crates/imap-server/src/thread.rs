//! The two threading algorithms of RFC 5256 §3 (BASE.6.4.THREAD) as pure
//! functions: ORDEREDSUBJECT and REFERENCES. Input is one [`ThreadInput`]
//! per searched message, in mailbox order (which breaks ties of dates);
//! output is the THREAD response's forest with the messages' numbers.
//!
//! Invariants
//! - No recursion: a reply chain can be as long as the mailbox; every
//!   walk uses an explicit stack or a loop.
//! - Bounded work: at most [`MAX_REFERENCES`] message-ids are parsed from
//!   one message's References (the last ones, the nearest ancestors), and the
//!   loop check ("would this link make a cycle") finds roots through
//!   path-compressed jumps, so hostile headers cost no more than long ones.

use std::collections::HashMap;

use vesontio_imap_proto::{ThreadForest, ThreadNode};
use vesontio_message::subject::{base_subject_reply, unicode_casemap};

/// Message-ids read from one References header: the last ones, the
/// nearest ancestors. Only the last one decides the message's own parent;
/// the others link ancestors to each other, which the ancestors' own
/// References do too, so this loses nothing but on absurd headers (MUAs
/// already truncate long ones, RFC 5256 §3 step 1A expects it).
pub(crate) const MAX_REFERENCES: usize = 100;

/// What threading reads of one message.
#[derive(Debug, Clone, Default)]
pub(crate) struct ThreadInput {
    /// The number reported: sequence number or UID.
    pub(crate) number: u32,
    /// Message-ID header, raw (unfolded).
    pub(crate) message_id: Option<String>,
    /// In-Reply-To header, raw.
    pub(crate) in_reply_to: Option<String>,
    /// References header, raw.
    pub(crate) references: Option<String>,
    /// Subject, decoded (RFC 2047 words undone).
    pub(crate) subject: String,
    /// RFC 5256 §2.2 sent date in seconds (UTC), already the internal
    /// date when the Date header is missing or unreadable.
    pub(crate) sent_date: i64,
}

/// RFC 5256 §3: the msg-ids of a header, normalised so that quoting does
/// not matter (`<"a"@b>` is `<a@b>`): `local@domain`, case kept. What is
/// not `"<" local "@" domain ">"` is skipped.
pub(crate) fn msg_ids(raw: &str) -> Vec<String> {
    // A byte scan: '<' and '>' are ASCII, so every cut is on a char boundary.
    let b = raw.as_bytes();
    let mut out = Vec::new();
    let mut open = None;
    for (i, &c) in b.iter().enumerate() {
        match (c, open) {
            // "<a <b@c>": an unclosed bracket is forgotten.
            (b'<', _) => open = Some(i + 1),
            (b'>', Some(o)) => {
                if let Some(id) = normalise(&raw[o..i]) {
                    out.push(id);
                }
                open = None;
            }
            _ => {}
        }
    }
    out
}

fn normalise(inner: &str) -> Option<String> {
    let b = inner.as_bytes();
    if !b
        .iter()
        .any(|&c| c.is_ascii_whitespace() || c == b'"' || c == b'\\')
    {
        let at = b.iter().rposition(|&c| c == b'@')?;
        return (at > 0 && at + 1 < b.len()).then(|| inner.to_string());
    }
    let inner: String = inner.chars().filter(|c| !c.is_whitespace()).collect();
    let (local, domain) = inner.rsplit_once('@')?;
    // Quoted-string local parts: drop the quotes, undo quoted-pairs.
    let mut l = String::with_capacity(local.len());
    let mut chars = local.chars();
    while let Some(c) = chars.next() {
        match c {
            '"' => {}
            '\\' => l.extend(chars.next()),
            c => l.push(c),
        }
    }
    (!l.is_empty() && !domain.is_empty()).then(|| format!("{l}@{domain}"))
}

/// A message's references (RFC 5256 §3): the References ids, or else the
/// first In-Reply-To id; at most the last [`MAX_REFERENCES`].
fn references_of(m: &ThreadInput) -> Vec<String> {
    // Only the tail of a long References is parsed at all.
    let tail = |raw: &str| {
        let start = raw
            .bytes()
            .enumerate()
            .rev()
            .filter(|&(_, c)| c == b'<')
            .nth(MAX_REFERENCES)
            .map_or(0, |(i, _)| i + 1);
        msg_ids(&raw[start..])
    };
    let mut refs = m.references.as_deref().map(tail).unwrap_or_default();
    if refs.is_empty() {
        refs = m
            .in_reply_to
            .as_deref()
            .map(msg_ids)
            .unwrap_or_default()
            .into_iter()
            .take(1)
            .collect();
    }
    if refs.len() > MAX_REFERENCES {
        refs.drain(..refs.len() - MAX_REFERENCES);
    }
    refs
}

/// Sort key of a message: sent date, then mailbox order.
fn date_key(msgs: &[ThreadInput], i: usize) -> (i64, usize) {
    (msgs[i].sent_date, i)
}

/// THREAD=ORDEREDSUBJECT (RFC 5256 §3): messages sorted by base subject
/// then sent date, one thread per base subject with the first message as
/// parent of all others, threads ordered by their first message's date.
pub(crate) fn ordered_subject(msgs: &[ThreadInput]) -> ThreadForest {
    let subjects: Vec<String> = msgs
        .iter()
        .map(|m| unicode_casemap(&base_subject_reply(&m.subject).0))
        .collect();
    let mut order: Vec<usize> = (0..msgs.len()).collect();
    order.sort_by(|&a, &b| {
        subjects[a]
            .cmp(&subjects[b])
            .then(date_key(msgs, a).cmp(&date_key(msgs, b)))
    });
    let mut forest = ThreadForest::default();
    let mut groups: Vec<(usize, usize)> = Vec::new(); // (root node, first message)
    for (k, &i) in order.iter().enumerate() {
        let node = forest.nodes.len();
        forest.nodes.push(ThreadNode {
            id: Some(msgs[i].number),
            children: Vec::new(),
        });
        match groups.last() {
            Some(&(root, _)) if k > 0 && subjects[order[k - 1]] == subjects[i] => {
                forest.nodes[root].children.push(node)
            }
            _ => groups.push((node, i)),
        }
    }
    groups.sort_by_key(|&(_, first)| date_key(msgs, first));
    forest.roots = groups.into_iter().map(|(root, _)| root).collect();
    forest
}

/// The REFERENCES step 1 tree: containers with parent links.
struct Links {
    /// Index into the messages, `None` for a dummy.
    msg: Vec<Option<usize>>,
    parent: Vec<Option<usize>>,
    /// A known ancestor (for finding roots fast) and the generation it
    /// was found in: links only ever add ancestors, so a jump stays true
    /// until a link is cut, which starts a new generation.
    jump: Vec<(usize, u32)>,
    generation: u32,
    path: Vec<usize>,
}

impl Links {
    fn add(&mut self, msg: Option<usize>) -> usize {
        let i = self.msg.len();
        self.msg.push(msg);
        self.parent.push(None);
        self.jump.push((i, 0));
        i
    }

    fn root(&mut self, x: usize) -> usize {
        let mut cur = x;
        loop {
            let (j, g) = self.jump[cur];
            let next = if g == self.generation && j != cur {
                j
            } else {
                match self.parent[cur] {
                    Some(p) => p,
                    None => break,
                }
            };
            self.path.push(cur);
            cur = next;
        }
        for p in std::mem::take(&mut self.path) {
            self.jump[p] = (cur, self.generation);
        }
        cur
    }

    /// Makes `p` the parent of `c` (which has none) unless `c` is `p` or
    /// one of its ancestors: RFC 5256 §3 step 1, never a loop.
    fn link(&mut self, p: usize, c: usize) {
        if self.parent[c].is_none() && self.root(p) != c {
            self.parent[c] = Some(p);
        }
    }

    fn cut(&mut self, c: usize) {
        if self.parent[c].take().is_some() {
            self.generation = self.generation.wrapping_add(1);
            if self.generation == 0 {
                // After 2^32 cuts, forget every jump rather than trust an old one.
                for (i, j) in self.jump.iter_mut().enumerate() {
                    *j = (i, 0);
                }
                self.generation = 1;
            }
        }
    }
}

/// THREAD=REFERENCES (RFC 5256 §3, steps 1 to 6).
pub(crate) fn references(msgs: &[ThreadInput]) -> ThreadForest {
    let mut links = Links {
        msg: Vec::new(),
        parent: Vec::new(),
        jump: Vec::new(),
        generation: 1,
        path: Vec::new(),
    };
    // (1) Containers by Message-ID.
    let mut by_id: HashMap<String, usize> = HashMap::new();
    for (i, m) in msgs.iter().enumerate() {
        let id = m
            .message_id
            .as_deref()
            .and_then(|h| msg_ids(h).into_iter().next());
        // No valid id, or one already used by an earlier message: a
        // unique id of its own (a container in no table).
        let me = match id.as_ref().and_then(|id| by_id.get(id).copied()) {
            Some(c) if links.msg[c].is_none() => {
                links.msg[c] = Some(i);
                c
            }
            Some(_) => links.add(Some(i)),
            None => {
                let c = links.add(Some(i));
                if let Some(id) = id {
                    by_id.insert(id, c);
                }
                c
            }
        };
        let refs: Vec<usize> = references_of(m)
            .into_iter()
            .map(|r| *by_id.entry(r).or_insert_with(|| links.add(None)))
            .collect();
        // (1)(A) Consecutive references as parent and child, existing
        // links kept.
        for w in refs.windows(2) {
            if w[0] != w[1] {
                links.link(w[0], w[1]);
            }
        }
        // (1)(B) The last reference is the parent: an older link (from a
        // truncated References elsewhere) is broken first.
        links.cut(me);
        if let Some(&last) = refs.last()
            && last != me
        {
            links.link(last, me);
        }
    }
    // (2) The root set, and children lists.
    let n = links.msg.len();
    let mut children: Vec<Vec<usize>> = vec![Vec::new(); n];
    let mut roots = Vec::new();
    for c in 0..n {
        match links.parent[c] {
            Some(p) => children[p].push(c),
            None => roots.push(c),
        }
    }
    let is_msg = |c: usize| links.msg[c].is_some();
    prune(&mut children, &mut roots, &is_msg);
    let key = |children: &[Vec<usize>], c: usize| -> (i64, usize) {
        let c = match links.msg[c] {
            Some(_) => c,
            None => children[c].first().copied().unwrap_or(c),
        };
        links.msg[c].map_or((i64::MAX, usize::MAX), |i| date_key(msgs, i))
    };
    // (4) Dummies' children, then the root set, by sent date.
    for &r in &roots {
        if !is_msg(r) {
            let mut ch = std::mem::take(&mut children[r]);
            ch.sort_by_key(|&c| key(&children, c));
            children[r] = ch;
        }
    }
    roots.sort_by_key(|&r| key(&children, r));
    // (5) Roots with the same base subject become one thread.
    let mut msg_of = links.msg.clone();
    merge_subjects(msgs, &mut msg_of, &mut children, &mut roots);
    // (6) Every set of siblings by sent date (children only hold
    // messages; a dummy, only at the top, sorts by its first child).
    let key = |children: &[Vec<usize>], c: usize| -> (i64, usize) {
        let c = match msg_of[c] {
            Some(_) => c,
            None => children[c].first().copied().unwrap_or(c),
        };
        msg_of[c].map_or((i64::MAX, usize::MAX), |i| date_key(msgs, i))
    };
    for c in 0..children.len() {
        if msg_of[c].is_some() && children[c].len() > 1 {
            let mut ch = std::mem::take(&mut children[c]);
            ch.sort_by_key(|&x| key(&children, x));
            children[c] = ch;
        }
    }
    for &r in &roots {
        if msg_of[r].is_none() {
            let mut ch = std::mem::take(&mut children[r]);
            ch.sort_by_key(|&x| key(&children, x));
            children[r] = ch;
        }
    }
    roots.sort_by_key(|&r| key(&children, r));
    forest(msgs, &msg_of, &children, &roots)
}

/// (3) Prunes dummies: one without children goes; one with children is
/// replaced by them, except at the top where it stays when it has more
/// than one. Children are handled before parents (a reverse pre-order),
/// so a dummy's list holds no dummy when its parent takes it over.
fn prune(children: &mut [Vec<usize>], roots: &mut Vec<usize>, is_msg: &dyn Fn(usize) -> bool) {
    let mut order = Vec::new();
    let mut stack: Vec<usize> = roots.clone();
    while let Some(c) = stack.pop() {
        order.push(c);
        stack.extend(children[c].iter().copied());
    }
    for &c in order.iter().rev() {
        if !children[c].iter().any(|&x| !is_msg(x)) {
            continue;
        }
        let mut kept = Vec::with_capacity(children[c].len());
        for x in std::mem::take(&mut children[c]) {
            if is_msg(x) {
                kept.push(x);
            } else {
                kept.append(&mut children[x]);
            }
        }
        children[c] = kept;
    }
    let mut top = Vec::with_capacity(roots.len());
    for &r in roots.iter() {
        if is_msg(r) {
            top.push(r);
            continue;
        }
        match children[r].len() {
            0 => {}
            1 => top.push(children[r][0]),
            _ => top.push(r),
        }
    }
    *roots = top;
}

/// (5) Gathers roots with the same base subject (RFC 5256 §3 step 5).
/// `msg_of` grows with the dummies this creates.
fn merge_subjects(
    msgs: &[ThreadInput],
    msg_of: &mut Vec<Option<usize>>,
    children: &mut Vec<Vec<usize>>,
    roots: &mut Vec<usize>,
) {
    let subjects: Vec<(String, bool)> = msgs
        .iter()
        .map(|m| {
            let (base, reply) = base_subject_reply(&m.subject);
            (unicode_casemap(&base), reply)
        })
        .collect();
    // (5)(B)(i) A thread's subject: its message's, or a dummy's first child's.
    let subject_of = |msg_of: &[Option<usize>], children: &[Vec<usize>], r: usize| {
        let m = msg_of[r].or_else(|| children[r].first().and_then(|&c| msg_of[c]))?;
        Some(subjects[m].0.clone()).filter(|s| !s.is_empty())
    };
    let reply = |msg_of: &[Option<usize>], r: usize| msg_of[r].is_some_and(|m| subjects[m].1);
    // (5)(B) The subject table.
    let mut table: HashMap<String, usize> = HashMap::new();
    for &r in roots.iter() {
        let Some(s) = subject_of(msg_of, children, r) else {
            continue;
        };
        match table.get(&s).copied() {
            None => {
                table.insert(s, r);
            }
            Some(t) => {
                let t_dummy = msg_of[t].is_none();
                let r_dummy = msg_of[r].is_none();
                if !t_dummy && (r_dummy || (reply(msg_of, t) && !reply(msg_of, r))) {
                    table.insert(s, r);
                }
            }
        }
    }
    // (5)(C) Merging; `slot` is where each table entry sits in `roots`.
    let mut top: Vec<Option<usize>> = roots.iter().copied().map(Some).collect();
    let mut slot: HashMap<usize, usize> = HashMap::new();
    for (i, r) in roots.iter().enumerate() {
        slot.insert(*r, i);
    }
    for i in 0..top.len() {
        let Some(r) = top[i] else { continue };
        let Some(s) = subject_of(msg_of, children, r) else {
            continue;
        };
        let Some(&t) = table.get(&s) else { continue };
        if t == r {
            continue;
        }
        let (t_dummy, r_dummy) = (msg_of[t].is_none(), msg_of[r].is_none());
        if t_dummy && r_dummy {
            let mut moved = std::mem::take(&mut children[r]);
            children[t].append(&mut moved);
            top[i] = None;
        } else if t_dummy || (reply(msg_of, r) && !reply(msg_of, t)) {
            children[t].push(r);
            top[i] = None;
        } else {
            let d = msg_of.len();
            msg_of.push(None);
            children.push(vec![t, r]);
            top[i] = None;
            if let Some(&at) = slot.get(&t) {
                top[at] = Some(d);
                slot.insert(d, at);
            }
            table.insert(s, d);
        }
    }
    *roots = top.into_iter().flatten().collect();
}

/// The forest of the THREAD response, from the roots down.
fn forest(
    msgs: &[ThreadInput],
    msg_of: &[Option<usize>],
    children: &[Vec<usize>],
    roots: &[usize],
) -> ThreadForest {
    let mut out = ThreadForest::default();
    let mut index: HashMap<usize, usize> = HashMap::new();
    let mut stack: Vec<usize> = roots.to_vec();
    while let Some(c) = stack.pop() {
        if index.contains_key(&c) {
            continue;
        }
        index.insert(c, out.nodes.len());
        out.nodes.push(ThreadNode {
            id: msg_of[c].map(|m| msgs[m].number),
            children: Vec::new(),
        });
        stack.extend(children[c].iter().copied());
    }
    for (&c, &node) in &index {
        out.nodes[node].children = children[c]
            .iter()
            .filter_map(|x| index.get(x).copied())
            .collect();
    }
    out.roots = roots.iter().filter_map(|r| index.get(r).copied()).collect();
    out
}

#[cfg(test)]
mod tests;
