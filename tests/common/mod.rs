//! A real `anshin-server` on 127.0.0.1 with a temporary database, for integration tests: a
//! SQLite file, or with `ANSHIN_TEST_DATABASE=postgres` a fresh database in a throwaway
//! PostgreSQL (`anshin::server::db::postgres::testing`), so the same API tests run against both
//! backends (`.ci/run` runs them both ways).
#![allow(dead_code)]

use anshin::directory::parse_snapshot;
use anshin::server::db::{AccountRole, Actor, Database, DatabaseSettings, NewUser};
use anshin::server::http::start_with;
use anshin::server::import::import_snapshot;
use anshin::server::{RunningServer, ServerConfig};
use serde_json::{json, Value};
use std::sync::Arc;

pub const ADMIN: (&str, &str) = ("admin", "admin-password-123");
pub const MEMBER: (&str, &str) = ("sato", "member-password-123");
/// The server requires two-factor sign-in of administrators: the test admin has it, with this
/// secret (20 bytes, base32) and recovery codes `ADMIN00000`, `ADMIN00001`, … that
/// [`TestServer::login`] spends one per admin sign-in.
pub const ADMIN_TOTP_SECRET: &str = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP";
const ADMIN_RECOVERY_CODES: usize = 40;

pub fn admin_recovery_code(n: usize) -> String {
    format!("ADMIN{n:05}")
}

pub struct TestServer {
    pub server: Option<RunningServer>,
    pub db: Arc<dyn Database>,
    pub config: ServerConfig,
    pub dir: tempfile::TempDir,
    pub http: reqwest::Client,
    pub url: String,
    /// Recovery codes of the admin spent so far.
    admin_codes: std::sync::atomic::AtomicUsize,
}

pub fn test_config(dir: &std::path::Path) -> ServerConfig {
    ServerConfig {
        database: dir.join("anshin.db").into(),
        listen: "127.0.0.1:0".parse().unwrap(),
        ..ServerConfig::default()
    }
}

/// `ANSHIN_TEST_DATABASE=postgres`: the servers of these tests keep their data in PostgreSQL.
pub fn on_postgres() -> bool {
    std::env::var("ANSHIN_TEST_DATABASE").is_ok_and(|v| v == "postgres")
}

/// A fresh database of the backend these tests run on.
pub async fn fresh_database(dir: &std::path::Path) -> DatabaseSettings {
    if on_postgres() {
        let url = anshin::server::db::postgres::testing::database()
            .await
            .expect("ANSHIN_TEST_DATABASE=postgres, but there is no PostgreSQL here");
        DatabaseSettings::Postgres(url)
    } else {
        dir.join("anshin.db").into()
    }
}

/// The admin (with two-factor sign-in and its recovery codes), the member and the shipped demo
/// directory, in an empty database.
pub async fn seed(db: &dyn Database, config: &ServerConfig) {
    let actor = Actor {
        name: "test".into(),
        address: "local".into(),
    };
    for ((login, password), role) in [(ADMIN, AccountRole::Admin), (MEMBER, AccountRole::Member)] {
        let hash = anshin::server::auth::hash_password(password).unwrap();
        let user = db
            .add_user(
                NewUser {
                    login_id: login,
                    display_name: login,
                    organization: "o-00001",
                    role,
                    password_hash: &hash,
                    must_change_password: false,
                },
                &actor,
                anshin::server::db::now_unix(),
            )
            .await
            .unwrap();
        if role == AccountRole::Admin {
            let hashes: Vec<String> = (0..ADMIN_RECOVERY_CODES)
                .map(|n| {
                    anshin::server::auth::two_factor::hash_recovery_code(&admin_recovery_code(n))
                })
                .collect();
            assert!(db
                .begin_two_factor(user.id, ADMIN_TOTP_SECRET)
                .await
                .unwrap());
            assert!(db
                .enable_two_factor(user.id, 0, &hashes, &actor, anshin::server::db::now_unix())
                .await
                .unwrap());
        }
    }
    let snapshot = parse_snapshot(anshin::demo::DEMO_DIRECTORY_JSON.as_bytes()).unwrap();
    import_snapshot(db, config, snapshot, &actor).await.unwrap();
}

