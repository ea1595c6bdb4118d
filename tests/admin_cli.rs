//! `anshin-server` admin commands, run as the real binary (DESIGN §4).

use assert_cmd::Command;
use predicates::prelude::PredicateBooleanExt;
use predicates::str::contains;
use std::io::{BufRead, BufReader};
use std::path::Path;

fn server(dir: &Path) -> Command {
    let mut cmd = Command::cargo_bin("anshin-server").unwrap();
    cmd.env_remove("ANSHIN_CONFIG")
        .env("HOME", dir)
        .env("XDG_CONFIG_HOME", dir.join("config"))
        .env("XDG_DATA_HOME", dir.join("data"))
        .arg("--database")
        .arg(dir.join("anshin.db"));
    cmd
}

/// What `anshin-server ARGS` printed, the command having succeeded.
fn stdout_of(dir: &Path, args: &[&str]) -> String {
    String::from_utf8(
        server(dir)
            .args(args)
            .assert()
            .success()
            .get_output()
            .stdout
            .clone(),
    )
    .unwrap()
}

/// Imports the shipped demo directory: member accounts name one of its organisations.
fn import_demo(dir: &Path) {
    let file = dir.join("demo-directory.json");
    std::fs::write(&file, anshin::demo::DEMO_DIRECTORY_JSON).unwrap();
    server(dir).arg("import").arg(&file).assert().success();
}

