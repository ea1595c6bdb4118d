//! The client core (DESIGN §5): configuration, the API client, credentials in the OS keyring,
//! the encrypted offline cache and sync. No terminal in here: the TUI and the scriptable
//! commands both stand on it.

pub mod api;
pub mod cache;
pub mod config;
pub mod credentials;
pub mod error;
pub mod key_copy;
pub mod listing;
pub mod sync;
pub mod unlock;

pub use error::ClientError;
pub use unlock::Unlock;

use cache::{CacheProblem, CachedDirectory, CachedIndex};
use config::ClientConfig;
use credentials::Credentials;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU32, Ordering};
use sync::SyncOutcome;

fn login_id_account(server: &str) -> String {
    format!("login-id:{server}")
}

/// Everything a command or the TUI needs to talk to the service and keep the offline copy.
pub struct Client {
    pub config: ClientConfig,
    pub api: api::ApiClient,
    pub credentials: Credentials,
    /// Shown once when secrets cannot be kept beyond this process.
    pub notice: Option<&'static str>,
    cache_dir: PathBuf,
    /// The server's idle timeout in minutes, as its last answer said (0: not known yet).
    idle_minutes: AtomicU32,
    /// Held while the listing outbox file is read and written back (the TUI's sync and a
    /// filing may run at once; neither may write over what the other added).
    outbox: std::sync::Mutex<()>,
}

impl Client {
    pub fn new(config: ClientConfig) -> Result<Client, ClientError> {
        let api = api::ApiClient::new(&config)?;
        let cache_dir = config.cache_dir()?;
        let (credentials, notice) = Credentials::open(config.credential_store, Some(&cache_dir));
        Ok(Client {
            config,
            api,
            credentials,
            notice,
            cache_dir,
            idle_minutes: AtomicU32::new(0),
            outbox: std::sync::Mutex::new(()),
        })
    }

    /// How often a running client must use its session so that the server's idle timeout
    /// (DESIGN §4: 30 minutes) never ends it: a third of it, at least a minute. None until a
    /// sign-in or `me` has said what the timeout is.
    pub fn keep_alive_period(&self) -> Option<std::time::Duration> {
        let idle = self.idle_minutes.load(Ordering::Relaxed);
        (idle > 0).then(|| std::time::Duration::from_secs(u64::from((idle / 3).max(1)) * 60))
    }

    /// Who is signed in with this PC's token (and the server's idle timeout, for keeping the
    /// session alive).
    pub async fn me(&self) -> Result<api::AccountInfo, ClientError> {
        let me = self.api.me(&self.token()?).await?;
        self.idle_minutes
            .store(me.idle_timeout_minutes, Ordering::Relaxed);
        Ok(me.user)
    }

    pub fn server(&self) -> &str {
        self.api.base_url()
    }

    pub fn cache_dir(&self) -> &std::path::Path {
        &self.cache_dir
    }

    /// Signs in and keeps the token (never the password) in the credential store. `code`: the
    /// one-time code for an account with two-factor sign-in (without it such an account
    /// answers [`ClientError::TwoFactorRequired`]: ask for it and call again).
    pub async fn login(
        &self,
        login_id: &str,
        password: &str,
        code: Option<&str>,
    ) -> Result<api::LoginInfo, ClientError> {
        let info = self.api.login(login_id, password, code).await?;
        self.take_session(&info).await?;
        self.keep_verifier(password)?;
        self.credentials
            .set(&login_id_account(self.server()), &info.user.login_id)?;
        Ok(info)
    }

    /// Starts enrolling an authenticator app: the secret and its `otpauth://` link.
    pub async fn begin_two_factor(&self) -> Result<crate::api::TwoFactorEnrolment, ClientError> {
        self.api.begin_two_factor(&self.token()?).await
    }

    /// Confirms the enrolment with a code from the app: two-factor sign-in is on, this PC keeps
    /// the new session (the account's others have ended), and the recovery codes come back —
    /// the only time anyone sees them.
    pub async fn confirm_two_factor(&self, code: &str) -> Result<Vec<String>, ClientError> {
        let enabled = self.api.confirm_two_factor(&self.token()?, code).await?;
        self.credentials
            .set_token(self.server(), &enabled.session.token)?;
        self.idle_minutes
            .store(enabled.session.idle_timeout_minutes, Ordering::Relaxed);
        Ok(enabled.recovery_codes)
    }

    /// Keeps `info`'s token and revokes the one it replaces (best effort: one the server cannot
    /// be told about ends by its idle timeout), so signing in again — `anshin login`, the TUI's
    /// unlock — never leaves a live session behind (issue 12, item 8).
    pub async fn take_session(&self, info: &api::LoginInfo) -> Result<(), ClientError> {
        let old = self.credentials.token(self.server()).ok().flatten();
        self.credentials.set_token(self.server(), &info.token)?;
        self.idle_minutes
            .store(info.idle_timeout_minutes, Ordering::Relaxed);
        if let Some(old) = old.filter(|old| *old != info.token) {
            let _ = self.api.logout(&old).await;
        }
        Ok(())
    }