/// Starts a server with an admin and a member account and the shipped demo directory.
pub async fn start(tweak: impl FnOnce(&mut ServerConfig)) -> TestServer {
    let dir = tempfile::tempdir().unwrap();
    let mut config = test_config(dir.path());
    config.database = fresh_database(dir.path()).await;
    tweak(&mut config);
    let db = anshin::server::db::open(&config.database).await.unwrap();
    seed(db.as_ref(), &config).await;
    let server = start_with(db.clone(), config.clone()).await.unwrap();
    let url = server.url();
    TestServer {
        server: Some(server),
        db,
        config,
        dir,
        http: reqwest::Client::new(),
        url,
        admin_codes: Default::default(),
    }
}

impl TestServer {
    pub fn api(&self, path: &str) -> String {
        format!("{}{}", self.url, path)
    }

    pub async fn login_response(&self, login_id: &str, password: &str) -> reqwest::Response {
        self.http
            .post(self.api("/api/v1/session"))
            .json(&json!({"login_id": login_id, "password": password}))
            .send()
            .await
            .unwrap()
    }

    /// Signs in with a one-time code.
    pub async fn login_with_code(
        &self,
        login_id: &str,
        password: &str,
        code: &str,
    ) -> reqwest::Response {
        self.http
            .post(self.api("/api/v1/session"))
            .json(&json!({"login_id": login_id, "password": password, "code": code}))
            .send()
            .await
            .unwrap()
    }

    /// The admin's next unused recovery code.
    pub fn next_admin_code(&self) -> String {
        let n = self
            .admin_codes
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        assert!(
            n < ADMIN_RECOVERY_CODES,
            "the test admin's recovery codes ran out"
        );
        admin_recovery_code(n)
    }

    /// Signs in (the admin with its next recovery code) and returns the token; panics on
    /// failure.
    pub async fn login(&self, (login_id, password): (&str, &str)) -> String {
        let response = if login_id == ADMIN.0 {
            let code = self.next_admin_code();
            self.login_with_code(login_id, password, &code).await
        } else {
            self.login_response(login_id, password).await
        };
        assert_eq!(response.status(), 200, "login of {login_id} failed");
        let body: Value = response.json().await.unwrap();
        body["token"].as_str().unwrap().to_string()
    }

    pub async fn get(&self, path: &str, token: &str) -> reqwest::Response {
        self.http
            .get(self.api(path))
            .bearer_auth(token)
            .send()
            .await
            .unwrap()
    }

    pub async fn put_directory(&self, token: &str, snapshot: &Value) -> reqwest::Response {
        self.http
            .put(self.api("/api/v1/directory"))
            .bearer_auth(token)
            .json(snapshot)
            .send()
            .await
            .unwrap()
    }

    /// Stops the server (graceful) and starts a new one on the same database file.
    pub async fn restart(&mut self) {
        self.server.take().unwrap().shutdown().await.unwrap();
        let db = anshin::server::db::open(&self.config.database)
            .await
            .unwrap();
        let server = start_with(db.clone(), self.config.clone()).await.unwrap();
        self.url = server.url();
        self.db = db;
        self.server = Some(server);
    }

    /// Raw SQL on the server's database, for moving a session's clock; `unixepoch()` is
    /// SQLite's, and stands for the same on PostgreSQL.
    pub async fn sql(&self, statement: &str) {
        self.try_sql(statement).await.unwrap();
    }

    /// Raw SQL that may fail (what the database itself refuses).
    pub async fn try_sql(&self, statement: &str) -> Result<u64, sqlx::Error> {
        use sqlx::Connection as _;
        match &self.config.database {
            DatabaseSettings::Sqlite(file) => {
                let options = sqlx::sqlite::SqliteConnectOptions::new().filename(file);
                let mut c = sqlx::SqliteConnection::connect_with(&options).await?;
                Ok(sqlx::query(statement)
                    .execute(&mut c)
                    .await?
                    .rows_affected())
            }
            DatabaseSettings::Postgres(url) => {
                let statement =
                    statement.replace("unixepoch()", "extract(epoch from now())::bigint");
                let mut c = sqlx::PgConnection::connect(url).await?;
                Ok(sqlx::query(&statement)
                    .execute(&mut c)
                    .await?
                    .rows_affected())
            }
        }
    }

