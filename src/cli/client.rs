//! `anshin` scriptable commands (DESIGN §5.3). Exit codes: 0 success, 1 failure (the reason in
//! Japanese on stderr), 2 usage error or unreadable input.

use super::{read_line, Failure};
use crate::client::cache::{CacheProblem, CachedIndex};
use crate::client::config::{config_path, ClientConfig};
use crate::client::{Client, ClientError};
use crate::directory::parse_snapshot;
use crate::search::{EntryRef, Filters, SearchIndex};
use clap::{Parser, Subcommand};
use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "anshin",
    version,
    about = "あんしんリンク クライアント（検索・ログイン・同期）",
    after_help = "終了コード: 0 成功 / 1 失敗（理由を日本語で表示） / 2 使い方の誤り・入力を読めない\n\
                  設定: ANSHIN_CONFIG または設定フォルダの config.toml の [client]（`anshin config path` で表示）"
)]
struct Cli {
    /// 省略時は画面（TUI）を開きます
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// デモ: 架空のデモデータを入れたサーバーをこの PC の中で起動し、ログインして画面を開く
    /// （既定はケアマネジャー。--clinic 診療所、--admin 支援センターとして。届はデモの間で残ります）
    #[cfg(feature = "server")]
    Demo {
        /// 診療所（林内科医院）のアカウントで: 受け入れ状況や時間帯の変更届を出す側
        #[arg(long, conflicts_with = "admin")]
        clinic: bool,
        /// 支援センター（管理者）のアカウントで: 変更届を審査する側
        #[arg(long)]
        admin: bool,
        /// デモのデータベースを作り直す（出した届も消えます）
        #[arg(long)]
        reset: bool,
    },
    /// ログインする（パスワードは入力を求めます。保存するのはトークンだけです）
    Login {
        /// サーバーの住所（設定より優先）
        #[arg(long)]
        server: Option<String>,
        /// ログインID（省略時は入力を求めます）
        #[arg(long)]
        user: Option<String>,
    },
    /// ログアウトする（トークン・キャッシュの鍵・キャッシュを消します）
    Logout,
    /// 自分のパスワードを変える（いまのパスワードと新しいパスワードを入力。ほかの PC のログインは終わります）
    Passwd,
    /// 二段階認証を設定する（認証アプリで QR コードを読み取り、確認コードを入力。リカバリーコードを表示します）
    #[command(name = "2fa")]
    TwoFactor,
    /// どの PC でログインしているか（ID・接続元・最後に使った時刻）。`end ID` でその PC のログインを終える
    Sessions {
        #[command(subcommand)]
        action: Option<SessionsAction>,
    },
    /// ディレクトリを同期する
    Sync,
    /// 検索する（キャッシュ、または --directory のスナップショットから）
    Search {
        /// スナップショット JSON（ログイン不要）
        #[arg(long, value_name = "FILE")]
        directory: Option<PathBuf>,
        /// JSON で出力
        #[arg(long)]
        json: bool,
        /// 表示する最大件数
        #[arg(long, default_value_t = 20)]
        limit: usize,
        /// 検索語（空白区切りはすべてを含む）例: tanaka naika / 緑区 在宅酸素
        #[arg(required = true)]
        query: Vec<String>,
    },
    /// 個人情報の確認（FAX・メールに載せてはいけない情報を探します）。終了コード: 0 なし / 1 あり / 2 読めない
    Lint {
        /// 利用者の本当の氏名（漏れの確認だけに使い、保存しません）。ps で見えるのを避けるなら環境変数 ANSHIN_PATIENT_NAME
        #[arg(long, env = "ANSHIN_PATIENT_NAME", hide_env_values = true)]
        patient_name: Option<String>,
        /// 氏名のふりがな（カナ・ローマ字で書かれた名前も探します）。環境変数 ANSHIN_PATIENT_KANA でも可
        #[arg(long, env = "ANSHIN_PATIENT_KANA", hide_env_values = true)]
        patient_kana: Option<String>,
        /// JSON で出力
        #[arg(long)]
        json: bool,
        /// 確認する文書（省略時または - は標準入力）
        file: Option<PathBuf>,
    },
    /// あんしんリンク連絡票（規則の確認と出力）
    #[command(subcommand)]
    Slip(SlipCommand),
    /// 設定
    #[command(subcommand)]
    Config(ConfigCommand),
}

