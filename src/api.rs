//! The central API's request and response bodies (DESIGN §4), written once for the server
//! (which serialises them and documents them in the OpenAPI) and the client (which reads them).
//! Storage models stay in the server; these are the wire.

use crate::directory::Timestamp;
use serde::{Deserialize, Serialize};

/// The shortest password anyone may choose: the guideline 6.0's length for a password that is the
/// only factor (13+), kept for everyone since members may sign in without a second factor. The
/// server enforces it; the clients say it before the round trip.
pub const MIN_PASSWORD_CHARS: usize = 13;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum AccountRole {
    Member,
    Admin,
}

impl AccountRole {
    pub fn code(self) -> &'static str {
        match self {
            AccountRole::Member => "member",
            AccountRole::Admin => "admin",
        }
    }

    pub fn from_code(code: &str) -> Option<AccountRole> {
        match code {
            "member" => Some(AccountRole::Member),
            "admin" => Some(AccountRole::Admin),
            _ => None,
        }
    }
}

/// An account as the API shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct Account {
    pub login_id: String,
    pub display_name: String,
    /// The member organisation the account belongs to (a directory id or its name).
    pub organization: String,
    pub role: AccountRole,
    pub disabled: bool,
    /// The support centre set the password: until its owner changes it
    /// (`PUT /api/v1/me/password`) every other call answers 403 `password_change_required`.
    #[serde(default)]
    pub must_change_password: bool,
    /// Signs in with a one-time code from an authenticator app as well as the password.
    #[serde(default)]
    pub two_factor: bool,
    /// The server requires two-factor sign-in of this account and it is not set up yet: until
    /// it is (`POST /api/v1/me/two-factor`, then `…/confirm`) every other call answers 403
    /// `two_factor_setup_required`.
    #[serde(default)]
    pub two_factor_setup_required: bool,
}

/// `POST /api/v1/session`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct LoginRequest {
    pub login_id: String,
    pub password: String,
    /// For an account with two-factor sign-in: the authenticator's 6 digits or a recovery code.
    /// Without it such an account gets 401 `two_factor_required` (the password was right).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
}

/// A new session: from `POST /api/v1/session` and `PUT /api/v1/me/password`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct LoginResponse {
    /// Send as `Authorization: Bearer <token>`. Shown only here; the server keeps its hash.
    pub token: String,
    /// The absolute end of this session; it also ends after `idle_timeout_minutes` unused.
    #[cfg_attr(feature = "server", schema(value_type = String, format = DateTime))]
    pub expires_at: Timestamp,
    pub idle_timeout_minutes: u32,
    pub user: Account,
    /// Failed sign-ins of this account since its previous one (someone guessing, or the owner
    /// mistyping): the client tells the owner.
    #[serde(default)]
    pub recent_failures: u32,
}

/// `GET /api/v1/me`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct MeResponse {
    pub user: Account,
    #[cfg_attr(feature = "server", schema(value_type = String, format = DateTime))]
    pub expires_at: Timestamp,
    pub idle_timeout_minutes: u32,
}

/// `PUT /api/v1/me/password`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct PasswordChange {
    pub current_password: String,
    pub new_password: String,
}

/// `POST /api/v1/me/two-factor`: a new secret to enrol, not in force until a code from it is
/// confirmed.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct TwoFactorEnrolment {
    /// Base32, for typing into an authenticator app by hand.
    pub secret: String,
    /// `otpauth://totp/…`, for the QR code.
    pub otpauth_uri: String,
}

/// `POST /api/v1/me/two-factor/confirm`: a code from the app proves it holds the secret.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct TwoFactorConfirm {
    pub code: String,
}

/// Two-factor sign-in is on: the recovery codes, shown only this once (the server keeps their
/// hashes), and a new session (the others of the account have ended).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct TwoFactorEnabled {
    pub recovery_codes: Vec<String>,
    pub session: LoginResponse,
}

/// One of the member's own live sessions (`GET /api/v1/me/sessions`): where it signed in from,
/// and when. Never the token.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct SessionInfo {
    /// For `DELETE /api/v1/me/sessions/{id}`.
    pub id: i64,
    /// The client address it signed in from.
    pub address: String,
    #[cfg_attr(feature = "server", schema(value_type = String, format = DateTime))]
    pub created_at: Timestamp,
    #[cfg_attr(feature = "server", schema(value_type = String, format = DateTime))]
    pub last_used_at: Timestamp,
    #[cfg_attr(feature = "server", schema(value_type = String, format = DateTime))]
    pub expires_at: Timestamp,
    /// The session this request came with.
    pub current: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct SessionList {
    /// The most recently used first.
    pub sessions: Vec<SessionInfo>,
}

/// `{"error": {"code": "...", "message": "日本語の説明"}}` (DESIGN §4).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct ErrorDetail {
    /// Stable, for scripts (`login_failed`, `throttled` …).
    pub code: String,
    /// For the member, in Japanese.
    pub message: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_login_response_reads_back_as_written() {
        let json = r#"{"token":"t","expires_at":"2026-11-24T12:00:00+09:00","idle_timeout_minutes":30,
            "user":{"login_id":"sato","display_name":"佐藤","organization":"o-1","role":"admin","disabled":false}}"#;
        let response: LoginResponse = serde_json::from_str(json).unwrap();
        assert_eq!(response.user.role, AccountRole::Admin);
        let again: LoginResponse =
            serde_json::from_str(&serde_json::to_string(&response).unwrap()).unwrap();
        assert_eq!(again.user, response.user);
        assert_eq!(again.expires_at, response.expires_at);
    }
}