    /// One text column of every row a query returns.
    pub async fn sql_strings(&self, query: &str) -> Vec<String> {
        use sqlx::Connection as _;
        match &self.config.database {
            DatabaseSettings::Sqlite(file) => {
                let options = sqlx::sqlite::SqliteConnectOptions::new().filename(file);
                let mut c = sqlx::SqliteConnection::connect_with(&options)
                    .await
                    .unwrap();
                sqlx::query_scalar(query).fetch_all(&mut c).await.unwrap()
            }
            DatabaseSettings::Postgres(url) => {
                let mut c = sqlx::PgConnection::connect(url).await.unwrap();
                sqlx::query_scalar(query).fetch_all(&mut c).await.unwrap()
            }
        }
    }

    pub async fn audit_actions(&self) -> Vec<(String, String, Option<String>)> {
        self.db
            .audit_entries(0, 10_000)
            .await
            .unwrap()
            .into_iter()
            .map(|e| (e.actor, e.action, e.detail))
            .collect()
    }
}

/// `n` logins sent at once from separate tasks (real concurrent clients); their statuses.
pub async fn concurrent_logins(
    t: &TestServer,
    n: usize,
    credentials: impl Fn(usize) -> (String, String),
) -> Vec<u16> {
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..n {
        let (login_id, password) = credentials(i);
        let http = reqwest::Client::new();
        let url = t.api("/api/v1/session");
        tasks.spawn(async move {
            http.post(url)
                .json(&json!({"login_id": login_id, "password": password}))
                .send()
                .await
                .map(|r| r.status().as_u16())
                .unwrap_or(0)
        });
    }
    let mut statuses = Vec::new();
    while let Some(status) = tasks.join_next().await {
        statuses.push(status.unwrap());
    }
    statuses
}

pub async fn error_of(response: reqwest::Response) -> (u16, String, String) {
    let status = response.status().as_u16();
    let body: Value = response.json().await.expect("error bodies are JSON");
    (
        status,
        body["error"]["code"]
            .as_str()
            .unwrap_or_default()
            .to_string(),
        body["error"]["message"]
            .as_str()
            .unwrap_or_default()
            .to_string(),
    )
}

/// Runs `script` with bash inside a private D-Bus session that has gnome-keyring's Secret
/// Service unlocked, with every folder under `home`.
#[cfg(target_os = "linux")]
pub fn in_a_desktop_session(
    home: &std::path::Path,
    server: &str,
    script: &str,
) -> std::process::Output {
    std::process::Command::new("dbus-run-session")
        .args([
            "--",
            "bash",
            "-c",
            &format!("{}{script}", desktop_prelude()),
        ])
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .envs(desktop_env(home, server))
        .output()
        .expect("dbus-run-session runs")
}

/// The environment of a desktop session under `home` talking to `server`: every folder under
/// `home`, the runtime folder (the session bus's socket) created.
#[cfg(target_os = "linux")]
pub fn desktop_env(home: &std::path::Path, server: &str) -> Vec<(&'static str, String)> {
    std::fs::create_dir_all(home.join("run")).unwrap();
    let under = |dir: &str| home.join(dir).display().to_string();
    vec![
        ("HOME", home.display().to_string()),
        ("XDG_CONFIG_HOME", under("config")),
        ("XDG_CACHE_HOME", under("cache")),
        ("XDG_DATA_HOME", under("data")),
        ("XDG_RUNTIME_DIR", under("run")),
        ("ANSHIN_SERVER_URL", server.to_string()),
    ]
}

/// A script for [`in_a_desktop_session`]: `before`, then the member signs in (and so syncs).
pub fn desktop_login(before: &str) -> String {
    format!(
        "{before}printf '%s\\n' '{}' | anshin login --user {}\n",
        MEMBER.1, MEMBER.0
    )
}

/// The start of a bash script run by `dbus-run-session`: `anshin` on the PATH and gnome-keyring's
/// Secret Service unlocked on the session's bus (the same keyring file, and so the same secrets,
/// in every session under one home).
#[cfg(target_os = "linux")]
pub fn desktop_prelude() -> String {
    for tool in ["dbus-run-session", "gnome-keyring-daemon"] {
        assert!(
            std::process::Command::new("sh")
                .args(["-c", &format!("command -v {tool}")])
                .output()
                .is_ok_and(|o| o.status.success()),
            "this test needs {tool} (apt-get install dbus gnome-keyring)"
        );
    }
    let bin = assert_cmd::cargo::cargo_bin("anshin");
    format!(
        "set -e\nexport PATH={dir}:$PATH\n\
         eval \"$(printf 'keyring-password' | gnome-keyring-daemon --unlock --components=secrets)\"\n",
        dir = bin.parent().unwrap().display()
    )
}
