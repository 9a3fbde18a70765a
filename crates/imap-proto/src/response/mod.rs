//! Server responses (RFC 9051 §7) as values; [`encode`] turns them into bytes.

mod encode;
mod thread;

pub use encode::{Encoder, MAX_TEXT, NUL_REPLACEMENT, write_astring, write_nstring, write_string};
pub use thread::{ThreadForest, ThreadNode};

use crate::bodystructure::{BodyStructure, Envelope};
use crate::command::{Section, StatusItem};
use crate::types::{DateTime, Flag, Mailbox, NumSet};

/// Status of a tagged or untagged condition response.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// OK
    Ok,
    /// NO
    No,
    /// BAD
    Bad,
    /// PREAUTH (greeting only)
    PreAuth,
    /// BYE
    Bye,
}

/// A response code in brackets. RFC 9051 §7.1, RFC 5530, and extensions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Code {
    /// ALERT
    Alert,
    /// ALREADYEXISTS (RFC 5530)
    AlreadyExists,
    /// APPENDUID validity uids (RFC 4315)
    AppendUid {
        /// UIDVALIDITY of the target.
        uid_validity: u32,
        /// Assigned UIDs.
        uids: NumSet,
    },
    /// AUTHENTICATIONFAILED
    AuthenticationFailed,
    /// AUTHORIZATIONFAILED
    AuthorizationFailed,
    /// BADCHARSET (charsets)
    BadCharset(Vec<String>),
    /// CANNOT
    Cannot,
    /// CAPABILITY list
    Capability(Vec<String>),
    /// CLIENTBUG
    ClientBug,
    /// CLOSED (RFC 7162)
    Closed,
    /// CONTACTADMIN
    ContactAdmin,
    /// COPYUID validity source-uids dest-uids (RFC 4315)
    CopyUid {
        /// UIDVALIDITY of the target.
        uid_validity: u32,
        /// Source UIDs.
        source: NumSet,
        /// Destination UIDs, same order.
        dest: NumSet,
    },
    /// CORRUPTION
    Corruption,
    /// EXPIRED
    Expired,
    /// EXPUNGEISSUED
    ExpungeIssued,
    /// HASCHILDREN
    HasChildren,
    /// HIGHESTMODSEQ n (RFC 7162)
    HighestModSeq(u64),
    /// MAILBOXID (Fn) (RFC 8474 §4.1)
    MailboxId(u64),
    /// INUSE
    InUse,
    /// LIMIT
    Limit,
    /// MODIFIED set (RFC 7162)
    Modified(NumSet),
    /// NOMODSEQ (RFC 7162)
    NoModSeq,
    /// NONEXISTENT
    NonExistent,
    /// NOPERM
    NoPerm,
    /// OVERQUOTA (RFC 9208)
    OverQuota,
    /// PARSE
    Parse,
    /// PERMANENTFLAGS (flags)
    PermanentFlags(Vec<Flag>),
    /// PRIVACYREQUIRED
    PrivacyRequired,
    /// READ-ONLY
    ReadOnly,
    /// READ-WRITE
    ReadWrite,
    /// SERVERBUG
    ServerBug,
    /// TOOBIG (RFC 7889/9051)
    TooBig,
    /// TRYCREATE
    TryCreate,
    /// UIDNEXT n
    UidNext(u32),
    /// UIDNOTSTICKY (RFC 4315)
    UidNotSticky,
    /// UIDVALIDITY n
    UidValidity(u32),
    /// UNAVAILABLE
    Unavailable,
    /// UNKNOWN-CTE (RFC 3516)
    UnknownCte,
    /// UNSEEN n (IMAP4rev1)
    Unseen(u32),
    /// USEATTR (RFC 6154)
    UseAttr,
    /// NOTSAVED (RFC 5182)
    NotSaved,
    /// NOUPDATE "tag" (RFC 5267 §4.3.1): no updates for that search.
    NoUpdate(String),
    /// APPENDLIMIT n in a response code is not defined; other atoms and text.
    Other(String, Option<String>),
}

/// One attribute of a LIST reply besides the flags, e.g. CHILDINFO or OLDNAME.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ListExtended {
    /// `("CHILDINFO" ("SUBSCRIBED"))` (RFC 5258 §3.5)
    ChildInfoSubscribed,
    /// `("OLDNAME" ("old"))` (RFC 9051 §6.3.9.7)
    OldName(Mailbox),
}