    /// Changes the member's own password; keeps the new session's token and the idle lock's
    /// verifier for the new password (the old token no longer works anywhere).
    pub async fn change_password(
        &self,
        current: &str,
        new: &str,
    ) -> Result<api::LoginInfo, ClientError> {
        let token = self.token()?;
        let info = self.api.change_password(&token, current, new).await?;
        self.credentials.set_token(self.server(), &info.token)?;
        self.idle_minutes
            .store(info.idle_timeout_minutes, Ordering::Relaxed);
        self.keep_verifier(new)?;
        Ok(info)
    }

    /// For the idle lock: a hash that can check the password offline, never the password.
    fn keep_verifier(&self, password: &str) -> Result<(), ClientError> {
        if let Some(verifier) = unlock::make_verifier(password) {
            self.credentials
                .set(&unlock::unlock_account(self.server()), &verifier)?;
        }
        Ok(())
    }

    /// The idle lock's password (and, when the server asks, the one-time code). The password is
    /// checked against this PC's verifier first: offline that decides; online a session that
    /// is still live is kept (no code asked for a short break). When the session has ended, the
    /// server signs the member in again (a fresh session replaces the token, the old one is
    /// revoked) and may ask for the code.
    pub async fn unlock(&self, password: String, code: Option<String>) -> Unlock {
        let verifier = self
            .credentials
            .get(&unlock::unlock_account(self.server()))
            .ok()
            .flatten();
        let typed = password.clone();
        let here = tokio::task::spawn_blocking(move || {
            verifier.is_some_and(|v| unlock::check_verifier(&typed, &v))
        })
        .await
        .unwrap_or(false);
        if here && code.is_none() {
            match self.me().await {
                Ok(_)
                | Err(ClientError::PasswordChangeRequired | ClientError::TwoFactorSetupRequired) => {
                    return Unlock::Unlocked
                }
                Err(e) if e.is_offline() => return Unlock::Unlocked,
                Err(_) => {} // the session has ended: sign in again
            }
        }
        let Some(login_id) = self.login_id() else {
            return if here {
                Unlock::Unlocked
            } else {
                Unlock::Refused
            };
        };
        match self.login(&login_id, &password, code.as_deref()).await {
            Ok(_) => Unlock::Unlocked,
            Err(ClientError::TwoFactorRequired) => Unlock::CodeNeeded,
            Err(
                ClientError::LoginFailed(_)
                | ClientError::TwoFactorFailed(_)
                | ClientError::Throttled { .. },
            ) => Unlock::Refused,
            // An unreachable or failing server: this PC's verifier decides.
            Err(_) if here => Unlock::Unlocked,
            Err(_) => Unlock::Refused,
        }
    }

    /// The login ID of the last sign-in on this server (for unlocking the TUI).
    pub fn login_id(&self) -> Option<String> {
        self.credentials
            .get(&login_id_account(self.server()))
            .ok()
            .flatten()
    }

    pub fn token(&self) -> Result<String, ClientError> {
        self.credentials
            .token(self.server())?
            .ok_or(ClientError::NotLoggedIn)
    }

    /// Revokes the token at the server (if reachable), then forgets the token, the cache key
    /// and the cache file.
    pub async fn logout(&self) -> Result<(), ClientError> {
        let server_result = match self.credentials.token(self.server())? {
            Some(token) => self.api.logout(&token).await,
            None => Ok(()),
        };
        self.credentials.forget(self.server())?;
        self.credentials
            .delete(&unlock::unlock_account(self.server()))?;
        self.credentials.delete(&login_id_account(self.server()))?;
        cache::remove(&self.cache_dir);
        // Local secrets are gone whatever the server said; report an offline logout honestly.
        server_result
    }

    /// The offline copy, indexed (issue 15: read, decrypted and ready to search without parsing
    /// or folding anything). An unusable file is removed so that the next sync starts clean.
    pub fn load_cache(&self) -> Result<CachedIndex, CacheProblem> {
        let key = self
            .credentials
            .cache_key(self.server(), false)
            .ok()
            .flatten();
        let result = cache::load(&self.cache_dir, key.as_ref(), self.server());
        if matches!(
            result,
            Err(CacheProblem::Corrupt | CacheProblem::Unreadable)
        ) {
            cache::remove(&self.cache_dir);
        }
        result
    }

    /// `anshin search`'s quick way in (issue 15): the cache opened with the kernel keyring's
    /// copy of its key (see [`key_copy`]), before — and instead of — opening the desktop
    /// keyring. None when there is no copy or it does not open the cache; then [`Client::new`]
    /// and [`Client::load_cache`] ask the keyring itself, and nothing is removed here.
    pub fn load_cache_with_key_copy(config: &ClientConfig) -> Option<CachedIndex> {
        if config.credential_store == config::CredentialStoreChoice::Memory {
            return None;
        }
        let server = api::check_server_url(&config.server_url, config.allow_insecure_http).ok()?;
        let key = key_copy::get(&server)?;
        cache::load(&config.cache_dir().ok()?, Some(&key), &server).ok()
    }

