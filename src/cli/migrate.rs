//! `anshin-server migrate --to postgres://…` (issue 13, item 7): a SQLite deployment moved to
//! PostgreSQL with nothing lost, checked after the copy.

use crate::server::db::DatabaseSettings;
use anyhow::bail;

pub async fn run(from: &DatabaseSettings, to: &str) -> anyhow::Result<()> {
    let Some(path) = from.sqlite_path().filter(|p| !p.as_os_str().is_empty()) else {
        bail!("移行元は SQLite のデータベースファイルです（--database で指定。いまは {from}）");
    };
    if !path.exists() {
        bail!("移行元のデータベース {} がありません", path.display());
    }
    let target = DatabaseSettings::parse(to);
    let DatabaseSettings::Postgres(url) = &target else {
        bail!("--to には postgres://ユーザー:パスワード@ホスト/データベース名 を指定してください");
    };
    migrate(path, url, &target).await
}

#[cfg(feature = "postgres")]
async fn migrate(
    path: &std::path::Path,
    url: &str,
    target: &DatabaseSettings,
) -> anyhow::Result<()> {
    use crate::server::db::{now_unix, postgres, Actor, Database, Sqlite};
    let source = Sqlite::open(path).await?;
    let destination = postgres::Postgres::open(url).await?;
    let result = postgres::migrate::sqlite_to_postgres(&source, &destination).await;
    source.close().await;
    let report = match result {
        Ok(report) => report,
        Err(e) => {
            destination.close().await;
            return Err(e.into());
        }
    };
    println!("{} を {target} に移しました:", path.display());
    for (table, rows) in &report.rows {
        println!("  {table}: {rows} 行");
    }
    println!(
        "読み比べました: ディレクトリ（版 {}）は同じ、監査ログの連鎖は正常で同じ（{} 行、最後のハッシュ {}）",
        report.revision,
        report.audit_rows,
        report.last_hash.as_deref().unwrap_or("なし")
    );
    let detail = format!("from={} audit_rows={}", path.display(), report.audit_rows);
    destination
        .audit(
            now_unix(),
            &Actor::local_operator(),
            "database.migrate",
            Some("postgres"),
            Some(&detail),
        )
        .await?;
    destination.close().await;
    println!(
        "使うには、設定の database（または ANSHIN_SERVER_DATABASE）を移行先の URL にしてサーバーを起動してください"
    );
    Ok(())
}

#[cfg(not(feature = "postgres"))]
async fn migrate(_: &std::path::Path, _: &str, _: &DatabaseSettings) -> anyhow::Result<()> {
    bail!("この anshin-server は PostgreSQL なしで作られています（cargo の postgres 機能）")
}
