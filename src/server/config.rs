//! Server configuration: the `[server]` table of a TOML file (every key is documented in
//! `config.example.toml`), then `ANSHIN_SERVER_*` environment overrides.

use crate::directory::{sagamihara_areas, Area};
use anyhow::{bail, Context};
use serde::Deserialize;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ServerConfig {
    /// Address and port to listen on.
    pub listen: SocketAddr,
    /// The storage: a SQLite file (a path or `sqlite:` URL; empty: `anshin-server.db` in the
    /// platform's data directory) or a `postgres://` URL (password never shown).
    pub database: super::db::DatabaseSettings,
    /// PEM certificate chain and private key; both set = HTTPS (rustls).
    pub tls_cert: Option<PathBuf>,
    pub tls_key: Option<PathBuf>,
    /// Reverse proxies (addresses or networks, `10.0.0.5`, `10.0.0.0/24`) whose
    /// `X-Forwarded-For` / `Forwarded` headers name the real client. From anyone else those
    /// headers are ignored: a client must not choose its own address.
    pub trusted_proxies: Vec<String>,
    pub auth: AuthConfig,
    pub directory: DirectoryConfig,
    pub limits: LimitsConfig,
    /// Wards and their districts; Sagamihara's when not given.
    pub areas: Vec<Area>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AuthConfig {
    /// A session unused this long ends (DESIGN §4, ASVS 3.3.2: default 30 minutes; a running
    /// client keeps its session alive by syncing).
    pub idle_timeout_minutes: u32,
    /// A session ends this long after login whatever its use (default 12 h).
    pub absolute_timeout_minutes: u32,
    /// Failed logins per login ID within the window before further tries get 429.
    pub max_failures_per_account: u32,
    /// Failed logins per client address within the window before further tries get 429.
    pub max_failures_per_address: u32,
    pub failure_window_seconds: u32,
    /// Live sessions per account; a new login beyond this ends the oldest.
    pub max_sessions_per_user: u32,
    /// Password checks (argon2id, 19 MiB each) run at once; 0 = one per core.
    pub password_check_workers: u32,
    /// Logins that may wait for a free password check; more get 503 at once.
    pub password_check_queue: u32,
    /// How long a login waits for a free password check before it gets 503.
    pub password_check_wait_seconds: u32,
    /// Who must sign in with a one-time code as well as the password.
    pub two_factor_required: TwoFactorPolicy,
}

/// Who must use two-factor sign-in (issue 12, item 7). The guideline 6.0 accepts, for members,
/// either two factors or passwords of 13 characters or more; anshin's passwords are always 13+,
/// so members may choose, and the support centre can require it of everyone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TwoFactorPolicy {
    /// Administrators must (they can replace the whole directory); members may.
    #[default]
    Admins,
    /// Every account must.
    Everyone,
}

impl TwoFactorPolicy {
    pub fn requires(self, role: crate::api::AccountRole) -> bool {
        match self {
            TwoFactorPolicy::Admins => role == crate::api::AccountRole::Admin,
            TwoFactorPolicy::Everyone => true,
        }
    }
}

/// Connection limits and timeouts (issue 12, item 4).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LimitsConfig {
    /// Connections open at once; one more is closed at once. Keep it under the process's file
    /// descriptor limit (`ulimit -n`).
    pub max_connections: u32,
    /// A request head must arrive within this time; an idle keep-alive connection is closed
    /// after it too.
    pub header_read_timeout_seconds: u32,
    /// A request body that sends nothing for this long is ended.
    pub body_read_timeout_seconds: u32,
    /// Largest request head (request line and headers), in bytes; at least 8192.
    pub max_header_bytes: u32,
}

