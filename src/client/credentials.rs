//! The session token and the cache key in the OS credential store (keyring v4: keyring-core with
//! the platform's store — Keychain, Credential Manager; on Linux the desktop's keyring through the
//! Secret Service, else the kernel keyring). Never the password. Where no store works (a
//! container, some SSH sessions) we say so once and keep secrets in this process's memory only —
//! never in a file.

use super::config::CredentialStoreChoice;
use super::ClientError;
use std::collections::HashMap;
use std::path::Path;
use std::sync::{Arc, Mutex, OnceLock};

const SERVICE: &str = "jp.sagamihara.anshin";

/// Shown once when secrets cannot be persisted.
pub const MEMORY_ONLY_NOTICE: &str = "この環境では OS の資格情報ストア（キーチェーン等）が使えません。\
ログイン情報はこのプロセスの間だけメモリに置き、ファイルには保存しません（終了すると再ログインが必要です。オフライン用のキャッシュも作りません）";

/// Where the secrets are kept (`anshin config path` says it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StoreKind {
    /// GNOME Keyring, KWallet … over D-Bus: kept across reboots.
    SecretService,
    /// The Linux kernel keyring: works headless and over SSH, emptied at every reboot.
    KernelKeyring,
    Keychain,
    CredentialManager,
    /// A store the program set before (the mock store in tests).
    Preset,
    /// Nothing beyond this process.
    Memory,
}

impl StoreKind {
    pub fn label(self) -> &'static str {
        match self {
            StoreKind::SecretService => {
                "デスクトップのキーリング（Secret Service: GNOME キーリング、KWallet など）"
            }
            StoreKind::KernelKeyring => {
                "Linux カーネルのキーリング（再起動すると消えます。再ログインが必要です）"
            }
            StoreKind::Keychain => "macOS のキーチェーン",
            StoreKind::CredentialManager => "Windows の資格情報マネージャー",
            StoreKind::Preset => "プログラムが設定したストア（テスト用）",
            StoreKind::Memory => "このプロセスのメモリだけ（終了すると消えます）",
        }
    }
}

pub struct Credentials {
    kind: StoreKind,
    memory: Mutex<HashMap<String, String>>,
}

static PLATFORM_STORE: OnceLock<Option<StoreKind>> = OnceLock::new();

type MakeStore = fn() -> keyring_core::Result<Arc<keyring_core::CredentialStore>>;

/// The platform's stores, best first.
fn candidates() -> Vec<(StoreKind, MakeStore)> {
    #[allow(unused_mut)]
    let mut list: Vec<(StoreKind, MakeStore)> = Vec::new();
    #[cfg(target_os = "linux")]
    {
        list.push((StoreKind::SecretService, || {
            Ok(dbus_secret_service_keyring_store::Store::new()?
                as Arc<keyring_core::CredentialStore>)
        }));
        list.push((StoreKind::KernelKeyring, || {
            Ok(linux_keyutils_keyring_store::Store::new()? as Arc<keyring_core::CredentialStore>)
        }));
    }
    #[cfg(target_os = "macos")]
    list.push((StoreKind::Keychain, || {
        Ok(apple_native_keyring_store::keychain::Store::new()?
            as Arc<keyring_core::CredentialStore>)
    }));
    #[cfg(target_os = "windows")]
    list.push((StoreKind::CredentialManager, || {
        Ok(windows_native_keyring_store::Store::new()? as Arc<keyring_core::CredentialStore>)
    }));
    list
}

/// A store can exist yet refuse every call (no keyring daemon on the bus, `keyctl` blocked in
/// a container): one write and delete says whether it works.
fn probe() -> bool {
    let Ok(entry) = keyring_core::Entry::new(SERVICE, "probe") else {
        return false;
    };
    entry.set_password("1").is_ok() && entry.delete_credential().is_ok()
}

/// The file beside the cache that names the desktop keyring once it has passed the probe. No
/// secret: the store's name only.
const REMEMBERED: &str = "credential-store";
const REMEMBERED_SECRET_SERVICE: &str = "secret-service\n";

/// Whether an earlier run found the desktop keyring (the Secret Service) working.
fn remembered_secret_service(dir: Option<&Path>) -> bool {
    dir.and_then(|d| std::fs::read_to_string(d.join(REMEMBERED)).ok())
        .is_some_and(|s| s == REMEMBERED_SECRET_SERVICE)
}

/// Remembers (or forgets) that the desktop keyring works; `known`: what the file said already.
/// Failing to write only costs the next run its probe again.
fn remember(dir: Option<&Path>, known: bool, kind: Option<StoreKind>) {
    let Some(dir) = dir else { return };
    let path = dir.join(REMEMBERED);
    if kind == Some(StoreKind::SecretService) {
        if !known {
            let _ =
                super::cache::write_atomically(dir, &path, REMEMBERED_SECRET_SERVICE.as_bytes());
        }
    } else {
        let _ = std::fs::remove_file(path);
    }
}

