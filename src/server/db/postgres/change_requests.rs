//! Change requests (情報変更届, DESIGN §7) in PostgreSQL: the SQLite twin's statements, with
//! row locks where SQLite took its one write lock.

use super::{begin, begin_snapshot, insert_audit, lock_revision, table_name};
use crate::server::db::{
    Actor, ApprovalRefused, ChangeStatus, DbError, DbResult, NewChangeRequestRow, RecordWrite,
    StoredChangeRequest, StoredListing, UnixTime,
};
use sqlx::{PgPool, Row};

const COLUMNS: &str = "id, client_ref, submitted_by, submitter, organization_id, base_revision, \
     note, changes, status, submitted_at, reviewer, reviewed_at, reason, applied_revision";

pub(super) async fn listing(
    pool: &PgPool,
    organization_id: &str,
) -> DbResult<Option<StoredListing>> {
    let mut tx = begin_snapshot(pool).await?;
    let organization: Option<String> =
        sqlx::query_scalar("SELECT body FROM organizations WHERE id = $1 AND deleted_at IS NULL")
            .bind(organization_id)
            .fetch_optional(&mut *tx)
            .await?;
    let Some(organization) = organization else {
        return Ok(None);
    };
    let people = sqlx::query(
        "SELECT id, body FROM people WHERE deleted_at IS NULL \
         AND (body::jsonb) ->> 'organization_id' = $1 ORDER BY id COLLATE \"C\"",
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

pub(super) async fn organization(pool: &PgPool, organization_id: &str) -> DbResult<Option<String>> {
    Ok(
        sqlx::query_scalar("SELECT body FROM organizations WHERE id = $1 AND deleted_at IS NULL")
            .bind(organization_id)
            .fetch_optional(pool)
            .await?,
    )
}

pub(super) async fn add(
    pool: &PgPool,
    request: NewChangeRequestRow<'_>,
    actor: &Actor,
    now: UnixTime,
) -> DbResult<(StoredChangeRequest, bool)> {
    let mut tx = begin(pool).await?;
    // The unique (submitted_by, client_ref) decides: a resend racing the first waits for it and
    // then finds it on file.
    let row = sqlx::query(&format!(
        "INSERT INTO change_requests (client_ref, submitted_by, submitter, organization_id, \
         base_revision, note, changes, status, submitted_at, submitted_from) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, 'pending', $8, $9) \
         ON CONFLICT (submitted_by, client_ref) DO NOTHING RETURNING {COLUMNS}"
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
    .fetch_optional(&mut *tx)
    .await?;
    let Some(row) = row else {
        tx.rollback().await?;
        let filed = by_ref(pool, request.user.id, request.client_ref)
            .await?
            .ok_or_else(|| DbError::Storage(anyhow::anyhow!("change request vanished")))?;
        return Ok((filed, false));
    };
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

pub(super) async fn get(pool: &PgPool, id: i64) -> DbResult<Option<StoredChangeRequest>> {
    sqlx::query(&format!(
        "SELECT {COLUMNS} FROM change_requests WHERE id = $1"
    ))
    .bind(id)
    .fetch_optional(pool)
    .await?
    .as_ref()
    .map(crate::server::db::rows::change_request)
    .transpose()
}

pub(super) async fn by_ref(
    pool: &PgPool,
    user_id: i64,
    client_ref: &str,
) -> DbResult<Option<StoredChangeRequest>> {
    sqlx::query(&format!(
        "SELECT {COLUMNS} FROM change_requests WHERE submitted_by = $1 AND client_ref = $2"
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
    pool: &PgPool,
    organization_id: Option<&str>,
    status: Option<ChangeStatus>,
) -> DbResult<Vec<StoredChangeRequest>> {
    sqlx::query(&format!(
        "SELECT {COLUMNS} FROM change_requests \
         WHERE ($1::text IS NULL OR organization_id = $1) AND ($2::text IS NULL OR status = $2) \
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
    pool: &PgPool,
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
    let mut tx = begin(pool).await?;
    let organization: Option<String> = sqlx::query_scalar(
        "UPDATE change_requests SET status = $1, reason = $2, reviewer = $3, reviewed_at = $4, \
         reviewed_from = $5 WHERE id = $6 AND status = 'pending' RETURNING organization_id",
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
    pool: &PgPool,
    id: i64,
    writes: Vec<RecordWrite>,
    action: &str,
    detail: &str,
    actor: &Actor,
    now: UnixTime,
) -> DbResult<Result<u64, ApprovalRefused>> {
    // The revision row first, as an import takes it: no other directory writer can slip in
    // between the comparison and the write. Then the request's row, against a concurrent
    // reject or withdraw.
    let mut tx = begin(pool).await?;
    let revision = lock_revision(&mut tx).await? + 1;
    let organization: Option<String> = sqlx::query_scalar(
        "SELECT organization_id FROM change_requests WHERE id = $1 AND status = 'pending' \
         FOR UPDATE",
    )
    .bind(id)
    .fetch_optional(&mut *tx)
    .await?;
    let Some(organization) = organization else {
        return Ok(Err(ApprovalRefused::NotPending));
    };
    for write in &writes {
        let table = table_name(write.kind);
        let live: Option<String> = sqlx::query_scalar(&format!(
            "SELECT body FROM {table} WHERE id = $1 AND deleted_at IS NULL"
        ))
        .bind(&write.id)
        .fetch_optional(&mut *tx)
        .await?;
        if live != write.expected {
            return Ok(Err(ApprovalRefused::RecordsMoved));
        }
    }
    sqlx::query("UPDATE directory_meta SET revision = $1 WHERE id = 1")
        .bind(revision)
        .execute(&mut *tx)
        .await?;
    for write in &writes {
        let table = table_name(write.kind);
        match &write.body {
            Some(body) => {
                sqlx::query(&format!(
                    "INSERT INTO {table} (id, revision, deleted_at, body) VALUES ($1, $2, NULL, $3) \
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
                    "UPDATE {table} SET revision = $1, deleted_at = $2 WHERE id = $3"
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
        "UPDATE change_requests SET status = 'approved', reviewer = $1, reviewed_at = $2, \
         reviewed_from = $3, applied_revision = $4 WHERE id = $5",
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