impl Default for LimitsConfig {
    fn default() -> Self {
        LimitsConfig {
            max_connections: 512,
            header_read_timeout_seconds: 10,
            body_read_timeout_seconds: 30,
            max_header_bytes: 16 * 1024,
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DirectoryConfig {
    /// Deleted records are remembered this long so that deltas can report them; a client that
    /// last synced before that gets 410 and does a full sync.
    pub delta_retention_days: u32,
    /// Largest directory upload accepted by `PUT /api/v1/directory`.
    pub max_import_megabytes: u32,
    /// A listing its member has not confirmed (or changed) for this many months is stale:
    /// `anshin-server report stale` lists it (DESIGN §7).
    pub stale_after_months: u32,
}

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig {
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            database: Default::default(),
            tls_cert: None,
            tls_key: None,
            trusted_proxies: Vec::new(),
            auth: AuthConfig::default(),
            directory: DirectoryConfig::default(),
            limits: LimitsConfig::default(),
            areas: sagamihara_areas(),
        }
    }
}

impl AuthConfig {
    /// The login throttle's limits, as the server and `user list` apply them.
    pub fn throttle_limits(&self) -> crate::server::db::ThrottleLimits {
        crate::server::db::ThrottleLimits {
            per_account: self.max_failures_per_account,
            per_address: self.max_failures_per_address,
            window_seconds: i64::from(self.failure_window_seconds),
        }
    }

    /// The idle timeout in seconds, as the session checks take it.
    pub fn idle_seconds(&self) -> i64 {
        i64::from(self.idle_timeout_minutes) * 60
    }
}

impl Default for AuthConfig {
    fn default() -> Self {
        AuthConfig {
            idle_timeout_minutes: 30,
            absolute_timeout_minutes: 12 * 60,
            max_failures_per_account: 5,
            max_failures_per_address: 20,
            failure_window_seconds: 15 * 60,
            max_sessions_per_user: 10,
            password_check_workers: 0,
            password_check_queue: 64,
            password_check_wait_seconds: 5,
            two_factor_required: TwoFactorPolicy::Admins,
        }
    }
}

impl Default for DirectoryConfig {
    fn default() -> Self {
        DirectoryConfig {
            delta_retention_days: 90,
            max_import_megabytes: 512,
            stale_after_months: 12,
        }
    }
}

/// The file holds a client part too; the server reads only `[server]`.
#[derive(Deserialize)]
struct ConfigFile {
    #[serde(default)]
    server: Option<toml::Value>,
}

impl ServerConfig {
    /// Reads `path` (or the default path, if it exists), then the environment.
    pub fn load(path: Option<&Path>) -> anyhow::Result<ServerConfig> {
        // An explicit file (flag or ANSHIN_CONFIG) must exist; the platform default may not.
        let path = match (path, std::env::var_os("ANSHIN_CONFIG")) {
            (Some(p), _) => Some(p.to_path_buf()),
            (None, Some(env)) => Some(PathBuf::from(env)),
            (None, None) => default_config_path().filter(|p| p.exists()),
        };
        let mut config = match &path {
            Some(path) => {
                let text = std::fs::read_to_string(path)
                    .with_context(|| format!("設定ファイル {} を読めません", path.display()))?;
                ServerConfig::from_toml(&text)
                    .with_context(|| format!("設定ファイル {} に誤りがあります", path.display()))?
            }
            None => ServerConfig::default(),
        };
        config.apply_env(|key| std::env::var(key).ok())?;
        config.finish()?;
        Ok(config)
    }

    pub fn from_toml(text: &str) -> anyhow::Result<ServerConfig> {
        let file: ConfigFile = toml::from_str(text)?;
        let config = match file.server {
            Some(table) => table.try_into()?,
            None => ServerConfig::default(),
        };
        Ok(config)
    }

    /// `ANSHIN_SERVER_LISTEN`, `_DATABASE`, `_TLS_CERT`, `_TLS_KEY` override the file.
    pub fn apply_env(&mut self, get: impl Fn(&str) -> Option<String>) -> anyhow::Result<()> {
        if let Some(listen) = get("ANSHIN_SERVER_LISTEN") {
            self.listen = listen.parse().with_context(|| {
                format!("ANSHIN_SERVER_LISTEN「{listen}」はアドレス:ポートの形ではありません")
            })?;
        }
        if let Some(db) = get("ANSHIN_SERVER_DATABASE") {
            self.database = super::db::DatabaseSettings::parse(&db);
        }
        if let Some(cert) = get("ANSHIN_SERVER_TLS_CERT") {
            self.tls_cert = Some(PathBuf::from(cert));
        }
        if let Some(key) = get("ANSHIN_SERVER_TLS_KEY") {
            self.tls_key = Some(PathBuf::from(key));
        }
        Ok(())
    }

