//! `anshin-server` admin commands (DESIGN §4). Passwords come from a prompt or standard input,
//! never from the command line (argv is visible to every user of the machine).

use crate::demo;
use crate::directory::{japan_offset, parse_snapshot, Snapshot, FORMAT};
use crate::server::auth::{check_new_password, hash_password};
use crate::server::config::ServerConfig;
use crate::server::db::{now_unix, AccountRole, Actor, Database, NewUser, Sqlite};
use crate::server::import::{import_snapshot, read_import_file};
use anyhow::{bail, Context};
use chrono::TimeZone;
use clap::{Parser, Subcommand};
use std::io::{BufRead, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

#[derive(Parser)]
#[command(
    name = "anshin-server",
    version,
    about = "あんしんリンクの中央サービス（API サーバーと管理コマンド）",
    after_help = "終了コード: 0 成功 / 1 失敗（理由を日本語で表示） / 2 コマンドの使い方の誤り\n\
                  設定: --config か ANSHIN_CONFIG のファイルの [server]、ANSHIN_SERVER_* 環境変数で上書き"
)]
pub struct Cli {
    /// 設定ファイル（既定: ANSHIN_CONFIG または設定フォルダの config.toml）
    #[arg(long, global = true, value_name = "FILE")]
    config: Option<PathBuf>,
    /// データベース: SQLite のファイル（sqlite: の URL も可）または postgres:// の URL（設定より優先）
    #[arg(long, global = true, value_name = "FILE_OR_URL")]
    database: Option<String>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// データベースを作る（あれば最新の形にする）。--admin で最初の管理者も作る
    Init {
        /// 作る管理者のログインID（パスワードは入力を求めます）
        #[arg(long, value_name = "LOGIN_ID")]
        admin: Option<String>,
    },
    /// API サーバーを起動する
    Serve {
        /// 待ち受けるアドレス（設定より優先）例: 0.0.0.0:8443
        #[arg(long)]
        listen: Option<std::net::SocketAddr>,
        /// 127.0.0.1 以外で TLS なしに待ち受けることを認める（TLS を前段のリバースプロキシが
        /// 受け持ち、その間が閉じた網のときだけ）
        #[arg(long)]
        allow_plain_http: bool,
    },
    /// アカウントの管理
    #[command(subcommand)]
    User(UserCommand),
    /// 会員からの掲載情報の変更届（審査・承認・却下）
    #[command(subcommand, name = "change-requests")]
    ChangeRequests(super::listing_admin::ChangeRequestCommand),
    /// 報告（stale: 確認されないまま古くなった掲載）
    #[command(subcommand)]
    Report(super::listing_admin::ReportCommand),
    /// ディレクトリを取り込む（スナップショット JSON、または .csv）。全体を置き換えます
    Import {
        file: PathBuf,
        /// 検査だけして書き込まない
        #[arg(long)]
        dry_run: bool,
    },
    /// ディレクトリをスナップショット JSON で書き出す
    Export {
        /// 出力先（省略時は標準出力）
        #[arg(short, long)]
        output: Option<PathBuf>,
    },
    /// 動いているままデータベースの一貫したコピーを作る。--keep N: OUTPUT はフォルダで、
    /// 日時入りの名前（anshin-20261201-030000-000.db）で作り、新しい N 世代を残して古いものを消す
    Backup {
        output: PathBuf,
        /// 残す世代の数（cron で毎晩: backup /var/backups/anshin --keep 14）
        #[arg(long, value_name = "N")]
        keep: Option<usize>,
    },
    /// バックアップから新しいデータベースファイルを作り、壊れていないか（SQLite の整合性と
    /// 監査ログの連鎖）を確かめる。使っているデータベースには触りません
    Restore {
        /// バックアップのファイル
        backup: PathBuf,
        /// 作るデータベースファイル（まだないこと）。確かめたら設定の database をこれに変えて再起動
        #[arg(long, value_name = "NEW_DB")]
        to: PathBuf,
    },
    /// SQLite のデータベース（--database）を、空の PostgreSQL のデータベースへそのまま移す
    /// （ディレクトリ、アカウント、セッション、監査ログ）。移したあと全部を読み比べて確かめます。
    /// 先にサーバーを止めてください。SQLite のファイルは読むだけです
    Migrate {
        /// 移行先 postgres://ユーザー:パスワード@ホスト/データベース名
        #[arg(long, value_name = "POSTGRES_URL")]
        to: String,
    },
    /// 監査ログを表示する（verify: 改ざんの検査、export: 月次の見直し用の書き出し）
    Audit {
        #[command(subcommand)]
        action: Option<AuditAction>,
        /// この ID より後だけ
        #[arg(long, default_value_t = 0)]
        after_id: i64,
        #[arg(long, default_value_t = 1000)]
        limit: i64,
        /// JSON Lines で出力
        #[arg(long)]
        json: bool,
    },
    /// 架空の相模原市ディレクトリを生成する（ベンチマーク・デモ用）
    DemoData {
        #[arg(long, default_value_t = demo::DEMO_PEOPLE)]
        people: usize,
        #[arg(long, default_value_t = demo::DEMO_SEED)]
        seed: u64,
        #[arg(short, long)]
        output: Option<PathBuf>,
    },
    /// デモ: 一時データベースにデモのディレクトリとデモアカウントを入れてサーバーを起動する
    Demo {
        #[arg(long, default_value = "127.0.0.1:8080")]
        listen: std::net::SocketAddr,
    },
}

