//! The demo: a fictional directory and demo accounts, served on 127.0.0.1 — `anshin demo` (the
//! server in this process, then the TUI, logged in as a care manager, `--clinic` as a clinic,
//! `--admin` as the support centre; its database stays in the demo data folder so both sides
//! of a listing change can be tried, `--reset` starts over) and `anshin-server demo` (the
//! service alone on a throwaway database, for curl).

use super::Failure;
use crate::client::config::{ClientConfig, CredentialStoreChoice};
use crate::client::Client;
use crate::demo;
use crate::directory::parse_snapshot;
use crate::server::auth::hash_password;
use crate::server::config::ServerConfig;
use crate::server::db::{now_unix, AccountRole, Actor, Database, NewUser};
use crate::server::import::import_snapshot;
use anyhow::Context;
use std::path::Path;
use std::sync::Arc;

pub const DEMO_LOGIN_ID: &str = "demo";
pub const DEMO_PASSWORD: &str = "anshin-demo-2026";

/// The demo office's numbers (fictional, like the rest of the demo).
const DEMO_SENDER_PHONE: &str = "042-700-1000";
const DEMO_SENDER_FAX: &str = "042-700-1001";

/// Who the demo signs in as (DESIGN §7: try both sides of a listing change).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum DemoRole {
    /// A care manager of 藤野ケアプランセンター (o-00002): search, slips, its own listing.
    #[default]
    CareManager,
    /// 林内科医院 (o-00003), a clinic with home care: its acceptance and its doctors' windows.
    Clinic,
    /// The support centre: reviews the change requests.
    Centre,
}

impl DemoRole {
    fn login_id(self) -> &'static str {
        match self {
            DemoRole::CareManager => DEMO_LOGIN_ID,
            DemoRole::Clinic => DEMO_CLINIC_LOGIN_ID,
            DemoRole::Centre => DEMO_CENTRE_LOGIN_ID,
        }
    }
}

pub const DEMO_CLINIC_LOGIN_ID: &str = "demo-clinic";
pub const DEMO_CENTRE_LOGIN_ID: &str = "demo-centre";
/// The demo centre's authenticator secret (administrators sign in with a one-time code; the
/// demo computes it). Public, like the demo password.
pub const DEMO_CENTRE_TOTP_SECRET: &str = "KRSXG5CTMVRXEZLUKRSXG5CTMVRXEZLU";

/// The demo's accounts: (login ID, name, organisation, role).
const DEMO_ACCOUNTS: &[(&str, &str, &str, AccountRole)] = &[
    (DEMO_LOGIN_ID, "デモ 利用者", "o-00002", AccountRole::Member),
    (
        DEMO_CLINIC_LOGIN_ID,
        "デモ 林",
        "o-00003",
        AccountRole::Member,
    ),
    (
        DEMO_CENTRE_LOGIN_ID,
        "デモ 支援センター",
        "在宅医療・介護連携支援センター（デモ）",
        AccountRole::Admin,
    ),
];

/// `anshin demo`: an in-process server on 127.0.0.1 with the demo directory and the demo
/// accounts, signed in (token in memory only) as `role`. The demo's database lives in the demo
/// data folder so that a change filed as the clinic can be reviewed as the centre in the next
/// `anshin demo --admin`; `reset` starts it over.
pub async fn client_demo(role: DemoRole, reset: bool) -> Result<(), Failure> {
    let fail = |e: anyhow::Error| Failure {
        code: 1,
        message: format!("デモを起動できません: {}", crate::server::explain(&e)),
    };
    let dir = tempfile::tempdir().map_err(|e| fail(e.into()))?;
    let mut config = ClientConfig {
        credential_store: CredentialStoreChoice::Memory,
        cache_dir: Some(dir.path().join("cache")),
        ..ClientConfig::load().unwrap_or_default()
    };
    // Demo slips (to fictional doctors) and the demo service are kept apart from real ones, and
    // outlive the demo so the exported PDF can be looked at afterwards.
    let data = config.data_dir()?.join("demo");
    let database = data.join("demo-service.db");
    if reset {
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", database.display()));
        }
        let _ = std::fs::remove_file(data.join("listing-outbox.json"));
    }
    let server_config = crate::server::ServerConfig {
        database: database.clone().into(),
        listen: std::net::SocketAddr::from(([127, 0, 0, 1], 0)),
        ..crate::server::ServerConfig::default()
    };
    let db = open_demo_database(&database, &server_config)
        .await
        .map_err(fail)?;
    let server = crate::server::http::start_with(db, server_config)
        .await
        .map_err(fail)?;
    config.server_url = server.url();
    config.export_dir = Some(
        config
            .export_dir
            .take()
            .map_or_else(|| data.join("exports"), |d| d.join("demo")),
    );
    config.data_dir = Some(data);
    let mut client = Client::new(config)?;
    let info = demo_login(&client, role).await?;
    let (directory, _) = client.sync().await?;
    let organization = directory
        .index
        .organization_by_id(&info.user.organization)
        .map_or(info.user.organization.clone(), |o| o.name.to_string());
    let sender = &mut client.config.sender;
    if sender.office.is_empty() && sender.name.is_empty() {
        sender.office = organization.clone();
        sender.name = info.user.display_name.clone();
        sender.phone = DEMO_SENDER_PHONE.to_string();
        sender.fax = DEMO_SENDER_FAX.to_string();
    }
    let member = format!(
        "{}（{organization}）デモ — パスワード {DEMO_PASSWORD}",
        info.user.display_name
    );
    let result = crate::tui::run(
        std::sync::Arc::new(client),
        member,
        Some(info.user.clone()),
        Some(directory),
    )
    .await;
    let _ = server.shutdown().await;
    drop(dir);
    result.map_err(|e| Failure {
        code: 1,
        message: format!("画面を開けません: {e}"),
    })
}

