//! Parsed client commands (RFC 9051 §6, RFC 3501 §6 and the extensions in the crate doc).

use crate::types::{Date, DateTime, Flag, Mailbox, Secret, SequenceSet, UidMode};

/// One tagged client command.
#[derive(Debug, Clone, PartialEq)]
pub struct Command {
    /// The client's tag.
    pub tag: String,
    /// What the command asks.
    pub body: CommandBody,
}

/// SELECT or EXAMINE.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SelectMode {
    /// SELECT
    ReadWrite,
    /// EXAMINE
    ReadOnly,
}

/// RFC 7162 §3.2.5 QRESYNC select parameter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QResync {
    /// Last known UIDVALIDITY.
    pub uid_validity: u32,
    /// Last known mod-sequence.
    pub mod_seq: u64,
    /// Known UIDs, if given.
    pub known_uids: Option<SequenceSet>,
    /// Sequence match data: (known sequence numbers, their UIDs).
    pub seq_match: Option<(SequenceSet, SequenceSet)>,
}

/// LIST-EXTENDED selection options. RFC 5258 §3.1, RFC 6154 §3.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ListSelect {
    /// SUBSCRIBED
    Subscribed,
    /// REMOTE
    Remote,
    /// RECURSIVEMATCH
    RecursiveMatch,
    /// SPECIAL-USE (RFC 6154)
    SpecialUse,
    /// Unknown option (RFC 5258 says to reject with BAD; kept for the server to decide).
    Other(String),
}

/// LIST-EXTENDED return options. RFC 5258 §3.2, RFC 5819, RFC 6154.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ListReturn {
    /// SUBSCRIBED
    Subscribed,
    /// CHILDREN
    Children,
    /// SPECIAL-USE
    SpecialUse,
    /// STATUS (items) — RFC 5819
    Status(Vec<StatusItem>),
    /// MYRIGHTS (RFC 8440) or other.
    Other(String),
}

/// STATUS data items. RFC 9051 §6.3.11, RFC 7162, RFC 7889, RFC 8438.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatusItem {
    /// MESSAGES
    Messages,
    /// UIDNEXT
    UidNext,
    /// UIDVALIDITY
    UidValidity,
    /// UNSEEN
    Unseen,
    /// DELETED (RFC 9051)
    Deleted,
    /// SIZE (RFC 8438 / 9051)
    Size,
    /// RECENT (IMAP4rev1)
    Recent,
    /// HIGHESTMODSEQ (RFC 7162)
    HighestModSeq,
    /// APPENDLIMIT (RFC 7889)
    AppendLimit,
    /// MAILBOXID (RFC 8474 §4)
    MailboxId,
}

impl StatusItem {
    /// The wire name.
    pub fn name(self) -> &'static str {
        match self {
            StatusItem::Messages => "MESSAGES",
            StatusItem::UidNext => "UIDNEXT",
            StatusItem::UidValidity => "UIDVALIDITY",
            StatusItem::Unseen => "UNSEEN",
            StatusItem::Deleted => "DELETED",
            StatusItem::Size => "SIZE",
            StatusItem::Recent => "RECENT",
            StatusItem::HighestModSeq => "HIGHESTMODSEQ",
            StatusItem::AppendLimit => "APPENDLIMIT",
            StatusItem::MailboxId => "MAILBOXID",
        }
    }
}

/// One message of APPEND (RFC 3502 MULTIAPPEND allows several).
#[derive(Debug, Clone, PartialEq)]
pub struct AppendMessage {
    /// Flags to set.
    pub flags: Vec<Flag>,
    /// INTERNALDATE to set.
    pub date: Option<DateTime>,
    /// The message octets.
    pub data: Vec<u8>,
    /// Sent as `literal8` (`~{n}`, RFC 3516 BINARY): may contain NUL.
    pub binary: bool,
}

/// SEARCH (and extended SORT) RETURN options. RFC 4731 §3.1, RFC 5182,
/// RFC 9051 §6.4.4, RFC 5267 §3.1 and §4.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SearchReturn {
    /// MIN
    Min,
    /// MAX
    Max,
    /// ALL
    All,
    /// COUNT
    Count,
    /// SAVE (RFC 5182)
    Save,
    /// PARTIAL first:last (RFC 5267 §4.4): positions in the result, 1-based,
    /// `first <= last` (the parser orders them; `500:400` is `400:500`).
    Partial {
        /// First position.
        first: u32,
        /// Last position.
        last: u32,
    },
    /// UPDATE (RFC 5267 §4.3): notify of changes to the result.
    Update,
    /// CONTEXT (RFC 5267 §4.2): a hint that the criteria will be used again.
    Context,
}

