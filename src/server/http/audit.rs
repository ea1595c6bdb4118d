//! `GET /api/v1/audit`: the append-only audit log, for administrators.

use super::{Admin, ApiError, ApiResult, AppState};
use crate::server::db::AuditEntry;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::Json;
use serde::{Deserialize, Serialize};

const MAX_LIMIT: i64 = 1000;

#[derive(Deserialize, utoipa::IntoParams)]
pub struct AuditQuery {
    /// Entries after this id (for paging); 0 from the start.
    #[param(minimum = 0)]
    pub after_id: Option<i64>,
    /// At most this many (default 100).
    #[param(minimum = 1, maximum = 1000)]
    pub limit: Option<i64>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct AuditPage {
    pub entries: Vec<AuditEntry>,
}

#[utoipa::path(get, path = "/api/v1/audit", params(AuditQuery), security(("bearer" = [])),
    responses((status = 200, body = AuditPage),
        (status = 400, description = "after_id か limit が範囲の外", body = super::error::ErrorBody),
        (status = 401, body = super::error::ErrorBody),
        (status = 403, body = super::error::ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    Admin(admin): Admin,
    query: Result<Query<AuditQuery>, QueryRejection>,
) -> ApiResult<Json<AuditPage>> {
    let Query(query) = query?;
    // Out of range is said, not quietly changed (the schema gives the range).
    let limit = query.limit.unwrap_or(100);
    let after_id = query.after_id.unwrap_or(0);
    if !(1..=MAX_LIMIT).contains(&limit) || after_id < 0 {
        return Err(ApiError::BadRequest(format!(
            "limit は 1〜{MAX_LIMIT}、after_id は 0 以上にしてください"
        )));
    }
    let entries = state.db.audit_entries(after_id, limit).await?;
    // Reading the log is itself logged (issue 12, item 9): who looked, from where, at what.
    let detail = format!("after_id={after_id} entries={}", entries.len());
    state
        .db
        .audit(
            crate::server::db::now_unix(),
            &admin.actor(),
            "audit.read",
            None,
            Some(&detail),
        )
        .await?;
    Ok(Json(AuditPage { entries }))
}