/// The first store that works, made the default; None when none does.
///
/// The probe writes and deletes an entry: against the desktop keyring that is a D-Bus round trip
/// that rewrites its keyring file — about 12 ms of a 70 ms `anshin search` (issue 15). Once the
/// Secret Service has passed it, the fact is remembered in `remembered` (the cache folder) and
/// later runs use it at once; it is still the first choice, so nothing else could have been
/// picked. The kernel keyring, the fallback, is probed every time (no D-Bus, cheap), so that a
/// desktop keyring that appears later (a login over SSH first) is still preferred.
fn install_platform_store(remembered: Option<&Path>) -> Option<StoreKind> {
    *PLATFORM_STORE.get_or_init(|| {
        // A store set by the caller (the mock store in tests) wins.
        if keyring_core::get_default_store().is_some() {
            return probe().then_some(StoreKind::Preset);
        }
        // Read once: it decides the probe and whether the file needs writing.
        let known = remembered_secret_service(remembered);
        let mut found = None;
        for (kind, make) in candidates() {
            let Ok(store) = make() else { continue };
            keyring_core::set_default_store(store);
            if (kind == StoreKind::SecretService && known) || probe() {
                found = Some(kind);
                break;
            }
            keyring_core::unset_default_store();
        }
        remember(remembered, known, found);
        found
    })
}

impl Credentials {
    /// Opens the configured store. The second value is a notice for the user when secrets will
    /// live in memory only. `remembered`: the folder where a working desktop keyring is
    /// remembered between runs (the cache folder; None: probe every time).
    pub fn open(
        choice: CredentialStoreChoice,
        remembered: Option<&Path>,
    ) -> (Credentials, Option<&'static str>) {
        let with = |kind| Credentials {
            kind,
            memory: Mutex::new(HashMap::new()),
        };
        if choice == CredentialStoreChoice::Memory {
            return (with(StoreKind::Memory), None);
        }
        match install_platform_store(remembered) {
            Some(kind) => (with(kind), None),
            None => (with(StoreKind::Memory), Some(MEMORY_ONLY_NOTICE)),
        }
    }

    /// Secrets survive this process.
    pub fn is_persistent(&self) -> bool {
        self.kind != StoreKind::Memory
    }

    /// Where the secrets are kept.
    pub fn kind(&self) -> StoreKind {
        self.kind
    }

    fn entry(&self, account: &str) -> Result<keyring_core::Entry, ClientError> {
        keyring_core::Entry::new(SERVICE, account)
            .map_err(|e| ClientError::Credentials(e.to_string()))
    }

    fn memory(&self) -> std::sync::MutexGuard<'_, HashMap<String, String>> {
        self.memory.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub fn get(&self, account: &str) -> Result<Option<String>, ClientError> {
        if !self.is_persistent() {
            return Ok(self.memory().get(account).cloned());
        }
        match self.entry(account)?.get_password() {
            Ok(secret) => Ok(Some(secret)),
            Err(keyring_core::Error::NoEntry) => Ok(None),
            Err(e) => Err(ClientError::Credentials(e.to_string())),
        }
    }

    pub fn set(&self, account: &str, secret: &str) -> Result<(), ClientError> {
        if !self.is_persistent() {
            self.memory()
                .insert(account.to_string(), secret.to_string());
            return Ok(());
        }
        self.entry(account)?
            .set_password(secret)
            .map_err(|e| ClientError::Credentials(e.to_string()))
    }

    pub fn delete(&self, account: &str) -> Result<(), ClientError> {
        if !self.is_persistent() {
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
        let kept = self.get(&account)?.and_then(|stored| {
            let bytes = STANDARD.decode(stored.trim()).ok()?;
            <[u8; 32]>::try_from(bytes.as_slice()).ok()
        });
        let key = match kept {
            Some(key) => key,
            None if !create => return Ok(None),
            None => {
                let key: [u8; 32] = rand::random();
                self.set(&account, &STANDARD.encode(key))?;
                key
            }
        };
        // Only a key the desktop keyring holds is copied (see `key_copy`): the kernel keyring,
        // when it is the store, is quick already; memory and the test store are never copied.
        if self.kind == StoreKind::SecretService {
            super::key_copy::put(server, &key);
        }
        Ok(Some(key))
    }

    /// Logout: the token and the cache key go (and the key's short-lived copy); without the key
    /// the cache file is unreadable.
    pub fn forget(&self, server: &str) -> Result<(), ClientError> {
        super::key_copy::remove(server);
        self.delete(&format!("token:{server}"))?;
        self.delete(&format!("cache-key:{server}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Only the desktop keyring is remembered, only in the exact words written, and anything
    /// else found (the kernel keyring, nothing) forgets it, so that the next run probes again.
    #[test]
    fn only_a_working_desktop_keyring_is_remembered() {
        let dir = tempfile::tempdir().unwrap();
        let at = Some(dir.path());
        assert!(!remembered_secret_service(at));
        assert!(!remembered_secret_service(None));
        remember(at, false, Some(StoreKind::SecretService));
        assert!(remembered_secret_service(at));
        remember(at, true, Some(StoreKind::KernelKeyring));
        assert!(!remembered_secret_service(at));
        assert!(!dir.path().join(REMEMBERED).exists());
        remember(at, false, Some(StoreKind::SecretService));
        remember(at, true, None);
        assert!(!remembered_secret_service(at));
        std::fs::write(dir.path().join(REMEMBERED), "secret-service-but-not\n").unwrap();
        assert!(!remembered_secret_service(at));
    }
}