/// Signs in as the demo role; the centre with the one-time code the demo computes (this 30-s
/// step's, or — when a second demo just used it — the next one's).
async fn demo_login(
    client: &Client,
    role: DemoRole,
) -> Result<crate::client::api::LoginInfo, crate::client::ClientError> {
    let login_id = role.login_id();
    if role != DemoRole::Centre {
        return client.login(login_id, DEMO_PASSWORD, None).await;
    }
    let now = now_unix() as u64;
    let mut last = None;
    for at in [now, now + 30] {
        let code = crate::server::auth::two_factor::code_at(DEMO_CENTRE_TOTP_SECRET, at);
        match client.login(login_id, DEMO_PASSWORD, code.as_deref()).await {
            Ok(info) => return Ok(info),
            Err(e) => last = Some(e),
        }
    }
    Err(last.expect("two attempts were made"))
}

/// The demo database at `path`: opened as it is when it exists, else made with the demo
/// directory and the demo accounts.
async fn open_demo_database(
    path: &Path,
    config: &ServerConfig,
) -> anyhow::Result<Arc<dyn Database>> {
    if path.exists() {
        let db = crate::server::db::open(&path.into()).await?;
        if db.user_for_login(DEMO_CENTRE_LOGIN_ID).await?.is_some() {
            return Ok(db);
        }
        // Made by an older demo: start over.
        db.close().await;
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
        }
    }
    prepare_demo_database(path, config).await
}

/// Sets up a database with the demo directory and the demo accounts.
pub async fn prepare_demo_database(
    path: &Path,
    config: &ServerConfig,
) -> anyhow::Result<Arc<dyn Database>> {
    let db = crate::server::db::open(&path.into()).await?;
    let actor = Actor {
        name: "demo".into(),
        address: "local".into(),
    };
    let snapshot = parse_snapshot(demo::DEMO_DIRECTORY_JSON.as_bytes())?;
    import_snapshot(db.as_ref(), config, snapshot, &actor).await?;
    let hash = tokio::task::spawn_blocking(|| hash_password(DEMO_PASSWORD)).await??;
    for (login_id, name, organization, role) in DEMO_ACCOUNTS {
        let user = db
            .add_user(
                NewUser {
                    login_id,
                    display_name: name,
                    organization,
                    role: *role,
                    password_hash: &hash,
                    must_change_password: false,
                },
                &actor,
                now_unix(),
            )
            .await?;
        if *role == AccountRole::Admin {
            db.begin_two_factor(user.id, DEMO_CENTRE_TOTP_SECRET)
                .await?;
            db.enable_two_factor(user.id, 0, &[], &actor, now_unix())
                .await?;
        }
    }
    Ok(db)
}

/// `anshin-server demo`: the demo service alone, for trying the API with curl.
pub async fn server_demo(
    mut config: ServerConfig,
    listen: std::net::SocketAddr,
) -> anyhow::Result<()> {
    // The demo account's password is printed in the README: never on a reachable address.
    if !listen.ip().is_loopback() {
        anyhow::bail!(
            "デモは公開されたパスワードで入れるため、127.0.0.1 などこの機械の中のアドレスでだけ起動できます（{listen} は使えません）"
        );
    }
    let dir = tempfile::tempdir().context("一時フォルダを作れません")?;
    let database = dir.path().join("demo.db");
    config.database = database.clone().into();
    config.listen = listen;
    let db = prepare_demo_database(&database, &config).await?;
    let server = crate::server::http::start_with(db, config).await?;
    println!("あんしんリンク デモサーバー: {}", server.url());
    println!(
        "  ログインID: {DEMO_LOGIN_ID}（ケアマネジャー）, {DEMO_CLINIC_LOGIN_ID}（診療所）   パスワード: {DEMO_PASSWORD}   （架空のデモデータです）"
    );
    println!(
        "  支援センター（管理者）: {DEMO_CENTRE_LOGIN_ID}、確認コードは認証アプリの鍵 {DEMO_CENTRE_TOTP_SECRET} から"
    );
    println!(
        "  例: curl -s -X POST {}/api/v1/session -H 'content-type: application/json' \\",
        server.url()
    );
    println!("        -d '{{\"login_id\":\"{DEMO_LOGIN_ID}\",\"password\":\"{DEMO_PASSWORD}\"}}'");
    println!("  Ctrl-C で停止します（一時データベースは消えます）");
    super::shutdown_signal().await;
    server.shutdown().await?;
    drop(dir);
    Ok(())
}
