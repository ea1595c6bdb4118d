//! Storage behind a trait (as atuin does), so PostgreSQL can follow SQLite without touching the
//! HTTP layer or the admin commands.

#[cfg(test)]
mod conformance;
#[cfg(feature = "postgres")]
pub mod postgres;
mod rows;
mod settings;
mod sqlite;

#[cfg(feature = "postgres")]
pub use postgres::Postgres;
pub use settings::DatabaseSettings;
pub use sqlite::Sqlite;

use async_trait::async_trait;
use serde::Serialize;
use std::path::Path;

/// What a storage call can fail with: the cases callers must tell apart, and everything else
/// (the backend's own error, for the operator's log). The words a user reads are the callers':
/// the admin commands and the HTTP layer turn these into Japanese.
#[derive(Debug, thiserror::Error)]
pub enum DbError {
    /// `add_user` with a login ID another account has (case-insensitively).
    #[error("login ID {0:?} is taken")]
    LoginTaken(String),
    /// `backup` to a path that exists already.
    #[error("backup target {0} exists")]
    BackupExists(std::path::PathBuf),
    /// `backup` to a path the backend cannot name (not UTF-8).
    #[error("backup target {0} is not a valid path for the backend")]
    BackupPath(std::path::PathBuf),
    /// What this backend does not do (PostgreSQL's backups are `pg_dump`'s).
    #[error("not supported by the {backend} storage: {what}")]
    Unsupported {
        backend: &'static str,
        what: &'static str,
    },
    /// `migrate --to` a database that holds data already.
    #[error("the target database {0} is not empty")]
    NotEmpty(String),
    /// The database's folder could not be made.
    #[error("cannot create the folder {0}")]
    Folder(std::path::PathBuf, #[source] std::io::Error),
    /// The database could not be reached or opened.
    #[error("cannot open the database {0}")]
    Open(String, #[source] sqlx::Error),
    /// Its schema could not be brought to this version's.
    #[error("cannot migrate the database schema")]
    Migrate(#[source] sqlx::migrate::MigrateError),
    /// A row the code cannot read (an unknown role or status): a schema from another version.
    #[error("unreadable row: {0}")]
    Corrupt(String),
    /// The backend's own failure (connection, constraint, I/O).
    #[error(transparent)]
    Storage(#[from] anyhow::Error),
}

impl From<sqlx::Error> for DbError {
    fn from(error: sqlx::Error) -> Self {
        DbError::Storage(error.into())
    }
}

impl From<serde_json::Error> for DbError {
    fn from(error: serde_json::Error) -> Self {
        DbError::Storage(error.into())
    }
}

pub type DbResult<T> = Result<T, DbError>;

/// Opens the storage the settings name, its schema brought up to date: the one way every part
/// of the server (the service, the admin commands, the demo) opens it.
pub async fn open(settings: &DatabaseSettings) -> DbResult<std::sync::Arc<dyn Database>> {
    match settings {
        DatabaseSettings::Sqlite(path) => Ok(std::sync::Arc::new(Sqlite::open(path).await?)),
        #[cfg(feature = "postgres")]
        DatabaseSettings::Postgres(url) => Ok(std::sync::Arc::new(Postgres::open(url).await?)),
        #[cfg(not(feature = "postgres"))]
        DatabaseSettings::Postgres(_) => Err(DbError::Unsupported {
            backend: "PostgreSQL",
            what: "this build (built without the `postgres` feature)",
        }),
    }
}

/// Sessions are marked used at most this often, so a busy client does not write on every call.
const TOUCH_INTERVAL_SECONDS: i64 = 60;

/// How stale a session's recorded last use may be: a minute, or a tenth of the idle timeout when
/// that is shorter. The idle check allows this much slack, so a session is never refused early
/// (issue 12, item 8: with a 1-minute idle timeout, a token used at 20 s and 40 s was refused
/// at 60 s, its last use never written), and ends at most this much late.
pub(crate) fn touch_interval(idle_seconds: i64) -> i64 {
    TOUCH_INTERVAL_SECONDS.min(idle_seconds / 10).max(1)
}

/// A session last used after this is still live (the idle timeout and its slack), for the
/// token check and for the owner's list alike.
pub(crate) fn live_after(now: UnixTime, idle_seconds: i64) -> UnixTime {
    now - idle_seconds - touch_interval(idle_seconds)
}

/// Begins a transaction in a task of its own, so that a caller dropped meanwhile (a client that
/// hangs up, a timeout) cannot cut the beginning in two. sqlx 0.8.6 counts a transaction begun
/// only after a second await — SQLite's check of a custom `BEGIN`, PostgreSQL's wait for the
/// server's answer — and a caller dropped there left the pooled connection inside a
/// transaction nobody would end: on SQLite every later `BEGIN IMMEDIATE` on it failed ("attempted
/// to call begin_with at non-zero transaction depth", 27 075 errors in six seconds of
/// `bench/server_load.sh`), on PostgreSQL the next transaction silently joined the stale one.
/// Dropped once begun, a transaction is rolled back by sqlx as it should be.
/// (`conformance::calls_cut_off_mid_transaction_leave_every_connection_usable`.)
async fn begin_detached<DB: sqlx::Database>(
    pool: &sqlx::Pool<DB>,
    statement: Option<&'static str>,
) -> DbResult<sqlx::Transaction<'static, DB>> {
    let pool = pool.clone();
    let begun = tokio::spawn(async move {
        match statement {
            Some(statement) => pool.begin_with(statement).await,
            None => pool.begin().await,
        }
    })
    .await
    .map_err(|e| DbError::Storage(anyhow::anyhow!("the transaction's task failed: {e}")))?;
    Ok(begun?)
}

/// Seconds since the Unix epoch; the storage layer's clock unit.
pub type UnixTime = i64;

pub use crate::api::AccountRole;
pub use crate::listing::ChangeStatus;

/// An account of a member organisation, as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    pub id: i64,
    pub login_id: String,
    pub display_name: String,
    /// The member organisation the account belongs to (a directory id or its name).
    pub organization: String,
    pub role: AccountRole,
    pub disabled: bool,
    /// The support centre set the password: its owner must choose one before anything else.
    pub must_change_password: bool,
    /// Signs in with a one-time code as well as the password (TOTP enrolled).
    pub two_factor: bool,
}

impl User {
    /// The account as the API shows it.
    pub fn account(&self) -> crate::api::Account {
        crate::api::Account {
            login_id: self.login_id.clone(),
            display_name: self.display_name.clone(),
            organization: self.organization.clone(),
            role: self.role,
            disabled: self.disabled,
            must_change_password: self.must_change_password,
            two_factor: self.two_factor,
            two_factor_setup_required: false,
        }
    }
}

pub struct NewUser<'a> {
    pub login_id: &'a str,
    pub display_name: &'a str,
    pub organization: &'a str,
    pub role: AccountRole,
    pub password_hash: &'a str,
    /// Set by the support centre for someone else: changed at the first sign-in.
    pub must_change_password: bool,
}

/// A live session, found by its token hash.
#[derive(Debug, Clone)]
pub struct Session {
    pub user: User,
    pub created_at: UnixTime,
    pub last_seen_at: UnixTime,
    pub expires_at: UnixTime,
}

/// Who did something, and from where — the audit log's "who" and "from where".
/// One live session as its owner may see it: never the token, nor its hash on the wire.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionSummary {
    pub id: i64,
    pub token_hash: String,
    pub address: String,
    pub created_at: UnixTime,
    pub last_seen_at: UnixTime,
    pub expires_at: UnixTime,
}

