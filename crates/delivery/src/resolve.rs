//! Recipient resolution: envelope recipients to mailboxes and outbound
//! copies. Persons and functional mailboxes (R2) get their INBOX, lists
//! (R3) expand to their members (recursively, bounded, de-duplicated),
//! redirections (R22) add outbound copies when the charter allows them.
//!
//! Invariants
//! - A message that reached a functional mailbox, directly or through an
//!   internal hop, never leaves the domain through a redirection (R22):
//!   that hop is refused, logged, and the mail is kept locally instead.
//! - Every address is expanded at most once per message (loops end).

use std::collections::HashSet;

use vesontio_policy::forwarding_allowed;
use vesontio_store::{Account, NewQueueRcpt, StoreError};
use vesontio_types::{AccountKind, Address};

use crate::{Delivery, Recipient};

/// How deep lists and internal redirections may nest.
const MAX_DEPTH: u8 = 8;

/// A mailbox to deliver into.
#[derive(Debug, Clone)]
pub(crate) struct LocalTarget {
    pub account: Account,
    /// The list through which the copy came (adds `List-Id:`; no absence reply).
    pub list: Option<String>,
    /// The original envelope recipient (RFC 3461 ORCPT / NOTIFY), for DSNs.
    pub orcpt: Option<String>,
    pub notify: Option<String>,
}

/// A copy for another domain, through the outbound queue.
#[derive(Debug, Clone)]
pub(crate) struct RemoteTarget {
    pub rcpt: NewQueueRcpt,
    /// Reverse path of the copy: the original sender, or for a redirection
    /// the redirecting account (so SPF checks the domain that sends it;
    /// no SRS rewriting).
    pub sender: String,
    pub list: Option<String>,
    /// The copy went through a functional mailbox: marked with
    /// `X-Vesontio-Functional: yes` so a later hop keeps R22.
    pub functional: bool,
}

#[derive(Debug, Default)]
pub(crate) struct Resolution {
    pub local: Vec<LocalTarget>,
    pub remote: Vec<RemoteTarget>,
    /// Local addresses that do not exist (deleted since RCPT TO).
    pub unknown: Vec<String>,
    /// R22 refusals, for the log and the audit.
    pub forward_refused: Vec<String>,
}

struct Node {
    addr: String,
    orcpt: Option<String>,
    notify: Option<String>,
    functional: bool,
    list: Option<String>,
    forwarded_by: Option<String>,
    depth: u8,
}

impl Delivery {
    /// Resolves the envelope recipients. `allow_remote` is false on MX
    /// (no relaying for direct recipients; list members and redirections
    /// still go out). `reached_functional` starts true when the message
    /// carries the functional mark from an earlier hop.
    pub(crate) async fn resolve(
        &self,
        recipients: &[Recipient],
        sender: &str,
        allow_remote: bool,
        reached_functional: bool,
    ) -> Result<Resolution, StoreError> {
        let mut out = Resolution::default();
        let mut seen: HashSet<String> = HashSet::new();
        let mut stack: Vec<Node> = recipients
            .iter()
            .rev()
            .map(|r| Node {
                addr: r.address.normalized(),
                orcpt: r.orcpt.clone(),
                notify: r.notify.clone(),
                functional: reached_functional,
                list: None,
                forwarded_by: None,
                depth: 0,
            })
            .collect();
        while let Some(node) = stack.pop() {
            if !seen.insert(node.addr.clone()) {
                continue;
            }
            let Ok(addr) = Address::parse(&node.addr) else {
                tracing::warn!(rcpt = %node.addr, "unparsable recipient skipped");
                continue;
            };
            if !self.is_local_domain(addr.domain()).await {
                if node.depth == 0 && !allow_remote {
                    tracing::warn!(rcpt = %node.addr, "relay attempt reached submit; skipped");
                    continue;
                }
                out.remote.push(RemoteTarget {
                    rcpt: NewQueueRcpt {
                        address: node.addr.clone(),
                        orcpt: node.orcpt.clone(),
                        notify: node.notify.clone(),
                    },
                    sender: node
                        .forwarded_by
                        .clone()
                        .unwrap_or_else(|| sender.to_string()),
                    list: node.list.clone(),
                    functional: node.functional,
                });
                continue;
            }
            let Some(account) = self.store().account_by_address(&node.addr).await? else {
                out.unknown.push(node.addr.clone());
                continue;
            };
            if account.kind == AccountKind::List {
                if node.depth >= MAX_DEPTH {
                    tracing::warn!(list = %account.address, "list nesting too deep; not expanded");
                    continue;
                }
                let members = self.store().list_members(account.id).await?;
                for m in members.into_iter().rev() {
                    stack.push(Node {
                        addr: m.to_lowercase(),
                        orcpt: None,
                        notify: None,
                        functional: node.functional,
                        list: Some(account.address.clone()),
                        forwarded_by: None,
                        depth: node.depth + 1,
                    });
                }
                continue;
            }
            let functional = node.functional || account.kind == AccountKind::Functional;
            let mut keep_local = true;
            if let Some(fwd) = account
                .forward_to
                .as_deref()
                .map(str::trim)
                .filter(|f| !f.is_empty())
            {
                match Address::parse(fwd) {
                    Err(_) => {
                        tracing::warn!(account = %account.address, "unparsable redirection ignored")
                    }
                    Ok(f) if self.is_local_domain(f.domain()).await => {
                        // An internal hop: the mark follows the message. A
                        // hop back to an address already reached is a loop:
                        // the copy stays here, so nothing is lost.
                        if seen.contains(&f.normalized()) {
                            tracing::warn!(account = %account.address, "redirection loop; copy kept");
                        } else if node.depth < MAX_DEPTH {
                            stack.push(Node {
                                addr: f.normalized(),
                                orcpt: None,
                                notify: None,
                                functional,
                                list: None,
                                forwarded_by: None,
                                depth: node.depth + 1,
                            });
                            keep_local = account.forward_keep_copy;
                        }
                    }
                    Ok(f) => match forwarding_allowed(account.kind, node.functional) {
                        Ok(()) => {
                            out.remote.push(RemoteTarget {
                                rcpt: NewQueueRcpt {
                                    address: f.to_string(),
                                    orcpt: None,
                                    notify: None,
                                },
                                sender: account.address.clone(),
                                list: None,
                                functional: false,
                            });
                            keep_local = account.forward_keep_copy;
                        }
                        Err(why) => {
                            // R22: refused silently for this hop; the copy stays here.
                            tracing::info!(account = %account.address, reason = %why, "redirection refused");
                            out.forward_refused.push(account.address.clone());
                        }
                    },
                }
            }
            if keep_local {
                out.local.push(LocalTarget {
                    account,
                    list: node.list.clone(),
                    orcpt: node.orcpt.clone(),
                    notify: node.notify.clone(),
                });
            }
        }
        Ok(out)
    }
}