/// A SORT key. RFC 5256 §3 (BASE.6.4.SORT), RFC 5957 §3.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SortKey {
    /// ARRIVAL: internal date and time.
    Arrival,
    /// CC: addr-mailbox of the first Cc address.
    Cc,
    /// DATE: sent date and time (RFC 5256 §2.2).
    Date,
    /// FROM: addr-mailbox of the first From address.
    From,
    /// SIZE: RFC822.SIZE.
    Size,
    /// SUBJECT: base subject (RFC 5256 §2.1).
    Subject,
    /// TO: addr-mailbox of the first To address.
    To,
    /// DISPLAYFROM: display name of the first From address (RFC 5957).
    DisplayFrom,
    /// DISPLAYTO: display name of the first To address (RFC 5957).
    DisplayTo,
}

/// `sort-criterion = ["REVERSE" SP] sort-key` (RFC 5256 §5).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SortCriterion {
    /// REVERSE: this key in descending order.
    pub reverse: bool,
    /// The key.
    pub key: SortKey,
}

/// `thread-alg` (RFC 5256 §3, BASE.6.4.THREAD).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ThreadAlgorithm {
    /// ORDEREDSUBJECT ("poor man's threading").
    OrderedSubject,
    /// REFERENCES (after Zawinski's algorithm).
    References,
}

/// RFC 7162 §3.1.5 MODSEQ search entry type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EntryType {
    /// priv
    Private,
    /// shared
    Shared,
    /// all
    All,
}

/// A search key. RFC 9051 §6.4.4, RFC 3501 §6.4.4, RFC 7162 §3.1.5, RFC 5032.
#[derive(Debug, Clone, PartialEq)]
pub enum SearchKey {
    /// A parenthesised list or the top-level list: all must match.
    And(Vec<SearchKey>),
    /// A sequence set.
    SequenceSet(SequenceSet),
    /// ALL
    All,
    /// ANSWERED
    Answered,
    /// BCC string
    Bcc(String),
    /// BEFORE date
    Before(Date),
    /// BODY string
    Body(String),
    /// CC string
    Cc(String),
    /// DELETED
    Deleted,
    /// DRAFT
    Draft,
    /// FLAGGED
    Flagged,
    /// FROM string
    From(String),
    /// HEADER field-name string
    Header(String, String),
    /// KEYWORD flag
    Keyword(String),
    /// LARGER n
    Larger(u64),
    /// EMAILID objectid (RFC 8474 §6)
    EmailId(String),
    /// THREADID objectid (RFC 8474 §6)
    ThreadId(String),
    /// NEW (IMAP4rev1)
    New,
    /// NOT key
    Not(Box<SearchKey>),
    /// OLD (IMAP4rev1)
    Old,
    /// ON date
    On(Date),
    /// OR key key
    Or(Box<SearchKey>, Box<SearchKey>),
    /// RECENT (IMAP4rev1)
    Recent,
    /// SEEN
    Seen,
    /// SENTBEFORE date
    SentBefore(Date),
    /// SENTON date
    SentOn(Date),
    /// SENTSINCE date
    SentSince(Date),
    /// SINCE date
    Since(Date),
    /// SMALLER n
    Smaller(u64),
    /// SUBJECT string
    Subject(String),
    /// TEXT string
    Text(String),
    /// TO string
    To(String),
    /// UID set
    Uid(SequenceSet),
    /// UNANSWERED
    Unanswered,
    /// UNDELETED
    Undeleted,
    /// UNDRAFT
    Undraft,
    /// UNFLAGGED
    Unflagged,
    /// UNKEYWORD flag
    Unkeyword(String),
    /// UNSEEN
    Unseen,
    /// MODSEQ [entry-name entry-type] mod-sequence (RFC 7162 §3.1.5)
    ModSeq {
        /// Optional metadata entry and type.
        entry: Option<(String, EntryType)>,
        /// The minimum mod-sequence.
        mod_seq: u64,
    },
    /// OLDER seconds (RFC 5032)
    Older(u32),
    /// YOUNGER seconds (RFC 5032)
    Younger(u32),
}

