//! One error type for the HTTP layer (as realworld-axum-sqlx does): each variant maps to a status
//! and a stable code, the message is Japanese and says what to do, and internal details are
//! logged, never sent.

use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// Wrong login ID or password — one message whether or not the ID exists (DESIGN §4).
    #[error("認証に失敗しました。ログインIDとパスワードを確かめてください")]
    LoginFailed,
    #[error("ログインが必要です")]
    NotLoggedIn,
    #[error("ログインの有効期限が切れたか、ログアウトされています。もう一度ログインしてください")]
    SessionExpired,
    #[error("この操作には管理者の権限が必要です")]
    Forbidden,
    #[error("いまのパスワードが違います")]
    WrongCurrentPassword,
    #[error("支援センターが決めたパスワードのままです。使う前に自分のパスワードに変えてください（anshin passwd、または画面の案内に従ってください）")]
    PasswordChangeRequired,
    /// The password was right; the account also needs its one-time code.
    #[error("確認コードを入れてください（認証アプリに出ている6桁、またはリカバリーコード）")]
    TwoFactorRequired,
    #[error("確認コードが違います。認証アプリに出ている今の6桁（一度使ったものは使えません）か、リカバリーコードを入れてください")]
    TwoFactorFailed,
    #[error("このアカウントは二段階認証（認証アプリの確認コード）の設定が必要です。`anshin 2fa` で設定してから使ってください")]
    TwoFactorSetupRequired,
    #[error(
        "二段階認証はすでに設定されています。設定し直すには支援センターに解除を依頼してください"
    )]
    TwoFactorAlreadyOn,
    #[error("設定中の二段階認証がありません。最初からやり直してください（`anshin 2fa`）")]
    NoTwoFactorPending,
    #[error("ログインの失敗が続いたため、しばらく受け付けません。{retry_after} 秒後にもう一度お試しください")]
    Throttled { retry_after: u64 },
    #[error("ログインが混み合っています。{retry_after} 秒ほどしてからもう一度お試しください")]
    Busy { retry_after: u64 },
    #[error("{0}")]
    BadRequest(String),
    #[error("送られたデータが大きすぎます")]
    PayloadTooLarge,
    #[error("Content-Type: application/json で送ってください")]
    UnsupportedMediaType,
    #[error("そのような API はありません")]
    NotFound,
    #[error("この API はその方法（HTTP メソッド）では使えません")]
    MethodNotAllowed,
    #[error("その版からの差分はもうありません。ディレクトリ全体を取り直してください")]
    RevisionGone,
    /// A change request the listing rules refuse, or one in the wrong state (DESIGN §7).
    #[error("{0}")]
    Listing(crate::server::listing::ListingError),
    #[error("サーバーで問題が起きました。しばらくしてからもう一度お試しください。続く場合は支援センターにご連絡ください")]
    Internal(#[from] anyhow::Error),
}

pub use crate::api::{ErrorBody, ErrorDetail};

/// A storage failure the handler did not expect is the server's: logged under a reference.
impl From<crate::server::db::DbError> for ApiError {
    fn from(error: crate::server::db::DbError) -> Self {
        ApiError::Internal(error.into())
    }
}

impl From<crate::server::listing::ListingError> for ApiError {
    fn from(error: crate::server::listing::ListingError) -> Self {
        match error {
            // Storage trouble is the server's: logged under a reference, never shown.
            crate::server::listing::ListingError::Storage(e) => ApiError::Internal(e),
            other => ApiError::Listing(other),
        }
    }
}

