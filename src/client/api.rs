//! The API client (DESIGN §4 from the client's side): reqwest with rustls, the system proxy
//! (reqwest honours HTTPS_PROXY/HTTP_PROXY and the platform's settings), an optional extra CA,
//! timeouts, and retries with backoff on transient failures only.

use super::config::ClientConfig;
use super::ClientError;
use crate::directory::{read_snapshot, Snapshot};
use reqwest::{header, Method, RequestBuilder, Response, StatusCode};
use std::net::IpAddr;
use std::time::Duration;

/// Attempts for a request that failed transiently (connection refused/reset, 502/503/504).
const ATTEMPTS: u32 = 3;

#[derive(Clone)]
pub struct ApiClient {
    http: reqwest::Client,
    base: String,
}

/// A new session as the server answers it.
pub type LoginInfo = crate::api::LoginResponse;
pub use crate::api::Account as AccountInfo;

#[derive(Debug)]
pub enum FullFetch {
    NotModified,
    Snapshot {
        snapshot: Snapshot,
        etag: Option<String>,
    },
}

#[derive(Debug)]
pub enum DeltaFetch {
    Delta(Snapshot),
    /// 410: the server cannot give a delta from that revision; fetch the whole directory.
    Gone,
}

use crate::api::ErrorBody;

/// Plain http:// only to this machine, unless explicitly allowed (DESIGN §5).
pub fn check_server_url(url: &str, allow_insecure_http: bool) -> Result<String, ClientError> {
    let parsed =
        url::Url::parse(url.trim()).map_err(|_| ClientError::BadUrl { url: url.into() })?;
    let loopback = match parsed.host() {
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => IpAddr::V4(ip).is_loopback(),
        Some(url::Host::Ipv6(ip)) => IpAddr::V6(ip).is_loopback(),
        None => return Err(ClientError::BadUrl { url: url.into() }),
    };
    match parsed.scheme() {
        "https" => {}
        "http" if loopback || allow_insecure_http => {}
        "http" => return Err(ClientError::InsecureUrl { url: url.into() }),
        _ => return Err(ClientError::BadUrl { url: url.into() }),
    }
    Ok(parsed.as_str().trim_end_matches('/').to_string())
}

impl ApiClient {
    pub fn new(config: &ClientConfig) -> Result<ApiClient, ClientError> {
        let base = check_server_url(&config.server_url, config.allow_insecure_http)?;
        let mut builder = reqwest::Client::builder()
            .user_agent(concat!("anshin/", env!("CARGO_PKG_VERSION")))
            .connect_timeout(Duration::from_secs(10))
            // The server closes a keep-alive connection after 10 s idle (its header timeout):
            // never reuse one that old, or a sync could race the close and fail.
            .pool_idle_timeout(Duration::from_secs(5))
            .timeout(Duration::from_secs(u64::from(
                config.request_timeout_seconds.max(5),
            )));
        if let Some(ca) = &config.ca_file {
            let pem = std::fs::read(ca).map_err(|e| {
                ClientError::Config(format!("ca_file {} を読めません: {e}", ca.display()))
            })?;
            let cert = reqwest::Certificate::from_pem(&pem).map_err(|_| {
                ClientError::Config(format!(
                    "ca_file {} は PEM 形式の証明書ではありません",
                    ca.display()
                ))
            })?;
            builder = builder.add_root_certificate(cert);
        }
        let http = builder.build().map_err(|_| {
            ClientError::Config("通信の準備ができません（TLS の初期化に失敗しました）".into())
        })?;
        Ok(ApiClient { http, base })
    }