/// BODY[section] text part. RFC 9051 §6.4.5.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SectionText {
    /// HEADER
    Header,
    /// HEADER.FIELDS (names)
    HeaderFields(Vec<String>),
    /// HEADER.FIELDS.NOT (names)
    HeaderFieldsNot(Vec<String>),
    /// TEXT
    Text,
    /// MIME (only after a part number)
    Mime,
}

/// A body section specifier: part path then optional text specifier.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Section {
    /// Part numbers, e.g. `[1, 2, 3]` for `1.2.3`; empty for the whole message.
    pub part: Vec<u32>,
    /// HEADER, TEXT, MIME...
    pub text: Option<SectionText>,
}

/// A FETCH data item. RFC 9051 §6.4.5, RFC 3516, RFC 7162.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FetchAttr {
    /// FLAGS
    Flags,
    /// UID
    Uid,
    /// INTERNALDATE
    InternalDate,
    /// RFC822.SIZE
    Rfc822Size,
    /// RFC822 (same as BODY[])
    Rfc822,
    /// RFC822.HEADER (same as BODY.PEEK[HEADER])
    Rfc822Header,
    /// RFC822.TEXT (same as BODY[TEXT])
    Rfc822Text,
    /// ENVELOPE
    Envelope,
    /// BODY (non-extensible BODYSTRUCTURE)
    Body,
    /// BODYSTRUCTURE
    BodyStructure,
    /// BODY[section]<partial> or BODY.PEEK[...]
    BodySection {
        /// PEEK: do not set \Seen.
        peek: bool,
        /// The section.
        section: Section,
        /// `<offset.count>`
        partial: Option<(u32, u32)>,
    },
    /// BINARY[part]<partial> or BINARY.PEEK (RFC 3516)
    Binary {
        /// PEEK: do not set \Seen.
        peek: bool,
        /// Part numbers.
        section: Vec<u32>,
        /// `<offset.count>`
        partial: Option<(u32, u32)>,
    },
    /// BINARY.SIZE[part] (RFC 3516)
    BinarySize {
        /// Part numbers.
        section: Vec<u32>,
    },
    /// MODSEQ (RFC 7162)
    ModSeq,
    /// EMAILID (RFC 8474 §5.1)
    EmailId,
    /// THREADID (RFC 8474 §5.2)
    ThreadId,
}

/// STORE operation. RFC 9051 §6.4.6.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StoreKind {
    /// FLAGS
    Replace,
    /// +FLAGS
    Add,
    /// -FLAGS
    Remove,
}

/// Whether STORE answers with FETCH responses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StoreResponse {
    /// Answer with FETCH.
    Answer,
    /// `.SILENT`
    Silent,
}