#[derive(Debug, Clone)]
pub struct Actor {
    /// A login ID, or `cli:<os user>` for admin commands run on the server.
    pub name: String,
    /// A client IP address, or `local`.
    pub address: String,
}

impl Actor {
    /// The operator running an admin command on the server machine: the operating system's
    /// account of this process, not `$USER` or `$SUDO_USER`, which anyone can set (issue 12,
    /// item 9). Under sudo that is root; sudo's own log says who ran it.
    pub fn local_operator() -> Actor {
        Actor {
            name: format!("cli:{}", os_account()),
            address: "local".into(),
        }
    }
}

/// The name of the account this process runs as (from its user id and the system's account
/// list), or `uid N` when the list has no such account.
#[cfg(unix)]
fn os_account() -> String {
    use std::os::unix::fs::MetadataExt;
    // A new file belongs to the process's effective user: the uid without unsafe code.
    let Some(uid) = tempfile::tempfile()
        .and_then(|f| f.metadata())
        .ok()
        .map(|m| m.uid())
    else {
        return "unknown".into();
    };
    let name = std::fs::read_to_string("/etc/passwd")
        .ok()
        .and_then(|list| {
            list.lines().find_map(|line| {
                let mut fields = line.split(':');
                let name = fields.next()?;
                let id = fields.nth(1)?;
                (id.parse::<u32>().ok()? == uid).then(|| name.to_string())
            })
        });
    name.unwrap_or_else(|| format!("uid {uid}"))
}