#[derive(Subcommand)]
enum AuditAction {
    /// ハッシュの連鎖をたどり、行の削除や書き換えがあれば知らせる（あれば終了コード 1）
    Verify,
    /// この日（日本時間 0 時）からの監査ログを JSON Lines で書き出す（支援センターの月次の見直し用）
    Export {
        /// 例: 2026-11-01
        #[arg(long, value_name = "YYYY-MM-DD")]
        since: chrono::NaiveDate,
        /// 出力先（省略時は標準出力）。ファイルは 0600
        #[arg(short, long)]
        output: Option<PathBuf>,
    },
}

#[derive(Subcommand)]
enum UserCommand {
    /// アカウントを作る（パスワードは入力を求めるか、標準入力の 1 行目から読みます）
    Add {
        login_id: String,
        /// 表示名
        #[arg(long)]
        name: String,
        /// 所属する会員機関のID（o-00001 など。管理者は名称でもよい）
        #[arg(long)]
        organization: String,
        /// 管理者にする
        #[arg(long)]
        admin: bool,
    },
    /// アカウントの一覧
    List,
    /// アカウントを無効にする（ログイン中のセッションも切れます）
    Disable { login_id: String },
    /// 無効にしたアカウントを戻す
    Enable { login_id: String },
    /// パスワードを変える（ログイン中のセッションは切れます）
    Passwd { login_id: String },
    /// 二段階認証を解除する（スマートフォンとリカバリーコードをなくしたとき。ログイン中のセッションは切れ、本人は次のログインで設定し直します）
    #[command(name = "reset-2fa")]
    ResetTwoFactor { login_id: String },
    /// ログインの一時停止を解く（失敗が続いて待たされている本人を、確認のうえで通す）
    Unlock { login_id: String },
}

/// Demo account of `anshin-server demo` (and later `anshin demo`).
pub fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    init_logging();
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("エラー: 実行環境を準備できません: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("エラー: {}", crate::server::explain(&e));
            std::process::ExitCode::FAILURE
        }
    }
}

fn init_logging() {
    use tracing_subscriber::EnvFilter;
    let filter =
        EnvFilter::try_from_env("ANSHIN_LOG").unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
}

async fn run(cli: Cli) -> anyhow::Result<()> {
    if let Command::DemoData {
        people,
        seed,
        output,
    } = &cli.command
    {
        return write_demo_data(*people, *seed, output.as_deref());
    }
    let mut config = ServerConfig::load(cli.config.as_deref())?;
    if let Some(db) = cli.database {
        config.database = crate::server::db::DatabaseSettings::parse(&db);
    }
    if let Command::Demo { listen } = cli.command {
        return super::demo::server_demo(config, listen).await;
    }
    // Restoring must work when the live database is lost: it is not opened.
    if let Command::Restore { backup, to } = &cli.command {
        return restore(backup, to).await;
    }
    // The source of a migration must exist: opening it would make an empty one.
    if let Command::Migrate { to } = &cli.command {
        return super::migrate::run(&config.database, to).await;
    }
    let db = crate::server::db::open(&config.database).await?;
    let result = dispatch(cli.command, &config, db.clone()).await;
    db.close().await;
    result
}