/// One `* LIST` entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListItem {
    /// Attributes such as `\HasChildren`, `\Sent`, `\Subscribed`, `\NonExistent`.
    pub attributes: Vec<String>,
    /// Hierarchy delimiter, `None` for NIL.
    pub delimiter: Option<char>,
    /// Mailbox name.
    pub mailbox: Mailbox,
    /// Extended items.
    pub extended: Vec<ListExtended>,
}

/// ESEARCH return data. RFC 4731 §3.1, RFC 7162 §3.1.5.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ESearchItem {
    /// MIN n
    Min(u32),
    /// MAX n
    Max(u32),
    /// ALL set
    All(NumSet),
    /// COUNT n
    Count(u32),
    /// MODSEQ n
    ModSeq(u64),
    /// PARTIAL (first:last set-or-NIL) (RFC 5267 §4.4)
    Partial {
        /// Requested first position.
        first: u32,
        /// Requested last position.
        last: u32,
        /// The results at those positions, in result order (`None`: NIL).
        set: Option<NumSet>,
    },
    /// ADDTO (position set ...) (RFC 5267 §4.3.3): insert each set at its position.
    AddTo(Vec<(u32, NumSet)>),
    /// REMOVEFROM (position set ...) (RFC 5267 §4.3.4)
    RemoveFrom(Vec<(u32, NumSet)>),
}

/// One namespace description: (prefix, delimiter).
pub type NamespaceDesc = (String, Option<char>);

/// One FETCH data item in a reply.
#[derive(Debug, Clone, PartialEq)]
pub enum FetchValue {
    /// FLAGS
    Flags(Vec<Flag>),
    /// UID
    Uid(u32),
    /// INTERNALDATE
    InternalDate(DateTime),
    /// RFC822.SIZE
    Rfc822Size(u64),
    /// ENVELOPE
    Envelope(Box<Envelope>),
    /// BODY (non-extensible form)
    Body(Box<BodyStructure>),
    /// BODYSTRUCTURE (with extension data)
    BodyStructure(Box<BodyStructure>),
    /// BODY[section]<origin> data (RFC 9051: the reply has no PEEK and only the origin).
    BodySection {
        /// Section as requested.
        section: Section,
        /// Origin octet of a partial fetch.
        origin: Option<u32>,
        /// Data (None for NIL).
        data: Option<Vec<u8>>,
    },
    /// BINARY[part]<origin> (RFC 3516), sent as literal8 when it contains NUL.
    Binary {
        /// Part path.
        section: Vec<u32>,
        /// Origin octet of a partial fetch.
        origin: Option<u32>,
        /// Decoded data.
        data: Option<Vec<u8>>,
    },
    /// BINARY.SIZE[part]
    BinarySize {
        /// Part path.
        section: Vec<u32>,
        /// Decoded size.
        size: u64,
    },
    /// RFC822 data
    Rfc822(Option<Vec<u8>>),
    /// RFC822.HEADER data
    Rfc822Header(Option<Vec<u8>>),
    /// RFC822.TEXT data
    Rfc822Text(Option<Vec<u8>>),
    /// MODSEQ (n)
    ModSeq(u64),
    /// EMAILID (Mn) (RFC 8474 §5.1)
    EmailId(u64),
    /// THREADID (Tn), or NIL when the message is in no thread (§5.2)
    ThreadId(Option<u64>),
}