#[test]
fn accounts_from_init_to_disable() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    server(d)
        .args(["init", "--admin", "centre"])
        .write_stdin("kanri-password-1\n")
        .assert()
        .success()
        .stdout(contains("centre"));
    // A member account belongs to one of the directory's organisations (DESIGN §7).
    server(d)
        .args([
            "user",
            "add",
            "sato",
            "--name",
            "x",
            "--organization",
            "o-00001",
        ])
        .write_stdin("member-password-1\n")
        .assert()
        .code(1)
        .stderr(contains(
            "所属「o-00001」はディレクトリの機関IDにありません",
        ));
    import_demo(d);
    server(d)
        .args([
            "user",
            "add",
            "sato",
            "--name",
            "佐藤 花子",
            "--organization",
            "o-00002",
        ])
        .write_stdin("member-password-1\n")
        .assert()
        .success();
    server(d)
        .args(["user", "add", "short", "--name", "x", "--organization", "y"])
        .write_stdin("tooshort\n")
        .assert()
        .code(1)
        .stderr(contains("13 文字以上"));
    server(d)
        .args([
            "user",
            "add",
            "SATO",
            "--name",
            "x",
            "--organization",
            "o-00002",
        ])
        .write_stdin("member-password-2\n")
        .assert()
        .code(1)
        .stderr(contains("すでに使われています"));
    server(d)
        .args([
            "user",
            "add",
            "bad id",
            "--name",
            "x",
            "--organization",
            "y",
        ])
        .write_stdin("member-password-2\n")
        .assert()
        .code(1)
        .stderr(contains("ログインID"));
    // A password the centre chose for someone else is changed at the first sign-in.
    server(d)
        .args([
            "user",
            "add",
            "suzuki",
            "--name",
            "鈴木 一郎",
            "--organization",
            "o-00003",
        ])
        .write_stdin("member-password-3\n")
        .assert()
        .success()
        .stdout(contains("最初のログイン"));
    server(d)
        .args(["user", "disable", "sato"])
        .assert()
        .success();
    server(d)
        .args(["user", "disable", "nobody"])
        .assert()
        .code(1)
        .stderr(contains("nobody"));
    server(d)
        .args(["user", "passwd", "sato"])
        .write_stdin("another-password-9\n")
        .assert()
        .success();
    let list = server(d)
        .args(["user", "list"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let list = String::from_utf8(list).unwrap();
    // Administrators must sign in with two factors; the list says who has not set it up.
    assert!(
        list.contains("centre\tadmin\t有効\t未設定（必須）"),
        "{list}"
    );
    assert!(
        list.contains("suzuki\tmember\t初回の変更待ち\t未設定"),
        "{list}"
    );
    assert!(
        list.contains("sato\tmember\t無効\t未設定\tなし\t佐藤 花子\to-00002"),
        "{list}"
    );
    // A lost phone: the centre turns two-factor sign-in off (the owner sets it up again).
    server(d)
        .args(["user", "reset-2fa", "centre"])
        .assert()
        .success()
        .stdout(contains("二段階認証を解除しました"));
    server(d)
        .args(["user", "reset-2fa", "nobody"])
        .assert()
        .code(1)
        .stderr(contains("nobody"));
    let audit = server(d)
        .arg("audit")
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let audit = String::from_utf8(audit).unwrap();
    for action in ["user.add", "user.disable", "user.passwd", "user.reset_2fa"] {
        assert!(audit.contains(action), "{action} not in\n{audit}");
    }
    assert!(!audit.contains("another-password-9"));
}

#[test]
fn import_export_backup_round_trip() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let demo = d.join("demo.json");
    server(d)
        .args(["demo-data", "--people", "300", "-o"])
        .arg(&demo)
        .assert()
        .success();
    server(d)
        .arg("import")
        .arg(&demo)
        .arg("--dry-run")
        .assert()
        .success()
        .stdout(contains("書き込んでいません"));
    server(d)
        .arg("import")
        .arg(&demo)
        .assert()
        .success()
        .stdout(contains("追加 "));
    // The same file again changes nothing.
    server(d)
        .arg("import")
        .arg(&demo)
        .assert()
        .success()
        .stdout(contains("削除 0 / 変更なし"));

    let exported = server(d)
        .arg("export")
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let exported = anshin::directory::parse_snapshot(&exported).unwrap();
    let original = anshin::directory::parse_snapshot(&std::fs::read(&demo).unwrap()).unwrap();
    assert_eq!(exported.people, original.people);
    assert_eq!(exported.organizations, original.organizations);
    // Issue 12, item 10: the exported file was 0644.
    let export_file = d.join("export.json");
    server(d)
        .args(["export", "-o"])
        .arg(&export_file)
        .assert()
        .success();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&export_file)
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }

    let backup = d.join("backup.db");
    server(d).arg("backup").arg(&backup).assert().success();
    server(d)
        .arg("backup")
        .arg(&backup)
        .assert()
        .code(1)
        .stderr(contains("すでにあります"));
    let from_backup = Command::cargo_bin("anshin-server")
        .unwrap()
        .env("HOME", d)
        .env_remove("ANSHIN_CONFIG")
        .arg("--database")
        .arg(&backup)
        .arg("export")
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    assert_eq!(
        anshin::directory::parse_snapshot(&from_backup)
            .unwrap()
            .people,
        original.people
    );
    let audit = server(d)
        .args(["audit", "--json"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let audit = String::from_utf8(audit).unwrap();
    assert_eq!(
        audit
            .lines()
            .filter(|l| l.contains("\"directory.import\""))
            .count(),
        2
    );
    assert!(audit.contains("\"backup\""));
    assert!(audit.contains("\"directory.export\""));
    assert!(audit.contains("export.json"));
}

#[test]
fn csv_import_and_clear_errors() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let csv = d.join("list.csv");
    std::fs::write(
        &csv,
        "機関ID,種別,機関名,機関名ふりがな,住所,区,地区,担当者ID,職種,氏名,氏名ふりがな,希望連絡方法,連絡可能時間\n\
         o-1,診療所,テスト内科,てすとないか,相模原市中央区上溝1-1-1,中央区,上溝,p-1,医師,田中 一郎,たなか いちろう,FAX,月水 13:00-14:00 電話\n",
    )
    .unwrap();
    server(d)
        .arg("import")
        .arg(&csv)
        .assert()
        .success()
        .stdout(contains("追加 2"));

    std::fs::write(
        &csv,
        "機関ID,種別,機関名,機関名ふりがな,住所,区,地区\no-1,診療所,A,えー,住所,中央区,渋谷\n",
    )
    .unwrap();
    server(d)
        .arg("import")
        .arg(&csv)
        .assert()
        .code(1)
        .stderr(contains("organizations[0]（o-1） の district"))
        .stderr(contains("渋谷"));
    let broken = d.join("broken.json");
    std::fs::write(
        &broken,
        "{\"format\": \"anshin-directory/1\", \"revision\": ",
    )
    .unwrap();
    server(d)
        .arg("import")
        .arg(&broken)
        .assert()
        .code(1)
        .stderr(contains("JSON として読めません"));
    server(d)
        .arg("import")
        .arg(d.join("missing.json"))
        .assert()
        .code(1)
        .stderr(contains("読めません"));
}