#[derive(Subcommand)]
enum SlipCommand {
    /// 規則 R1〜R10 で確認する。終了コード: 0 エラーなし（注意は表示）/ 1 エラーあり / 2 読めない
    Check {
        slip: PathBuf,
        #[command(flatten)]
        options: SlipOptions,
    },
    /// 連絡票を出力する（エラーがあれば出力しません）
    Render {
        slip: PathBuf,
        /// pdf | text（メール本文）| phone（電話のメモ）
        #[arg(long, value_parser = ["pdf", "text", "phone"])]
        format: String,
        /// 出力先（省略時は標準出力）
        #[arg(short, long)]
        output: Option<PathBuf>,
        #[command(flatten)]
        options: SlipOptions,
    },
}

#[derive(clap::Args)]
struct SlipOptions {
    /// 利用者の本当の氏名（漏れの確認だけに使い、保存しません）。環境変数 ANSHIN_PATIENT_NAME でも可
    #[arg(long, env = "ANSHIN_PATIENT_NAME", hide_env_values = true)]
    patient_name: Option<String>,
    /// 氏名のふりがな（カナ・ローマ字で書かれた名前も探します）。環境変数 ANSHIN_PATIENT_KANA でも可
    #[arg(long, env = "ANSHIN_PATIENT_KANA", hide_env_values = true)]
    patient_kana: Option<String>,
    /// 宛先の確認に使うスナップショット（省略時はこの PC のキャッシュ）
    #[arg(long, value_name = "FILE")]
    directory: Option<PathBuf>,
    /// 結果を JSON で出力（check のみ）
    #[arg(long)]
    json: bool,
}

#[derive(Subcommand)]
enum SessionsAction {
    /// そのログインを終える（別の PC に残したままのログインなど）
    End {
        /// `anshin sessions` の ID
        id: i64,
    },
}

#[derive(Subcommand)]
enum ConfigCommand {
    /// 設定ファイルとキャッシュの場所を表示する
    Path,
}

fn usage(message: impl Into<String>) -> Failure {
    Failure {
        code: 2,
        message: message.into(),
    }
}

pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match quick_search(&cli) {
        Some(printed) => printed,
        None => match tokio::runtime::Runtime::new() {
            Ok(runtime) => runtime.block_on(run(cli)),
            Err(e) => {
                eprintln!("エラー: 実行環境を準備できません: {e}");
                return ExitCode::FAILURE;
            }
        },
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => {
            eprintln!("エラー: {}", failure.message);
            ExitCode::from(failure.code)
        }
    }
}

/// `anshin search` over the cache, when the kernel keyring holds a copy of its key that opens
/// it (see `client::key_copy`): no runtime, no threads and no desktop keyring — the cache read,
/// opened and searched (issue 15). None for anything else, or when that copy is missing or does
/// not open the cache: then [`run`] takes the usual way, which asks the keyring and says what is
/// wrong.
fn quick_search(cli: &Cli) -> Option<Result<(), Failure>> {
    let Some(Command::Search {
        directory: None,
        json,
        limit,
        query,
    }) = &cli.command
    else {
        return None;
    };
    let config = ClientConfig::load().ok()?;
    let directory = Client::load_cache_with_key_copy(&config)?;
    Some(print_cached_search(
        directory,
        &query.join(" "),
        *json,
        *limit,
    ))
}