/// Untagged data responses.
#[derive(Debug, Clone, PartialEq)]
pub enum Data {
    /// `* CAPABILITY ...`
    Capability(Vec<String>),
    /// `* ENABLED ...` (RFC 5161)
    Enabled(Vec<String>),
    /// `* n EXISTS`
    Exists(u32),
    /// `* n RECENT` (IMAP4rev1)
    Recent(u32),
    /// `* n EXPUNGE`
    Expunge(u32),
    /// `* VANISHED [(EARLIER)] uids` (RFC 7162 §3.2.10)
    Vanished {
        /// EARLIER tag.
        earlier: bool,
        /// UIDs.
        uids: NumSet,
    },
    /// `* FLAGS (...)`
    Flags(Vec<Flag>),
    /// `* LIST (...) "/" name`
    List(ListItem),
    /// `* LSUB (...) "/" name` (IMAP4rev1)
    Lsub(ListItem),
    /// `* STATUS name (item value ...)`
    Status {
        /// Mailbox.
        mailbox: Mailbox,
        /// Values.
        items: Vec<(StatusItem, u64)>,
    },
    /// `* SEARCH n... [(MODSEQ n)]` (IMAP4rev1)
    Search {
        /// Matching numbers.
        ids: Vec<u32>,
        /// Highest mod-sequence (RFC 7162 §3.1.5).
        mod_seq: Option<u64>,
    },
    /// `* SORT n... [(MODSEQ n)]` (RFC 5256 §4, RFC 7162 §3.1.5)
    Sort {
        /// Matching numbers in sort order.
        ids: Vec<u32>,
        /// Highest mod-sequence of the matches, when MODSEQ was searched.
        mod_seq: Option<u64>,
    },
    /// `* THREAD (...)...` (RFC 5256 §4)
    Thread(ThreadForest),
    /// `* ESEARCH [(TAG "t")] [UID] items` (RFC 4731)
    ESearch {
        /// Tag of the SEARCH command.
        tag: Option<String>,
        /// UID SEARCH?
        uid: bool,
        /// Result items.
        items: Vec<ESearchItem>,
    },
    /// `* QUOTA root (resource usage limit ...)` (RFC 9208)
    Quota {
        /// Root.
        root: String,
        /// (resource, usage, limit).
        resources: Vec<(String, u64, u64)>,
    },
    /// `* QUOTAROOT mailbox root...`
    QuotaRoot {
        /// Mailbox.
        mailbox: Mailbox,
        /// Roots.
        roots: Vec<String>,
    },
    /// `* ACL mailbox id rights ...` (RFC 4314)
    Acl {
        /// Mailbox.
        mailbox: Mailbox,
        /// (identifier, rights).
        entries: Vec<(String, String)>,
    },
    /// `* LISTRIGHTS mailbox id required optional...`
    ListRights {
        /// Mailbox.
        mailbox: Mailbox,
        /// Identifier.
        identifier: String,
        /// Always granted rights.
        required: String,
        /// Optional rights groups.
        optional: Vec<String>,
    },
    /// `* MYRIGHTS mailbox rights`
    MyRights {
        /// Mailbox.
        mailbox: Mailbox,
        /// Rights.
        rights: String,
    },
    /// `* NAMESPACE personal other shared` (RFC 2342)
    Namespace {
        /// Personal namespaces.
        personal: Vec<NamespaceDesc>,
        /// Other users'.
        other: Vec<NamespaceDesc>,
        /// Shared.
        shared: Vec<NamespaceDesc>,
    },
    /// `* ID (...)` or `* ID NIL` (RFC 2971)
    Id(Option<Vec<(String, Option<String>)>>),
    /// `* n FETCH (...)`
    Fetch {
        /// Sequence number.
        seq: u32,
        /// Items.
        items: Vec<FetchValue>,
    },
}

/// Anything the server sends.
#[derive(Debug, Clone, PartialEq)]
pub enum Response {
    /// Tagged or untagged status (`a OK ...`, `* NO ...`, `* BYE ...`).
    Status {
        /// Tag, `None` for untagged `*`.
        tag: Option<String>,
        /// OK, NO, BAD, PREAUTH, BYE.
        status: Status,
        /// Response code.
        code: Option<Code>,
        /// Human text.
        text: String,
    },
    /// Untagged data.
    Data(Data),
    /// `+ text`
    Continue(String),
    /// `+ base64` (SASL challenge, RFC 9051 §6.2.2)
    Challenge(Vec<u8>),
}

impl Response {
    /// Tagged OK.
    pub fn ok(tag: &str, text: &str) -> Response {
        Response::Status {
            tag: Some(tag.into()),
            status: Status::Ok,
            code: None,
            text: text.into(),
        }
    }

    /// Tagged NO.
    pub fn no(tag: &str, code: Option<Code>, text: &str) -> Response {
        Response::Status {
            tag: Some(tag.into()),
            status: Status::No,
            code,
            text: text.into(),
        }
    }

    /// Tagged BAD.
    pub fn bad(tag: &str, text: &str) -> Response {
        Response::Status {
            tag: Some(tag.into()),
            status: Status::Bad,
            code: None,
            text: text.into(),
        }
    }

    /// Untagged OK with a code, e.g. `* OK [UIDVALIDITY 3857529045] UIDs valid`.
    pub fn untagged_ok(code: Option<Code>, text: &str) -> Response {
        Response::Status {
            tag: None,
            status: Status::Ok,
            code,
            text: text.into(),
        }
    }

    /// `* BYE text`.
    pub fn bye(text: &str) -> Response {
        Response::Status {
            tag: None,
            status: Status::Bye,
            code: None,
            text: text.into(),
        }
    }
}
