//! Versioned migrations, applied in order at start. One text per version,
//! shared by both dialects: `{ID}` becomes the auto-increment key type.
//! Every integer is BIGINT and booleans are 0/1 so that values decode the
//! same way through the store's executor (`sql`) on SQLite and PostgreSQL.

use crate::Dialect;

pub(crate) const MIGRATIONS: &[(i64, &str)] = &[
    (1, V1),
    (2, V2),
    (3, V3),
    (4, V4),
    (5, V5),
    (6, V6),
    (7, V7),
    (8, V8),
    (9, V9),
    (11, V11),
    (13, V13),
    (14, V14),
    (17, V17),
    (18, V18),
    (19, V19),
    (20, V20),
    (21, V21),
    (22, V22),
    (23, V23),
    (25, V25),
];

pub(crate) fn render(sql: &str, dialect: Dialect) -> String {
    let id = match dialect {
        Dialect::Sqlite => "INTEGER PRIMARY KEY AUTOINCREMENT",
        Dialect::Postgres => "BIGSERIAL PRIMARY KEY",
    };
    let search = match dialect {
        // FTS5 with trigrams: substring matches (IMAP SEARCH semantics,
        // RFC 9051 §6.4.4) answered by MATCH phrases from the index alone
        // (`textsearch.rs`). Case-sensitive: the text is lower-cased at
        // ingest, and the term by the caller.
        // `search` keeps the texts (the header block unindexed there) and
        // indexes the bodies; `search_fields` indexes the header block,
        // `From:` and `Subject:` apart (`textsearch::index_keys`) and keeps
        // nothing of its own (contentless, rows deletable by rowid).
        Dialect::Sqlite => {
            "CREATE VIRTUAL TABLE search USING fts5(head UNINDEXED, body, \
             tokenize = 'trigram case_sensitive 1');
CREATE VIRTUAL TABLE search_fields USING fts5(head, author, subject, content = '', \
             contentless_delete = 1, tokenize = 'trigram case_sensitive 1')"
        }
        // pg_trgm's GIN indexes answer `LIKE '%…%'` the same way.
        Dialect::Postgres => {
            "CREATE EXTENSION IF NOT EXISTS pg_trgm SCHEMA public;
CREATE TABLE search (id BIGINT PRIMARY KEY, head TEXT NOT NULL, body TEXT NOT NULL,
    author TEXT NOT NULL DEFAULT '', subject TEXT NOT NULL DEFAULT '');
CREATE INDEX search_head ON search USING gin (head public.gin_trgm_ops);
CREATE INDEX search_body ON search USING gin (body public.gin_trgm_ops);
CREATE INDEX search_author ON search USING gin (author public.gin_trgm_ops);
CREATE INDEX search_subject ON search USING gin (subject public.gin_trgm_ops)"
        }
    };
    let search_key = crate::indexer::index_key(dialect);
    let bytes = match dialect {
        Dialect::Sqlite => "BLOB",
        Dialect::Postgres => "BYTEA",
    };
    // PostgreSQL: blob bytes uncompressed out of line, so `substring`
    // reads only the pages of a range (`blob/db.rs`).
    let blob_storage = match dialect {
        Dialect::Sqlite => "",
        Dialect::Postgres => "ALTER TABLE blob_data ALTER COLUMN data SET STORAGE EXTERNAL",
    };
    sql.replace("{ID}", id)
        .replace("{BLOB_STORAGE}", blob_storage)
        .replace("{SEARCH}", search)
        .replace("{SEARCH_KEY}", search_key)
        .replace("{BYTES}", bytes)
}