/// The body of a command.
#[derive(Debug, Clone, PartialEq)]
pub enum CommandBody {
    /// CAPABILITY
    Capability,
    /// NOOP
    Noop,
    /// LOGOUT
    Logout,
    /// STARTTLS
    StartTls,
    /// AUTHENTICATE mechanism [initial-response] (RFC 4959: `=` is an empty response).
    Authenticate {
        /// Mechanism name, upper-cased.
        mechanism: String,
        /// Decoded SASL-IR initial response.
        initial_response: Option<Secret>,
    },
    /// LOGIN user password
    Login {
        /// User name.
        username: String,
        /// Password.
        password: Secret,
    },
    /// ENABLE capabilities (RFC 5161), upper-cased.
    Enable(Vec<String>),
    /// SELECT / EXAMINE with RFC 7162 parameters.
    Select {
        /// Mailbox.
        mailbox: Mailbox,
        /// SELECT or EXAMINE.
        mode: SelectMode,
        /// `(CONDSTORE)`
        condstore: bool,
        /// `(QRESYNC (...))`
        qresync: Option<QResync>,
    },
    /// CREATE mailbox [(USE (attrs))] (RFC 6154 §3)
    Create {
        /// Mailbox.
        mailbox: Mailbox,
        /// Special-use attributes such as `\Sent`.
        special_use: Vec<String>,
    },
    /// DELETE
    Delete(Mailbox),
    /// RENAME from to
    Rename {
        /// Existing name.
        from: Mailbox,
        /// New name.
        to: Mailbox,
    },
    /// SUBSCRIBE
    Subscribe(Mailbox),
    /// UNSUBSCRIBE
    Unsubscribe(Mailbox),
    /// LIST (basic or RFC 5258 extended)
    List {
        /// Selection options (empty for basic LIST).
        selection: Vec<ListSelect>,
        /// Reference name (decoded).
        reference: String,
        /// Patterns (decoded; several only with LIST-EXTENDED).
        patterns: Vec<String>,
        /// RETURN options.
        return_opts: Vec<ListReturn>,
    },
    /// LSUB reference pattern (IMAP4rev1)
    Lsub {
        /// Reference.
        reference: String,
        /// Pattern.
        pattern: String,
    },
    /// NAMESPACE
    Namespace,
    /// STATUS mailbox (items)
    Status {
        /// Mailbox.
        mailbox: Mailbox,
        /// Items requested.
        items: Vec<StatusItem>,
    },
    /// APPEND mailbox messages... (MULTIAPPEND allows several)
    Append {
        /// Target mailbox.
        mailbox: Mailbox,
        /// Messages.
        messages: Vec<AppendMessage>,
    },
    /// IDLE (RFC 2177) — the connection reports it as [`crate::Event::Idle`].
    Idle,
    /// CHECK (IMAP4rev1)
    Check,
    /// CLOSE
    Close,
    /// UNSELECT (RFC 3691)
    Unselect,
    /// EXPUNGE, or UID EXPUNGE set (RFC 4315)
    Expunge {
        /// UIDs for UID EXPUNGE.
        uids: Option<SequenceSet>,
    },
    /// SEARCH
    Search {
        /// RETURN (...) options; `Some(vec![])` means `RETURN ()`, i.e. ESEARCH with ALL.
        return_opts: Option<Vec<SearchReturn>>,
        /// CHARSET, upper-cased.
        charset: Option<String>,
        /// Criteria; the top level is an `And`.
        criteria: SearchKey,
        /// UID SEARCH?
        uid: UidMode,
    },
    /// SORT or UID SORT (RFC 5256), with RFC 5267 RETURN options.
    Sort {
        /// RETURN (...) options (ESORT, CONTEXT=SORT); `Some(vec![])` is
        /// `RETURN ()`, i.e. ESEARCH with ALL.
        return_opts: Option<Vec<SearchReturn>>,
        /// Sort criteria, in priority order.
        criteria: Vec<SortCriterion>,
        /// Charset of the search strings, upper-cased (mandatory in SORT).
        charset: String,
        /// Search criteria; the top level is an `And`.
        search: SearchKey,
        /// UID SORT?
        uid: UidMode,
    },
    /// THREAD or UID THREAD (RFC 5256).
    Thread {
        /// Threading algorithm.
        algorithm: ThreadAlgorithm,
        /// Charset of the search strings, upper-cased.
        charset: String,
        /// Search criteria; the top level is an `And`.
        search: SearchKey,
        /// UID THREAD?
        uid: UidMode,
    },
    /// CANCELUPDATE tag... (RFC 5267 §4.3.5)
    CancelUpdate(Vec<String>),
    /// FETCH
    Fetch {
        /// Messages.
        sequence_set: SequenceSet,
        /// Items (macros are expanded).
        items: Vec<FetchAttr>,
        /// UID FETCH?
        uid: UidMode,
        /// CHANGEDSINCE modseq (RFC 7162 §3.1.4).
        changed_since: Option<u64>,
        /// VANISHED (RFC 7162 §3.2.6, UID FETCH only).
        vanished: bool,
    },
    /// STORE
    Store {
        /// Messages.
        sequence_set: SequenceSet,
        /// FLAGS, +FLAGS or -FLAGS.
        kind: StoreKind,
        /// `.SILENT`?
        response: StoreResponse,
        /// Flags.
        flags: Vec<Flag>,
        /// UNCHANGEDSINCE (RFC 7162 §3.1.3).
        unchanged_since: Option<u64>,
        /// UID STORE?
        uid: UidMode,
    },
    /// COPY
    Copy {
        /// Messages.
        sequence_set: SequenceSet,
        /// Target.
        mailbox: Mailbox,
        /// UID COPY?
        uid: UidMode,
    },
    /// MOVE (RFC 6851)
    Move {
        /// Messages.
        sequence_set: SequenceSet,
        /// Target.
        mailbox: Mailbox,
        /// UID MOVE?
        uid: UidMode,
    },
    /// GETQUOTA root (RFC 9208)
    GetQuota(String),
    /// GETQUOTAROOT mailbox
    GetQuotaRoot(Mailbox),
    /// SETQUOTA root (resource limit ...)
    SetQuota {
        /// Quota root.
        root: String,
        /// (RESOURCE, limit) pairs, resource upper-cased.
        limits: Vec<(String, u64)>,
    },
    /// GETACL mailbox (RFC 4314)
    GetAcl(Mailbox),
    /// SETACL mailbox identifier rights
    SetAcl {
        /// Mailbox.
        mailbox: Mailbox,
        /// Identifier.
        identifier: String,
        /// Rights, possibly starting with `+` or `-`.
        rights: String,
    },
    /// DELETEACL mailbox identifier
    DeleteAcl {
        /// Mailbox.
        mailbox: Mailbox,
        /// Identifier.
        identifier: String,
    },
    /// LISTRIGHTS mailbox identifier
    ListRights {
        /// Mailbox.
        mailbox: Mailbox,
        /// Identifier.
        identifier: String,
    },
    /// MYRIGHTS mailbox
    MyRights(Mailbox),
    /// ID (RFC 2971): `None` for `ID NIL`.
    Id(Option<Vec<(String, Option<String>)>>),
}

