//! Signing in and out (DESIGN §4): `POST/DELETE /api/v1/session`, `GET /api/v1/me`.

use super::{ApiError, ApiResult, AppState, ClientAddress, JsonBody, Member};
use crate::directory::{japan_offset, Timestamp};
use crate::server::auth::{
    check_new_password, hash_password, new_token, verify_against_dummy, verify_password, Busy,
    Reserved,
};
use crate::server::db::{now_unix, Actor, User};
use axum::extract::State;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use chrono::TimeZone;
use std::time::Instant;

/// Longer login IDs are not looked up (and are cut in the audit log).
const MAX_LOGIN_ID_CHARS: usize = 64;

pub use crate::api::{
    LoginRequest, LoginResponse, MeResponse, PasswordChange, SessionInfo, SessionList,
};

fn to_japan_time(unix: i64) -> Timestamp {
    japan_offset()
        .timestamp_opt(unix, 0)
        .single()
        .unwrap_or_else(crate::directory::now_in_japan)
}

/// Signs in. Unknown ID, wrong password and disabled account all get the same 401 body.
#[utoipa::path(post, path = "/api/v1/session", request_body = LoginRequest,
    responses(
        (status = 200, body = LoginResponse),
        (status = 400, description = "JSON として読めない、または項目が足りない", body = super::error::ErrorBody),
        (status = 401, description = "認証に失敗しました", body = super::error::ErrorBody),
        (status = 413, body = super::error::ErrorBody),
        (status = 415, description = "Content-Type が application/json ではない", body = super::error::ErrorBody),
        (status = 429, description = "失敗が続いたため一時停止中（Retry-After 秒）", body = super::error::ErrorBody),
        (status = 503, description = "ログインが混み合っている（Retry-After 秒）", body = super::error::ErrorBody),
    ))]
pub async fn login(
    State(state): State<AppState>,
    ClientAddress(address): ClientAddress,
    JsonBody(request): JsonBody<LoginRequest>,
) -> ApiResult<Response> {
    let login_id: String = request
        .login_id
        .trim()
        .chars()
        .take(MAX_LOGIN_ID_CHARS + 1)
        .collect();
    let actor = Actor {
        name: login_id.chars().take(MAX_LOGIN_ID_CHARS).collect(),
        address: address.to_string(),
    };
    let reserved = reserve(&state, &login_id, address, Some(&actor)).await?;

    let found = if login_id.is_empty() || login_id.chars().count() > MAX_LOGIN_ID_CHARS {
        None
    } else {
        state.db.user_for_login(&login_id).await?
    };
    // argon2 takes tens of milliseconds of CPU and 19 MiB: at most one per core at a time.
    let password = request.password;
    let code = request.code;
    let verdict = state
        .password_gate
        .run(move || match found {
            Some((user, hash)) => {
                let ok = verify_password(&password, &hash);
                match (ok, user.disabled) {
                    (true, false) => Ok(user),
                    (true, true) => Err("disabled"),
                    (false, _) => Err("wrong_password"),
                }
            }
            None => {
                verify_against_dummy(&password);
                Err("unknown_login_id")
            }
        })
        .await;
    let (verdict, reserved) = unless_busy(&state, verdict, reserved).await?;

    let now = now_unix();
    let user = match verdict {
        Ok(user) => user,
        Err(reason) => {
            // Already counted by the reservation.
            state
                .db
                .audit(now, &actor, "login.failed", None, Some(reason))
                .await?;
            return Err(ApiError::LoginFailed);
        }
    };
    // The password was right; with two-factor sign-in the code decides.
    let how = if user.two_factor {
        match second_factor(&state, &user, code.as_deref(), now).await? {
            SecondFactor::Missing => {
                // Not a guess: the client asks for the code and sends both again.
                state.throttle.release(reserved).await;
                return Err(ApiError::TwoFactorRequired);
            }
            SecondFactor::Wrong => {
                // A wrong code is a failed attempt like a wrong password: already counted.
                state
                    .db
                    .audit(now, &actor, "login.failed", None, Some("wrong_code"))
                    .await?;
                return Err(ApiError::TwoFactorFailed);
            }
            SecondFactor::Passed(how) => Some(how),
        }
    } else {
        None
    };
    let recent_failures = state.throttle.record_success(reserved, now).await?;
    let mut body = new_session(&state, user, actor.address, now, how.as_deref()).await?;
    body.recent_failures = recent_failures;
    Ok(no_store(Json(body)))
}

enum SecondFactor {
    Missing,
    Wrong,
    /// How: `totp`, or `recovery_code left=N` for the audit log.
    Passed(String),
}