#[test]
fn demo_data_is_deterministic_and_validated() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let a = server(d)
        .args(["demo-data", "--people", "120", "--seed", "5"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let b = server(d)
        .args(["demo-data", "--people", "120", "--seed", "5"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    assert_eq!(a, b);
    assert_eq!(
        anshin::directory::parse_snapshot(&a).unwrap().people.len(),
        120
    );
    server(d)
        .args(["demo-data", "--people", "0"])
        .assert()
        .code(1);
    server(d).arg("--bogus").assert().code(2);
}

#[test]
fn config_errors_are_reported() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let config = d.join("config.toml");
    std::fs::write(&config, "[server]\nlisten = \"not an address\"\n").unwrap();
    server(d)
        .arg("--config")
        .arg(&config)
        .arg("init")
        .assert()
        .code(1)
        .stderr(contains("設定ファイル"));
    let mut cmd = server(d);
    cmd.env("ANSHIN_CONFIG", d.join("missing.toml"))
        .arg("init")
        .assert()
        .code(1)
        .stderr(contains("missing.toml"));
    // A PostgreSQL server that is not there is said at once, its password never shown.
    let out = Command::cargo_bin("anshin-server")
        .unwrap()
        .env_remove("ANSHIN_CONFIG")
        .env("HOME", d)
        .env("XDG_CONFIG_HOME", d.join("config"))
        .env(
            "ANSHIN_SERVER_DATABASE",
            "postgres://anshin:pg-secret-pw@127.0.0.1:1/anshin",
        )
        .args(["user", "list"])
        .assert()
        .code(1)
        .get_output()
        .clone();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("データベース postgres://anshin:***@127.0.0.1:1/anshin を開けません"),
        "{stderr}"
    );
    assert!(!stderr.contains("pg-secret-pw"), "{stderr}");
}

/// Issue 12, item 9: the CLI's actor came from $SUDO_USER / $USER, which anyone can set, and
/// `user list` and reading the audit log left no trace.
#[test]
fn the_cli_actor_is_the_os_account_and_reads_are_logged() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    server(d).arg("init").assert().success();
    server(d)
        .env("USER", "mallory")
        .env("SUDO_USER", "mallory")
        .args(["user", "list"])
        .assert()
        .success();
    let audit = server(d)
        .args(["audit", "--json"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let audit = String::from_utf8(audit).unwrap();
    let me = std::process::Command::new("id")
        .arg("-un")
        .output()
        .unwrap();
    let me = String::from_utf8(me.stdout).unwrap().trim().to_string();
    let listed = audit
        .lines()
        .find(|l| l.contains("\"user.list\""))
        .expect("user list is logged");
    assert!(listed.contains(&format!("\"cli:{me}\"")), "{listed}");
    assert!(!audit.contains("mallory"), "{audit}");
    assert!(audit.contains("\"audit.read\""));
}

/// Issue 12, item 9: the audit log was protected by SQLite triggers only — anyone with the file
/// can drop them. A hash chain makes a deleted or altered row show in `audit verify`.
#[test]
fn audit_verify_finds_an_altered_and_a_deleted_row() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    server(d)
        .args(["init", "--admin", "centre"])
        .write_stdin("kanri-password-1\n")
        .assert()
        .success();
    import_demo(d);
    for login in ["a1", "a2", "a3"] {
        server(d)
            .args([
                "user",
                "add",
                login,
                "--name",
                login,
                "--organization",
                "o-00001",
            ])
            .write_stdin("member-password-1\n")
            .assert()
            .success();
    }
    server(d)
        .args(["audit", "verify"])
        .assert()
        .success()
        .stdout(contains("連鎖は正常です"));
    let since = server(d)
        .args(["audit", "export", "--since", "2020-01-01"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    assert!(String::from_utf8(since).unwrap().lines().count() >= 4);

    let sql = |statement: &str| {
        let status = std::process::Command::new("sqlite3")
            .arg(d.join("anshin.db"))
            .arg(statement)
            .status()
            .expect("sqlite3 (installed by .ci/run)");
        assert!(status.success(), "{statement}");
    };
    // Someone with the file drops the triggers and edits a row: found.
    sql("DROP TRIGGER audit_log_no_update; UPDATE audit_log SET target = 'someone-else' WHERE action = 'user.add' AND target = 'a2';");
    server(d)
        .args(["audit", "verify"])
        .assert()
        .code(1)
        .stderr(contains("書き換えられたか"));
    // Put back, then a row deleted instead: found too.
    sql("UPDATE audit_log SET target = 'a2' WHERE target = 'someone-else';");
    server(d).args(["audit", "verify"]).assert().success();
    sql("DROP TRIGGER audit_log_no_delete; DELETE FROM audit_log WHERE target = 'a2';");
    server(d)
        .args(["audit", "verify"])
        .assert()
        .code(1)
        .stderr(contains("削除されています"));
}

/// Issue 12, item 6: `serve` and `demo` on 0.0.0.0 over plain HTTP started silently (the demo
/// with its published password).
#[test]
fn plain_http_on_a_reachable_address_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    server(d).arg("init").assert().success();
    server(d)
        .args(["serve", "--listen", "0.0.0.0:0"])
        .timeout(std::time::Duration::from_secs(20))
        .assert()
        .code(1)
        .stderr(contains("平文の HTTP"))
        .stderr(contains("--allow-plain-http"));
    server(d)
        .args(["demo", "--listen", "0.0.0.0:0"])
        .timeout(std::time::Duration::from_secs(20))
        .assert()
        .code(1)
        .stderr(contains("127.0.0.1"));
}

#[test]
fn serve_starts_answers_and_stops_on_sigterm() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let binary = assert_cmd::cargo::cargo_bin("anshin-server");
    let mut child = std::process::Command::new(binary)
        .env("HOME", d)
        .env_remove("ANSHIN_CONFIG")
        .arg("--database")
        .arg(d.join("anshin.db"))
        .args(["serve", "--listen", "127.0.0.1:0"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    stdout.read_line(&mut line).unwrap();
    let url = line
        .split_whitespace()
        .find(|w| w.starts_with("http://"))
        .expect("URL printed")
        .to_string();
    let url = url
        .trim_end_matches(|c: char| !c.is_ascii_digit())
        .to_string();
    let body = reqwest::blocking_get(&format!("{url}/healthz"));
    assert!(body.contains("\"ok\""), "{body}");
    let status = std::process::Command::new("kill")
        .arg("-TERM")
        .arg(child.id().to_string())
        .status()
        .unwrap();
    assert!(status.success());
    assert!(child.wait().unwrap().success(), "graceful shutdown exits 0");
    let mut rest = String::new();
    std::io::Read::read_to_string(&mut stdout, &mut rest).unwrap();
    assert!(rest.contains("停止しています"), "{rest}");
}

mod reqwest {
    /// A tiny blocking GET over a fresh runtime (the test itself is synchronous).
    pub fn blocking_get(url: &str) -> String {
        let rt = tokio::runtime::Runtime::new().unwrap();
        rt.block_on(async { ::reqwest::get(url).await.unwrap().text().await.unwrap() })
    }
}

/// Issue 12: backups in generations for the support centre's nightly job, and a restore that
/// proves the copy sound (SQLite's integrity check and the audit chain) before anyone points
/// the server at it — without touching the live database.
#[test]
fn backups_in_generations_and_a_checked_restore() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    server(d)
        .args(["init", "--admin", "centre"])
        .write_stdin("kanri-password-1\n")
        .assert()
        .success();
    let generations = d.join("backups");
    std::fs::create_dir_all(&generations).unwrap();
    let notes = generations.join("README.txt");
    std::fs::write(&notes, "not a generation").unwrap();
    for _ in 0..3 {
        server(d)
            .arg("backup")
            .arg(&generations)
            .args(["--keep", "2"])
            .assert()
            .success();
    }
    let mut kept: Vec<String> = std::fs::read_dir(&generations)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with("anshin-"))
        .collect();
    kept.sort();
    assert_eq!(kept.len(), 2, "{kept:?}");
    assert!(
        notes.exists(),
        "files that are not generations are left alone"
    );
    server(d)
        .arg("backup")
        .arg(&generations)
        .args(["--keep", "0"])
        .assert()
        .code(1)
        .stderr(contains("1 以上"));

    // Restore the newest to a new file: checked and usable.
    let newest = generations.join(kept.last().unwrap());
    let restored = d.join("restored.db");
    server(d)
        .arg("restore")
        .arg(&newest)
        .arg("--to")
        .arg(&restored)
        .assert()
        .success()
        .stdout(contains("整合性は正常").and(contains("連鎖は正常")));
    let users = Command::cargo_bin("anshin-server")
        .unwrap()
        .env("HOME", d)
        .env_remove("ANSHIN_CONFIG")
        .arg("--database")
        .arg(&restored)
        .args(["user", "list"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    assert!(String::from_utf8(users).unwrap().contains("centre"));
    // Never over an existing file (the live database least of all).
    server(d)
        .arg("restore")
        .arg(&newest)
        .arg("--to")
        .arg(&restored)
        .assert()
        .code(1)
        .stderr(contains("上書きはしません"));

    // A backup whose audit log was altered is refused, and nothing is left behind.
    let tampered = d.join("tampered.db");
    std::fs::copy(&newest, &tampered).unwrap();
    let sql =
        "DROP TRIGGER audit_log_no_update; UPDATE audit_log SET actor = 'someone' WHERE id = 1;";
    assert!(std::process::Command::new("sqlite3")
        .arg(&tampered)
        .arg(sql)
        .status()
        .unwrap()
        .success());
    let refused = d.join("refused.db");
    server(d)
        .arg("restore")
        .arg(&tampered)
        .arg("--to")
        .arg(&refused)
        .assert()
        .code(1)
        .stderr(contains("連鎖が切れています"));
    assert!(!refused.exists());
    // Not a database at all.
    let junk = d.join("junk.db");
    std::fs::write(&junk, b"this is not sqlite").unwrap();
    server(d)
        .arg("restore")
        .arg(&junk)
        .arg("--to")
        .arg(d.join("from-junk.db"))
        .assert()
        .code(1);
    assert!(!d.join("from-junk.db").exists());
}

/// Issue 12, item 5: an account throttled by someone's guesses was invisible to the centre, and
/// only time got the owner back in. `user list` shows it, `user unlock` lifts it.
#[test]
fn the_centre_sees_a_throttled_account_and_lifts_it() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    server(d)
        .args(["init", "--admin", "centre"])
        .write_stdin("kanri-password-1\n")
        .assert()
        .success();
    // Five failed guesses a moment ago, as the server records them.
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let options = sqlx::sqlite::SqliteConnectOptions::new().filename(d.join("anshin.db"));
        let pool = sqlx::SqlitePool::connect_with(options).await.unwrap();
        for i in 0..5 {
            sqlx::query(
                "INSERT INTO login_failures (account, address, at) VALUES ('centre', ?, ?)",
            )
            .bind(format!("203.0.113.{i}"))
            .bind(now as i64 - 60)
            .execute(&pool)
            .await
            .unwrap();
        }
        pool.close().await;
    });
    let list = |d: &Path| stdout_of(d, &["user", "list"]);
    let before = list(d);
    assert!(
        before.contains("centre\tadmin\t有効\t未設定（必須）\t5 回・一時停止中（あと 14 分"),
        "{before}"
    );
    server(d)
        .args(["user", "unlock", "centre"])
        .assert()
        .success()
        .stdout(contains("一時停止を解きました"));
    assert!(list(d).contains("未設定（必須）\tなし"));
    server(d)
        .args(["user", "unlock", "nobody"])
        .assert()
        .code(1)
        .stderr(contains("nobody"));
    let audit = server(d)
        .arg("audit")
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    assert!(String::from_utf8(audit).unwrap().contains("user.unlock"));
}