async fn run(cli: Cli) -> Result<(), Failure> {
    let Some(command) = cli.command else {
        return open_tui().await;
    };
    match command {
        #[cfg(feature = "server")]
        Command::Demo {
            clinic,
            admin,
            reset,
        } => {
            use super::demo::DemoRole;
            let role = match (clinic, admin) {
                (true, _) => DemoRole::Clinic,
                (_, true) => DemoRole::Centre,
                _ => DemoRole::CareManager,
            };
            super::demo::client_demo(role, reset).await
        }
        Command::Search {
            directory: Some(file),
            json,
            limit,
            query,
        } => {
            let bytes = std::fs::read(&file)
                .map_err(|e| usage(format!("{} を読めません: {e}", file.display())))?;
            let snapshot = parse_snapshot(&bytes)
                .map_err(|e| usage(format!("{} を読めません: {e}", file.display())))?;
            print_search(&SearchIndex::build(snapshot), &query.join(" "), json, limit)
        }
        Command::Lint {
            patient_name,
            patient_kana,
            json,
            file,
        } => lint(patient_name.as_deref(), patient_kana.as_deref(), json, file),
        Command::Slip(command) => slip(command),
        Command::Config(ConfigCommand::Path) => {
            let config = ClientConfig::load()?;
            println!(
                "設定ファイル: {}",
                config_path()
                    .map(|p| p.display().to_string())
                    .unwrap_or_default()
            );
            let cache_dir = config.cache_dir()?;
            println!("キャッシュ: {}", cache_dir.display());
            let (credentials, _) = crate::client::credentials::Credentials::open(
                config.credential_store,
                Some(&cache_dir),
            );
            println!("ログイン情報の保管先: {}", credentials.kind().label());
            Ok(())
        }
        command => {
            let mut config = ClientConfig::load()?;
            if let Command::Login {
                server: Some(url), ..
            } = &command
            {
                config.server_url = url.clone();
            }
            let client = Client::new(config)?;
            if let Some(notice) = client.notice {
                eprintln!("注意: {notice}");
            }
            match command {
                Command::Login { user, .. } => login(&client, user).await,
                Command::Passwd => change_password(&client).await,
                Command::TwoFactor => {
                    super::two_factor::enrol(&client, std::io::stdin().is_terminal()).await
                }
                Command::Sessions { action } => sessions(&client, action).await,
                Command::Logout => {
                    let result = client.logout().await;
                    println!("ログアウトしました（この PC のトークンとキャッシュを消しました）");
                    result.map_err(|e| Failure {
                        code: 1,
                        message: format!("サーバーへのログアウト通知はできませんでした: {e}"),
                    })
                }
                Command::Sync => {
                    // Change requests filed offline in the TUI go first (DESIGN §7).
                    if let Ok(delivery) = client.send_queued_change_requests().await {
                        if !delivery.sent.is_empty() {
                            println!(
                                "送信待ちだった変更届 {} 件を送りました",
                                delivery.sent.len()
                            );
                        }
                        for (_, why) in &delivery.refused {
                            eprintln!("変更届を送れませんでした: {why}");
                        }
                    }
                    let (revision, outcome) = client.sync_quick().await?;
                    println!("{}", outcome.message(revision));
                    Ok(())
                }
                Command::Search {
                    json, limit, query, ..
                } => {
                    let directory = client.load_cache().map_err(|problem| Failure {
                        code: 1,
                        message: match problem {
                            CacheProblem::Missing => "検索できるディレクトリがありません。`anshin login` のあと `anshin sync` で取得してください".to_string(),
                            other => format!("{} — `anshin sync` を実行してください", other.message()),
                        },
                    })?;
                    print_cached_search(directory, &query.join(" "), json, limit)
                }
                Command::Config(_) | Command::Lint { .. } | Command::Slip(_) => {
                    unreachable!("handled above")
                }
                #[cfg(feature = "server")]
                Command::Demo { .. } => unreachable!("handled above"),
            }
        }
    }
}

/// `anshin` with no arguments: the TUI over the cache, syncing in the background; the login
/// screen first when there is no token (or when the session turns out to have expired).
async fn open_tui() -> Result<(), Failure> {
    let client = Client::new(ClientConfig::load()?)?;
    if let Some(notice) = client.notice {
        eprintln!("注意: {notice}");
    }
    // Offline, expired or not signed in: the cache still opens; who is signed in is asked in
    // the background, and an expired session asks to sign in at the first sync.
    let initial = client.load_cache().ok();
    crate::tui::run(std::sync::Arc::new(client), String::new(), None, initial)
        .await
        .map_err(|e| Failure {
            code: 1,
            message: format!("画面を開けません: {e}"),
        })
}