async fn dispatch(
    command: Command,
    config: &ServerConfig,
    db: Arc<dyn Database>,
) -> anyhow::Result<()> {
    let actor = Actor::local_operator();
    match command {
        Command::Init { admin } => {
            println!("データベース {} を用意しました", config.database);
            if let Some(login_id) = admin {
                let password = read_new_password(&login_id)?;
                // The operator typed their own password: nothing to change at first sign-in.
                add_user(
                    db.as_ref(),
                    NewAccount {
                        login_id: &login_id,
                        name: "管理者",
                        organization: "在宅医療・介護連携支援センター",
                        role: AccountRole::Admin,
                        must_change_password: false,
                    },
                    &password,
                    &actor,
                )
                .await?;
            }
        }
        Command::Serve {
            listen,
            allow_plain_http,
        } => {
            let mut config = config.clone();
            if let Some(listen) = listen {
                config.listen = listen;
            }
            if let Some(warning) = plain_http_exposure(&config, allow_plain_http)? {
                tracing::warn!("{warning}");
                eprintln!("警告: {warning}");
            }
            serve(db, config).await?;
        }
        Command::User(command) => user_command(command, db.as_ref(), &actor, config).await?,
        Command::ChangeRequests(command) => {
            super::listing_admin::change_requests(command, db.as_ref(), config, &actor).await?
        }
        Command::Report(command) => {
            super::listing_admin::report(command, db.as_ref(), config).await?
        }
        Command::Import { file, dry_run } => {
            let snapshot = read_import_file(&file)?;
            if dry_run {
                crate::server::import::prepare_import(snapshot.clone(), config)?;
                println!(
                    "問題はありません: 機関 {} 件、人 {} 件（--dry-run のため書き込んでいません）",
                    snapshot.organizations.len(),
                    snapshot.people.len()
                );
            } else {
                let summary = import_snapshot(db.as_ref(), config, snapshot, &actor).await?;
                println!(
                    "取り込みました: 版 {} / 追加 {} / 更新 {} / 削除 {} / 変更なし {}",
                    summary.revision,
                    summary.added,
                    summary.updated,
                    summary.deleted,
                    summary.unchanged
                );
            }
        }
        Command::Export { output } => {
            let snapshot = export(db.as_ref(), config).await?;
            let json = serde_json::to_vec_pretty(&snapshot)?;
            write_output(output.as_deref(), &json)?;
            // Doctors' direct numbers leave the server here: who and where to, in the audit log.
            let target = output.as_ref().map(|p| p.display().to_string());
            db.audit(
                now_unix(),
                &actor,
                "directory.export",
                Some(target.as_deref().unwrap_or("(標準出力)")),
                None,
            )
            .await?;
        }
        Command::Backup { output, keep } => {
            let (file, removed) = match keep {
                Some(keep) => backup_generation(db.as_ref(), &output, keep).await?,
                None => {
                    db.backup(&output).await?;
                    (output, Vec::new())
                }
            };
            let detail = (!removed.is_empty()).then(|| format!("removed={}", removed.len()));
            db.audit(
                now_unix(),
                &actor,
                "backup",
                Some(&file.display().to_string()),
                detail.as_deref(),
            )
            .await?;
            println!("バックアップを {} に作りました", file.display());
            for old in removed {
                println!("古い世代を消しました: {}", old.display());
            }
        }
        Command::Restore { .. } | Command::Migrate { .. } => {
            unreachable!("handled before the database is opened")
        }
        Command::Audit {
            action: Some(AuditAction::Verify),
            ..
        } => {
            let report = crate::server::db::verify_audit_chain(db.as_ref()).await?;
            db.audit(now_unix(), &actor, "audit.verify", None, None)
                .await?;
            if let Some((_, problem)) = report.problem {
                bail!(
                    "監査ログの連鎖が切れています: {problem}（{} 行目まで確認）",
                    report.rows
                );
            }
            println!(
                "監査ログの連鎖は正常です: {} 行（連鎖の前の行 {}）。最後のハッシュ: {}",
                report.rows,
                report.unchained,
                report.last_hash.as_deref().unwrap_or("（なし）")
            );
            println!("  末尾の行の削除は連鎖だけでは分かりません。最後のハッシュを控えておき、次回と照らしてください");
        }
        Command::Audit {
            action: Some(AuditAction::Export { since, output }),
            ..
        } => {
            let from = japan_offset()
                .from_local_datetime(&since.and_time(chrono::NaiveTime::MIN))
                .single()
                .map_or(0, |t| t.timestamp());
            let mut lines = Vec::new();
            let mut after = 0;
            loop {
                let page = db.audit_entries(after, 10_000).await?;
                let Some(last) = page.last() else { break };
                after = last.id;
                for entry in page.iter().filter(|e| e.at >= from) {
                    lines.extend_from_slice(serde_json::to_string(entry)?.as_bytes());
                    lines.push(b'\n');
                }
            }
            lines.pop();
            write_output(output.as_deref(), &lines)?;
            let target = output.as_ref().map(|p| p.display().to_string());
            db.audit(
                now_unix(),
                &actor,
                "audit.export",
                Some(target.as_deref().unwrap_or("(標準出力)")),
                Some(&format!("since={since}")),
            )
            .await?;
        }
        Command::Audit {
            action: None,
            after_id,
            limit,
            json,
        } => {
            db.audit(
                now_unix(),
                &actor,
                "audit.read",
                None,
                Some(&format!("after_id={after_id}")),
            )
            .await?;
            let entries = db
                .audit_entries(after_id, limit.clamp(1, 1_000_000))
                .await?;
            let mut out = std::io::stdout().lock();
            for entry in entries {
                if json {
                    writeln!(out, "{}", serde_json::to_string(&entry)?)?;
                } else {
                    let at = japan_offset()
                        .timestamp_opt(entry.at, 0)
                        .single()
                        .map(|t| t.to_rfc3339())
                        .unwrap_or_default();
                    writeln!(
                        out,
                        "{}\t{at}\t{}\t{}\t{}\t{}\t{}",
                        entry.id,
                        entry.actor,
                        entry.action,
                        entry.target.unwrap_or_default(),
                        entry.address.unwrap_or_default(),
                        entry.detail.unwrap_or_default()
                    )?;
                }
            }
        }
        Command::DemoData { .. } | Command::Demo { .. } => {
            unreachable!("handled before the database opens")
        }
    }
    Ok(())
}

