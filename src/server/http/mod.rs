//! The central API (DESIGN §4): routes, shared state, authentication extractors, and starting
//! and stopping the listener.

mod audit;
mod change_requests;
mod directory;
mod error;
mod limits;
mod openapi;
mod session;
mod two_factor;

pub use error::{ApiError, ApiResult};
pub use openapi::openapi_json;

use super::auth::{hash_token, LoginThrottle, OncePerWindow, PasswordGate};
use super::config::ServerConfig;
use super::db::{Actor, Database, Session, User};
use anyhow::Context;
use axum::extract::{ConnectInfo, DefaultBodyLimit, FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{header, Method};
use axum::routing::get;
use axum::{Json, Router};
use serde::de::DeserializeOwned;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;
use tower_http::compression::CompressionLayer;
use tower_http::timeout::RequestBodyTimeoutLayer;
use tower_http::trace::TraceLayer;

/// Bodies of ordinary API calls are small; only the directory upload may be large.
const DEFAULT_BODY_LIMIT: usize = 64 * 1024;

#[derive(Clone)]
pub struct AppState {
    pub db: Arc<dyn Database>,
    pub config: Arc<ServerConfig>,
    throttle: Arc<LoginThrottle>,
    password_gate: Arc<PasswordGate>,
    trusted_proxies: Arc<[ipnet::IpNet]>,
    /// Refused tokens to write to the audit log, per address (anyone can send one).
    refused_tokens: Arc<OncePerWindow>,
    /// The full snapshot of the latest revision, serialized and gzipped: every client's first
    /// sync asks for the same bytes, so they are built once per revision (issue 13, item 4).
    snapshot_cache: Arc<tokio::sync::Mutex<Option<directory::ReadySnapshot>>>,
}

impl AppState {
    pub fn new(db: Arc<dyn Database>, config: ServerConfig) -> AppState {
        let auth = &config.auth;
        let throttle = LoginThrottle::new(db.clone(), auth.throttle_limits());
        let password_gate = PasswordGate::new(
            auth.password_check_workers as usize,
            auth.password_check_queue as usize,
            Duration::from_secs(u64::from(auth.password_check_wait_seconds)),
        );
        let trusted_proxies = config.trusted_proxy_networks().into();
        let refused_tokens = Arc::new(OncePerWindow::new(Duration::from_secs(u64::from(
            auth.failure_window_seconds,
        ))));
        AppState {
            db,
            trusted_proxies,
            refused_tokens,
            config: Arc::new(config),
            throttle: Arc::new(throttle),
            password_gate: Arc::new(password_gate),
            snapshot_cache: Arc::new(tokio::sync::Mutex::new(None)),
        }
    }

    /// The account as the API shows it, with what this server's policy still asks of it.
    pub fn account(&self, user: &User) -> crate::api::Account {
        let mut account = user.account();
        account.two_factor_setup_required =
            !user.two_factor && self.config.auth.two_factor_required.requires(user.role);
        account
    }
}

pub fn router(state: AppState) -> Router {
    let import_limit = state.config.directory.max_import_megabytes as usize * 1024 * 1024;
    let body_timeout =
        Duration::from_secs(u64::from(state.config.limits.body_read_timeout_seconds));
    Router::new()
        .route("/healthz", get(health))
        .route(
            "/api/v1/session",
            axum::routing::post(session::login).delete(session::logout),
        )
        .route("/api/v1/me", get(session::me))
        .route(
            "/api/v1/me/password",
            axum::routing::put(session::change_password),
        )
        .route("/api/v1/me/sessions", get(session::sessions))
        .route(
            "/api/v1/me/two-factor",
            axum::routing::post(two_factor::begin),
        )
        .route(
            "/api/v1/me/two-factor/confirm",
            axum::routing::post(two_factor::confirm),
        )
        .route(
            "/api/v1/me/sessions/{id}",
            axum::routing::delete(session::end_session),
        )
        .route(
            "/api/v1/directory",
            get(directory::download)
                .put(directory::replace)
                .layer(DefaultBodyLimit::max(import_limit)),
        )
        .route(
            "/api/v1/change-requests",
            get(change_requests::list).post(change_requests::submit),
        )
        .route("/api/v1/change-requests/{id}", get(change_requests::show))
        .route(
            "/api/v1/change-requests/{id}/approve",
            axum::routing::post(change_requests::approve),
        )
        .route(
            "/api/v1/change-requests/{id}/reject",
            axum::routing::post(change_requests::reject),
        )
        .route(
            "/api/v1/change-requests/{id}/withdraw",
            axum::routing::post(change_requests::withdraw),
        )
        .route("/api/v1/audit", get(audit::list))
        .route("/api/v1/openapi.json", get(openapi::serve))
        .fallback(|| async { ApiError::NotFound })
        .method_not_allowed_fallback(|| async { ApiError::MethodNotAllowed })
        .layer(DefaultBodyLimit::max(DEFAULT_BODY_LIMIT))
        .layer(RequestBodyTimeoutLayer::new(body_timeout))
        .layer(CompressionLayer::new())
        .layer(axum::middleware::map_response_with_state(
            state.config.tls_cert.is_some(),
            security_headers,
        ))
        // Logs method, path and status; never headers (the token travels in Authorization).
        .layer(TraceLayer::new_for_http())
        .with_state(state)
}

/// Issue 12, item 10: no response may be sniffed as another type, and under TLS browsers and
/// proxies are told to keep to HTTPS.
async fn security_headers(
    axum::extract::State(tls): axum::extract::State<bool>,
    mut response: axum::response::Response,
) -> axum::response::Response {
    let headers = response.headers_mut();
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        header::HeaderValue::from_static("nosniff"),
    );
    if tls {
        headers.insert(
            header::STRICT_TRANSPORT_SECURITY,
            header::HeaderValue::from_static("max-age=31536000"),
        );
    }
    response
}

