//! Where the storage is (issue 13, item 1): a SQLite file — a path, or a `sqlite:` URL, as
//! every existing configuration has it — or a PostgreSQL URL, whose password never appears in
//! `Debug`, `Display` or a log line.

use serde::{Deserialize, Deserializer};
use std::fmt;
use std::path::{Path, PathBuf};

#[derive(Clone, PartialEq, Eq)]
pub enum DatabaseSettings {
    /// A SQLite file (created if missing). Empty: not chosen yet (the platform default fills it).
    Sqlite(PathBuf),
    /// `postgres://user:password@host:port/name?…`.
    Postgres(String),
}

impl Default for DatabaseSettings {
    fn default() -> Self {
        DatabaseSettings::Sqlite(PathBuf::new())
    }
}

impl DatabaseSettings {
    /// `postgres://…` or `postgresql://…`; `sqlite:PATH`, `sqlite://PATH`; anything else is a
    /// file path.
    pub fn parse(text: &str) -> DatabaseSettings {
        let text = text.trim();
        let lower = text.to_ascii_lowercase();
        if lower.starts_with("postgres://") || lower.starts_with("postgresql://") {
            return DatabaseSettings::Postgres(text.to_string());
        }
        let path = text
            .strip_prefix("sqlite://")
            .or_else(|| text.strip_prefix("sqlite:"))
            .unwrap_or(text);
        DatabaseSettings::Sqlite(PathBuf::from(path))
    }

    /// The SQLite file, for what only a file has (backups, restore, permissions).
    pub fn sqlite_path(&self) -> Option<&Path> {
        match self {
            DatabaseSettings::Sqlite(path) => Some(path),
            DatabaseSettings::Postgres(_) => None,
        }
    }

    pub fn is_unset(&self) -> bool {
        matches!(self, DatabaseSettings::Sqlite(path) if path.as_os_str().is_empty())
    }

    /// The backend's name, for messages.
    pub fn backend(&self) -> &'static str {
        match self {
            DatabaseSettings::Sqlite(_) => "SQLite",
            DatabaseSettings::Postgres(_) => "PostgreSQL",
        }
    }
}

impl From<PathBuf> for DatabaseSettings {
    fn from(path: PathBuf) -> Self {
        DatabaseSettings::Sqlite(path)
    }
}

impl From<&Path> for DatabaseSettings {
    fn from(path: &Path) -> Self {
        DatabaseSettings::Sqlite(path.to_path_buf())
    }
}

/// A URL with its password replaced by `***`.
fn redacted(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return "***".into();
    };
    let (authority, tail) = match rest.find(['/', '?']) {
        Some(at) => rest.split_at(at),
        None => (rest, ""),
    };
    let authority = match authority.rsplit_once('@') {
        Some((user_info, host)) => match user_info.split_once(':') {
            Some((user, _password)) => format!("{user}:***@{host}"),
            None => format!("{user_info}@{host}"),
        },
        None => authority.to_string(),
    };
    // A password may also ride in the query (`?password=…`).
    let tail = tail
        .split('&')
        .map(|part| match part.split_once('=') {
            Some((key, _)) if key.trim_start_matches('?').eq_ignore_ascii_case("password") => {
                format!("{key}=***")
            }
            _ => part.to_string(),
        })
        .collect::<Vec<_>>()
        .join("&");
    format!("{scheme}://{authority}{tail}")
}

impl fmt::Display for DatabaseSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DatabaseSettings::Sqlite(path) => write!(f, "{}", path.display()),
            DatabaseSettings::Postgres(url) => f.write_str(&redacted(url)),
        }
    }
}

impl fmt::Debug for DatabaseSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DatabaseSettings::Sqlite(path) => f.debug_tuple("Sqlite").field(path).finish(),
            DatabaseSettings::Postgres(url) => {
                f.debug_tuple("Postgres").field(&redacted(url)).finish()
            }
        }
    }
}

impl<'de> Deserialize<'de> for DatabaseSettings {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        Ok(DatabaseSettings::parse(&text))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_urls_and_postgres_are_told_apart() {
        assert_eq!(
            DatabaseSettings::parse("/srv/anshin.db"),
            DatabaseSettings::Sqlite("/srv/anshin.db".into())
        );
        assert_eq!(
            DatabaseSettings::parse("sqlite:///srv/anshin.db"),
            DatabaseSettings::Sqlite("/srv/anshin.db".into())
        );
        assert_eq!(
            DatabaseSettings::parse("sqlite:anshin.db"),
            DatabaseSettings::Sqlite("anshin.db".into())
        );
        assert!(matches!(
            DatabaseSettings::parse("postgresql://u@db/anshin"),
            DatabaseSettings::Postgres(_)
        ));
        assert!(DatabaseSettings::default().is_unset());
    }

    #[test]
    fn a_postgres_password_is_never_shown() {
        let settings =
            DatabaseSettings::parse("postgres://anshin:s3cret-pw@db.example.jp:5432/anshin");
        for shown in [format!("{settings}"), format!("{settings:?}")] {
            assert!(!shown.contains("s3cret-pw"), "{shown}");
            assert!(
                shown.contains("anshin:***@db.example.jp:5432/anshin"),
                "{shown}"
            );
        }
        let query = DatabaseSettings::parse("postgres://db/anshin?user=a&password=s3cret-pw");
        assert!(!format!("{query:?}").contains("s3cret-pw"));
    }
}