async fn user_command(
    command: UserCommand,
    db: &dyn Database,
    actor: &Actor,
    config: &ServerConfig,
) -> anyhow::Result<()> {
    match command {
        UserCommand::Add {
            login_id,
            name,
            organization,
            admin,
        } => {
            let password = read_new_password(&login_id)?;
            let role = if admin {
                AccountRole::Admin
            } else {
                AccountRole::Member
            };
            // Chosen by the support centre for someone else: changed at the first sign-in.
            let account = NewAccount {
                login_id: &login_id,
                name: &name,
                organization: &organization,
                role,
                must_change_password: true,
            };
            add_user(db, account, &password, actor).await?;
            println!("最初のログインで本人が自分のパスワードに変えるまで、ほかの操作はできません");
        }
        UserCommand::List => {
            db.audit(now_unix(), actor, "user.list", None, None).await?;
            let mut out = std::io::stdout().lock();
            let limits = config.auth.throttle_limits();
            let now = now_unix();
            let failures: std::collections::HashMap<String, Vec<i64>> = db
                .account_failures(now - crate::server::db::failure_retention(limits))
                .await?
                .into_iter()
                .collect();
            writeln!(
                out,
                "ログインID\t権限\t状態\t二段階認証\tログインの失敗\t表示名\t所属"
            )?;
            for user in db.list_users().await? {
                let times = failures
                    .get(&crate::server::auth::throttle_key(&user.login_id))
                    .map(Vec::as_slice)
                    .unwrap_or_default();
                let throttled = match (
                    crate::server::auth::account_wait(times, limits, now),
                    times.len(),
                ) {
                    (Some(wait), n) => format!(
                        "{n} 回・一時停止中（あと {} 分。いつもの PC からは可）",
                        wait.div_ceil(60)
                    ),
                    (None, 0) => "なし".to_string(),
                    (None, n) => format!("{n} 回"),
                };
                let state = match (user.disabled, user.must_change_password) {
                    (true, _) => "無効",
                    (false, true) => "初回の変更待ち",
                    (false, false) => "有効",
                };
                let two_factor = match (
                    user.two_factor,
                    config.auth.two_factor_required.requires(user.role),
                ) {
                    (true, _) => "設定済み",
                    (false, true) => "未設定（必須）",
                    (false, false) => "未設定",
                };
                writeln!(
                    out,
                    "{}\t{}\t{state}\t{two_factor}\t{throttled}\t{}\t{}",
                    user.login_id,
                    user.role.code(),
                    user.display_name,
                    user.organization
                )?;
            }
        }
        UserCommand::Disable { login_id } => {
            if !db.set_disabled(&login_id, true, actor, now_unix()).await? {
                bail!("ログインID「{login_id}」のアカウントはありません");
            }
            println!("「{login_id}」を無効にしました（ログイン中のセッションも切りました）");
        }
        UserCommand::Enable { login_id } => {
            if !db.set_disabled(&login_id, false, actor, now_unix()).await? {
                bail!("ログインID「{login_id}」のアカウントはありません");
            }
            println!("「{login_id}」を有効に戻しました");
        }
        UserCommand::Passwd { login_id } => {
            if db.user_for_login(&login_id).await?.is_none() {
                bail!("ログインID「{login_id}」のアカウントはありません");
            }
            let password = read_new_password(&login_id)?;
            let hash = tokio::task::spawn_blocking(move || hash_password(&password)).await??;
            db.set_password(&login_id, &hash, true, actor, now_unix())
                .await?;
            println!(
                "「{login_id}」のパスワードを変えました（ログイン中のセッションは切りました）。次のログインで本人が自分のパスワードに変えます"
            );
        }
        UserCommand::Unlock { login_id } => {
            if !db
                .clear_login_failures(&login_id, actor, now_unix())
                .await?
            {
                bail!("ログインID「{login_id}」のアカウントはありません");
            }
            println!(
                "「{login_id}」のログインの一時停止を解きました（それまでの失敗は数えません）"
            );
        }
        UserCommand::ResetTwoFactor { login_id } => {
            if !db.reset_two_factor(&login_id, actor, now_unix()).await? {
                bail!("ログインID「{login_id}」のアカウントはありません");
            }
            println!(
                "「{login_id}」の二段階認証を解除しました（ログイン中のセッションは切りました）。本人確認のうえで伝えてください。本人は次のログインで `anshin 2fa` から設定し直します"
            );
        }
    }
    Ok(())
}

