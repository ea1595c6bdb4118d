//! The central service (`anshin-server`): API, storage, accounts, audit and admin commands.

pub mod auth;
pub mod config;
pub mod db;
pub mod http;
pub mod import;
pub mod listing;

pub use config::ServerConfig;
pub use http::{start, RunningServer};

/// The Japanese an operator reads for a storage failure: the storage code speaks English and
/// names the case; the words are chosen here, once, for the admin commands (the HTTP layer
/// logs the rest under a reference).
pub fn explain_storage(error: &db::DbError) -> String {
    use db::DbError as E;
    match error {
        E::LoginTaken(id) => format!("ログインID「{id}」はすでに使われています"),
        E::BackupExists(path) => format!(
            "{} はすでにあります。別の名前を指定してください",
            path.display()
        ),
        E::BackupPath(path) => format!(
            "バックアップ先のパス {} に使えない文字があります",
            path.display()
        ),
        E::Unsupported { backend, what } => {
            format!("{backend} のデータベースでは使えません: {what}")
        }
        E::NotEmpty(target) => format!(
            "移行先のデータベース {target} にはもうデータがあります。空のデータベースを作って\
             （createdb）指定してください"
        ),
        E::Folder(path, e) => format!(
            "データベースのフォルダ {} を作れません: {e}",
            path.display()
        ),
        E::Open(location, e) => format!("データベース {location} を開けません: {e}"),
        E::Migrate(e) => format!("データベースの更新（マイグレーション）に失敗しました: {e}"),
        E::Corrupt(what) => format!(
            "データベースに読めない行があります（別の版のデータベースかもしれません）: {what}"
        ),
        E::Storage(e) => format!("データベースで問題が起きました: {e:#}"),
    }
}

/// An admin command's failure as the operator reads it: each context, and a storage failure in
/// the words of [`explain_storage`].
pub fn explain(error: &anyhow::Error) -> String {
    let mut parts = Vec::new();
    for cause in error.chain() {
        if let Some(storage) = cause.downcast_ref::<db::DbError>() {
            parts.push(explain_storage(storage));
            break;
        }
        parts.push(cause.to_string());
    }
    parts.join(": ")
}
