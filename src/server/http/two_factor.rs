//! Setting up two-factor sign-in (issue 12, item 7): `POST /api/v1/me/two-factor` hands out a new
//! secret (for the QR code), `POST /api/v1/me/two-factor/confirm` puts it in force once a code
//! from the app proves the app holds it, and answers with the recovery codes — shown this once —
//! and a new session (the account's other sessions, signed in with the password alone, end).
//! Turning it off is the support centre's (`anshin-server user reset-2fa`).

use super::session::{new_session, no_store};
use super::{ApiError, ApiResult, AppState, JsonBody, Member};
use crate::api::{TwoFactorConfirm, TwoFactorEnabled, TwoFactorEnrolment};
use crate::server::auth::two_factor::{
    hash_recovery_code, matching_step, new_recovery_codes, new_secret, otpauth_uri, read_code, Code,
};
use crate::server::db::now_unix;
use axum::extract::State;
use axum::response::Response;
use axum::Json;

/// Starts (or starts over) enrolling an authenticator app.
#[utoipa::path(post, path = "/api/v1/me/two-factor", security(("bearer" = [])),
    responses(
        (status = 200, body = TwoFactorEnrolment),
        (status = 401, body = super::error::ErrorBody),
        (status = 409, description = "すでに設定済み（解除は支援センター）", body = super::error::ErrorBody),
    ))]
pub async fn begin(State(state): State<AppState>, member: Member) -> ApiResult<Response> {
    let user = &member.session.user;
    let secret = new_secret();
    if user.two_factor || !state.db.begin_two_factor(user.id, &secret).await? {
        return Err(ApiError::TwoFactorAlreadyOn);
    }
    let otpauth_uri = otpauth_uri(&secret, &user.login_id)
        .ok_or_else(|| anyhow::anyhow!("cannot build the otpauth link"))?;
    state
        .db
        .audit(now_unix(), &member.actor(), "two_factor.begin", None, None)
        .await?;
    Ok(no_store(Json(TwoFactorEnrolment {
        secret,
        otpauth_uri,
    })))
}

/// Confirms the enrolment with a code from the app.
#[utoipa::path(post, path = "/api/v1/me/two-factor/confirm", request_body = TwoFactorConfirm,
    security(("bearer" = [])),
    responses(
        (status = 200, body = TwoFactorEnabled),
        (status = 400, description = "確認コードが違う、または設定中のものがない", body = super::error::ErrorBody),
        (status = 401, body = super::error::ErrorBody),
        (status = 409, body = super::error::ErrorBody),
        (status = 413, body = super::error::ErrorBody),
        (status = 415, body = super::error::ErrorBody),
    ))]
pub async fn confirm(
    State(state): State<AppState>,
    member: Member,
    JsonBody(request): JsonBody<TwoFactorConfirm>,
) -> ApiResult<Response> {
    let user = member.session.user.clone();
    if user.two_factor {
        return Err(ApiError::TwoFactorAlreadyOn);
    }
    let Some(secret) = state.db.pending_two_factor(user.id).await? else {
        return Err(ApiError::NoTwoFactorPending);
    };
    let now = now_unix();
    let step = match read_code(&request.code) {
        Some(Code::Totp(digits)) => matching_step(&secret, &digits, now.max(0) as u64),
        _ => None,
    };
    let Some(step) = step else {
        return Err(ApiError::BadRequest(
            "確認コードが違います。認証アプリに出ている今の6桁を入れてください（時計がずれていないかも確かめてください）".into(),
        ));
    };
    let codes = new_recovery_codes();
    let hashes: Vec<String> = codes.iter().map(|c| hash_recovery_code(c)).collect();
    if !state
        .db
        .enable_two_factor(user.id, step, &hashes, &member.actor(), now)
        .await?
    {
        return Err(ApiError::NoTwoFactorPending);
    }
    let mut user = user;
    user.two_factor = true;
    let session = new_session(&state, user, member.address.to_string(), now, Some("totp")).await?;
    Ok(no_store(Json(TwoFactorEnabled {
        recovery_codes: codes,
        session,
    })))
}
