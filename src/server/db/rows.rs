//! What both backends do alike once a row is read: the rows read into the storage types (the
//! column types are the same in both schemas where these read them), and the reckoning around
//! the statements — the throttle's verdict, the failures grouped by account, an import's
//! summary. The statements themselves stay each backend's own (placeholders, locks, types).

use super::{
    AuditEntry, ChangeStatus, DbError, DbResult, ImportSummary, SessionSummary,
    StoredChangeRequest, ThrottleLimits, Throttled, UnixTime,
};
use sqlx::{ColumnIndex, Decode, Row, Type};

pub(super) fn change_request<'r, R>(row: &'r R) -> DbResult<StoredChangeRequest>
where
    R: Row,
    &'r str: ColumnIndex<R>,
    i64: Decode<'r, R::Database> + Type<R::Database>,
    String: Decode<'r, R::Database> + Type<R::Database>,
{
    let status: String = row.try_get("status")?;
    Ok(StoredChangeRequest {
        id: row.try_get("id")?,
        client_ref: row.try_get("client_ref")?,
        submitted_by: row.try_get("submitted_by")?,
        submitter: row.try_get("submitter")?,
        organization_id: row.try_get("organization_id")?,
        base_revision: row.try_get::<i64, _>("base_revision")? as u64,
        note: row.try_get("note")?,
        changes: row.try_get("changes")?,
        status: ChangeStatus::from_code(&status).ok_or_else(|| {
            DbError::Corrupt(format!("unknown status {status:?} in change_requests"))
        })?,
        submitted_at: row.try_get("submitted_at")?,
        reviewer: row.try_get("reviewer")?,
        reviewed_at: row.try_get("reviewed_at")?,
        reason: row.try_get("reason")?,
        applied_revision: row
            .try_get::<Option<i64>, _>("applied_revision")?
            .map(|r| r as u64),
    })
}

pub(super) fn audit_entry<'r, R>(row: &'r R) -> DbResult<AuditEntry>
where
    R: Row,
    &'r str: ColumnIndex<R>,
    i64: Decode<'r, R::Database> + Type<R::Database>,
    String: Decode<'r, R::Database> + Type<R::Database>,
{
    Ok(AuditEntry {
        id: row.try_get("id")?,
        at: row.try_get("at")?,
        actor: row.try_get("actor")?,
        action: row.try_get("action")?,
        target: row.try_get("target")?,
        address: row.try_get("address")?,
        detail: row.try_get("detail")?,
        hash: row.try_get("hash")?,
    })
}

pub(super) fn session_summary<'r, R>(row: &'r R) -> DbResult<SessionSummary>
where
    R: Row,
    &'r str: ColumnIndex<R>,
    i64: Decode<'r, R::Database> + Type<R::Database>,
    String: Decode<'r, R::Database> + Type<R::Database>,
{
    Ok(SessionSummary {
        id: row.try_get("id")?,
        token_hash: row.try_get("token_hash")?,
        address: row.try_get("address")?,
        created_at: row.try_get("created_at")?,
        last_seen_at: row.try_get("last_seen_at")?,
        expires_at: row.try_get("expires_at")?,
    })
}

/// The throttle's verdict from the failure that must age out first, of the account's and of
/// the address's (the one `limit` places from the newest; None: under the limit).
pub(super) fn throttle_verdict(
    by_account: Option<UnixTime>,
    by_address: Option<UnixTime>,
    limits: ThrottleLimits,
    now: UnixTime,
) -> Option<Throttled> {
    let wait = |at: Option<i64>| at.map(|at| (at + limits.window_seconds - now).max(1) as u64);
    match (wait(by_account), wait(by_address)) {
        (None, None) => None,
        (a, b) => Some(Throttled {
            retry_after: a.max(b).unwrap_or(1),
            by_address: b.is_some() && b >= a,
        }),
    }
}

/// `(account, at)` rows ordered by account into each account's times.
pub(super) fn group_failures(rows: Vec<(String, i64)>) -> Vec<(String, Vec<UnixTime>)> {
    let mut grouped: Vec<(String, Vec<UnixTime>)> = Vec::new();
    for (account, at) in rows {
        match grouped.last_mut() {
            Some((last, times)) if *last == account => times.push(at),
            _ => grouped.push((account, vec![at])),
        }
    }
    grouped
}

/// One table's part of a directory replacement.
#[derive(Default)]
pub(super) struct Changes {
    pub added: usize,
    pub updated: usize,
    pub deleted: usize,
    pub unchanged: usize,
}

impl Changes {
    pub fn any(&self) -> bool {
        self.added + self.updated + self.deleted > 0
    }
}

/// The import's summary and its audit detail.
pub(super) fn import_summary(
    revision: i64,
    organizations: &Changes,
    people: &Changes,
) -> (ImportSummary, String) {
    let summary = ImportSummary {
        revision: revision as u64,
        added: organizations.added + people.added,
        updated: organizations.updated + people.updated,
        deleted: organizations.deleted + people.deleted,
        unchanged: organizations.unchanged + people.unchanged,
    };
    let detail = format!(
        "revision={} added={} updated={} deleted={} unchanged={}",
        summary.revision, summary.added, summary.updated, summary.deleted, summary.unchanged
    );
    (summary, detail)
}
