//! The demo: a fictional directory and a demo account on a throwaway database, served on
//! 127.0.0.1 — `anshin demo` (the server in this process, then the TUI, logged in) and
//! `anshin-server demo` (the service alone, for curl). Everything is removed on exit.

use super::Failure;
use crate::client::config::{ClientConfig, CredentialStoreChoice};
use crate::client::Client;
use crate::demo;
use crate::directory::parse_snapshot;
use crate::server::auth::hash_password;
use crate::server::config::ServerConfig;
use crate::server::db::{now_unix, AccountRole, Actor, Database, NewUser, Sqlite};
use crate::server::import::import_snapshot;
use anyhow::Context;
use std::path::Path;
use std::sync::Arc;

pub const DEMO_LOGIN_ID: &str = "demo";
pub const DEMO_PASSWORD: &str = "anshin-demo-2026";

/// The demo office's numbers (fictional, like the rest of the demo).
const DEMO_SENDER_PHONE: &str = "042-700-1000";
const DEMO_SENDER_FAX: &str = "042-700-1001";

/// `anshin demo`: an in-process server on 127.0.0.1 with a temporary database, the demo
/// directory and the demo account; logged in (token in memory only); everything is removed on
/// exit.
pub async fn client_demo() -> Result<(), Failure> {
    let fail = |e: anyhow::Error| Failure {
        code: 1,
        message: format!("デモを起動できません: {e:#}"),
    };
    let dir = tempfile::tempdir().map_err(|e| fail(e.into()))?;
    let server_config = crate::server::ServerConfig {
        database: dir.path().join("demo.db"),
        listen: std::net::SocketAddr::from(([127, 0, 0, 1], 0)),
        ..crate::server::ServerConfig::default()
    };
    let db = prepare_demo_database(&server_config.database, &server_config)
        .await
        .map_err(fail)?;
    let server = crate::server::http::start_with(db, server_config)
        .await
        .map_err(fail)?;
    let mut config = ClientConfig {
        server_url: server.url(),
        credential_store: CredentialStoreChoice::Memory,
        cache_dir: Some(dir.path().join("cache")),
        ..ClientConfig::load().unwrap_or_default()
    };
    // Demo slips (to fictional doctors) are kept apart from real ones, and outlive the demo so
    // the exported PDF can be looked at afterwards.
    let data = config.data_dir()?.join("demo");
    config.export_dir = Some(
        config
            .export_dir
            .take()
            .map_or_else(|| data.join("exports"), |d| d.join("demo")),
    );
    config.data_dir = Some(data);
    let mut client = Client::new(config)?;
    let info = client.login(DEMO_LOGIN_ID, DEMO_PASSWORD, None).await?;
    let sender = &mut client.config.sender;
    if sender.office.is_empty() && sender.name.is_empty() {
        sender.office = info.user.organization.clone();
        sender.name = info.user.display_name.clone();
        sender.phone = DEMO_SENDER_PHONE.to_string();
        sender.fax = DEMO_SENDER_FAX.to_string();
    }
    let (directory, _) = client.sync().await?;
    let member = format!(
        "{}（{}）デモ — パスワード {DEMO_PASSWORD}",
        info.user.display_name, info.user.organization
    );
    let result = crate::tui::run(std::sync::Arc::new(client), member, Some(directory)).await;
    let _ = server.shutdown().await;
    drop(dir);
    result.map_err(|e| Failure {
        code: 1,
        message: format!("画面を開けません: {e}"),
    })
}

/// Sets up a throwaway database with the demo directory and the demo account.
pub async fn prepare_demo_database(
    path: &Path,
    config: &ServerConfig,
) -> anyhow::Result<Arc<dyn Database>> {
    let db: Arc<dyn Database> = Arc::new(Sqlite::open(path).await?);
    let actor = Actor {
        name: "demo".into(),
        address: "local".into(),
    };
    let snapshot = parse_snapshot(demo::DEMO_DIRECTORY_JSON.as_bytes())?;
    import_snapshot(db.as_ref(), config, snapshot, &actor).await?;
    let hash = tokio::task::spawn_blocking(|| hash_password(DEMO_PASSWORD)).await??;
    db.add_user(
        NewUser {
            login_id: DEMO_LOGIN_ID,
            display_name: "デモ 利用者",
            organization: "デモ居宅介護支援事業所",
            role: AccountRole::Member,
            password_hash: &hash,
            must_change_password: false,
        },
        &actor,
        now_unix(),
    )
    .await?;
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
    config.database = dir.path().join("demo.db");
    config.listen = listen;
    let db = prepare_demo_database(&config.database, &config).await?;
    let server = crate::server::http::start_with(db, config).await?;
    println!("あんしんリンク デモサーバー: {}", server.url());
    println!(
        "  ログインID: {DEMO_LOGIN_ID}   パスワード: {DEMO_PASSWORD}   （架空のデモデータです）"
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