/// Issue 14, item 4 and 5: the centre reviews listing changes from the shell, and lists the
/// listings no member has confirmed within the period.
#[test]
fn the_centre_reviews_change_requests_and_lists_stale_listings() {
    use anshin::listing::{FieldChange, NewChangeRequest};
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    server(d).arg("init").assert().success();
    import_demo(d);
    server(d)
        .args([
            "user",
            "add",
            "hayashi",
            "--name",
            "林",
            "--organization",
            "o-00003",
        ])
        .write_stdin("member-password-1\n")
        .assert()
        .success();
    let stale = |d: &Path| stdout_of(d, &["report", "stale"]);
    // o-00001 was last updated in January 2025: stale. o-00003 in October 2026: not.
    let before = stale(d);
    assert!(
        before.contains("o-00001\t2025-01-13（更新日。会員の確認なし）"),
        "{before}"
    );
    assert!(!before.contains("o-00003"), "{before}");
    // Two requests from the member of o-00003, filed through the service's own rules.
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        use anshin::server::db::{Actor, Database, Sqlite};
        let db = Sqlite::open(&d.join("anshin.db")).await.unwrap();
        let user = db.user_for_login("hayashi").await.unwrap().unwrap().0;
        let actor = Actor {
            name: "hayashi".into(),
            address: "192.0.2.1".into(),
        };
        let config = anshin::server::ServerConfig::default();
        for (client_ref, new) in [("a", "consult"), ("b", "not_accepting")] {
            let request = NewChangeRequest {
                client_ref: client_ref.into(),
                organization_id: "o-00003".into(),
                base_revision: 1,
                note: "院長の体調のため".into(),
                changes: vec![FieldChange {
                    record: "o-00003".into(),
                    field: "home_care.accepting".into(),
                    old: "accepting".into(),
                    new: new.into(),
                }],
            };
            anshin::server::listing::submit(&db, &config, &user, &actor, request)
                .await
                .unwrap();
        }
        db.close().await;
    });
    server(d)
        .args(["change-requests", "list"])
        .assert()
        .success()
        .stdout(contains("林内科医院（o-00003）\thayashi\t1 項目\t0"));
    server(d)
        .args(["change-requests", "show", "1"])
        .assert()
        .success()
        .stdout(contains(
            "1. 新規の受け入れ: 受け入れ可 → 要相談（o-00003）",
        ))
        .stdout(contains("連絡事項: 院長の体調のため"));
    server(d)
        .args(["change-requests", "approve", "1"])
        .assert()
        .success()
        .stdout(contains("承認しました"));
    // The second now conflicts: shown, refused without a choice, approved with one.
    server(d)
        .args(["change-requests", "show", "2"])
        .assert()
        .success()
        .stdout(contains("※ 申請のあとで変わっています。現在: 要相談"));
    server(d)
        .args(["change-requests", "approve", "2"])
        .assert()
        .code(1)
        .stderr(contains(
            "申請時「受け入れ可」／現在「要相談」／申請「受け入れ停止」",
        ));
    server(d)
        .args(["change-requests", "approve", "2", "--take", "x"])
        .assert()
        .code(1)
        .stderr(contains("--take"));
    server(d)
        .args([
            "change-requests",
            "reject",
            "2",
            "--reason",
            "先の届で反映済みです",
        ])
        .assert()
        .success();
    server(d)
        .args(["change-requests", "list", "--all"])
        .assert()
        .success()
        .stdout(contains("2\t却下"))
        .stdout(contains("1\t承認"));
    server(d)
        .args(["change-requests", "show", "9"])
        .assert()
        .code(1)
        .stderr(contains("変更届 9 はありません"));
    // Approved: o-00003 is confirmed today; the audit names the OS account.
    let after = stale(d);
    assert!(!after.contains("o-00003"), "{after}");
    server(d)
        .args(["audit", "--json"])
        .assert()
        .success()
        .stdout(contains("\"action\":\"change_request.approve\""))
        .stdout(contains("\"actor\":\"cli:"));
}