const V1: &str = r#"
CREATE TABLE domains (
    name TEXT PRIMARY KEY
);
CREATE TABLE accounts (
    id {ID},
    address TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL,
    display_name TEXT NOT NULL DEFAULT '',
    password_hash TEXT,
    must_change_password BIGINT NOT NULL DEFAULT 0,
    status TEXT NOT NULL DEFAULT 'active',
    departure_at BIGINT,
    departure_warned BIGINT NOT NULL DEFAULT 0,
    manager TEXT,
    quota_bytes BIGINT NOT NULL,
    bytes_used BIGINT NOT NULL DEFAULT 0,
    quota_warned BIGINT NOT NULL DEFAULT 0,
    last_read_at BIGINT,
    created_at BIGINT NOT NULL,
    forward_to TEXT,
    forward_keep_copy BIGINT NOT NULL DEFAULT 1,
    forward_since BIGINT
);
CREATE TABLE memberships (
    group_id BIGINT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    member_id BIGINT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    rights TEXT NOT NULL,
    PRIMARY KEY (group_id, member_id)
);
CREATE INDEX memberships_member ON memberships(member_id);
CREATE TABLE list_members (
    list_id BIGINT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    address TEXT NOT NULL,
    PRIMARY KEY (list_id, address)
);
CREATE TABLE list_senders (
    list_id BIGINT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    address TEXT NOT NULL,
    PRIMARY KEY (list_id, address)
);
CREATE TABLE mailboxes (
    id {ID},
    account_id BIGINT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    special_use TEXT,
    uidnext BIGINT NOT NULL DEFAULT 1,
    highestmodseq BIGINT NOT NULL DEFAULT 1,
    subscribed BIGINT NOT NULL DEFAULT 1,
    UNIQUE (account_id, name)
);
CREATE TABLE blobs (
    id TEXT PRIMARY KEY,
    size BIGINT NOT NULL,
    refcount BIGINT NOT NULL
);
CREATE TABLE messages (
    id {ID},
    mailbox_id BIGINT NOT NULL REFERENCES mailboxes(id) ON DELETE CASCADE,
    uid BIGINT NOT NULL,
    blob_id TEXT NOT NULL REFERENCES blobs(id),
    size BIGINT NOT NULL,
    internal_date BIGINT NOT NULL,
    flags TEXT NOT NULL DEFAULT '',
    modseq BIGINT NOT NULL,
    private BIGINT NOT NULL DEFAULT 0,
    UNIQUE (mailbox_id, uid)
);
CREATE TABLE expunged (
    mailbox_id BIGINT NOT NULL REFERENCES mailboxes(id) ON DELETE CASCADE,
    uid BIGINT NOT NULL,
    modseq BIGINT NOT NULL,
    PRIMARY KEY (mailbox_id, uid)
);
CREATE TABLE shared_seen (
    mailbox_id BIGINT NOT NULL REFERENCES mailboxes(id) ON DELETE CASCADE,
    uid BIGINT NOT NULL,
    account_id BIGINT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    PRIMARY KEY (mailbox_id, uid, account_id)
);
CREATE TABLE queue (
    id {ID},
    kind TEXT NOT NULL,
    blob_id TEXT NOT NULL REFERENCES blobs(id),
    sender TEXT NOT NULL,
    envid TEXT,
    ret TEXT,
    created_at BIGINT NOT NULL,
    next_attempt_at BIGINT NOT NULL,
    attempts BIGINT NOT NULL DEFAULT 0,
    locked_until BIGINT NOT NULL DEFAULT 0,
    delay_notified BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX queue_due ON queue(next_attempt_at);
CREATE TABLE queue_rcpt (
    id {ID},
    queue_id BIGINT NOT NULL REFERENCES queue(id) ON DELETE CASCADE,
    address TEXT NOT NULL,
    orcpt TEXT,
    notify TEXT,
    status TEXT NOT NULL DEFAULT 'pending',
    last_error TEXT
);
CREATE INDEX queue_rcpt_queue ON queue_rcpt(queue_id);
CREATE TABLE audit_head (
    id BIGINT PRIMARY KEY,
    seq BIGINT NOT NULL,
    hash TEXT NOT NULL
);
INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');
CREATE TABLE audit (
    seq BIGINT PRIMARY KEY,
    at BIGINT NOT NULL,
    category TEXT NOT NULL,
    data TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
);
CREATE INDEX audit_at ON audit(at);
CREATE TABLE quarantine (
    id {ID},
    created_at BIGINT NOT NULL,
    blob_id TEXT NOT NULL REFERENCES blobs(id),
    sender TEXT NOT NULL,
    recipients TEXT NOT NULL,
    reason TEXT NOT NULL,
    rule TEXT,
    private BIGINT NOT NULL DEFAULT 0,
    subject TEXT,
    status TEXT NOT NULL DEFAULT 'held'
);
CREATE TABLE auth_failures (
    key TEXT PRIMARY KEY,
    failures BIGINT NOT NULL,
    last_failure_at BIGINT NOT NULL
);
CREATE TABLE send_rate (
    id {ID},
    sender TEXT NOT NULL,
    at BIGINT NOT NULL,
    n BIGINT NOT NULL
);
CREATE INDEX send_rate_sender ON send_rate(sender, at);
CREATE TABLE vacation (
    account_id BIGINT PRIMARY KEY REFERENCES accounts(id) ON DELETE CASCADE,
    active BIGINT NOT NULL,
    start_at BIGINT,
    end_at BIGINT,
    subject TEXT NOT NULL,
    body TEXT NOT NULL
);
CREATE TABLE vacation_replies (
    account_id BIGINT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    sender TEXT NOT NULL,
    period TEXT NOT NULL,
    PRIMARY KEY (account_id, sender, period)
);
"#;

/// v2: the size of each message in CRLF form (RFC 1939 §11), so POP3 never
/// reads bodies to list a maildrop. NULL for rows written before.
const V2: &str = r#"
ALTER TABLE messages ADD COLUMN crlf_size BIGINT;
"#;

/// v3: subscriptions by name, apart from mailboxes (RFC 9051 §6.3.7: a
/// subscription outlives its mailbox, and may name one that does not
/// exist). `mailboxes.subscribed` is no longer read.
const V3: &str = r#"
CREATE TABLE subscriptions (
    account_id BIGINT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    PRIMARY KEY (account_id, name)
);
INSERT INTO subscriptions (account_id, name) SELECT account_id, name FROM mailboxes WHERE subscribed = 1;
"#;

/// v4: CONDSTORE/QRESYNC reads by modseq (`changes_since`, at every sync
/// of an IMAP session) find the changed rows and the expunged UIDs through
/// an index instead of reading every row of the mailbox; `expunged` only
/// grows, so without it each sync got slower with the mailbox's history.
const V4: &str = r#"
CREATE INDEX messages_modseq ON messages(mailbox_id, modseq);
CREATE INDEX expunged_modseq ON expunged(mailbox_id, modseq);
"#;

/// v5: the mail model (ARCHITECTURE.md, "store"). What every client reads
/// is kept, not recomputed:
/// - `contents`: per blob (content-addressed, so parsed once for every
///   copy in every account) the MIME model as JSON (envelope, structure,
///   thread keys, preview) and the top-level header when small; `search`
///   (by content id) the decoded header fields and body text, lower case,
///   under a trigram index (FTS5 on SQLite, pg_trgm on PostgreSQL);
/// - `emails`: an id per content and account, kept across MOVE and shared
///   by COPYs, with its conversation (`thread_id`); `thread_keys` maps the
///   Message-IDs (and `s:`+base subject) seen in an account to threads;
/// - system flags as columns and keywords apart (no pattern matching on
///   flag text; the old `flags` column is emptied by the upgrade pass);
/// - sort keys on the message row, for keyset-paged lists;
/// - counts per mailbox kept by every write;
/// - `changes`: the account-wide change log (`accounts.change_seq`).
/// Rows from before v5 get their values from the upgrade pass
/// (`upgrade.rs`), which finds them by `email_id IS NULL`.
const V5: &str = r#"
CREATE TABLE contents (
    id {ID},
    blob_id TEXT NOT NULL UNIQUE,
    version BIGINT NOT NULL,
    model TEXT NOT NULL,
    header TEXT
);
CREATE TABLE emails (
    id {ID},
    account_id BIGINT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    blob_id TEXT NOT NULL,
    thread_id BIGINT NOT NULL DEFAULT 0,
    UNIQUE (account_id, blob_id)
);
CREATE TABLE thread_keys (
    account_id BIGINT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    key TEXT NOT NULL,
    thread_id BIGINT NOT NULL,
    at BIGINT NOT NULL,
    PRIMARY KEY (account_id, key)
);
{SEARCH};
ALTER TABLE messages ADD COLUMN email_id BIGINT;
ALTER TABLE messages ADD COLUMN content_id BIGINT;
ALTER TABLE messages ADD COLUMN thread_id BIGINT NOT NULL DEFAULT 0;
ALTER TABLE messages ADD COLUMN seen BIGINT NOT NULL DEFAULT 0;
ALTER TABLE messages ADD COLUMN answered BIGINT NOT NULL DEFAULT 0;
ALTER TABLE messages ADD COLUMN flagged BIGINT NOT NULL DEFAULT 0;
ALTER TABLE messages ADD COLUMN deleted BIGINT NOT NULL DEFAULT 0;
ALTER TABLE messages ADD COLUMN draft BIGINT NOT NULL DEFAULT 0;
ALTER TABLE messages ADD COLUMN keywords TEXT NOT NULL DEFAULT '';
ALTER TABLE messages ADD COLUMN sent_at BIGINT NOT NULL DEFAULT 0;
ALTER TABLE messages ADD COLUMN from_key TEXT NOT NULL DEFAULT '';
ALTER TABLE messages ADD COLUMN subject_key TEXT NOT NULL DEFAULT '';
ALTER TABLE messages ADD COLUMN has_attachment BIGINT NOT NULL DEFAULT 0;
CREATE INDEX messages_pending ON messages(email_id) WHERE email_id IS NULL;
CREATE INDEX messages_deleted ON messages(mailbox_id, uid) WHERE deleted = 1;
CREATE INDEX messages_email ON messages(email_id);
CREATE INDEX messages_content ON messages(content_id);
CREATE INDEX messages_by_thread ON messages(thread_id);
CREATE INDEX messages_by_received ON messages(mailbox_id, internal_date, uid);
CREATE INDEX messages_by_sent ON messages(mailbox_id, sent_at, uid);
CREATE INDEX messages_by_from ON messages(mailbox_id, from_key, uid);
CREATE INDEX messages_by_subject ON messages(mailbox_id, subject_key, uid);
CREATE INDEX messages_by_size ON messages(mailbox_id, size, uid);
ALTER TABLE mailboxes ADD COLUMN total BIGINT NOT NULL DEFAULT 0;
ALTER TABLE mailboxes ADD COLUMN unseen BIGINT NOT NULL DEFAULT 0;
ALTER TABLE mailboxes ADD COLUMN deleted BIGINT NOT NULL DEFAULT 0;
ALTER TABLE mailboxes ADD COLUMN bytes BIGINT NOT NULL DEFAULT 0;
ALTER TABLE accounts ADD COLUMN change_seq BIGINT NOT NULL DEFAULT 0;
CREATE TABLE changes (
    account_id BIGINT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    seq BIGINT NOT NULL,
    kind TEXT NOT NULL,
    email_id BIGINT NOT NULL DEFAULT 0,
    mailbox_id BIGINT NOT NULL DEFAULT 0,
    at BIGINT NOT NULL
);
CREATE INDEX changes_seq ON changes(account_id, seq);
CREATE TABLE upgrade_state (
    name TEXT PRIMARY KEY,
    done BIGINT NOT NULL
);
INSERT INTO upgrade_state (name, done)
    SELECT 'v5_model', CASE WHEN EXISTS (SELECT 1 FROM messages) THEN 0 ELSE 1 END;
"#;

/// v6: login failures aimed (issue 11; `logins.rs`). Failures per (login,
/// client address) for the delays and the lock, per login for delays only,
/// and the addresses each login succeeded from, which failures elsewhere
/// never delay. Replaces v1's `auth_failures` (keys `account:`/`ip:`); the
/// counts in it are dropped, a harmless reset.
const V6: &str = r#"
DROP TABLE auth_failures;
CREATE TABLE auth_pair_failures (
    login TEXT NOT NULL,
    client TEXT NOT NULL,
    failures BIGINT NOT NULL,
    last_failure_at BIGINT NOT NULL,
    PRIMARY KEY (login, client)
);
CREATE INDEX auth_pair_failures_client ON auth_pair_failures(client, last_failure_at);
CREATE INDEX auth_pair_failures_at ON auth_pair_failures(last_failure_at);
CREATE TABLE auth_account_failures (
    login TEXT PRIMARY KEY,
    failures BIGINT NOT NULL,
    last_failure_at BIGINT NOT NULL
);
CREATE TABLE auth_known_clients (
    login TEXT NOT NULL,
    client TEXT NOT NULL,
    last_success_at BIGINT NOT NULL,
    PRIMARY KEY (login, client)
);
"#;

/// v7: state that must hold across processes sharing one store (issue 15;
/// `leases.rs`). `session_leases`: one row per open POP3 or IMAP session,
/// with an expiry its process renews, so a killed process's sessions lapse
/// by themselves. `leases`: named, expiring leases for one runner at a time
/// (the clock-driven jobs) and for one-off claims ("account 42 warned").
const V7: &str = r#"
CREATE TABLE session_leases (
    id {ID},
    account_id BIGINT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    holder TEXT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX session_leases_account ON session_leases(account_id, kind, expires_at);
CREATE INDEX session_leases_holder ON session_leases(holder);
CREATE TABLE leases (
    name TEXT PRIMARY KEY,
    holder TEXT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX leases_expiry ON leases(expires_at);
"#;

/// v8: webmail sessions (issue 10; `websessions.rs`). The cookie carries a
/// random 256-bit id; only its SHA-256 is stored, so a copy of the
/// database does not let anyone in. Idle and absolute expiry are checked
/// against `last_seen_at` and `created_at`.
const V8: &str = r#"
CREATE TABLE web_sessions (
    id_hash TEXT PRIMARY KEY,
    account_id BIGINT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    created_at BIGINT NOT NULL,
    last_seen_at BIGINT NOT NULL,
    must_change_password BIGINT NOT NULL DEFAULT 0,
    client TEXT NOT NULL DEFAULT ''
);
CREATE INDEX web_sessions_account ON web_sessions(account_id);
CREATE INDEX web_sessions_seen ON web_sessions(last_seen_at);
"#;

/// v11: the webmail's per-account preferences (issue 10): the signature
/// appended in compose. A row only for accounts that set one.
const V11: &str = r#"
CREATE TABLE web_prefs (
    account_id BIGINT PRIMARY KEY REFERENCES accounts(id) ON DELETE CASCADE,
    signature TEXT NOT NULL DEFAULT ''
);
"#;

/// v13: the account change log is pruned (`find.rs`): each account keeps
/// the last sequence number it forgot, so a client asking for changes
/// since an older position is told to reload (RFC 8620 §5.2
/// `cannotCalculateChanges`) instead of silently missing some. The thread
/// index gains the folder and the arrival order, so a folder's
/// conversation list finds each thread's newest message and counts from
/// the index (without it SQLite counted by scanning the whole folder once
/// per row: 0.9 s for a 20,000-message page).
const V13: &str = r#"
ALTER TABLE accounts ADD COLUMN changes_pruned_seq BIGINT NOT NULL DEFAULT 0;
CREATE INDEX changes_at ON changes(at);
CREATE INDEX messages_by_thread_mailbox ON messages(thread_id, mailbox_id, internal_date, uid);
DROP INDEX messages_by_thread;
"#;

/// v14: the spam classifier's models (R24; `spam_models.rs`), one per
/// domain and a shared base (domain `''`), as the `spam` crate serialises
/// them, so every node scores with the same model.
const V14: &str = r#"
CREATE TABLE spam_models (
    domain TEXT PRIMARY KEY,
    data {BYTES} NOT NULL,
    updated_at BIGINT NOT NULL
);
"#;

/// v9: the filter pipeline (issue 15 item 3). What the filters decided
/// about a delivered copy (score, verdict, folder; JSON written by
/// `delivery`) on its message row; the folder and disposition a held
/// delivery (R17) is retried with; and the training events (a message
/// moved into or out of Junk, `$Junk`/`$NotJunk` set), which every node's
/// filters read in `id` order. Issue 15 item 2: the retry keys of
/// delivered messages (`writes.rs`), so a message handed over again is
/// not delivered twice.
const V9: &str = r#"
ALTER TABLE messages ADD COLUMN disposition TEXT;
ALTER TABLE queue ADD COLUMN folder TEXT;
ALTER TABLE queue ADD COLUMN disposition TEXT;
CREATE TABLE ingest_keys (
    key TEXT PRIMARY KEY,
    queue_id TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX ingest_keys_created ON ingest_keys(created_at);
CREATE TABLE training_cursor (
    name TEXT PRIMARY KEY,
    last_id BIGINT NOT NULL
);
CREATE TABLE training_events (
    id {ID},
    created_at BIGINT NOT NULL,
    account_id BIGINT NOT NULL,
    mailbox_id BIGINT NOT NULL,
    uid BIGINT NOT NULL,
    blob_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    source TEXT NOT NULL
);
"#;

/// v17: security alerts (R8; `alerts.rs`): an administrator's temporary
/// rules holding matching messages in the quarantine until lifted.
const V17: &str = r#"
CREATE TABLE alerts (
    id {ID},
    kind TEXT NOT NULL,
    value TEXT NOT NULL,
    note TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    created_by TEXT NOT NULL,
    expires_at BIGINT NOT NULL,
    lifted_at BIGINT
);
CREATE INDEX alerts_active ON alerts(lifted_at, expires_at);
"#;

/// v20: the large-file service (R21; `shared_files.rs`). One row per file
/// from the start of its upload: `received` counts the bytes of the
/// partial file (`blobs/uploads/<id>`) until it reaches `size`; then the
/// file becomes a blob (`blob_id`, one reference in `blobs`, so reclaim
/// leaves it alone while the row lives). `token` is the download link's
/// secret; `password_hash` an argon2id PHC string when a password is set.
const V20: &str = r#"
CREATE TABLE shared_files (
    id {ID},
    token TEXT NOT NULL UNIQUE,
    account_id BIGINT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size BIGINT NOT NULL,
    received BIGINT NOT NULL DEFAULT 0,
    blob_id TEXT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    password_hash TEXT,
    downloads BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX shared_files_account ON shared_files(account_id, created_at);
CREATE INDEX shared_files_expires ON shared_files(expires_at);
"#;

/// v18: the webmail's "always show images for this sender" (issue 10):
/// per account, the sender addresses (lowercase) whose remote images are
/// shown without asking.
const V18: &str = r#"
CREATE TABLE web_image_senders (
    account_id BIGINT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    sender TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (account_id, sender)
);
"#;

/// v19: a session's view of a mailbox (`index.rs`: SELECT, EXAMINE,
/// flag-only SEARCH) is read from the covering index `messages_view`
/// alone, never from the wide message rows. R2: each member's count of
/// seen messages in a functional mailbox is kept (`flags.rs`,
/// `expunge.rs`), so STATUS and folder lists read a member's unseen count
/// without scanning; marks left on messages already gone are dropped
/// first, then the counts are filled from the marks.
const V19: &str = r#"
CREATE INDEX messages_view ON messages(mailbox_id, uid, seen, answered, flagged, deleted, draft, keywords);
CREATE TABLE shared_counts (
    mailbox_id BIGINT NOT NULL REFERENCES mailboxes(id) ON DELETE CASCADE,
    account_id BIGINT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    seen BIGINT NOT NULL,
    PRIMARY KEY (mailbox_id, account_id)
);
DELETE FROM shared_seen WHERE NOT EXISTS (SELECT 1 FROM messages m
    WHERE m.mailbox_id = shared_seen.mailbox_id AND m.uid = shared_seen.uid);
INSERT INTO shared_counts (mailbox_id, account_id, seen)
    SELECT mailbox_id, account_id, COUNT(*) FROM shared_seen GROUP BY mailbox_id, account_id;
"#;

/// v21: search texts wait in a plain table until the background indexer
/// (`indexer.rs`) moves them into the trigram index, so a delivery's
/// transaction never writes the index. Searches read both.
const V21: &str = r#"
CREATE TABLE search_pending (
    id BIGINT PRIMARY KEY,
    head TEXT NOT NULL,
    body TEXT NOT NULL
);
"#;

/// v22: blobs behind an async trait (issue 14 item 9). Reclaim is mark
/// and sweep: `zero_since` is when a blob's refcount reached 0 (NULL while
/// referenced; rows already at 0 were left by an interrupted reclaim and
/// are due at once); `blob_data` holds the bytes when `store.blobs =
/// "database"` (`blob/db.rs`), with when each was last put.
const V22: &str = r#"
ALTER TABLE blobs ADD COLUMN zero_since BIGINT;
UPDATE blobs SET zero_since = 0 WHERE refcount <= 0;
CREATE INDEX blobs_zero ON blobs(zero_since) WHERE zero_since IS NOT NULL;
CREATE TABLE blob_data (
    id TEXT PRIMARY KEY,
    data {BYTES} NOT NULL,
    put_at BIGINT NOT NULL
);
{BLOB_STORAGE};
"#;

/// v23: the spam models' journal (R24; `spam_models.rs`): a learned
/// message is a row of its tokens, not a rewrite of the whole model; the
/// snapshot says which journal row it includes (`seq`), and folded rows
/// are deleted.
const V23: &str = r#"
ALTER TABLE spam_models ADD COLUMN seq BIGINT NOT NULL DEFAULT 0;
CREATE TABLE spam_changes (
    id {ID},
    domain TEXT NOT NULL,
    message BIGINT NOT NULL,
    spam BIGINT NOT NULL,
    tokens {BYTES} NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX spam_changes_domain ON spam_changes(domain, id);
"#;

/// v25: the search index gains the `From:` and `Subject:` values as
/// columns of their own (FROM and SUBJECT answered exactly) and, on
/// SQLite, becomes case-sensitive, keeps header fields in a table apart
/// from bodies and is queried with MATCH phrases (`textsearch.rs`). Every indexed text goes back to `search_pending`,
/// which the indexer empties in the background; searches read both
/// meanwhile, so nothing is missed while it works. The index by content
/// covers the mailbox and UID, so turning the texts found into a
/// mailbox's UIDs reads no table row.
const V25: &str = r#"
INSERT INTO search_pending (id, head, body) SELECT {SEARCH_KEY}, head, body FROM search;
DROP TABLE search;
DROP TABLE IF EXISTS search_fields;
{SEARCH};
CREATE INDEX messages_content_place ON messages(content_id, mailbox_id, uid);
DROP INDEX messages_content;
"#;