/// Checks the one-time code of an account with two-factor sign-in: an authenticator's code
/// (this 30-second step or one either side, each step once) or an unused recovery code.
async fn second_factor(
    state: &AppState,
    user: &User,
    code: Option<&str>,
    now: i64,
) -> ApiResult<SecondFactor> {
    use crate::server::auth::two_factor::{hash_recovery_code, matching_step, read_code, Code};
    let Some(code) = code.filter(|c| !c.trim().is_empty()) else {
        return Ok(SecondFactor::Missing);
    };
    let Some(secret) = state.db.two_factor_secret(user.id).await? else {
        return Ok(SecondFactor::Wrong);
    };
    Ok(match read_code(code) {
        Some(Code::Totp(digits)) => match matching_step(&secret, &digits, now.max(0) as u64) {
            Some(step) if state.db.use_totp_step(user.id, step).await? => {
                SecondFactor::Passed("totp".into())
            }
            _ => SecondFactor::Wrong,
        },
        Some(Code::Recovery(text)) => {
            match state
                .db
                .use_recovery_code(user.id, &hash_recovery_code(&text), now)
                .await?
            {
                Some(left) => SecondFactor::Passed(format!("recovery_code left={left}")),
                None => SecondFactor::Wrong,
            }
        }
        None => SecondFactor::Wrong,
    })
}

/// Checks and counts the attempt in one step, before the ~100 ms of argon2: concurrent guesses
/// cannot all pass a check that only a finished verification would update. A refused login
/// (`actor`) is in the audit log once per account (or address) and window, with the count: a
/// flood of refused attempts must not become a flood of rows.
async fn reserve(
    state: &AppState,
    login_id: &str,
    address: std::net::IpAddr,
    actor: Option<&Actor>,
) -> ApiResult<Reserved> {
    let throttled = match state
        .throttle
        .reserve(login_id, address, now_unix())
        .await?
    {
        Ok(reserved) => return Ok(reserved),
        Err(throttled) => throttled,
    };
    if let Some(actor) = actor {
        if let Some(count) =
            state
                .throttle
                .report_refusal(login_id, address, &throttled, Instant::now())
        {
            let detail = format!("refused={count}");
            state
                .db
                .audit(now_unix(), actor, "login.throttled", None, Some(&detail))
                .await?;
        }
    }
    Err(ApiError::Throttled {
        retry_after: throttled.retry_after,
    })
}

/// The password gate's answer for a reserved attempt, with the reservation. A check the gate
/// could not run is no verdict: the reservation is taken back, so it counts against nobody, and
/// the answer is 503.
async fn unless_busy<T>(
    state: &AppState,
    verdict: Result<T, Busy>,
    reserved: Reserved,
) -> ApiResult<(T, Reserved)> {
    match verdict {
        Ok(verdict) => Ok((verdict, reserved)),
        Err(busy) => {
            state.throttle.release(reserved).await;
            Err(ApiError::Busy {
                retry_after: busy.retry_after,
            })
        }
    }
}

/// A new session for `user`: its token in a response no cache may keep. `how`: the second
/// factor, for the audit row.
pub(super) async fn issue_session(
    state: &AppState,
    user: User,
    address: String,
    now: i64,
    how: Option<&str>,
) -> ApiResult<Response> {
    let body = new_session(state, user, address, now, how).await?;
    Ok(no_store(Json(body)))
}

/// The session itself, with its `login.ok` audit row.
pub(super) async fn new_session(
    state: &AppState,
    user: User,
    address: String,
    now: i64,
    how: Option<&str>,
) -> ApiResult<LoginResponse> {
    let (token, token_hash) = new_token();
    let expires_at = now + i64::from(state.config.auth.absolute_timeout_minutes) * 60;
    state
        .db
        .create_session(
            &token_hash,
            &user,
            &address,
            now,
            expires_at,
            state.config.auth.max_sessions_per_user,
        )
        .await?;
    let actor = Actor {
        name: user.login_id.clone(),
        address,
    };
    state.db.audit(now, &actor, "login.ok", None, how).await?;
    Ok(LoginResponse {
        token,
        expires_at: to_japan_time(expires_at),
        idle_timeout_minutes: state.config.auth.idle_timeout_minutes,
        user: state.account(&user),
        recent_failures: 0,
    })
}

/// A body that carries a credential: no cache anywhere may keep it.
pub(super) fn no_store(body: impl IntoResponse) -> Response {
    let mut response = body.into_response();
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// Changes the signed-in member's own password (issue 12, item 7). The current password is
/// checked like a login (same throttle, same bounded password checks); the new one must pass
/// the policy (13+ characters, not the login ID, not easy to guess). Every session of the
/// account ends — on other PCs too — and this one gets a new token.
#[utoipa::path(put, path = "/api/v1/me/password", request_body = PasswordChange, security(("bearer" = [])),
    responses(
        (status = 200, body = LoginResponse),
        (status = 400, description = "新しいパスワードが決まりに合わない", body = super::error::ErrorBody),
        (status = 401, body = super::error::ErrorBody),
        (status = 403, description = "いまのパスワードが違う", body = super::error::ErrorBody),
        (status = 413, body = super::error::ErrorBody),
        (status = 415, body = super::error::ErrorBody),
        (status = 429, body = super::error::ErrorBody),
        (status = 503, body = super::error::ErrorBody),
    ))]