async fn login(client: &Client, user: Option<String>) -> Result<(), Failure> {
    let interactive = std::io::stdin().is_terminal();
    let login_id = match user {
        Some(u) => u,
        None if interactive => {
            eprint!("ログインID: ");
            let _ = std::io::stderr().flush();
            read_line()?
        }
        None => return Err(usage("--user でログインIDを指定してください")),
    };
    let password = if interactive {
        rpassword::prompt_password("パスワード: ")
            .map_err(|e| usage(format!("パスワードを読めません: {e}")))?
    } else {
        read_line()?
    };
    let info = match client.login(login_id.trim(), &password, None).await {
        // Two-factor sign-in: the password was right, now the code (issue 12, item 7).
        Err(ClientError::TwoFactorRequired) => {
            let code = super::two_factor::ask_code(
                interactive,
                "確認コード（認証アプリの6桁、またはリカバリーコード）: ",
            )?;
            client
                .login(login_id.trim(), &password, Some(code.trim()))
                .await?
        }
        other => other?,
    };
    println!(
        "ログインしました: {}（{}）",
        info.user.display_name, info.user.organization
    );
    if info.recent_failures > 0 {
        eprintln!(
            "注意: {}",
            crate::tui::text::recent_failures(info.recent_failures)
        );
    }
    if info.user.must_change_password {
        // A password the support centre set: the owner chooses one now (issue 12, item 7).
        if !interactive {
            return Err(Failure {
                code: 1,
                message: ClientError::PasswordChangeRequired.to_string(),
            });
        }
        println!("最初のログインです。支援センターが決めたパスワードを、自分のパスワードに変えてください");
        let new = rpassword::prompt_password("新しいパスワード（13 文字以上）: ")
            .map_err(|e| usage(format!("パスワードを読めません: {e}")))?;
        let again = rpassword::prompt_password("もう一度: ")
            .map_err(|e| usage(format!("パスワードを読めません: {e}")))?;
        if new != again {
            return Err(Failure {
                code: 1,
                message:
                    "新しいパスワードの 2 回の入力が一致しません。`anshin passwd` でもう一度どうぞ"
                        .into(),
            });
        }
        client.change_password(&password, &new).await?;
        println!("パスワードを変えました");
    }
    drop(password);
    if info.user.two_factor_setup_required {
        if !interactive {
            return Err(ClientError::TwoFactorSetupRequired.into());
        }
        println!("このアカウントは二段階認証（パスワードと認証アプリの確認コード）が必要です。いま設定します。");
        super::two_factor::enrol(client, interactive).await?;
    }
    match client.sync().await {
        Ok((directory, outcome)) => println!("{}", outcome.message(directory.index.revision())),
        Err(e) => eprintln!("注意: ログインはできましたが、同期できませんでした: {e}"),
    }
    Ok(())
}

/// `anshin passwd`: from a terminal the current password once and the new one twice, hidden;
/// otherwise three lines of standard input (current, new, new).
async fn change_password(client: &Client) -> Result<(), Failure> {
    let interactive = std::io::stdin().is_terminal();
    let ask = |prompt: &str| -> Result<String, Failure> {
        if interactive {
            rpassword::prompt_password(prompt)
                .map_err(|e| usage(format!("パスワードを読めません: {e}")))
        } else {
            read_line()
        }
    };
    let current = ask("いまのパスワード: ")?;
    let new = ask("新しいパスワード（13 文字以上）: ")?;
    let again = ask("もう一度: ")?;
    if new != again {
        return Err(Failure {
            code: 1,
            message: "新しいパスワードの 2 回の入力が一致しません。変えていません".into(),
        });
    }
    client.change_password(&current, &new).await?;
    println!("パスワードを変えました。ほかの PC でのログインは終わりました（この PC はそのまま使えます）");
    Ok(())
}

/// `anshin sessions`: this account's live sessions, this PC's marked; `end ID` ends one.
async fn sessions(client: &Client, action: Option<SessionsAction>) -> Result<(), Failure> {
    let token = client.token()?;
    if let Some(SessionsAction::End { id }) = action {
        return if client.api.end_session(&token, id).await? {
            println!("ログイン {id} を終えました");
            Ok(())
        } else {
            Err(Failure {
                code: 1,
                message: format!(
                    "ログイン {id} はありません（もう終わっているか、別のアカウントのものです）。`anshin sessions` で確かめてください"
                ),
            })
        };
    }
    let list = client.api.sessions(&token).await?;
    println!("ID\t接続元\tログイン\t最後に使った\t");
    for s in list.sessions {
        println!(
            "{}\t{}\t{}\t{}\t{}",
            s.id,
            s.address,
            s.created_at.format("%m/%d %H:%M"),
            s.last_used_at.format("%m/%d %H:%M"),
            if s.current { "この PC" } else { "" }
        );
    }
    Ok(())
}

