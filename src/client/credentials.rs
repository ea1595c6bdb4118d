//! The session token and the cache key in the OS credential store (keyring v4: keyring-core with
//! the platform's store — Keychain, Credential Manager, or the Linux kernel keyring). Never the
//! password. Where no store works (a container, some SSH sessions) we say so once and keep
//! secrets in this process's memory only — never in a file.

use super::config::CredentialStoreChoice;
use super::ClientError;
use std::collections::HashMap;
use std::sync::{Mutex, Once};

const SERVICE: &str = "jp.sagamihara.anshin";

/// Shown once when secrets cannot be persisted.
pub const MEMORY_ONLY_NOTICE: &str = "この環境では OS の資格情報ストア（キーチェーン等）が使えません。\
ログイン情報はこのプロセスの間だけメモリに置き、ファイルには保存しません（終了すると再ログインが必要です。オフライン用のキャッシュも作りません）";

pub struct Credentials {
    persistent: bool,
    memory: Mutex<HashMap<String, String>>,
}

static PLATFORM_STORE: Once = Once::new();

fn install_platform_store() -> Result<(), String> {
    let mut result = Ok(());
    PLATFORM_STORE.call_once(|| {
        // A store set by the caller (the mock store in tests) wins.
        if keyring_core::get_default_store().is_some() {
            return;
        }
        #[cfg(target_os = "linux")]
        let store =
            linux_keyutils_keyring_store::Store::new().map(|s| keyring_core::set_default_store(s));
        #[cfg(target_os = "macos")]
        let store = apple_native_keyring_store::keychain::Store::new()
            .map(|s| keyring_core::set_default_store(s));
        #[cfg(target_os = "windows")]
        let store =
            windows_native_keyring_store::Store::new().map(|s| keyring_core::set_default_store(s));
        #[cfg(not(any(target_os = "linux", target_os = "macos", target_os = "windows")))]
        let store: Result<(), keyring_core::Error> = Err(keyring_core::Error::NotSupportedByStore(
            "no platform store".into(),
        ));
        if let Err(e) = store {
            result = Err(e.to_string());
        }
    });
    result
}

impl Credentials {
    /// Opens the configured store. The second value is a notice for the user when secrets will
    /// live in memory only.
    pub fn open(choice: CredentialStoreChoice) -> (Credentials, Option<&'static str>) {
        let memory_only = || Credentials {
            persistent: false,
            memory: Mutex::new(HashMap::new()),
        };
        if choice == CredentialStoreChoice::Memory {
            return (memory_only(), None);
        }
        if install_platform_store().is_err() || keyring_core::get_default_store().is_none() {
            return (memory_only(), Some(MEMORY_ONLY_NOTICE));
        }
        let credentials = Credentials {
            persistent: true,
            memory: Mutex::new(HashMap::new()),
        };
        // A store can exist yet refuse every call (keyctl blocked in a container): probe once.
        let probe = "probe";
        let works = credentials.set(probe, "1").is_ok() && credentials.delete(probe).is_ok();
        if works {
            (credentials, None)
        } else {
            (memory_only(), Some(MEMORY_ONLY_NOTICE))
        }
    }

    /// Secrets survive this process.
    pub fn is_persistent(&self) -> bool {
        self.persistent
    }

    fn entry(&self, account: &str) -> Result<keyring_core::Entry, ClientError> {
        keyring_core::Entry::new(SERVICE, account)
            .map_err(|e| ClientError::Credentials(e.to_string()))
    }

    fn memory(&self) -> std::sync::MutexGuard<'_, HashMap<String, String>> {
        self.memory.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub fn get(&self, account: &str) -> Result<Option<String>, ClientError> {
        if !self.persistent {
            return Ok(self.memory().get(account).cloned());
        }
        match self.entry(account)?.get_password() {
            Ok(secret) => Ok(Some(secret)),
            Err(keyring_core::Error::NoEntry) => Ok(None),
            Err(e) => Err(ClientError::Credentials(e.to_string())),
        }
    }

    pub fn set(&self, account: &str, secret: &str) -> Result<(), ClientError> {
        if !self.persistent {
            self.memory()
                .insert(account.to_string(), secret.to_string());
            return Ok(());
        }
        self.entry(account)?
            .set_password(secret)
            .map_err(|e| ClientError::Credentials(e.to_string()))
    }

    pub fn delete(&self, account: &str) -> Result<(), ClientError> {
        if !self.persistent {
            self.memory().remove(account);
            return Ok(());
        }
        match self.entry(account)?.delete_credential() {
            Ok(()) | Err(keyring_core::Error::NoEntry) => Ok(()),
            Err(e) => Err(ClientError::Credentials(e.to_string())),
        }
    }

    /// The session token for a server.
    pub fn token(&self, server: &str) -> Result<Option<String>, ClientError> {
        self.get(&format!("token:{server}"))
    }

    pub fn set_token(&self, server: &str, token: &str) -> Result<(), ClientError> {
        self.set(&format!("token:{server}"), token)
    }

    /// The key that seals the offline cache for a server (created on first use).
    pub fn cache_key(&self, server: &str, create: bool) -> Result<Option<[u8; 32]>, ClientError> {
        use base64::engine::general_purpose::STANDARD;
        use base64::Engine;
        let account = format!("cache-key:{server}");
        if let Some(stored) = self.get(&account)? {
            if let Ok(bytes) = STANDARD.decode(stored.trim()) {
                if let Ok(key) = <[u8; 32]>::try_from(bytes.as_slice()) {
                    return Ok(Some(key));
                }
            }
        }
        if !create {
            return Ok(None);
        }
        let key: [u8; 32] = rand::random();
        self.set(&account, &STANDARD.encode(key))?;
        Ok(Some(key))
    }

    /// Logout: the token and the cache key go; without the key the cache file is unreadable.
    pub fn forget(&self, server: &str) -> Result<(), ClientError> {
        self.delete(&format!("token:{server}"))?;
        self.delete(&format!("cache-key:{server}"))
    }
}