#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct Health {
    status: &'static str,
}

/// Liveness and database reachability, for load balancers; needs no login.
#[utoipa::path(get, path = "/healthz", responses((status = 200, body = Health)))]
async fn health(
    axum::extract::State(state): axum::extract::State<AppState>,
) -> ApiResult<Json<Health>> {
    state.db.revision().await?;
    Ok(Json(Health { status: "ok" }))
}

/// The client's IP address: the connecting address, or — when that is one of the configured
/// `trusted_proxies` — the nearest address the proxies name in `Forwarded` / `X-Forwarded-For`
/// that is not itself a trusted proxy (issue 12, item 5: behind the documented proxy every client
/// was 127.0.0.1, so one person's failures throttled everyone and the audit saw only the proxy).
pub struct ClientAddress(pub IpAddr);

impl FromRequestParts<AppState> for ClientAddress {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let peer = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|ConnectInfo(addr)| addr.ip())
            .unwrap_or(IpAddr::from([0, 0, 0, 0]));
        Ok(ClientAddress(client_address(
            peer,
            &parts.headers,
            &state.trusted_proxies,
        )))
    }
}

fn client_address(
    peer: IpAddr,
    headers: &axum::http::HeaderMap,
    trusted: &[ipnet::IpNet],
) -> IpAddr {
    let is_trusted = |ip: &IpAddr| trusted.iter().any(|net| net.contains(ip));
    if !is_trusted(&peer) {
        return peer;
    }
    // The hops the proxies recorded, nearest last. `Forwarded` (RFC 7239) wins when present.
    let forwarded: Vec<String> = headers
        .get_all(header::FORWARDED)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .filter_map(|hop| {
            hop.split(';').find_map(|pair| {
                let (key, value) = pair.trim().split_once('=')?;
                key.eq_ignore_ascii_case("for")
                    .then(|| value.trim().to_string())
            })
        })
        .collect();
    let hops: Vec<String> = if forwarded.is_empty() {
        headers
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .map(|hop| hop.trim().to_string())
            .collect()
    } else {
        forwarded
    };
    for hop in hops.iter().rev() {
        match parse_hop(hop) {
            Some(ip) if is_trusted(&ip) => continue,
            Some(ip) => return ip,
            // "unknown" or an obfuscated name: the chain cannot be followed further.
            None => return peer,
        }
    }
    peer
}

/// `192.0.2.1`, `192.0.2.1:4711`, `"[2001:db8::1]:4711"`, `2001:db8::1`.
fn parse_hop(hop: &str) -> Option<IpAddr> {
    let hop = hop.trim().trim_matches('"');
    if let Ok(ip) = hop.parse::<IpAddr>() {
        return Some(ip);
    }
    if let Ok(addr) = hop.parse::<SocketAddr>() {
        return Some(addr.ip());
    }
    hop.strip_prefix('[')
        .and_then(|h| h.split(']').next())
        .and_then(|h| h.parse().ok())
}