impl ApiError {
    pub fn status(&self) -> StatusCode {
        match self {
            ApiError::LoginFailed
            | ApiError::NotLoggedIn
            | ApiError::SessionExpired
            | ApiError::TwoFactorRequired
            | ApiError::TwoFactorFailed => StatusCode::UNAUTHORIZED,
            ApiError::TwoFactorSetupRequired => StatusCode::FORBIDDEN,
            ApiError::TwoFactorAlreadyOn => StatusCode::CONFLICT,
            ApiError::NoTwoFactorPending => StatusCode::BAD_REQUEST,
            ApiError::Forbidden
            | ApiError::WrongCurrentPassword
            | ApiError::PasswordChangeRequired => StatusCode::FORBIDDEN,
            ApiError::Throttled { .. } => StatusCode::TOO_MANY_REQUESTS,
            ApiError::Busy { .. } => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::BadRequest(_) => StatusCode::BAD_REQUEST,
            ApiError::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ApiError::NotFound => StatusCode::NOT_FOUND,
            ApiError::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            ApiError::RevisionGone => StatusCode::GONE,
            ApiError::Listing(e) => {
                use crate::server::listing::ListingError as L;
                match e {
                    L::NotYourOrganization(_) | L::NotSubmitter => StatusCode::FORBIDDEN,
                    L::NotFound(_) | L::NoSuchNumber(_) => StatusCode::NOT_FOUND,
                    L::NotPending { .. } | L::Conflict(_) => StatusCode::CONFLICT,
                    L::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
                    L::Busy => StatusCode::SERVICE_UNAVAILABLE,
                    L::Storage(_) => StatusCode::INTERNAL_SERVER_ERROR,
                }
            }
            ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    pub fn code(&self) -> &'static str {
        match self {
            ApiError::LoginFailed => "login_failed",
            ApiError::NotLoggedIn => "not_logged_in",
            ApiError::SessionExpired => "session_expired",
            ApiError::Forbidden => "forbidden",
            ApiError::WrongCurrentPassword => "wrong_password",
            ApiError::PasswordChangeRequired => "password_change_required",
            ApiError::TwoFactorRequired => "two_factor_required",
            ApiError::TwoFactorFailed => "two_factor_failed",
            ApiError::TwoFactorSetupRequired => "two_factor_setup_required",
            ApiError::TwoFactorAlreadyOn => "two_factor_already_on",
            ApiError::NoTwoFactorPending => "no_two_factor_pending",
            ApiError::Throttled { .. } => "too_many_attempts",
            ApiError::Busy { .. } => "busy",
            ApiError::BadRequest(_) => "bad_request",
            ApiError::PayloadTooLarge => "payload_too_large",
            ApiError::UnsupportedMediaType => "unsupported_media_type",
            ApiError::NotFound => "not_found",
            ApiError::MethodNotAllowed => "method_not_allowed",
            ApiError::RevisionGone => "revision_gone",
            ApiError::Listing(e) => {
                use crate::server::listing::ListingError as L;
                match e {
                    L::NotYourOrganization(_) | L::NotSubmitter => "forbidden",
                    L::NotFound(_) | L::NoSuchNumber(_) => "change_request_not_found",
                    L::NotPending { .. } => "change_request_closed",
                    L::Conflict(_) => "change_conflict",
                    L::Invalid(_) => "invalid_change",
                    L::Busy => "busy",
                    L::Storage(_) => "internal",
                }
            }
            ApiError::Internal(_) => "internal",
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        // The cause goes to the operator's log under a reference the user can quote to the
        // support centre; the client gets the generic message and the reference.
        let reference = match &self {
            ApiError::Internal(err) => {
                let reference = format!("{:08x}", rand::random::<u32>());
                tracing::error!(reference, error = format!("{err:#}"), "internal error");
                Some(reference)
            }
            _ => None,
        };
        let status = self.status();
        let message = match &reference {
            Some(reference) => format!("{self}（問い合わせ番号 {reference}）"),
            None => self.to_string(),
        };
        let body = ErrorBody {
            error: ErrorDetail {
                code: self.code().to_string(),
                message,
            },
        };
        let mut response = (status, Json(body)).into_response();
        if let Some(value) = reference.and_then(|r| HeaderValue::from_str(&r).ok()) {
            response.headers_mut().insert("x-request-id", value);
        }
        if let ApiError::Throttled { retry_after } | ApiError::Busy { retry_after } = self {
            if let Ok(value) = HeaderValue::from_str(&retry_after.to_string()) {
                response.headers_mut().insert(header::RETRY_AFTER, value);
            }
        }
        response
    }
}

impl From<JsonRejection> for ApiError {
    fn from(rejection: JsonRejection) -> Self {
        match rejection.status() {
            StatusCode::PAYLOAD_TOO_LARGE => ApiError::PayloadTooLarge,
            StatusCode::UNSUPPORTED_MEDIA_TYPE => ApiError::UnsupportedMediaType,
            _ => match rejection {
                JsonRejection::JsonSyntaxError(_) => {
                    ApiError::BadRequest("JSON として読めません。書式を確認してください".into())
                }
                JsonRejection::JsonDataError(e) => ApiError::BadRequest(format!(
                    "項目が足りないか、値の形が違います（{}）",
                    e.body_text().trim_start_matches(
                        "Failed to deserialize the JSON body into the target type: "
                    )
                )),
                _ => ApiError::BadRequest("リクエストの本文を読めません".into()),
            },
        }
    }
}

impl From<QueryRejection> for ApiError {
    fn from(_: QueryRejection) -> Self {
        ApiError::BadRequest(
            "URL のパラメータが正しくありません（since は 0 以上の整数です）".into(),
        )
    }
}

pub type ApiResult<T> = Result<T, ApiError>;