/// The name of one generation: sortable, so the oldest comes first in a listing.
fn generation_name(at: chrono::DateTime<chrono::FixedOffset>) -> String {
    format!("anshin-{}.db", at.format("%Y%m%d-%H%M%S-%3f"))
}

fn is_generation(name: &str) -> bool {
    name.strip_prefix("anshin-")
        .and_then(|rest| rest.strip_suffix(".db"))
        .is_some_and(|stamp| {
            stamp.len() == 19 && stamp.chars().all(|c| c.is_ascii_digit() || c == '-')
        })
}

/// `backup DIR --keep N`: a new generation in `dir` (0700), then only the newest `keep` kept.
/// Files that are not generations are never touched.
async fn backup_generation(
    db: &dyn Database,
    dir: &Path,
    keep: usize,
) -> anyhow::Result<(PathBuf, Vec<PathBuf>)> {
    if keep == 0 {
        bail!("--keep は 1 以上にしてください（新しいバックアップも消えてしまいます）");
    }
    std::fs::create_dir_all(dir)
        .with_context(|| format!("バックアップのフォルダ {} を作れません", dir.display()))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let _ = std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700));
    }
    // Not `now_in_japan` (whole seconds): two runs within a second must not collide.
    let now = chrono::Utc::now().with_timezone(&crate::directory::japan_offset());
    let file = dir.join(generation_name(now));
    db.backup(&file).await?;
    let mut generations: Vec<PathBuf> = std::fs::read_dir(dir)
        .with_context(|| format!("{} を読めません", dir.display()))?
        .flatten()
        .map(|e| e.path())
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(is_generation)
        })
        .collect();
    generations.sort();
    let excess = generations.len().saturating_sub(keep);
    let removed: Vec<PathBuf> = generations.into_iter().take(excess).collect();
    for old in &removed {
        std::fs::remove_file(old).with_context(|| format!("{} を消せません", old.display()))?;
    }
    Ok((file, removed))
}

