//! Change requests (情報変更届, DESIGN §7) in SQLite: filing, reading, closing, and the approval
//! that writes the patched records and the next revision in one transaction.

use super::{begin, begin_immediate, insert_audit, Table};
use crate::server::db::{
    Actor, ApprovalRefused, ChangeStatus, DbError, DbResult, NewChangeRequestRow, RecordKind,
    RecordWrite, StoredChangeRequest, StoredListing, UnixTime,
};
use sqlx::{Row, SqlitePool};

const COLUMNS: &str = "id, client_ref, submitted_by, submitter, organization_id, base_revision, \
     note, changes, status, submitted_at, reviewer, reviewed_at, reason, applied_revision";

pub(super) async fn listing(
    pool: &SqlitePool,
    organization_id: &str,
) -> DbResult<Option<StoredListing>> {
    let mut tx = begin(pool).await?;
    let organization: Option<String> =
        sqlx::query_scalar("SELECT body FROM organizations WHERE id = ? AND deleted_at IS NULL")
            .bind(organization_id)
            .fetch_optional(&mut *tx)
            .await?;
    let Some(organization) = organization else {
        return Ok(None);
    };
    let people = sqlx::query(
        "SELECT id, body FROM people WHERE deleted_at IS NULL \
         AND json_extract(body, '$.organization_id') = ? ORDER BY id",
    )
    .bind(organization_id)
    .fetch_all(&mut *tx)
    .await?
    .iter()
    .map(|row| Ok((row.try_get("id")?, row.try_get("body")?)))
    .collect::<DbResult<Vec<(String, String)>>>()?;
    tx.commit().await?;
    Ok(Some(StoredListing {
        organization,
        people,
    }))
}

pub(super) async fn organization(
    pool: &SqlitePool,
    organization_id: &str,
) -> DbResult<Option<String>> {
    Ok(
        sqlx::query_scalar("SELECT body FROM organizations WHERE id = ? AND deleted_at IS NULL")
            .bind(organization_id)
            .fetch_optional(pool)
            .await?,
    )
}

pub(super) async fn add(
    pool: &SqlitePool,
    request: NewChangeRequestRow<'_>,
    actor: &Actor,
    now: UnixTime,
) -> DbResult<(StoredChangeRequest, bool)> {
    let mut tx = begin_immediate(pool).await?;
    let existing = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM change_requests WHERE submitted_by = ? AND client_ref = ?"
    ))
    .bind(request.user.id)
    .bind(request.client_ref)
    .fetch_optional(&mut *tx)
    .await?;
    if let Some(row) = existing {
        return Ok((crate::server::db::rows::change_request(&row)?, false));
    }
    let row = sqlx::query(&format!(
        "INSERT INTO change_requests (client_ref, submitted_by, submitter, organization_id, \
         base_revision, note, changes, status, submitted_at, submitted_from) \
         VALUES (?, ?, ?, ?, ?, ?, ?, 'pending', ?, ?) RETURNING {COLUMNS}"
    ))
    .bind(request.client_ref)
    .bind(request.user.id)
    .bind(&request.user.login_id)
    .bind(request.organization_id)
    .bind(request.base_revision as i64)
    .bind(request.note)
    .bind(request.changes)
    .bind(now)
    .bind(&actor.address)
    .fetch_one(&mut *tx)
    .await?;
    let filed = crate::server::db::rows::change_request(&row)?;
    let id = filed.id;
    let count = serde_json::from_str::<Vec<serde_json::Value>>(request.changes)
        .map(|c| c.len())
        .unwrap_or(0);
    let detail = format!(
        "id={id} organization={} changes={count} base_revision={}",
        request.organization_id, request.base_revision
    );
    insert_audit(
        &mut tx,
        now,
        actor,
        "change_request.submit",
        Some(request.organization_id),
        Some(&detail),
    )
    .await?;
    tx.commit().await?;
    Ok((filed, true))
}

pub(super) async fn get(pool: &SqlitePool, id: i64) -> DbResult<Option<StoredChangeRequest>> {
    sqlx::query(&format!(
        "SELECT {COLUMNS} FROM change_requests WHERE id = ?"
    ))
    .bind(id)
    .fetch_optional(pool)
    .await?
    .as_ref()
    .map(crate::server::db::rows::change_request)
    .transpose()
}

pub(super) async fn by_ref(
    pool: &SqlitePool,
    user_id: i64,
    client_ref: &str,
) -> DbResult<Option<StoredChangeRequest>> {
    sqlx::query(&format!(
        "SELECT {COLUMNS} FROM change_requests WHERE submitted_by = ? AND client_ref = ?"
    ))
    .bind(user_id)
    .bind(client_ref)
    .fetch_optional(pool)
    .await?
    .as_ref()
    .map(crate::server::db::rows::change_request)
    .transpose()
}

