//! The central API (DESIGN §4): routes, shared state, authentication extractors, and starting
//! and stopping the listener.

mod audit;
mod directory;
mod error;
mod openapi;
mod session;

pub use error::{ApiError, ApiResult};
pub use openapi::openapi_json;

use super::auth::{hash_token, LoginThrottle};
use super::config::ServerConfig;
use super::db::{Actor, Database, Session, Sqlite};
use anyhow::Context;
use axum::body::Bytes;
use axum::extract::{ConnectInfo, DefaultBodyLimit, FromRequest, FromRequestParts, Request};
use axum::http::header;
use axum::http::request::Parts;
use axum::routing::get;
use axum::{Json, Router};
use serde::de::DeserializeOwned;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;
use tower_http::compression::CompressionLayer;
use tower_http::trace::TraceLayer;

/// Bodies of ordinary API calls are small; only the directory upload may be large.
const DEFAULT_BODY_LIMIT: usize = 64 * 1024;

#[derive(Clone)]
pub struct AppState {
    pub db: Arc<dyn Database>,
    pub config: Arc<ServerConfig>,
    throttle: Arc<LoginThrottle>,
    /// The serialized full snapshot of the latest revision: every client's first sync asks for
    /// the same bytes, so they are built once per revision.
    snapshot_cache: Arc<tokio::sync::Mutex<Option<(u64, Bytes)>>>,
}

impl AppState {
    pub fn new(db: Arc<dyn Database>, config: ServerConfig) -> AppState {
        let auth = &config.auth;
        let throttle = LoginThrottle::new(
            auth.max_failures_per_account,
            auth.max_failures_per_address,
            Duration::from_secs(u64::from(auth.failure_window_seconds)),
        );
        AppState {
            db,
            config: Arc::new(config),
            throttle: Arc::new(throttle),
            snapshot_cache: Arc::new(tokio::sync::Mutex::new(None)),
        }
    }
}

pub fn router(state: AppState) -> Router {
    let import_limit = state.config.directory.max_import_megabytes as usize * 1024 * 1024;
    Router::new()
        .route("/healthz", get(health))
        .route(
            "/api/v1/session",
            axum::routing::post(session::login).delete(session::logout),
        )
        .route("/api/v1/me", get(session::me))
        .route(
            "/api/v1/directory",
            get(directory::download)
                .put(directory::replace)
                .layer(DefaultBodyLimit::max(import_limit)),
        )
        .route("/api/v1/audit", get(audit::list))
        .route("/api/v1/openapi.json", get(openapi::serve))
        .fallback(|| async { ApiError::NotFound })
        .method_not_allowed_fallback(|| async { ApiError::MethodNotAllowed })
        .layer(DefaultBodyLimit::max(DEFAULT_BODY_LIMIT))
        .layer(CompressionLayer::new())
        // Logs method, path and status; never headers (the token travels in Authorization).
        .layer(TraceLayer::new_for_http())
        .with_state(state)
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

/// The client's IP address, as seen by this server.
pub struct ClientAddress(pub IpAddr);

impl<S: Send + Sync> FromRequestParts<S> for ClientAddress {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let address = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|ConnectInfo(addr)| addr.ip())
            .unwrap_or(IpAddr::from([0, 0, 0, 0]));
        Ok(ClientAddress(address))
    }
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
        let idle = i64::from(state.config.auth.idle_timeout_minutes) * 60;
        let session = state
            .db
            .session(&token_hash, super::db::now_unix(), idle)
            .await?
            .ok_or(ApiError::SessionExpired)?;
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
    let db: Arc<dyn Database> = Arc::new(Sqlite::open(&config.database).await?);
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
    let app = router(AppState::new(db.clone(), config))
        .into_make_service_with_connect_info::<SocketAddr>();
    let handle = axum_server::Handle::new();
    let task = match tls.clone() {
        Some(tls_config) => {
            let server = axum_server::from_tcp_rustls(listener, tls_config).handle(handle.clone());
            tokio::spawn(async move { server.serve(app).await })
        }
        None => {
            let server = axum_server::from_tcp(listener).handle(handle.clone());
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