/// `restore BACKUP --to NEW_DB`: a copy of the backup as a new database file, brought up to
/// this version's schema, then checked — SQLite's integrity check and the audit log's hash
/// chain — before anyone points the server at it. The live database is not touched.
async fn restore(backup: &Path, to: &Path) -> anyhow::Result<()> {
    if !backup.is_file() {
        bail!("バックアップ {} がありません", backup.display());
    }
    if to.exists() {
        bail!(
            "{} はすでにあります。上書きはしません。別の名前を指定してください",
            to.display()
        );
    }
    std::fs::copy(backup, to)
        .with_context(|| format!("{} を {} に写せません", backup.display(), to.display()))?;
    let checked = check_restored(to).await;
    if let Err(e) = checked {
        let _ = std::fs::remove_file(to);
        return Err(e.context(format!(
            "{} は使えません（作りかけのファイルは消しました）",
            backup.display()
        )));
    }
    let (rows, last_hash) = checked?;
    println!(
        "{} を作りました: SQLite の整合性は正常、監査ログの連鎖は正常（{rows} 行、最後のハッシュ {last_hash}）",
        to.display()
    );
    println!(
        "使うには、サーバーを止めて設定の database（または ANSHIN_SERVER_DATABASE）を {} にし、起動し直してください",
        to.display()
    );
    Ok(())
}

async fn check_restored(path: &Path) -> anyhow::Result<(u64, String)> {
    let db = Sqlite::open(path)
        .await
        .context("データベースとして開けません")?;
    let result = async {
        let problems = db.integrity_check().await?;
        if !problems.is_empty() {
            bail!(
                "SQLite の整合性の検査で問題が見つかりました: {}",
                problems.join(" / ")
            );
        }
        let report = crate::server::db::verify_audit_chain(&db).await?;
        if let Some((_, problem)) = report.problem {
            bail!("監査ログの連鎖が切れています: {problem}");
        }
        db.audit(
            now_unix(),
            &Actor::local_operator(),
            "restore",
            Some(&path.display().to_string()),
            None,
        )
        .await?;
        Ok((report.rows, report.last_hash.unwrap_or_default()))
    }
    .await;
    db.close().await;
    result
}

/// An account to make, before its password.
struct NewAccount<'a> {
    login_id: &'a str,
    name: &'a str,
    organization: &'a str,
    role: AccountRole,
    must_change_password: bool,
}

async fn add_user(
    db: &dyn Database,
    account: NewAccount<'_>,
    password: &str,
    actor: &Actor,
) -> anyhow::Result<()> {
    let login_id = account.login_id.trim();
    if login_id.is_empty()
        || login_id.chars().count() > 64
        || !login_id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | '@'))
    {
        bail!("ログインIDは英数字と . _ - @ で 64 文字までにしてください");
    }
    // A member files listing changes for its organisation (DESIGN §7): it must be one of the
    // directory's. The support centre's own accounts (admins) need not be listed.
    let organization = account.organization.trim();
    if account.role == AccountRole::Member && db.organization(organization).await?.is_none() {
        bail!(
            "所属「{organization}」はディレクトリの機関IDにありません。会員のアカウントは所属する機関のID（o-00001 など。`anshin-server export` の organizations[].id）で作ってください"
        );
    }
    let password = password.to_string();
    let hash = tokio::task::spawn_blocking(move || hash_password(&password)).await??;
    let user = db
        .add_user(
            NewUser {
                login_id,
                display_name: account.name,
                organization,
                role: account.role,
                password_hash: &hash,
                must_change_password: account.must_change_password,
            },
            actor,
            now_unix(),
        )
        .await?;
    println!(
        "アカウント「{}」（{}）を作りました",
        user.login_id,
        user.role.code()
    );
    Ok(())
}

