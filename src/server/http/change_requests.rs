//! Listing changes (情報変更届, DESIGN §7, issue 14): members file a patch of their own listing,
//! the support centre approves or rejects it, the submitter may withdraw it. The rules live in
//! [`crate::server::listing`]; this is the HTTP face.

use super::{Admin, ApiResult, AppState, JsonBody, Member};
use crate::listing::{
    ApproveRequest, ChangeRequest, ChangeStatus, NewChangeRequest, RejectRequest,
};
use crate::server::listing;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::Json;

/// A request's number from the path; anything else is a request that does not exist (404 in
/// our JSON, not axum's plain-text 400).
fn number(raw: &str) -> ApiResult<i64> {
    raw.parse()
        .map_err(|_| listing::ListingError::NoSuchNumber(raw.chars().take(40).collect()).into())
}

#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
pub struct ListQuery {
    /// `pending`, `approved`, `rejected` or `withdrawn`; all when absent.
    status: Option<ChangeStatus>,
}

/// Files a change request for the member's own organisation (an administrator: any). With no
/// changes it confirms the listing as current (「変更なし」), recorded at once.
#[utoipa::path(post, path = "/api/v1/change-requests", request_body = NewChangeRequest,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "受け付けました", body = ChangeRequest),
        (status = 200, description = "同じ client_ref の届はすでに受け付けています", body = ChangeRequest),
        (status = 400, body = super::error::ErrorBody),
        (status = 401, body = super::error::ErrorBody),
        (status = 403, description = "ほかの機関の掲載", body = super::error::ErrorBody),
        (status = 413, body = super::error::ErrorBody),
        (status = 415, body = super::error::ErrorBody),
        (status = 422, description = "掲載の決まりに合わない（項目名つきの説明）", body = super::error::ErrorBody),
    ))]
pub async fn submit(
    State(state): State<AppState>,
    member: Member,
    JsonBody(request): JsonBody<NewChangeRequest>,
) -> ApiResult<(StatusCode, Json<ChangeRequest>)> {
    let (request, filed) = listing::submit(
        state.db.as_ref(),
        &state.config,
        &member.session.user,
        &member.actor(),
        request,
    )
    .await?;
    let status = if filed {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, Json(request)))
}

/// The member's organisation's requests (an administrator: everyone's), newest first.
#[utoipa::path(get, path = "/api/v1/change-requests", params(ListQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, body = Vec<ChangeRequest>),
        (status = 400, body = super::error::ErrorBody),
        (status = 401, body = super::error::ErrorBody),
    ))]
pub async fn list(
    State(state): State<AppState>,
    member: Member,
    query: Result<Query<ListQuery>, axum::extract::rejection::QueryRejection>,
) -> ApiResult<Json<Vec<ChangeRequest>>> {
    let Query(query) = query.map_err(|_| {
        super::ApiError::BadRequest(
            "status は pending（審査中）/ approved / rejected / withdrawn のどれかです".into(),
        )
    })?;
    let list = listing::list(state.db.as_ref(), &member.session.user, query.status).await?;
    Ok(Json(list))
}

/// One request, with the live value beside each change while it is pending.
#[utoipa::path(get, path = "/api/v1/change-requests/{id}", params(("id" = i64, Path)),
    security(("bearer" = [])),
    responses(
        (status = 200, body = ChangeRequest),
        (status = 401, body = super::error::ErrorBody),
        (status = 404, body = super::error::ErrorBody),
    ))]
pub async fn show(
    State(state): State<AppState>,
    member: Member,
    Path(id): Path<String>,
) -> ApiResult<Json<ChangeRequest>> {
    let id = number(&id)?;
    Ok(Json(
        listing::read(state.db.as_ref(), id, &member.session.user).await?,
    ))
}

/// Applies the request as one new directory revision. A field that changed since the request
/// was made is applied only as `resolutions` say; one left undecided answers 409.
#[utoipa::path(post, path = "/api/v1/change-requests/{id}/approve", params(("id" = i64, Path)),
    request_body = ApproveRequest, security(("bearer" = [])),
    responses(
        (status = 200, body = ChangeRequest),
        (status = 400, body = super::error::ErrorBody),
        (status = 401, body = super::error::ErrorBody),
        (status = 403, body = super::error::ErrorBody),
        (status = 404, body = super::error::ErrorBody),
        (status = 409, description = "申請後に変わった項目がある、またはすでに審査済み", body = super::error::ErrorBody),
        (status = 413, body = super::error::ErrorBody),
        (status = 415, body = super::error::ErrorBody),
        (status = 422, body = super::error::ErrorBody),
    ))]
pub async fn approve(
    State(state): State<AppState>,
    Admin(admin): Admin,
    Path(id): Path<String>,
    JsonBody(request): JsonBody<ApproveRequest>,
) -> ApiResult<Json<ChangeRequest>> {
    let id = number(&id)?;
    let resolutions: Vec<_> = request
        .resolutions
        .iter()
        .map(|r| (r.index, r.take))
        .collect();
    Ok(Json(
        listing::approve(
            state.db.as_ref(),
            &state.config,
            id,
            &resolutions,
            &admin.actor(),
        )
        .await?,
    ))
}

/// Rejects the request with a reason the member will read.
#[utoipa::path(post, path = "/api/v1/change-requests/{id}/reject", params(("id" = i64, Path)),
    request_body = RejectRequest, security(("bearer" = [])),
    responses(
        (status = 200, body = ChangeRequest),
        (status = 400, body = super::error::ErrorBody),
        (status = 401, body = super::error::ErrorBody),
        (status = 403, body = super::error::ErrorBody),
        (status = 404, body = super::error::ErrorBody),
        (status = 409, body = super::error::ErrorBody),
        (status = 413, body = super::error::ErrorBody),
        (status = 415, body = super::error::ErrorBody),
        (status = 422, body = super::error::ErrorBody),
    ))]
pub async fn reject(
    State(state): State<AppState>,
    Admin(admin): Admin,
    Path(id): Path<String>,
    JsonBody(request): JsonBody<RejectRequest>,
) -> ApiResult<Json<ChangeRequest>> {
    let id = number(&id)?;
    Ok(Json(
        listing::reject(state.db.as_ref(), id, &request.reason, &admin.actor()).await?,
    ))
}

/// The submitter takes back a pending request.
#[utoipa::path(post, path = "/api/v1/change-requests/{id}/withdraw", params(("id" = i64, Path)),
    security(("bearer" = [])),
    responses(
        (status = 200, body = ChangeRequest),
        (status = 401, body = super::error::ErrorBody),
        (status = 403, body = super::error::ErrorBody),
        (status = 404, body = super::error::ErrorBody),
        (status = 409, body = super::error::ErrorBody),
    ))]
pub async fn withdraw(
    State(state): State<AppState>,
    member: Member,
    Path(id): Path<String>,
) -> ApiResult<Json<ChangeRequest>> {
    let id = number(&id)?;
    Ok(Json(
        listing::withdraw(state.db.as_ref(), id, &member.session.user, &member.actor()).await?,
    ))
}