#[cfg(not(unix))]
fn os_account() -> String {
    std::env::var("USERNAME").unwrap_or_else(|_| "unknown".into())
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct AuditEntry {
    pub id: i64,
    /// Unix seconds.
    pub at: UnixTime,
    pub actor: String,
    /// `login.ok`, `login.failed`, `logout`, `directory.download`, `directory.delta`,
    /// `directory.import`, `user.add`, `user.disable`, `user.enable`, `user.passwd`, `backup`.
    pub action: String,
    pub target: Option<String>,
    pub address: Option<String>,
    pub detail: Option<String>,
    /// SHA-256 (hex) of the previous row's hash and this row's fields: the hash chain
    /// (`anshin-server audit verify`). None for rows written before the chain existed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hash: Option<String>,
}

/// The chain link of an audit row: SHA-256 over the previous row's hash (empty for the first)
/// and the row's fields as one JSON array (no two different rows encode alike).
pub fn audit_hash(
    previous: &str,
    at: UnixTime,
    actor: &str,
    action: &str,
    target: Option<&str>,
    address: Option<&str>,
    detail: Option<&str>,
) -> String {
    use sha2::{Digest, Sha256};
    let fields = serde_json::json!([at, actor, action, target, address, detail]).to_string();
    let digest = Sha256::new()
        .chain_update(previous.as_bytes())
        .chain_update(b"\n")
        .chain_update(fields.as_bytes())
        .finalize();
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// What `audit verify` found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainReport {
    /// Rows read.
    pub rows: u64,
    /// Rows from before the chain (no hash), at the start.
    pub unchained: u64,
    /// The newest row's hash: write it down (the monthly review) to notice rows cut off the end.
    pub last_hash: Option<String>,
    /// The first break: the row's id and what is wrong, in Japanese.
    pub problem: Option<(i64, String)>,
}

/// Walks the whole audit log oldest first and checks every link.
pub async fn verify_audit_chain(db: &dyn Database) -> anyhow::Result<ChainReport> {
    let mut report = ChainReport {
        rows: 0,
        unchained: 0,
        last_hash: None,
        problem: None,
    };
    let mut after = 0;
    let mut expected_id = 1;
    loop {
        let page = db.audit_entries(after, 10_000).await?;
        let Some(last) = page.last() else { break };
        after = last.id;
        for e in &page {
            report.rows += 1;
            if e.id != expected_id {
                let gap = if e.id == expected_id + 1 {
                    format!("ID {expected_id}")
                } else {
                    format!("ID {expected_id}〜{}", e.id - 1)
                };
                report.problem =
                    Some((e.id, format!("{gap} の行がありません（削除されています）")));
                return Ok(report);
            }
            expected_id = e.id + 1;
            match (&e.hash, &report.last_hash) {
                (None, None) => report.unchained += 1,
                (None, Some(_)) => {
                    report.problem = Some((
                        e.id,
                        format!(
                            "ID {} の行にハッシュがありません（連鎖の後から書き足された行です）",
                            e.id
                        ),
                    ));
                    return Ok(report);
                }
                (Some(hash), previous) => {
                    let computed = audit_hash(
                        previous.as_deref().unwrap_or(""),
                        e.at,
                        &e.actor,
                        &e.action,
                        e.target.as_deref(),
                        e.address.as_deref(),
                        e.detail.as_deref(),
                    );
                    if &computed != hash {
                        report.problem = Some((
                            e.id,
                            format!(
                                "ID {} の行が書き換えられたか、その直前の行が削除されています",
                                e.id
                            ),
                        ));
                        return Ok(report);
                    }
                    report.last_hash = Some(hash.clone());
                }
            }
        }
    }
    Ok(report)
}

/// The live directory as stored: each record's JSON exactly as it will go on the wire.
#[derive(Debug, Clone, Default)]
pub struct StoredDirectory {
    pub revision: u64,
    pub organizations: Vec<String>,
    pub people: Vec<String>,
}

/// What changed after a revision.
#[derive(Debug, Clone, Default)]
pub struct StoredDelta {
    pub revision: u64,
    pub organizations: Vec<String>,
    pub people: Vec<String>,
    pub deleted_organizations: Vec<String>,
    pub deleted_people: Vec<String>,
}

/// Why a delta cannot be served: the client must fetch the full snapshot.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeltaUnavailable {
    /// Deletions after that revision have been forgotten (retention).
    TooOld,
    /// The revision is newer than the server's: the server's data was replaced.
    Unknown,
}