/// `anshin lint`: findings on stdout; exit 1 when there are any (DESIGN §5.3).
fn lint(
    patient_name: Option<&str>,
    patient_kana: Option<&str>,
    json: bool,
    file: Option<PathBuf>,
) -> Result<(), Failure> {
    use crate::slip::detect::{detect, DetectOptions};
    use chrono::Datelike;
    use std::io::Read;
    let text = match file.as_deref() {
        None => None,
        Some(p) if p.as_os_str() == "-" => None,
        Some(p) => Some(
            std::fs::read(p).map_err(|e| usage(format!("{} を読めません: {e}", p.display())))?,
        ),
    };
    let bytes = match text {
        Some(bytes) => bytes,
        None => {
            let mut buffer = Vec::new();
            std::io::stdin()
                .read_to_end(&mut buffer)
                .map_err(|e| usage(format!("標準入力を読めません: {e}")))?;
            buffer
        }
    };
    let text = String::from_utf8(bytes).map_err(|_| usage("文字コードが UTF-8 ではありません"))?;
    let options = DetectOptions {
        patient_name: patient_name.filter(|n| !n.trim().is_empty()),
        patient_kana: patient_kana.filter(|n| !n.trim().is_empty()),
        current_year: crate::directory::now_in_japan().year(),
        ..DetectOptions::default()
    };
    let findings = detect(&text, &options);
    let mut out = std::io::stdout().lock();
    let _ = if json {
        writeln!(out, "{}", serde_json::json!({ "findings": findings }))
    } else if findings.is_empty() {
        writeln!(out, "個人情報は見つかりませんでした")
    } else {
        findings.iter().try_for_each(|f| {
            let (line, column) = line_and_column(&text, f.start);
            writeln!(
                out,
                "{line}:{column}: {}「{}」— {}",
                f.kind.code(),
                f.text,
                f.message
            )
        })
    };
    if findings.is_empty() {
        Ok(())
    } else {
        Err(Failure {
            code: 1,
            message: format!("個人情報が {} 件あります", findings.len()),
        })
    }
}

/// `anshin slip check|render` (DESIGN §5.3, §6).
fn slip(command: SlipCommand) -> Result<(), Failure> {
    use crate::slip::rules::{check, RuleContext, Severity};
    let (path, options) = match &command {
        SlipCommand::Check { slip, options } | SlipCommand::Render { slip, options, .. } => {
            (slip, options)
        }
    };
    let text = std::fs::read_to_string(path)
        .map_err(|e| usage(format!("{} を読めません: {e}", path.display())))?;
    let slip = crate::slip::model::parse_slip(&text)
        .map_err(|e| usage(format!("{}: {e}", path.display())))?;
    let directory: Option<Box<dyn crate::directory::Lookup>> = match &options.directory {
        Some(file) => {
            let bytes = std::fs::read(file)
                .map_err(|e| usage(format!("{} を読めません: {e}", file.display())))?;
            Some(Box::new(parse_snapshot(&bytes).map_err(|e| {
                usage(format!("{} を読めません: {e}", file.display()))
            })?))
        }
        // The cache's index: only the recipient's record is decoded.
        None => ClientConfig::load()
            .ok()
            .and_then(|config| Client::new(config).ok())
            .and_then(|client| client.load_cache().ok())
            .map(|cached| Box::new(cached.index) as Box<dyn crate::directory::Lookup>),
    };
    let context = RuleContext {
        directory: directory.as_deref(),
        patient_name: options
            .patient_name
            .as_deref()
            .filter(|n| !n.trim().is_empty()),
        patient_kana: options
            .patient_kana
            .as_deref()
            .filter(|n| !n.trim().is_empty()),
        now: Some(crate::directory::now_in_japan().naive_local()),
    };
    let violations = check(&slip, &context);
    let name_checked = context.patient_name.is_some();
    let errors = violations
        .iter()
        .filter(|v| v.severity == Severity::Error)
        .count();
    let report = |out: &mut dyn Write| {
        for v in &violations {
            let level = if v.severity == Severity::Error {
                "エラー"
            } else {
                "注意"
            };
            let _ = writeln!(out, "{level} {}: {}", v.code.code(), v.message);
        }
    };
    match command {
        SlipCommand::Check { options, .. } => {
            let mut out = std::io::stdout().lock();
            if options.json {
                let _ = writeln!(out, "{}", serde_json::json!({ "violations": violations }));
            } else if violations.is_empty() {
                let _ = writeln!(out, "規則違反はありません");
            } else {
                report(&mut out);
            }
        }
        SlipCommand::Render { format, output, .. } => {
            report(&mut std::io::stderr().lock());
            if !name_checked && slip.channel != crate::slip::model::Channel::Phone {
                // The command line cannot ask like the composer does (seed §4-5).
                eprintln!("注意: --patient-name（と --patient-kana）がないため、本文に利用者の氏名が残っていないかは確かめていません");
            }
            if errors > 0 {
                return Err(Failure {
                    code: 1,
                    message: format!("エラーが {errors} 件あるため出力しません"),
                });
            }
            let rendered =
                match format.as_str() {
                    "text" => crate::slip::export::to_text(&slip).into_bytes(),
                    "phone" => crate::slip::export::to_phone_script(&slip).into_bytes(),
                    _ => {
                        if output.is_none() {
                            return Err(usage("PDF は -o で出力先のファイルを指定してください"));
                        }
                        let config = ClientConfig::load()?;
                        let font = crate::slip::pdf::find_font(config.pdf_font.as_deref())
                            .map_err(|e| Failure {
                                code: 1,
                                message: e.to_string(),
                            })?;
                        crate::slip::pdf::render_pdf(&slip, &font, config.slip_template.as_deref())
                            .map_err(|e| Failure {
                                code: 1,
                                message: e.to_string(),
                            })?
                    }
                };
            match output {
                // Slip data: readable by the member only (0600), like drafts and exports.
                Some(path) => {
                    crate::slip::drafts::write_private(&path, &rendered).map_err(|e| Failure {
                        code: 1,
                        message: format!("{} に書けません: {e}", path.display()),
                    })?
                }
                None => {
                    let _ = std::io::stdout().lock().write_all(&rendered);
                }
            }
        }
    }
    if errors > 0 {
        Err(Failure {
            code: 1,
            message: format!("エラーが {errors} 件あります"),
        })
    } else {
        Ok(())
    }
}

