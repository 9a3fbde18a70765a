//! Institutional lists (R3: members, and who may post) and the members of
//! functional mailboxes (R2, with RFC 4314 rights).

use serde::Serialize;
use serde_json::json;
use vesontio_store::{Account, NewAccount};
use vesontio_types::AccountKind;

use crate::{Actor, Admin, AdminError, Result, default_display_name, parse_address};

/// Which side of a list is edited.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ListSide {
    /// Who receives what is posted.
    Members,
    /// R3: who may post (checked against the authenticated sender).
    Senders,
}

impl ListSide {
    fn as_str(self) -> &'static str {
        match self {
            ListSide::Members => "members",
            ListSide::Senders => "senders",
        }
    }
}

/// Addresses to add and to remove, in one operation.
#[derive(Debug, Clone, Default)]
pub struct MemberChanges {
    pub add: Vec<String>,
    pub remove: Vec<String>,
}

/// A member of a functional mailbox and their rights.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct GroupMember {
    pub address: String,
    pub rights: String,
}

/// RFC 4314 §2.1's rights; `p` means "may send as" here (R2).
const RIGHTS: &str = "lrswipkxtea";

/// The rights a new member gets unless others are given: everything but
/// administering the mailbox's rights.
pub const DEFAULT_RIGHTS: &str = "lrswipkxte";

impl Admin {
    pub async fn create_list(
        &self,
        actor: &Actor,
        address: &str,
        display_name: Option<String>,
    ) -> Result<String> {
        let a = self.local_address(address).await?.normalized();
        let acc = self
            .store
            .create_account(NewAccount {
                address: a.clone(),
                kind: AccountKind::List,
                display_name: display_name.unwrap_or_else(|| default_display_name(&a)),
                password_hash: None,
                must_change_password: false,
                manager: None,
                quota_bytes: 0,
                created_at: vesontio_store::now(),
            })
            .await
            .map_err(|e| match e {
                vesontio_store::StoreError::AlreadyExists(_) => AdminError::Exists {
                    address: a.clone(),
                    suggestion: None,
                },
                e => e.into(),
            })?;
        self.audit(actor, "list_add", json!({"address": acc.address}))
            .await?;
        Ok(acc.address)
    }

    async fn find_kind(&self, address: &str, needed: AccountKind) -> Result<Account> {
        let a = self.find(address).await?;
        if a.kind != needed {
            return Err(AdminError::WrongKind {
                address: a.address,
                kind: a.kind,
                needed,
            });
        }
        Ok(a)
    }

    /// The list's members or senders.
    pub async fn list_side(&self, list: &str, side: ListSide) -> Result<Vec<String>> {
        let list = self.find_kind(list, AccountKind::List).await?;
        Ok(match side {
            ListSide::Members => self.store.list_members(list.id).await?,
            ListSide::Senders => self.store.list_senders(list.id).await?,
        })
    }

    /// Adds then removes; returns the side as it is afterwards. Addresses
    /// may be outside the platform (an outside member, a partner allowed
    /// to post).
    pub async fn edit_list(
        &self,
        actor: &Actor,
        list: &str,
        side: ListSide,
        c: MemberChanges,
    ) -> Result<Vec<String>> {
        let l = self.find_kind(list, AccountKind::List).await?;
        for a in &c.add {
            let a = parse_address(a)?.normalized();
            match side {
                ListSide::Members => self.store.add_list_member(l.id, &a).await?,
                ListSide::Senders => self.store.add_list_sender(l.id, &a).await?,
            }
        }
        for a in &c.remove {
            let a = a.trim().to_lowercase();
            let removed = match side {
                ListSide::Members => self.store.remove_list_member(l.id, &a).await?,
                ListSide::Senders => self.store.remove_list_sender(l.id, &a).await?,
            };
            if !removed {
                return Err(AdminError::NotMember {
                    member: a,
                    of: l.address,
                });
            }
        }
        if !c.add.is_empty() || !c.remove.is_empty() {
            self.audit(
                actor,
                "list_edit",
                json!({"address": l.address, "side": side.as_str(), "added": c.add, "removed": c.remove}),
            )
            .await?;
        }
        self.list_side(&l.address, side).await
    }

    /// The members of a functional mailbox.
    pub async fn group_members(&self, group: &str) -> Result<Vec<GroupMember>> {
        let g = self.find_kind(group, AccountKind::Functional).await?;
        Ok(self
            .store
            .members(g.id)
            .await?
            .into_iter()
            .map(|(a, rights)| GroupMember {
                address: a.address,
                rights,
            })
            .collect())
    }

    /// Adds (with `rights`, RFC 4314 letters) then removes members of a
    /// functional mailbox; only persons can be members.
    pub async fn edit_group(
        &self,
        actor: &Actor,
        group: &str,
        c: MemberChanges,
        rights: &str,
    ) -> Result<Vec<GroupMember>> {
        let g = self.find_kind(group, AccountKind::Functional).await?;
        if rights.is_empty() || !rights.chars().all(|c| RIGHTS.contains(c)) {
            return Err(AdminError::BadRights {
                rights: rights.to_string(),
            });
        }
        for a in &c.add {
            let m = self.find_kind(a, AccountKind::Person).await?;
            self.store.set_member(g.id, m.id, rights).await?;
        }
        for a in &c.remove {
            let m = self.find(a).await?;
            if !self.store.remove_member(g.id, m.id).await? {
                return Err(AdminError::NotMember {
                    member: m.address,
                    of: g.address,
                });
            }
        }
        if !c.add.is_empty() || !c.remove.is_empty() {
            self.audit(
                actor,
                "group_edit",
                json!({"address": g.address, "added": c.add, "rights": rights, "removed": c.remove}),
            )
            .await?;
        }
        self.group_members(&g.address).await
    }
}