/// One record to store: its id and its wire JSON.
pub struct RecordBody {
    pub id: String,
    pub body: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct ImportSummary {
    /// The directory revision after the import (unchanged if nothing changed).
    pub revision: u64,
    pub added: usize,
    pub updated: usize,
    pub deleted: usize,
    pub unchanged: usize,
}

/// Login throttling's limits (`[server.auth]`): failures within the window per login ID and
/// per client address before further attempts wait.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ThrottleLimits {
    pub per_account: u32,
    pub per_address: u32,
    pub window_seconds: i64,
}

/// A refused attempt: how long to wait, and whether the address (not the account) must.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Throttled {
    pub retry_after: u64,
    pub by_address: bool,
}

/// The login ID as the throttle counts it: case and spacing do not give a fresh budget.
pub fn failure_account(login_id: &str) -> String {
    login_id.trim().to_lowercase()
}

/// How long failed attempts are remembered: the window, and at least a day so that the owner's
/// next sign-in can be told how many there were.
pub fn failure_retention(limits: ThrottleLimits) -> i64 {
    limits.window_seconds.max(86_400)
}

/// Addresses an account signed in from stay known this long.
pub const KNOWN_ADDRESS_SECONDS: i64 = 90 * 86_400;

/// A change request (情報変更届) as stored; the wire shape is [`crate::listing::ChangeRequest`].
#[derive(Debug, Clone, PartialEq)]
pub struct StoredChangeRequest {
    pub id: i64,
    pub client_ref: String,
    pub submitted_by: i64,
    pub submitter: String,
    pub organization_id: String,
    pub base_revision: u64,
    pub note: String,
    /// The JSON array of `FieldChange` as filed.
    pub changes: String,
    pub status: ChangeStatus,
    pub submitted_at: UnixTime,
    pub reviewer: Option<String>,
    pub reviewed_at: Option<UnixTime>,
    pub reason: Option<String>,
    pub applied_revision: Option<u64>,
}

/// A change request to file.
pub struct NewChangeRequestRow<'a> {
    pub client_ref: &'a str,
    pub user: &'a User,
    pub organization_id: &'a str,
    pub base_revision: u64,
    pub note: &'a str,
    pub changes: &'a str,
}

/// Which table a directory record lives in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RecordKind {
    Organization,
    Person,
}

/// One record an approval writes, compare-and-swap: `expected` is the body it must still have
/// (None: absent or deleted), `body` what to write (None: delete it, leaving a tombstone).
#[derive(Debug, Clone)]
pub struct RecordWrite {
    pub kind: RecordKind,
    pub id: String,
    pub expected: Option<String>,
    pub body: Option<String>,
}

/// Why an approval wrote nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ApprovalRefused {
    /// Already approved, rejected or withdrawn.
    NotPending,
    /// A record moved after it was read (an import or another approval): read again.
    RecordsMoved,
}

/// One organisation's live records: its body and its people's (id, body).
#[derive(Debug, Clone, Default)]
pub struct StoredListing {
    pub organization: String,
    pub people: Vec<(String, String)>,
}