/// From a terminal: asked twice without echo. Otherwise: the first line of standard input.
fn read_new_password(login_id: &str) -> anyhow::Result<String> {
    let password = if std::io::stdin().is_terminal() {
        let first = rpassword::prompt_password("新しいパスワード（13 文字以上）: ")?;
        let second = rpassword::prompt_password("もう一度: ")?;
        if first != second {
            bail!("2 回の入力が一致しません");
        }
        first
    } else {
        let mut line = String::new();
        std::io::stdin().lock().read_line(&mut line)?;
        line.trim_end_matches(['\r', '\n']).to_string()
    };
    check_new_password(&password, login_id).map_err(anyhow::Error::msg)?;
    Ok(password)
}

async fn export(db: &dyn Database, config: &ServerConfig) -> anyhow::Result<Snapshot> {
    let stored = db.directory().await?;
    let parse_all = |bodies: &[String]| -> anyhow::Result<Vec<serde_json::Value>> {
        bodies
            .iter()
            .map(|b| Ok(serde_json::from_str(b)?))
            .collect()
    };
    let value = serde_json::json!({
        "format": FORMAT,
        "revision": stored.revision,
        "generated_at": crate::directory::now_in_japan(),
        "areas": config.areas,
        "organizations": parse_all(&stored.organizations)?,
        "people": parse_all(&stored.people)?,
    });
    // Round-trip through the validating parser: an export is always importable.
    parse_snapshot(&serde_json::to_vec(&value)?)
        .context("保存されているディレクトリに誤りがあります")
}

fn write_output(path: Option<&Path>, bytes: &[u8]) -> anyhow::Result<()> {
    match path {
        // The directory holds doctors' direct numbers: the file is 0600, written whole.
        Some(path) => crate::slip::drafts::write_private(path, bytes)
            .with_context(|| format!("{} に書けません", path.display())),
        None => {
            let mut out = std::io::stdout().lock();
            out.write_all(bytes)?;
            out.write_all(b"\n")?;
            Ok(())
        }
    }
}

fn write_demo_data(people: usize, seed: u64, output: Option<&Path>) -> anyhow::Result<()> {
    if people == 0 {
        bail!("--people は 1 以上にしてください");
    }
    let snapshot = demo::generate(people, seed);
    let mut json = serde_json::to_vec_pretty(&snapshot)?;
    if output.is_some() {
        json.push(b'\n');
    }
    write_output(output, &json)
}

/// A status line for the operator. A server may outlive whoever reads its stdout (a closed pipe
/// under a supervisor): losing the line must not stop the server, as `println!` would.
fn say(line: &str) {
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{line}");
    let _ = out.flush();
}

/// Issue 12, item 6: passwords and tokens must not cross a network in the clear. Plain HTTP on
/// a loopback address is fine (a reverse proxy on the same host terminates TLS); on any other
/// address it is refused unless `--allow-plain-http` says the network between is closed, and
/// then it is warned about.
fn plain_http_exposure(
    config: &ServerConfig,
    allow_plain_http: bool,
) -> anyhow::Result<Option<String>> {
    if config.tls_cert.is_some() || config.listen.ip().is_loopback() {
        return Ok(None);
    }
    let what = format!(
        "{} で TLS なし（平文の HTTP）で待ち受けます。パスワードとトークンが暗号化されずに網を流れます",
        config.listen
    );
    if !allow_plain_http {
        anyhow::bail!(
            "{what}。tls_cert と tls_key を設定するか、127.0.0.1 で待ち受けて同じ機械のリバースプロキシで TLS を受けてください（前段のプロキシとの間が閉じた網なら --allow-plain-http）"
        );
    }
    Ok(Some(format!("{what}（--allow-plain-http）")))
}

/// Serves until Ctrl-C or SIGTERM, then finishes requests in flight.
async fn serve(db: Arc<dyn Database>, config: ServerConfig) -> anyhow::Result<()> {
    let server = crate::server::http::start_with(db, config).await?;
    tracing::info!(url = %server.url(), "anshin-server listening");
    say(&format!(
        "あんしんリンク サーバーを {} で起動しました（Ctrl-C で停止）",
        server.url()
    ));
    super::shutdown_signal().await;
    say("停止しています…");
    server.shutdown().await
}