/// 1-based line and column (in characters) of a char offset.
fn line_and_column(text: &str, offset: usize) -> (usize, usize) {
    let mut line = 1;
    let mut column = 1;
    for c in text.chars().take(offset) {
        if c == '\n' {
            line += 1;
            column = 1;
        } else {
            column += 1;
        }
    }
    (line, column)
}

/// `anshin search` over the offline cache: when it was last synced (unless `--json`), then the
/// hits.
fn print_cached_search(
    directory: CachedIndex,
    query: &str,
    json: bool,
    limit: usize,
) -> Result<(), Failure> {
    if !json {
        eprintln!(
            "{}",
            crate::tui::text::sync_state(
                Some(directory.synced_at),
                None,
                directory.index.revision()
            )
        );
    }
    let printed = print_search(&directory.index, query, json, limit);
    // The process ends here: freeing the index piece by piece (tens of MB) would only delay the
    // exit the member waits for; the OS takes it back at once.
    std::mem::forget(directory);
    printed
}

fn print_search(index: &SearchIndex, query: &str, json: bool, limit: usize) -> Result<(), Failure> {
    let now = crate::directory::now_in_japan().naive_local();
    let hits = index.search(query, &Filters::default(), now);
    let mut out = std::io::stdout().lock();
    let results: Vec<serde_json::Value> = hits
        .iter()
        .take(limit)
        .map(|hit| {
            let org = index.organization_of(hit.entry);
            let (kind, id, name) = match hit.entry {
                EntryRef::Person(i) => (
                    "person",
                    index.person(i).id.clone(),
                    index.person(i).name.clone(),
                ),
                EntryRef::Organization(i) => (
                    "organization",
                    index.organization(i).id.clone(),
                    index.organization(i).name.clone(),
                ),
            };
            serde_json::json!({
                "kind": kind,
                "id": id,
                "name": name,
                "organization": org.map(|o| o.name.clone()),
                "score": hit.score,
                "reachable_now": matches!(hit.entry, EntryRef::Person(_)).then_some(hit.reachable_now),
                "availability": index.availability(hit.entry, now).map(|a| a.label()),
            })
        })
        .collect();
    let written = if json {
        writeln!(out, "{}", serde_json::json!({ "results": results }))
    } else if results.is_empty() {
        writeln!(out, "見つかりませんでした")
    } else {
        // Never raw: a control character in a name would be a terminal escape (issue 12).
        use crate::directory::printable;
        results.iter().try_for_each(|r| {
            let org = printable(r["organization"].as_str().unwrap_or(""));
            let name = printable(r["name"].as_str().unwrap_or(""));
            let availability = r["availability"].as_str().unwrap_or("");
            if r["kind"] == "person" {
                writeln!(out, "{name}\t{org}\t{availability}")
            } else {
                writeln!(out, "{name}\t（機関）")
            }
        })
    };
    // A closed pipe (`| head`) is not an error worth a message.
    let _ = written;
    Ok(())
}