/// A signed-in member (any role), from `Authorization: Bearer <token>`.
pub struct Member {
    pub session: Session,
    pub token_hash: String,
    pub address: IpAddr,
}

impl Member {
    pub fn actor(&self) -> Actor {
        Actor {
            name: self.session.user.login_id.clone(),
            address: self.address.to_string(),
        }
    }
}

impl FromRequestParts<AppState> for Member {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let ClientAddress(address) = ClientAddress::from_request_parts(parts, state).await?;
        let token = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .ok_or(ApiError::NotLoggedIn)?;
        let token_hash = hash_token(token);
        let idle = state.config.auth.idle_seconds();
        let now = super::db::now_unix();
        let Some(session) = state.db.session(&token_hash, now, idle).await? else {
            // An expired, revoked or made-up token: in the audit log once per address and
            // window, with the count (issue 12, item 9).
            if let Some(count) = state
                .refused_tokens
                .note(address.to_string(), std::time::Instant::now())
            {
                let actor = Actor {
                    name: "(token)".into(),
                    address: address.to_string(),
                };
                let detail = format!("refused={count}");
                state
                    .db
                    .audit(
                        now,
                        &actor,
                        "session.refused",
                        Some(parts.uri.path()),
                        Some(&detail),
                    )
                    .await?;
            }
            return Err(ApiError::SessionExpired);
        };
        // A password the support centre set is changed before anything else: only the change
        // itself, who am I, and signing out are served until then (issue 12, item 7).
        let before_change = [
            (Method::PUT, "/api/v1/me/password"),
            (Method::GET, "/api/v1/me"),
            (Method::DELETE, "/api/v1/session"),
        ];
        let allowed = |list: &[(Method, &str)]| {
            list.iter()
                .any(|(method, path)| parts.method == *method && parts.uri.path() == *path)
        };
        if session.user.must_change_password && !allowed(&before_change) {
            return Err(ApiError::PasswordChangeRequired);
        }
        // Two-factor sign-in the server requires of this account is set up next: until then
        // only the enrolment and what the password change allows (issue 12, item 7).
        let before_two_factor = [
            (Method::POST, "/api/v1/me/two-factor"),
            (Method::POST, "/api/v1/me/two-factor/confirm"),
            (Method::PUT, "/api/v1/me/password"),
            (Method::GET, "/api/v1/me"),
            (Method::DELETE, "/api/v1/session"),
        ];
        if !session.user.two_factor
            && state
                .config
                .auth
                .two_factor_required
                .requires(session.user.role)
            && !allowed(&before_two_factor)
        {
            return Err(ApiError::TwoFactorSetupRequired);
        }
        Ok(Member {
            session,
            token_hash,
            address,
        })
    }
}

/// A signed-in support-centre administrator.
pub struct Admin(pub Member);

impl FromRequestParts<AppState> for Admin {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let member = Member::from_request_parts(parts, state).await?;
        if member.session.user.role != super::db::AccountRole::Admin {
            // A member reaching for an administrator's call is worth a row (issue 12, item 9).
            state
                .db
                .audit(
                    super::db::now_unix(),
                    &member.actor(),
                    "access.denied",
                    Some(parts.uri.path()),
                    None,
                )
                .await?;
            return Err(ApiError::Forbidden);
        }
        Ok(Admin(member))
    }
}

/// `Json<T>` whose rejections are our JSON errors in Japanese.
pub struct JsonBody<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for JsonBody<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let Json(value) = Json::<T>::from_request(req, state).await?;
        Ok(JsonBody(value))
    }
}

/// A server listening on its address until [`RunningServer::shutdown`].
pub struct RunningServer {
    pub addr: SocketAddr,
    pub tls: bool,
    handle: axum_server::Handle,
    task: tokio::task::JoinHandle<std::io::Result<()>>,
    db: Arc<dyn Database>,
}

impl RunningServer {
    /// `http://127.0.0.1:PORT` (or https).
    pub fn url(&self) -> String {
        let scheme = if self.tls { "https" } else { "http" };
        format!("{scheme}://{}", self.addr)
    }