pub async fn change_password(
    State(state): State<AppState>,
    member: Member,
    JsonBody(request): JsonBody<PasswordChange>,
) -> ApiResult<Response> {
    let login_id = member.session.user.login_id.clone();
    let address = member.address;
    check_new_password(&request.new_password, &login_id).map_err(ApiError::BadRequest)?;
    let reserved = reserve(&state, &login_id, address, None).await?;
    let Some((_, stored)) = state.db.user_for_login(&login_id).await? else {
        return Err(ApiError::SessionExpired);
    };
    let (current, new) = (request.current_password, request.new_password);
    let verdict = state
        .password_gate
        .run(move || {
            if !verify_password(&current, &stored) {
                return Err("wrong_password");
            }
            hash_password(&new).map_err(|_| "hash_failed")
        })
        .await;
    let (verdict, reserved) = unless_busy(&state, verdict, reserved).await?;
    let now = now_unix();
    let new_hash = match verdict {
        Ok(hash) => hash,
        Err(reason) => {
            state
                .db
                .audit(
                    now,
                    &member.actor(),
                    "password.change_failed",
                    None,
                    Some(reason),
                )
                .await?;
            return Err(ApiError::WrongCurrentPassword);
        }
    };
    state.throttle.record_success(reserved, now).await?;
    // Ends every session of the account, this one included, and writes `user.passwd`. The
    // owner chose this one: nothing more to change.
    state
        .db
        .set_password(&login_id, &new_hash, false, &member.actor(), now)
        .await?;
    let mut user = member.session.user;
    user.must_change_password = false;
    issue_session(&state, user, address.to_string(), now, None).await
}

/// Signs out: the token stops working at once.
#[utoipa::path(delete, path = "/api/v1/session", security(("bearer" = [])),
    responses((status = 204), (status = 401, body = super::error::ErrorBody)))]
pub async fn logout(State(state): State<AppState>, member: Member) -> ApiResult<StatusCode> {
    let now = now_unix();
    state.db.revoke_session(&member.token_hash, now).await?;
    state
        .db
        .audit(now, &member.actor(), "logout", None, None)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Who is signed in with this token, and until when.
#[utoipa::path(get, path = "/api/v1/me", security(("bearer" = [])),
    responses((status = 200, body = MeResponse), (status = 401, body = super::error::ErrorBody)))]
pub async fn me(State(state): State<AppState>, member: Member) -> Json<MeResponse> {
    Json(MeResponse {
        expires_at: to_japan_time(member.session.expires_at),
        idle_timeout_minutes: state.config.auth.idle_timeout_minutes,
        user: state.account(&member.session.user),
    })
}

/// The signed-in member's own live sessions: on which PCs (addresses) they are signed in, and
/// when each was last used (issue 12, item 8).
#[utoipa::path(get, path = "/api/v1/me/sessions", security(("bearer" = [])),
    responses((status = 200, body = SessionList), (status = 401, body = super::error::ErrorBody)))]
pub async fn sessions(
    State(state): State<AppState>,
    member: Member,
) -> ApiResult<Json<SessionList>> {
    let idle = state.config.auth.idle_seconds();
    let live = state
        .db
        .live_sessions(member.session.user.id, now_unix(), idle)
        .await?;
    Ok(Json(SessionList {
        sessions: live
            .into_iter()
            .map(|s| SessionInfo {
                id: s.id,
                current: s.token_hash == member.token_hash,
                address: s.address,
                created_at: to_japan_time(s.created_at),
                last_used_at: to_japan_time(s.last_seen_at),
                expires_at: to_japan_time(s.expires_at),
            })
            .collect(),
    }))
}

/// Ends one of the member's own sessions (a PC left signed in elsewhere). 404 for an id that is
/// not one of theirs, or already ended.
#[utoipa::path(delete, path = "/api/v1/me/sessions/{id}", security(("bearer" = [])),
    params(("id" = i64, Path, description = "the session's id from GET /api/v1/me/sessions")),
    responses((status = 204), (status = 401, body = super::error::ErrorBody),
        (status = 404, body = super::error::ErrorBody)))]
pub async fn end_session(
    State(state): State<AppState>,
    member: Member,
    id: Result<axum::extract::Path<i64>, axum::extract::rejection::PathRejection>,
) -> ApiResult<StatusCode> {
    // Not a number: no such session (the error body of DESIGN §4, not axum's plain text).
    let Ok(axum::extract::Path(id)) = id else {
        return Err(ApiError::NotFound);
    };
    let ended = state
        .db
        .revoke_own_session(member.session.user.id, id, &member.actor(), now_unix())
        .await?;
    if ended {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiError::NotFound)
    }
}