    pub fn base_url(&self) -> &str {
        &self.base
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// Sends with retries. `idempotent` requests also retry on timeouts and 502/503/504; others
    /// only when the connection was never made (the server cannot have acted on them).
    async fn send(
        &self,
        idempotent: bool,
        build: impl Fn() -> RequestBuilder,
    ) -> Result<Response, ClientError> {
        let mut delay = Duration::from_millis(200);
        for attempt in 1..=ATTEMPTS {
            let last = attempt == ATTEMPTS;
            match build().send().await {
                Ok(response) => {
                    let transient = matches!(
                        response.status(),
                        StatusCode::BAD_GATEWAY
                            | StatusCode::SERVICE_UNAVAILABLE
                            | StatusCode::GATEWAY_TIMEOUT
                    );
                    if !(transient && idempotent) || last {
                        return Ok(response);
                    }
                }
                Err(err) => {
                    let retry = err.is_connect() || (idempotent && err.is_timeout());
                    if !retry || last {
                        return Err(self.network_error(&err));
                    }
                }
            }
            tokio::time::sleep(delay).await;
            delay *= 3;
        }
        unreachable!("the last attempt always returns")
    }

    fn network_error(&self, err: &reqwest::Error) -> ClientError {
        if err.is_timeout() {
            return ClientError::Timeout {
                url: self.base.clone(),
            };
        }
        // rustls certificate failures surface as connect errors whose chain mentions it.
        let mut source: Option<&dyn std::error::Error> = Some(err);
        while let Some(e) = source {
            let text = e.to_string().to_lowercase();
            if text.contains("certificate") || text.contains("unknownissuer") {
                return ClientError::Certificate;
            }
            source = e.source();
        }
        ClientError::Unreachable {
            url: self.base.clone(),
        }
    }

    /// Turns a non-success response into the right error (the server's Japanese message when
    /// it sent one).
    async fn failure(response: Response) -> ClientError {
        let status = response.status();
        let retry_after = response
            .headers()
            .get(header::RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse().ok())
            .unwrap_or(60);
        let body: Option<ErrorBody> = response.json().await.ok();
        match (status, body) {
            (StatusCode::UNAUTHORIZED, Some(b)) if b.error.code == "login_failed" => {
                ClientError::LoginFailed(b.error.message)
            }
            (StatusCode::UNAUTHORIZED, Some(b)) if b.error.code == "two_factor_required" => {
                ClientError::TwoFactorRequired
            }
            (StatusCode::UNAUTHORIZED, Some(b)) if b.error.code == "two_factor_failed" => {
                ClientError::TwoFactorFailed(b.error.message)
            }
            (StatusCode::UNAUTHORIZED, _) => ClientError::SessionExpired,
            (StatusCode::FORBIDDEN, Some(b)) if b.error.code == "two_factor_setup_required" => {
                ClientError::TwoFactorSetupRequired
            }
            (StatusCode::FORBIDDEN, Some(b)) if b.error.code == "password_change_required" => {
                ClientError::PasswordChangeRequired
            }
            (StatusCode::TOO_MANY_REQUESTS, _) => ClientError::Throttled { retry_after },
            (s, _) if s.is_server_error() => ClientError::ServerTrouble { status: s.as_u16() },
            (s, Some(b)) => ClientError::Server {
                status: s.as_u16(),
                message: b.error.message,
            },
            (s, None) => ClientError::ServerTrouble { status: s.as_u16() },
        }
    }

    /// A successful answer's JSON body; any other answer as the error it carries.
    async fn json_answer<T: serde::de::DeserializeOwned>(
        response: reqwest::Response,
    ) -> Result<T, ClientError> {
        if !response.status().is_success() {
            return Err(Self::failure(response).await);
        }
        response
            .json()
            .await
            .map_err(|_| ClientError::ServerTrouble { status: 200 })
    }

    /// `code`: the one-time code of an account with two-factor sign-in (without it such an
    /// account answers [`ClientError::TwoFactorRequired`]).
    pub async fn login(
        &self,
        login_id: &str,
        password: &str,
        code: Option<&str>,
    ) -> Result<LoginInfo, ClientError> {
        let body = crate::api::LoginRequest {
            login_id: login_id.to_string(),
            password: password.to_string(),
            code: code.map(str::to_string),
        };
        let response = self
            .send(false, || {
                self.http.post(self.url("/api/v1/session")).json(&body)
            })
            .await?;
        Self::json_answer(response).await
    }

    /// `PUT /api/v1/me/password`: every session of the account ends; the answer is a new one.
    pub async fn change_password(
        &self,
        token: &str,
        current: &str,
        new: &str,
    ) -> Result<LoginInfo, ClientError> {
        let body = crate::api::PasswordChange {
            current_password: current.to_string(),
            new_password: new.to_string(),
        };
        let response = self
            .send(false, || {
                self.http
                    .put(self.url("/api/v1/me/password"))
                    .bearer_auth(token)
                    .json(&body)
            })
            .await?;
        Self::json_answer(response).await
    }

    pub async fn logout(&self, token: &str) -> Result<(), ClientError> {
        let response = self
            .send(true, || {
                self.http
                    .request(Method::DELETE, self.url("/api/v1/session"))
                    .bearer_auth(token)
            })
            .await?;
        match response.status() {
            s if s.is_success() => Ok(()),
            // Already expired or revoked: logged out either way.
            StatusCode::UNAUTHORIZED => Ok(()),
            _ => Err(Self::failure(response).await),
        }
    }

    pub async fn me(&self, token: &str) -> Result<crate::api::MeResponse, ClientError> {
        let response = self
            .send(true, || {
                self.http.get(self.url("/api/v1/me")).bearer_auth(token)
            })
            .await?;
        Self::json_answer(response).await
    }

    /// `POST /api/v1/me/two-factor`: a new secret to put into an authenticator app.
    pub async fn begin_two_factor(
        &self,
        token: &str,
    ) -> Result<crate::api::TwoFactorEnrolment, ClientError> {
        let response = self
            .send(false, || {
                self.http
                    .post(self.url("/api/v1/me/two-factor"))
                    .bearer_auth(token)
            })
            .await?;
        Self::json_answer(response).await
    }

    /// `POST /api/v1/me/two-factor/confirm`: the recovery codes and a new session.
    pub async fn confirm_two_factor(
        &self,
        token: &str,
        code: &str,
    ) -> Result<crate::api::TwoFactorEnabled, ClientError> {
        let body = crate::api::TwoFactorConfirm {
            code: code.to_string(),
        };
        let response = self
            .send(false, || {
                self.http
                    .post(self.url("/api/v1/me/two-factor/confirm"))
                    .bearer_auth(token)
                    .json(&body)
            })
            .await?;
        Self::json_answer(response).await
    }

    /// A GET answered with JSON.
    pub async fn get_json<T: serde::de::DeserializeOwned>(
        &self,
        token: &str,
        path: &str,
    ) -> Result<T, ClientError> {
        let response = self
            .send(true, || self.http.get(self.url(path)).bearer_auth(token))
            .await?;
        Self::json_answer(response).await
    }

    /// A POST of JSON answered with JSON. `idempotent`: the server acts on a repeat only once
    /// (a change request's `client_ref`), so timeouts may be retried.
    pub async fn post_json<B: serde::Serialize, T: serde::de::DeserializeOwned>(
        &self,
        token: &str,
        path: &str,
        body: &B,
        idempotent: bool,
    ) -> Result<T, ClientError> {
        let response = self
            .send(idempotent, || {
                self.http.post(self.url(path)).bearer_auth(token).json(body)
            })
            .await?;
        Self::json_answer(response).await
    }

    /// `GET /api/v1/me/sessions`: where this account is signed in.
    pub async fn sessions(&self, token: &str) -> Result<crate::api::SessionList, ClientError> {
        let response = self
            .send(true, || {
                self.http
                    .get(self.url("/api/v1/me/sessions"))
                    .bearer_auth(token)
            })
            .await?;
        Self::json_answer(response).await
    }

    /// `DELETE /api/v1/me/sessions/{id}`: false when there was no such live session.
    pub async fn end_session(&self, token: &str, id: i64) -> Result<bool, ClientError> {
        let path = format!("/api/v1/me/sessions/{id}");
        let response = self
            .send(true, || {
                self.http
                    .request(Method::DELETE, self.url(&path))
                    .bearer_auth(token)
            })
            .await?;
        match response.status() {
            s if s.is_success() => Ok(true),
            StatusCode::NOT_FOUND => Ok(false),
            _ => Err(Self::failure(response).await),
        }
    }

    /// The full snapshot; `etag` makes it a conditional request.
    pub async fn directory(
        &self,
        token: &str,
        etag: Option<&str>,
    ) -> Result<FullFetch, ClientError> {
        let response = self
            .send(true, || {
                let mut request = self
                    .http
                    .get(self.url("/api/v1/directory"))
                    .bearer_auth(token);
                if let Some(tag) = etag {
                    request = request.header(header::IF_NONE_MATCH, tag);
                }
                request
            })
            .await?;
        match response.status() {
            StatusCode::NOT_MODIFIED => Ok(FullFetch::NotModified),
            s if s.is_success() => {
                let etag = response
                    .headers()
                    .get(header::ETAG)
                    .and_then(|v| v.to_str().ok())
                    .map(str::to_owned);
                let snapshot = self.read_directory(response).await?;
                Ok(FullFetch::Snapshot { snapshot, etag })
            }
            _ => Err(Self::failure(response).await),
        }
    }

    /// What changed after `since`.
    pub async fn delta(&self, token: &str, since: u64) -> Result<DeltaFetch, ClientError> {
        let response = self
            .send(true, || {
                self.http
                    .get(self.url("/api/v1/directory"))
                    .query(&[("since", since)])
                    .bearer_auth(token)
            })
            .await?;
        match response.status() {
            StatusCode::GONE => Ok(DeltaFetch::Gone),
            s if s.is_success() => Ok(DeltaFetch::Delta(self.read_directory(response).await?)),
            _ => Err(Self::failure(response).await),
        }
    }

    async fn read_directory(&self, response: Response) -> Result<Snapshot, ClientError> {
        let bytes = response.bytes().await.map_err(|e| self.network_error(&e))?;
        // Parsing tens of megabytes is CPU work: off the async workers.
        tokio::task::spawn_blocking(move || read_snapshot(&bytes))
            .await
            .map_err(|e| ClientError::BadDirectory(e.to_string()))?
            .map_err(|e| ClientError::BadDirectory(e.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn http_only_to_loopback() {
        assert!(check_server_url("http://127.0.0.1:8080", false).is_ok());
        assert!(check_server_url("http://localhost:8080/", false).is_ok());
        assert!(check_server_url("http://[::1]:8080", false).is_ok());
        assert!(check_server_url("https://anshin.example.jp", false).is_ok());
        assert!(matches!(
            check_server_url("http://10.0.0.5:8080", false),
            Err(ClientError::InsecureUrl { .. })
        ));
        assert!(check_server_url("http://10.0.0.5:8080", true).is_ok());
        assert!(matches!(
            check_server_url("ftp://x", false),
            Err(ClientError::BadUrl { .. })
        ));
        assert!(matches!(
            check_server_url("anshin.example.jp", false),
            Err(ClientError::BadUrl { .. })
        ));
        assert_eq!(
            check_server_url("https://a.example.jp/", false).unwrap(),
            "https://a.example.jp"
        );
    }
}