impl CommandBody {
    /// The command name as on the wire (used in state errors).
    pub fn name(&self) -> &'static str {
        match self {
            CommandBody::Capability => "CAPABILITY",
            CommandBody::Noop => "NOOP",
            CommandBody::Logout => "LOGOUT",
            CommandBody::StartTls => "STARTTLS",
            CommandBody::Authenticate { .. } => "AUTHENTICATE",
            CommandBody::Login { .. } => "LOGIN",
            CommandBody::Enable(_) => "ENABLE",
            CommandBody::Select {
                mode: SelectMode::ReadWrite,
                ..
            } => "SELECT",
            CommandBody::Select {
                mode: SelectMode::ReadOnly,
                ..
            } => "EXAMINE",
            CommandBody::Create { .. } => "CREATE",
            CommandBody::Delete(_) => "DELETE",
            CommandBody::Rename { .. } => "RENAME",
            CommandBody::Subscribe(_) => "SUBSCRIBE",
            CommandBody::Unsubscribe(_) => "UNSUBSCRIBE",
            CommandBody::List { .. } => "LIST",
            CommandBody::Lsub { .. } => "LSUB",
            CommandBody::Namespace => "NAMESPACE",
            CommandBody::Status { .. } => "STATUS",
            CommandBody::Append { .. } => "APPEND",
            CommandBody::Idle => "IDLE",
            CommandBody::Check => "CHECK",
            CommandBody::Close => "CLOSE",
            CommandBody::Unselect => "UNSELECT",
            CommandBody::Expunge { .. } => "EXPUNGE",
            CommandBody::Search { .. } => "SEARCH",
            CommandBody::Sort { .. } => "SORT",
            CommandBody::Thread { .. } => "THREAD",
            CommandBody::CancelUpdate(_) => "CANCELUPDATE",
            CommandBody::Fetch { .. } => "FETCH",
            CommandBody::Store { .. } => "STORE",
            CommandBody::Copy { .. } => "COPY",
            CommandBody::Move { .. } => "MOVE",
            CommandBody::GetQuota(_) => "GETQUOTA",
            CommandBody::GetQuotaRoot(_) => "GETQUOTAROOT",
            CommandBody::SetQuota { .. } => "SETQUOTA",
            CommandBody::GetAcl(_) => "GETACL",
            CommandBody::SetAcl { .. } => "SETACL",
            CommandBody::DeleteAcl { .. } => "DELETEACL",
            CommandBody::ListRights { .. } => "LISTRIGHTS",
            CommandBody::MyRights(_) => "MYRIGHTS",
            CommandBody::Id(_) => "ID",
        }
    }
}
