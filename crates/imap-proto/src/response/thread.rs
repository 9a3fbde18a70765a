//! The THREAD response (RFC 5256 §4, BASE.7.2.THREAD): a forest kept in
//! an arena and written without recursion, since a reply chain can be as
//! deep as the mailbox is large.
//!
//! ```text
//! thread-data    = "THREAD" [SP 1*thread-list]
//! thread-list    = "(" (thread-members / thread-nested) ")"
//! thread-members = nz-number *(SP nz-number) [SP thread-nested]
//! thread-nested  = 2*thread-list
//! ```

use std::io::Write as _;

/// One node: a message number, or `None` for a message that is not in the
/// result (a "dummy" parent of siblings, RFC 5256 §4 `((3)(5))`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ThreadNode {
    /// Sequence number or UID.
    pub id: Option<u32>,
    /// Children in display order, as indexes into [`ThreadForest::nodes`].
    pub children: Vec<usize>,
}

/// Threads: the roots, in order, over an arena of nodes. Indexes out of
/// range are skipped when encoding, and each node is written at most once,
/// so a malformed forest cannot make the encoder loop.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ThreadForest {
    /// Every node.
    pub nodes: Vec<ThreadNode>,
    /// The threads, in order.
    pub roots: Vec<usize>,
}

enum Step {
    Open,
    Node(usize),
    Close,
}

impl ThreadForest {
    /// Writes the threads after `THREAD` (with the leading space when any).
    pub(crate) fn encode(&self, out: &mut Vec<u8>) {
        let mut written = vec![false; self.nodes.len()];
        let mut stack: Vec<Step> = Vec::new();
        for &r in self.roots.iter().rev() {
            stack.extend([Step::Close, Step::Node(r), Step::Open]);
        }
        if !stack.is_empty() {
            out.push(b' ');
        }
        // After a number, a number or a nested list needs a space first.
        let mut after_number = false;
        while let Some(step) = stack.pop() {
            match step {
                Step::Open => {
                    if after_number {
                        out.push(b' ');
                    }
                    out.push(b'(');
                    after_number = false;
                }
                Step::Close => {
                    out.push(b')');
                    after_number = false;
                }
                Step::Node(i) => {
                    let Some(node) = self.nodes.get(i) else {
                        continue;
                    };
                    if std::mem::replace(&mut written[i], true) {
                        continue;
                    }
                    if let Some(id) = node.id {
                        if after_number {
                            out.push(b' ');
                        }
                        let _ = write!(out, "{id}");
                        after_number = true;
                    }
                    match node.children.as_slice() {
                        [] => {}
                        // One child continues the member list.
                        [only] => stack.push(Step::Node(*only)),
                        // Several: one nested list each.
                        many => {
                            for &c in many.iter().rev() {
                                stack.extend([Step::Close, Step::Node(c), Step::Open]);
                            }
                        }
                    }
                }
            }
        }
    }
}