pub(super) async fn list(
    pool: &SqlitePool,
    organization_id: Option<&str>,
    status: Option<ChangeStatus>,
) -> DbResult<Vec<StoredChangeRequest>> {
    sqlx::query(&format!(
        "SELECT {COLUMNS} FROM change_requests \
         WHERE (?1 IS NULL OR organization_id = ?1) AND (?2 IS NULL OR status = ?2) \
         ORDER BY id DESC"
    ))
    .bind(organization_id)
    .bind(status.map(ChangeStatus::code))
    .fetch_all(pool)
    .await?
    .iter()
    .map(crate::server::db::rows::change_request)
    .collect()
}

pub(super) async fn close(
    pool: &SqlitePool,
    id: i64,
    status: ChangeStatus,
    reason: Option<&str>,
    actor: &Actor,
    now: UnixTime,
) -> DbResult<bool> {
    let action = match status {
        ChangeStatus::Rejected => "change_request.reject",
        ChangeStatus::Withdrawn => "change_request.withdraw",
        other => {
            return Err(DbError::Storage(anyhow::anyhow!(
                "a change request cannot be closed as {}",
                other.code()
            )))
        }
    };
    let mut tx = begin_immediate(pool).await?;
    let organization: Option<String> = sqlx::query_scalar(
        "UPDATE change_requests SET status = ?, reason = ?, reviewer = ?, reviewed_at = ?, \
         reviewed_from = ? WHERE id = ? AND status = 'pending' RETURNING organization_id",
    )
    .bind(status.code())
    .bind(reason)
    .bind(&actor.name)
    .bind(now)
    .bind(&actor.address)
    .bind(id)
    .fetch_optional(&mut *tx)
    .await?;
    let Some(organization) = organization else {
        return Ok(false);
    };
    let detail = format!("id={id}");
    insert_audit(
        &mut tx,
        now,
        actor,
        action,
        Some(&organization),
        Some(&detail),
    )
    .await?;
    tx.commit().await?;
    Ok(true)
}

pub(super) async fn approve(
    pool: &SqlitePool,
    id: i64,
    writes: Vec<RecordWrite>,
    action: &str,
    detail: &str,
    actor: &Actor,
    now: UnixTime,
) -> DbResult<Result<u64, ApprovalRefused>> {
    // IMMEDIATE: the write lock before anything is compared, so an import or another approval
    // cannot slip in between the check and the write (the revision is read and advanced here).
    let mut tx = begin_immediate(pool).await?;
    let organization: Option<String> = sqlx::query_scalar(
        "SELECT organization_id FROM change_requests WHERE id = ? AND status = 'pending'",
    )
    .bind(id)
    .fetch_optional(&mut *tx)
    .await?;
    let Some(organization) = organization else {
        return Ok(Err(ApprovalRefused::NotPending));
    };
    for write in &writes {
        let table = table_of(write.kind).name();
        let live: Option<String> = sqlx::query_scalar(&format!(
            "SELECT body FROM {table} WHERE id = ? AND deleted_at IS NULL"
        ))
        .bind(&write.id)
        .fetch_optional(&mut *tx)
        .await?;
        if live != write.expected {
            return Ok(Err(ApprovalRefused::RecordsMoved));
        }
    }
    let revision: i64 = sqlx::query_scalar(
        "UPDATE directory_meta SET revision = revision + 1 WHERE id = 1 RETURNING revision",
    )
    .fetch_one(&mut *tx)
    .await?;
    for write in &writes {
        let table = table_of(write.kind).name();
        match &write.body {
            Some(body) => {
                sqlx::query(&format!(
                    "INSERT INTO {table} (id, revision, deleted_at, body) VALUES (?, ?, NULL, ?) \
                     ON CONFLICT (id) DO UPDATE SET revision = excluded.revision, \
                     deleted_at = NULL, body = excluded.body"
                ))
                .bind(&write.id)
                .bind(revision)
                .bind(body)
                .execute(&mut *tx)
                .await?;
            }
            None => {
                sqlx::query(&format!(
                    "UPDATE {table} SET revision = ?, deleted_at = ? WHERE id = ?"
                ))
                .bind(revision)
                .bind(now)
                .bind(&write.id)
                .execute(&mut *tx)
                .await?;
            }
        }
    }
    sqlx::query(
        "UPDATE change_requests SET status = 'approved', reviewer = ?, reviewed_at = ?, \
         reviewed_from = ?, applied_revision = ? WHERE id = ?",
    )
    .bind(&actor.name)
    .bind(now)
    .bind(&actor.address)
    .bind(revision)
    .bind(id)
    .execute(&mut *tx)
    .await?;
    let detail = format!("id={id} revision={revision} {detail}");
    insert_audit(
        &mut tx,
        now,
        actor,
        action,
        Some(&organization),
        Some(detail.trim_end()),
    )
    .await?;
    tx.commit().await?;
    Ok(Ok(revision as u64))
}

fn table_of(kind: RecordKind) -> Table {
    match kind {
        RecordKind::Organization => Table::Organizations,
        RecordKind::Person => Table::People,
    }
}
