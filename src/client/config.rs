//! Client configuration: the `[client]` table of `config.toml` in the platform config folder
//! (every key documented in `config.example.toml`), then `ANSHIN_*` environment overrides.

use super::ClientError;
use serde::Deserialize;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ClientConfig {
    /// The central service. Environment: ANSHIN_SERVER_URL.
    pub server_url: String,
    /// Allow plain http:// to a server that is not on this machine (never needed in production).
    pub allow_insecure_http: bool,
    /// Extra CA certificate (PEM) for networks that inspect TLS (hospital proxies).
    pub ca_file: Option<PathBuf>,
    /// Background sync period in the TUI.
    pub sync_interval_minutes: u32,
    /// Minutes without a key before the TUI hides the directory and asks for the password.
    pub idle_lock_minutes: u32,
    /// A listing its member has not confirmed for this many months is marked in the detail
    /// pane (DESIGN §7; the server's `report stale` uses its own setting, also 12).
    pub stale_after_months: u32,
    /// Seconds before a request is given up (a full sync of a large directory takes a few).
    pub request_timeout_seconds: u32,
    /// `auto`: the OS credential store; `memory`: keep the token in this process only.
    /// Environment: ANSHIN_CREDENTIAL_STORE.
    pub credential_store: CredentialStoreChoice,
    /// Where the encrypted directory cache lives. Empty: the platform cache folder.
    /// Environment: ANSHIN_CACHE_DIR.
    pub cache_dir: Option<PathBuf>,
    /// A Japanese font for the slip PDF. Empty: the system's (IPAex, Noto CJK, Hiragino, Yu
    /// Gothic, MS Gothic). Environment: ANSHIN_PDF_FONT.
    pub pdf_font: Option<PathBuf>,
    /// An edited copy of `assets/slip.typ` to lay out the slip PDF with. Environment:
    /// ANSHIN_SLIP_TEMPLATE.
    pub slip_template: Option<PathBuf>,
    /// Where the composer keeps drafts and the sent-log (masked slips only). Empty: the
    /// platform data folder. Environment: ANSHIN_DATA_DIR.
    pub data_dir: Option<PathBuf>,
    /// Where exported slips (PDF, email text, phone memo) are written. Empty: `exports` in the
    /// data folder. Environment: ANSHIN_EXPORT_DIR.
    pub export_dir: Option<PathBuf>,
    /// The office and care manager a new slip is sent from (`[client.sender]`).
    pub sender: SenderDefaults,
}

/// 差出人 on every new slip; each can still be changed in the composer.
#[derive(Debug, Clone, Default, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields, default)]
pub struct SenderDefaults {
    pub office: String,
    pub name: String,
    pub phone: String,
    pub fax: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CredentialStoreChoice {
    Auto,
    Memory,
}

impl Default for ClientConfig {
    fn default() -> Self {
        ClientConfig {
            server_url: "http://127.0.0.1:8080".into(),
            allow_insecure_http: false,
            ca_file: None,
            sync_interval_minutes: 15,
            idle_lock_minutes: 10,
            stale_after_months: 12,
            request_timeout_seconds: 60,
            credential_store: CredentialStoreChoice::Auto,
            cache_dir: None,
            pdf_font: None,
            slip_template: None,
            data_dir: None,
            export_dir: None,
            sender: SenderDefaults::default(),
        }
    }
}

#[derive(Deserialize)]
struct ConfigFile {
    #[serde(default)]
    client: Option<toml::Value>,
}

fn project_dirs() -> Option<directories::ProjectDirs> {
    directories::ProjectDirs::from("jp", "Sagamihara", "anshin")
}

/// `ANSHIN_CONFIG`, else `config.toml` in the platform config folder.
pub fn config_path() -> Option<PathBuf> {
    std::env::var_os("ANSHIN_CONFIG")
        .map(PathBuf::from)
        .or_else(|| project_dirs().map(|d| d.config_dir().join("config.toml")))
}

impl ClientConfig {
    pub fn load() -> Result<ClientConfig, ClientError> {
        let explicit = std::env::var_os("ANSHIN_CONFIG").is_some();
        let mut config = match config_path() {
            Some(path) if explicit || path.exists() => ClientConfig::from_file(&path)?,
            _ => ClientConfig::default(),
        };
        config.apply_env(|k| std::env::var(k).ok())?;
        Ok(config)
    }