    /// Fills defaults that depend on the platform and checks what serde cannot.
    pub fn finish(&mut self) -> anyhow::Result<()> {
        if self.database.is_unset() {
            self.database = default_database_path()?.into();
        }
        if self.tls_cert.is_some() != self.tls_key.is_some() {
            bail!(
                "tls_cert と tls_key は両方とも設定してください（片方だけでは HTTPS にできません）"
            );
        }
        if self.auth.absolute_timeout_minutes < self.auth.idle_timeout_minutes {
            bail!("auth.absolute_timeout_minutes は idle_timeout_minutes 以上にしてください");
        }
        if self.auth.idle_timeout_minutes == 0 || self.auth.max_failures_per_account == 0 {
            bail!("auth の時間と回数は 1 以上にしてください");
        }
        for proxy in &self.trusted_proxies {
            if parse_network(proxy).is_none() {
                bail!("trusted_proxies の「{proxy}」はアドレス（10.0.0.5）かネットワーク（10.0.0.0/24）の形ではありません");
            }
        }
        let limits = &self.limits;
        if limits.max_connections == 0
            || limits.header_read_timeout_seconds == 0
            || limits.body_read_timeout_seconds == 0
        {
            bail!("limits の接続数と時間は 1 以上にしてください");
        }
        if limits.max_header_bytes < 8 * 1024 {
            bail!("limits.max_header_bytes は 8192 以上にしてください");
        }
        if self.auth.password_check_wait_seconds == 0 {
            bail!("auth.password_check_wait_seconds は 1 以上にしてください");
        }
        if self.areas.is_empty() {
            bail!("areas（区と地区）が空です");
        }
        Ok(())
    }
}

impl ServerConfig {
    /// `trusted_proxies` as networks (entries that do not parse were refused by `finish`).
    pub fn trusted_proxy_networks(&self) -> Vec<ipnet::IpNet> {
        self.trusted_proxies
            .iter()
            .filter_map(|p| parse_network(p))
            .collect()
    }
}

fn parse_network(text: &str) -> Option<ipnet::IpNet> {
    let text = text.trim();
    text.parse::<ipnet::IpNet>().ok().or_else(|| {
        text.parse::<std::net::IpAddr>()
            .ok()
            .map(ipnet::IpNet::from)
    })
}

fn project_dirs() -> Option<directories::ProjectDirs> {
    directories::ProjectDirs::from("jp", "Sagamihara", "anshin")
}

pub fn default_config_path() -> Option<PathBuf> {
    std::env::var_os("ANSHIN_CONFIG")
        .map(PathBuf::from)
        .or_else(|| project_dirs().map(|d| d.config_dir().join("config.toml")))
}

fn default_database_path() -> anyhow::Result<PathBuf> {
    let dirs = project_dirs().context("ホームディレクトリが見つからないため、データベースの場所を決められません。設定の database を指定してください")?;
    Ok(dirs.data_dir().join("anshin-server.db"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn example_file_parses_and_matches_defaults() {
        let text = include_str!("../../config.example.toml");
        let config = ServerConfig::from_toml(text).unwrap();
        let defaults = ServerConfig::default();
        assert_eq!(
            config.auth.idle_timeout_minutes,
            defaults.auth.idle_timeout_minutes
        );
        assert_eq!(config.areas, defaults.areas);
        assert_eq!(config.listen, defaults.listen);
    }

    #[test]
    fn unknown_keys_are_rejected() {
        let err = ServerConfig::from_toml("[server]\nlisten_addr = \"1.2.3.4:5\"").unwrap_err();
        assert!(format!("{err:#}").contains("listen_addr"));
    }

    #[test]
    fn env_overrides_file() {
        let mut config = ServerConfig::from_toml("[server]\nlisten = \"127.0.0.1:1\"").unwrap();
        config
            .apply_env(|k| (k == "ANSHIN_SERVER_LISTEN").then(|| "127.0.0.1:2".to_string()))
            .unwrap();
        assert_eq!(config.listen.port(), 2);
        assert!(config.apply_env(|_| Some("nonsense".into())).is_err());
    }

    #[test]
    fn half_tls_is_an_error() {
        let mut config =
            ServerConfig::from_toml("[server]\ntls_cert = \"/x.pem\"\ndatabase = \"/tmp/x.db\"")
                .unwrap();
        assert!(config.finish().is_err());
    }
}