/// Issue 13, item 7: a SQLite deployment moves to PostgreSQL with nothing lost — directory with
/// its revision and tombstones, accounts with their two-factor secrets, sessions, login
/// failures, change requests and the audit log with its hash chain — and the copy is checked.
#[test]
fn migrate_moves_a_sqlite_deployment_to_postgres_with_nothing_lost() {
    use anshin::server::db::{self, Actor, DatabaseSettings, NewChangeRequestRow, NewUser};
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let Some(url) = runtime.block_on(db::postgres::testing::database()) else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let demo = d.join("demo.json");
    server(d)
        .args(["demo-data", "--people", "300", "-o"])
        .arg(&demo)
        .assert()
        .success();
    server(d).arg("import").arg(&demo).assert().success();
    // A second import with one person fewer: revision 2 and a tombstone.
    let mut snapshot: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&demo).unwrap()).unwrap();
    snapshot["people"].as_array_mut().unwrap().pop();
    std::fs::write(&demo, snapshot.to_string()).unwrap();
    server(d).arg("import").arg(&demo).assert().success();
    let sqlite = DatabaseSettings::Sqlite(d.join("anshin.db"));
    let actor = Actor {
        name: "test".into(),
        address: "local".into(),
    };
    let now = db::now_unix();
    runtime.block_on(async {
        let db = db::open(&sqlite).await.unwrap();
        let user = db
            .add_user(
                NewUser {
                    login_id: "Sato",
                    display_name: "佐藤",
                    organization: "o-00001",
                    role: db::AccountRole::Member,
                    password_hash: "argon2-hash",
                    must_change_password: true,
                },
                &actor,
                now,
            )
            .await
            .unwrap();
        assert!(db.begin_two_factor(user.id, "SECRET").await.unwrap());
        let codes = vec!["code-hash".to_string()];
        assert!(db
            .enable_two_factor(user.id, 5, &codes, &actor, now)
            .await
            .unwrap());
        db.create_session("token-hash", &user, "192.0.2.1", now, now + 3600, 5)
            .await
            .unwrap();
        let limits = db::ThrottleLimits {
            per_account: 5,
            per_address: 20,
            window_seconds: 900,
        };
        db.reserve_login("sato", "203.0.113.9", limits, now)
            .await
            .unwrap()
            .unwrap();
        db.add_change_request(
            NewChangeRequestRow {
                client_ref: "ref-1",
                user: &user,
                organization_id: "o-00001",
                base_revision: 2,
                note: "電話番号の変更",
                changes: "[]",
            },
            &actor,
            now,
        )
        .await
        .unwrap();
        db.close().await;
    });

    server(d)
        .args(["migrate", "--to", &url])
        .assert()
        .success()
        .stdout(contains("読み比べました").and(contains("版 2")));

    runtime.block_on(async {
        let (from, to) = (
            db::open(&sqlite).await.unwrap(),
            db::open(&DatabaseSettings::Postgres(url.clone()))
                .await
                .unwrap(),
        );
        assert_eq!(
            from.list_users().await.unwrap(),
            to.list_users().await.unwrap()
        );
        let user = to.list_users().await.unwrap().remove(0);
        assert!(user.two_factor && user.must_change_password);
        assert_eq!(
            to.two_factor_secret(user.id).await.unwrap().as_deref(),
            Some("SECRET")
        );
        let session = to.session("token-hash", now + 1, 1800).await.unwrap();
        assert_eq!(session.unwrap().user.login_id, "Sato", "the session moved");
        assert_eq!(to.account_failures(now - 1).await.unwrap().len(), 1);
        assert_eq!(
            from.change_requests(None, None).await.unwrap(),
            to.change_requests(None, None).await.unwrap()
        );
        let (a, b) = (
            from.directory().await.unwrap(),
            to.directory().await.unwrap(),
        );
        assert_eq!((a.revision, &a.people), (b.revision, &b.people));
        // The tombstone came too: a delta from revision 1 names the person removed.
        let delta = to.delta(1).await.unwrap().unwrap();
        assert_eq!(delta.deleted_people.len(), 1);
        // The audit log: every row as it was, then the migration's own.
        let (a, b) = (
            from.audit_entries(0, 10_000).await.unwrap(),
            to.audit_entries(0, 10_000).await.unwrap(),
        );
        assert_eq!(&b[..a.len()], &a[..]);
        assert_eq!(b.len(), a.len() + 1);
        assert_eq!(b.last().unwrap().action, "database.migrate");
        // New rows continue after the copied ids.
        let next = to
            .add_user(
                NewUser {
                    login_id: "suzuki",
                    display_name: "鈴木",
                    organization: "o-00002",
                    role: db::AccountRole::Member,
                    password_hash: "h",
                    must_change_password: false,
                },
                &actor,
                now,
            )
            .await
            .unwrap();
        assert!(next.id > user.id);
        from.close().await;
        to.close().await;
    });

    // The PostgreSQL deployment through the commands: its chain verifies, its export is the
    // SQLite one's, and its backups are pg_dump's.
    let on_pg = |args: &[&str]| {
        let mut cmd = Command::cargo_bin("anshin-server").unwrap();
        cmd.env_remove("ANSHIN_CONFIG")
            .env("HOME", d)
            .args(["--database", &url])
            .args(args);
        cmd
    };
    on_pg(&["audit", "verify"]).assert().success();
    let exported = on_pg(&["export"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let exported = anshin::directory::parse_snapshot(&exported).unwrap();
    assert_eq!(exported.people.len(), 299);
    on_pg(&["backup", d.join("pg.db").to_str().unwrap()])
        .assert()
        .code(1)
        .stderr(contains("pg_dump"));
    // A second migration into the same database is refused: it holds data now.
    server(d)
        .args(["migrate", "--to", &url])
        .assert()
        .code(1)
        .stderr(contains("もうデータがあります"));
    // And the source must exist (opening it would make an empty one).
    Command::cargo_bin("anshin-server")
        .unwrap()
        .env("HOME", d)
        .args(["--database", d.join("missing.db").to_str().unwrap()])
        .args(["migrate", "--to", &url])
        .assert()
        .code(1)
        .stderr(contains("ありません"));
    assert!(!d.join("missing.db").exists());
}