/// The storage, as every part of the server uses it: SQLite, or PostgreSQL (issue 13).
///
/// **The transaction contract** every backend keeps — the HTTP layer and the admin commands
/// rely on it and on nothing else of the backend:
/// - Each method is atomic: it happens completely or not at all, its audit row (where it
///   writes one) in the same transaction.
/// - `directory()`, `delta()` and `listing()` read one consistent snapshot: the records and the
///   revision they report belong together (SQLite: one read transaction; PostgreSQL: REPEATABLE
///   READ).
/// - Writers of the directory — `replace_directory` and `approve_change_request` — are
///   serialised: the revision is read and advanced under one lock, so no two commits share a
///   revision and a delta never misses one. `approve_change_request` writes only if every
///   record still has the body it was read with.
/// - `reserve_login` checks the limits and counts the attempt under one lock, so concurrent
///   attempts (from any number of servers on the database) cannot all pass one check.
/// - `use_totp_step` compares and records in one statement: a code works once.
/// - The audit log is append-only; ids increase in commit order (rows are appended under the
///   writers' lock), so paging by id (`audit_entries(after_id)`) cannot skip a row committed
///   late, and the hash chain links each row to the one committed before it.
/// - Errors are [`DbError`]: the cases callers must tell apart, and `Storage` for the rest.
#[async_trait]
pub trait Database: Send + Sync + 'static {
    // Directory
    async fn directory(&self) -> DbResult<StoredDirectory>;
    async fn revision(&self) -> DbResult<u64>;
    async fn delta(&self, since: u64) -> DbResult<Result<StoredDelta, DeltaUnavailable>>;
    /// Makes the live directory exactly `organizations` + `people`: changed records get the next
    /// revision, missing ones become tombstones; the audit row is written in the same
    /// transaction. Tombstones older than `retention_seconds` are forgotten.
    async fn replace_directory(
        &self,
        organizations: Vec<RecordBody>,
        people: Vec<RecordBody>,
        actor: &Actor,
        now: UnixTime,
        retention_seconds: i64,
    ) -> DbResult<ImportSummary>;

    // Accounts
    async fn add_user(&self, user: NewUser<'_>, actor: &Actor, now: UnixTime) -> DbResult<User>;
    async fn list_users(&self) -> DbResult<Vec<User>>;
    /// The user and their password hash.
    async fn user_for_login(&self, login_id: &str) -> DbResult<Option<(User, String)>>;
    /// Also revokes every session of the user. `must_change`: the support centre set it, so the
    /// owner must change it at the next sign-in; false when the owner chose it.
    async fn set_password(
        &self,
        login_id: &str,
        password_hash: &str,
        must_change: bool,
        actor: &Actor,
        now: UnixTime,
    ) -> DbResult<bool>;
    /// Disabling also revokes every session of the user.
    async fn set_disabled(
        &self,
        login_id: &str,
        disabled: bool,
        actor: &Actor,
        now: UnixTime,
    ) -> DbResult<bool>;

    // Two-factor sign-in (auth::two_factor)
    /// The account's TOTP secret (base32) when two-factor sign-in is on.
    async fn two_factor_secret(&self, user_id: i64) -> DbResult<Option<String>>;
    /// Marks the time step of a code used: false when it, or a later one, already was (a code
    /// works once, even between two concurrent logins).
    async fn use_totp_step(&self, user_id: i64, step: i64) -> DbResult<bool>;
    /// Spends a recovery code (by its hash): how many are left, or None when it is not one of
    /// the account's unused codes.
    async fn use_recovery_code(
        &self,
        user_id: i64,
        code_hash: &str,
        now: UnixTime,
    ) -> DbResult<Option<u32>>;
    /// Keeps `secret` as the one being enrolled, replacing an unfinished one; false when
    /// two-factor sign-in is already on.
    async fn begin_two_factor(&self, user_id: i64, secret: &str) -> DbResult<bool>;
    /// The secret being enrolled, if any.
    async fn pending_two_factor(&self, user_id: i64) -> DbResult<Option<String>>;
    /// Puts the enrolled secret in force with `step` used, replaces the recovery codes and ends
    /// every session of the account, with the audit row `two_factor.enable`; false when there
    /// was nothing being enrolled.
    async fn enable_two_factor(
        &self,
        user_id: i64,
        step: i64,
        recovery_code_hashes: &[String],
        actor: &Actor,
        now: UnixTime,
    ) -> DbResult<bool>;
    /// Turns two-factor sign-in off (a lost phone and lost codes): secret and codes are gone,
    /// every session ends, audit row `user.reset_2fa`. False for an unknown login ID.
    async fn reset_two_factor(
        &self,
        login_id: &str,
        actor: &Actor,
        now: UnixTime,
    ) -> DbResult<bool>;

    // Login throttling (auth::throttle), shared by every server on the database
    /// Checks the limits and, when the attempt may go ahead, counts it as a failure in the same
    /// transaction (before the password is verified: concurrent guesses cannot all pass a check
    /// that only a finished verification would update). From an address the account signed in
    /// from before, only failures from that address count against the account. The answer is
    /// the reservation's id, or how long to wait.
    async fn reserve_login(
        &self,
        account: &str,
        address: &str,
        limits: ThrottleLimits,
        now: UnixTime,
    ) -> DbResult<Result<i64, Throttled>>;
    /// The attempt succeeded: its reservation goes, the account's failures no longer count
    /// against it, and the address becomes known for it. Returns the account's failures since
    /// its previous sign-in (to tell the owner).
    async fn login_succeeded(
        &self,
        reservation: i64,
        account: &str,
        address: &str,
        now: UnixTime,
    ) -> DbResult<u32>;
    /// Takes back a reservation whose attempt was never judged (too busy, or a code to ask for).
    async fn release_login(&self, reservation: i64) -> DbResult<()>;
    /// The failures that count against each account since `since`, oldest first.
    async fn account_failures(&self, since: UnixTime) -> DbResult<Vec<(String, Vec<UnixTime>)>>;
    /// `user unlock`: the account's failures stop counting against it, audit row
    /// `user.unlock`. False for an unknown login ID.
    async fn clear_login_failures(
        &self,
        login_id: &str,
        actor: &Actor,
        now: UnixTime,
    ) -> DbResult<bool>;

    // Listing changes (情報変更届, DESIGN §7)
    /// The organisation's live record and its live people; None when it is not in the directory.
    async fn listing(&self, organization_id: &str) -> DbResult<Option<StoredListing>>;
    /// The organisation's live record alone.
    async fn organization(&self, organization_id: &str) -> DbResult<Option<String>>;
    /// Files a request with the audit row `change_request.submit`. A request with the same
    /// `client_ref` from the same account is not filed twice: the one on file comes back, with
    /// false.
    async fn add_change_request(
        &self,
        request: NewChangeRequestRow<'_>,
        actor: &Actor,
        now: UnixTime,
    ) -> DbResult<(StoredChangeRequest, bool)>;
    async fn change_request(&self, id: i64) -> DbResult<Option<StoredChangeRequest>>;
    /// The request this account filed with `client_ref`, if any.
    async fn change_request_by_ref(
        &self,
        user_id: i64,
        client_ref: &str,
    ) -> DbResult<Option<StoredChangeRequest>>;
    /// Newest first; of one organisation, of one status, or all.
    async fn change_requests(
        &self,
        organization_id: Option<&str>,
        status: Option<ChangeStatus>,
    ) -> DbResult<Vec<StoredChangeRequest>>;
    /// A pending request becomes rejected (with the reason) or withdrawn, audit row
    /// `change_request.reject` / `.withdraw`; false when it was not pending.
    async fn close_change_request(
        &self,
        id: i64,
        status: ChangeStatus,
        reason: Option<&str>,
        actor: &Actor,
        now: UnixTime,
    ) -> DbResult<bool>;
    /// In one transaction: checks every record of `writes` still has its expected body, writes
    /// them with the next directory revision, marks the request approved with that revision and
    /// writes the audit row `action` with `detail`. The answer is the new revision.
    async fn approve_change_request(
        &self,
        id: i64,
        writes: Vec<RecordWrite>,
        action: &str,
        detail: &str,
        actor: &Actor,
        now: UnixTime,
    ) -> DbResult<Result<u64, ApprovalRefused>>;

    // Sessions
    /// A new session; the user's oldest live sessions beyond `max_sessions` are revoked.
    async fn create_session(
        &self,
        token_hash: &str,
        user: &User,
        address: &str,
        now: UnixTime,
        expires_at: UnixTime,
        max_sessions: u32,
    ) -> DbResult<()>;
    /// The live session for a token hash: not revoked, not past its absolute expiry, used
    /// within `idle_seconds`, user not disabled. Marks it used.
    async fn session(
        &self,
        token_hash: &str,
        now: UnixTime,
        idle_seconds: i64,
    ) -> DbResult<Option<Session>>;
    async fn revoke_session(&self, token_hash: &str, now: UnixTime) -> DbResult<()>;
    /// The user's live sessions (as `session` would accept them), the most recently used first.
    async fn live_sessions(
        &self,
        user_id: i64,
        now: UnixTime,
        idle_seconds: i64,
    ) -> DbResult<Vec<SessionSummary>>;
    /// Ends one of the user's own sessions by its id, with an audit row; false when the user has
    /// no live session of that id.
    async fn revoke_own_session(
        &self,
        user_id: i64,
        session_id: i64,
        actor: &Actor,
        now: UnixTime,
    ) -> DbResult<bool>;

    // Audit
    async fn audit(
        &self,
        at: UnixTime,
        actor: &Actor,
        action: &str,
        target: Option<&str>,
        detail: Option<&str>,
    ) -> DbResult<()>;
    /// Entries with id greater than `after_id`, oldest first, at most `limit`.
    async fn audit_entries(&self, after_id: i64, limit: i64) -> DbResult<Vec<AuditEntry>>;

    // Operations
    /// A consistent copy of the whole database while the server keeps running.
    async fn backup(&self, to: &Path) -> DbResult<()>;
    async fn close(&self);
}

pub fn now_unix() -> UnixTime {
    chrono::Utc::now().timestamp()
}
