//! The central API's request and response bodies (DESIGN §4), written once for the server
//! (which serialises them and documents them in the OpenAPI) and the client (which reads them).
//! Storage models stay in the server; these are the wire.

use crate::directory::Timestamp;
use serde::{Deserialize, Serialize};

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
}

/// `POST /api/v1/session`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct LoginRequest {
    pub login_id: String,
    pub password: String,
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