    /// Stops accepting, lets requests in flight finish (up to 10 s), closes the database.
    pub async fn shutdown(self) -> anyhow::Result<()> {
        self.handle.graceful_shutdown(Some(Duration::from_secs(10)));
        self.task.await.context("server task failed")??;
        self.db.close().await;
        Ok(())
    }
}

/// Opens the database of `config` and starts serving on `config.listen` (port 0: any free port).
pub async fn start(config: ServerConfig) -> anyhow::Result<RunningServer> {
    let db = super::db::open(&config.database).await?;
    start_with(db, config).await
}

pub async fn start_with(
    db: Arc<dyn Database>,
    config: ServerConfig,
) -> anyhow::Result<RunningServer> {
    let listener = std::net::TcpListener::bind(config.listen).with_context(|| {
        format!(
            "{} で待ち受けできません（使用中か、権限がありません）",
            config.listen
        )
    })?;
    listener.set_nonblocking(true)?;
    let addr = listener.local_addr()?;
    let tls = match (&config.tls_cert, &config.tls_key) {
        (Some(cert), Some(key)) => {
            // rustls needs one process-wide crypto provider; ring keeps the build C-toolchain-light.
            let _ = rustls::crypto::ring::default_provider().install_default();
            Some(
                axum_server::tls_rustls::RustlsConfig::from_pem_file(cert, key)
                    .await
                    .with_context(|| {
                        format!(
                            "TLS の証明書 {} または鍵 {} を読めません",
                            cert.display(),
                            key.display()
                        )
                    })?,
            )
        }
        _ => None,
    };
    let limits = config.limits.clone();
    let connections = limits::ConnectionLimit::new(limits.max_connections);
    let app = router(AppState::new(db.clone(), config))
        .into_make_service_with_connect_info::<SocketAddr>();
    let handle = axum_server::Handle::new();
    let task = match tls.clone() {
        Some(tls_config) => {
            let acceptor =
                axum_server::tls_rustls::RustlsAcceptor::new(tls_config).acceptor(connections);
            let mut server = axum_server::from_tcp(listener)
                .acceptor(acceptor)
                .handle(handle.clone());
            limits::configure(server.http_builder(), &limits);
            tokio::spawn(async move { server.serve(app).await })
        }
        None => {
            let mut server = axum_server::from_tcp(listener)
                .acceptor(connections)
                .handle(handle.clone());
            limits::configure(server.http_builder(), &limits);
            tokio::spawn(async move { server.serve(app).await })
        }
    };
    Ok(RunningServer {
        addr,
        tls: tls.is_some(),
        handle,
        task,
        db,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::{HeaderMap, HeaderValue};

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (k, v) in pairs {
            map.append(*k, HeaderValue::from_str(v).unwrap());
        }
        map
    }

    #[test]
    fn forwarded_headers_count_only_from_trusted_proxies() {
        let proxies: Vec<ipnet::IpNet> = vec![
            "127.0.0.1/32".parse().unwrap(),
            "10.0.0.0/24".parse().unwrap(),
        ];
        let spoofed = headers(&[("x-forwarded-for", "203.0.113.9")]);
        // From a client directly: its own header is ignored.
        assert_eq!(
            client_address(ip("198.51.100.7"), &spoofed, &proxies),
            ip("198.51.100.7")
        );
        // From the proxy: the nearest untrusted hop, not the one the client wrote first.
        let chain = headers(&[("x-forwarded-for", "203.0.113.9, 198.51.100.7, 10.0.0.3")]);
        assert_eq!(
            client_address(ip("127.0.0.1"), &chain, &proxies),
            ip("198.51.100.7")
        );
        let rfc = headers(&[(
            "forwarded",
            "for=203.0.113.9, for=\"[2001:db8::1]:4711\";proto=https",
        )]);
        assert_eq!(
            client_address(ip("127.0.0.1"), &rfc, &proxies),
            ip("2001:db8::1")
        );
        // No proxies configured: the headers mean nothing.
        assert_eq!(
            client_address(ip("127.0.0.1"), &chain, &[]),
            ip("127.0.0.1")
        );
        // Garbage in the chain stops at the proxy.
        let junk = headers(&[("x-forwarded-for", "unknown")]);
        assert_eq!(
            client_address(ip("127.0.0.1"), &junk, &proxies),
            ip("127.0.0.1")
        );
    }
}