    /// `anshin sync`: as [`Client::sync`], but when nothing has changed only the small state
    /// file beside the cache is read and written — not the whole directory (issue 15: at
    /// 100 000 people that was a full read, parse, re-serialise, compress and seal). The answer
    /// is the revision now held, and what happened.
    pub async fn sync_quick(&self) -> Result<(u64, SyncOutcome), ClientError> {
        if let Some((revision, _)) = self.quiet_sync(None).await? {
            return Ok((revision, SyncOutcome::Unchanged));
        }
        let (directory, outcome) = self.sync().await?;
        Ok((directory.index.revision(), outcome))
    }

    fn cache_key_if_kept(&self) -> Option<[u8; 32]> {
        if !self.credentials.is_persistent() {
            return None;
        }
        self.credentials
            .cache_key(self.server(), false)
            .ok()
            .flatten()
    }

    /// For a caller that holds `revision` (the TUI's index): when the cache on disk is at that
    /// revision and the server has nothing after it, the sync is recorded in the small state
    /// file and its time returned; None when there is something to fetch (or no cache to record
    /// it in) — then [`Client::sync`] does the work.
    pub async fn sync_unchanged(
        &self,
        revision: u64,
    ) -> Result<Option<crate::directory::Timestamp>, ClientError> {
        Ok(self.quiet_sync(Some(revision)).await?.map(|(_, at)| at))
    }

    /// The quiet case of a sync, from the state file alone: the cache is at `holding` (or, for
    /// None, at whatever revision it is) and the server's delta since then is empty. Records the
    /// time and returns the revision and it.
    async fn quiet_sync(
        &self,
        holding: Option<u64>,
    ) -> Result<Option<(u64, crate::directory::Timestamp)>, ClientError> {
        let Some(key) = self.cache_key_if_kept() else {
            return Ok(None);
        };
        let Some(mut state) = cache::load_state(&self.cache_dir, &key, self.server()) else {
            return Ok(None);
        };
        let revision = state.revision;
        if holding.is_some_and(|held| held != revision) {
            return Ok(None);
        }
        let api::DeltaFetch::Delta(delta) = self.api.delta(&self.token()?, revision).await? else {
            return Ok(None);
        };
        let nothing = delta.revision == revision
            && delta.organizations.is_empty()
            && delta.people.is_empty()
            && delta
                .deleted
                .as_ref()
                .is_none_or(|d| d.organizations.is_empty() && d.people.is_empty());
        if !nothing {
            return Ok(None);
        }
        state.synced_at = crate::directory::now_in_japan();
        cache::store_state(&self.cache_dir, &state, &key, self.server())?;
        Ok(Some((revision, state.synced_at)))
    }

    /// Indexes the synced directory and, where secrets persist, seals and writes it — off the
    /// async workers (at 100 000 people this is the sync's real work). The same index is what
    /// the TUI then searches: it is built once.
    async fn index_and_store(
        &self,
        directory: CachedDirectory,
        previous: Option<crate::search::PreviousRows>,
        key: Option<[u8; 32]>,
    ) -> Result<CachedIndex, ClientError> {
        let dir = self.cache_dir.clone();
        let (cached, stored) = tokio::task::spawn_blocking(move || {
            let cached = CachedIndex::build_reusing(directory, previous.as_ref());
            let stored = key.map_or(Ok(()), |key| cache::store(&dir, &cached, &key));
            (cached, stored)
        })
        .await
        .map_err(|e| ClientError::CacheWrite {
            path: self.cache_dir.display().to_string(),
            detail: e.to_string(),
        })?;
        stored?;
        Ok(cached)
    }

    /// Syncs from the cache (or from nothing) and writes the new cache. Where secrets cannot be
    /// persisted no cache is written: it would need a key on disk.
    pub async fn sync(&self) -> Result<(CachedIndex, SyncOutcome), ClientError> {
        let token = self.token()?;
        // A delta is merged into the records: the whole snapshot, decoded.
        // The index's rows come along: after a delta only the people it changed are folded
        // again (issue 15).
        let (current, previous) = match self.load_cache() {
            Ok(cached) => {
                let (directory, previous) = cached.into_parts();
                (Some(directory), previous)
            }
            Err(_) => (None, None),
        };
        let (directory, outcome) = sync::sync(&self.api, &token, current).await?;
        // Written after every sync, so "last synced at" survives a restart offline.
        let key = if self.credentials.is_persistent() {
            self.credentials.cache_key(self.server(), true)?
        } else {
            None
        };
        let cached = self.index_and_store(directory, previous, key).await?;
        Ok((cached, outcome))
    }
}