    pub fn from_file(path: &Path) -> Result<ClientConfig, ClientError> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| ClientError::Config(format!("{} を読めません: {e}", path.display())))?;
        ClientConfig::from_toml(&text)
            .map_err(|e| ClientError::Config(format!("{} に誤りがあります: {e}", path.display())))
    }

    pub fn from_toml(text: &str) -> Result<ClientConfig, String> {
        let file: ConfigFile = toml::from_str(text).map_err(|e| e.to_string())?;
        match file.client {
            Some(table) => table.try_into().map_err(|e: toml::de::Error| e.to_string()),
            None => Ok(ClientConfig::default()),
        }
    }

    pub fn apply_env(&mut self, get: impl Fn(&str) -> Option<String>) -> Result<(), ClientError> {
        if let Some(url) = get("ANSHIN_SERVER_URL") {
            self.server_url = url;
        }
        if let Some(store) = get("ANSHIN_CREDENTIAL_STORE") {
            self.credential_store = match store.as_str() {
                "auto" => CredentialStoreChoice::Auto,
                "memory" => CredentialStoreChoice::Memory,
                other => {
                    return Err(ClientError::Config(format!(
                        "ANSHIN_CREDENTIAL_STORE「{other}」は auto か memory にしてください"
                    )))
                }
            };
        }
        if let Some(font) = get("ANSHIN_PDF_FONT") {
            self.pdf_font = Some(PathBuf::from(font));
        }
        if let Some(template) = get("ANSHIN_SLIP_TEMPLATE") {
            self.slip_template = Some(PathBuf::from(template));
        }
        if let Some(dir) = get("ANSHIN_DATA_DIR") {
            self.data_dir = Some(PathBuf::from(dir));
        }
        if let Some(dir) = get("ANSHIN_EXPORT_DIR") {
            self.export_dir = Some(PathBuf::from(dir));
        }
        if let Some(dir) = get("ANSHIN_CACHE_DIR") {
            self.cache_dir = Some(PathBuf::from(dir));
        }
        if get("ANSHIN_ALLOW_INSECURE_HTTP").as_deref() == Some("1") {
            self.allow_insecure_http = true;
        }
        Ok(())
    }

    /// The folder of the encrypted cache.
    pub fn cache_dir(&self) -> Result<PathBuf, ClientError> {
        folder(
            &self.cache_dir,
            directories::ProjectDirs::cache_dir,
            "キャッシュ",
            "cache_dir",
        )
    }

    /// The folder of drafts and the sent-log.
    /// Where this PC's slips go: drafts, the sent-log and exports (DESIGN §6.3).
    pub fn outbox(&self) -> Result<crate::slip::outbox::Outbox, ClientError> {
        Ok(crate::slip::outbox::Outbox::new(
            &self.data_dir()?,
            self.export_dir.clone(),
            self.pdf_font.clone(),
            self.slip_template.clone(),
        ))
    }

    pub fn data_dir(&self) -> Result<PathBuf, ClientError> {
        folder(
            &self.data_dir,
            directories::ProjectDirs::data_dir,
            "下書き",
            "data_dir",
        )
    }
}

/// The configured folder, else the platform's; where there is neither (no home folder), an
/// error naming the key to set.
fn folder(
    configured: &Option<PathBuf>,
    platform: fn(&directories::ProjectDirs) -> &Path,
    what: &str,
    key: &str,
) -> Result<PathBuf, ClientError> {
    match configured {
        Some(dir) => Ok(dir.clone()),
        None => project_dirs()
            .map(|d| platform(&d).to_path_buf())
            .ok_or_else(|| {
                ClientError::Config(format!(
                    "{what}の保存場所を決められません。設定の {key} を指定してください"
                ))
            }),
    }
}

impl SenderDefaults {
    /// The configured sender, else the one on the slip sent last (what was typed once need not
    /// be typed again).
    pub fn or_last_sent(&self, last: Option<crate::slip::model::Sender>) -> SenderDefaults {
        if !self.office.trim().is_empty() || !self.name.trim().is_empty() {
            return self.clone();
        }
        match last {
            Some(from) => SenderDefaults {
                office: from.office,
                name: from.name,
                phone: from.phone,
                fax: from.fax.unwrap_or_default(),
            },
            None => self.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sender_comes_from_the_last_slip_unless_one_is_configured() {
        let last = crate::slip::model::Sender {
            name: "佐藤 花子".into(),
            office: "光が丘ケアプランセンター".into(),
            phone: "042-700-1000".into(),
            fax: Some("042-700-1001".into()),
        };
        let sender = SenderDefaults::default().or_last_sent(Some(last.clone()));
        assert_eq!(sender.office, "光が丘ケアプランセンター");
        assert_eq!(sender.fax, "042-700-1001");
        let configured = SenderDefaults {
            office: "別の事業所".into(),
            ..SenderDefaults::default()
        };
        assert_eq!(configured.or_last_sent(Some(last)), configured);
        assert_eq!(
            SenderDefaults::default().or_last_sent(None),
            SenderDefaults::default()
        );
    }

    #[test]
    fn example_file_matches_defaults() {
        let config = ClientConfig::from_toml(include_str!("../../config.example.toml")).unwrap();
        let defaults = ClientConfig::default();
        assert_eq!(config.server_url, defaults.server_url);
        assert_eq!(config.sync_interval_minutes, defaults.sync_interval_minutes);
        assert_eq!(config.credential_store, defaults.credential_store);
    }

    #[test]
    fn typos_are_errors_and_env_overrides() {
        assert!(ClientConfig::from_toml("[client]\nserver = \"x\"")
            .unwrap_err()
            .contains("server"));
        let mut config = ClientConfig::default();
        config
            .apply_env(|k| match k {
                "ANSHIN_SERVER_URL" => Some("https://anshin.example.jp".into()),
                "ANSHIN_CREDENTIAL_STORE" => Some("memory".into()),
                _ => None,
            })
            .unwrap();
        assert_eq!(config.server_url, "https://anshin.example.jp");
        assert_eq!(config.credential_store, CredentialStoreChoice::Memory);
        assert!(config
            .apply_env(|k| (k == "ANSHIN_CREDENTIAL_STORE").then(|| "file".into()))
            .is_err());
    }
}
