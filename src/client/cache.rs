//! The offline copy of the directory, encrypted at rest (DESIGN §5): XChaCha20-Poly1305 under a
//! random key kept in the keyring, bound to the server it came from, file mode 0600, written
//! atomically (temp file + rename) so a crash never leaves half a cache. The JSON is gzipped
//! before sealing and parsed straight from the decompressor, so loading 100k people never holds
//! the whole text in memory beside the parsed directory (DESIGN §8: ≤ 150 MB). Anything unreadable —
//! truncated, corrupt, another server's, a key that is gone — is reported as such, never a panic,
//! and the caller fetches afresh.

use super::ClientError;
use crate::directory::{Snapshot, Timestamp};
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use serde::{Deserialize, Serialize};
use std::io::Write;
use std::path::{Path, PathBuf};

const MAGIC: &[u8; 12] = b"ANSHIN-CACHE";
/// 2: gzip inside the seal (1 held plain JSON; such a file reads as corrupt and is refetched).
const VERSION: u8 = 2;
const NONCE_LEN: usize = 24;
const HEADER_LEN: usize = MAGIC.len() + 1 + NONCE_LEN;

/// What the cache holds: the directory and how it was synced.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CachedDirectory {
    pub server_url: String,
    pub etag: Option<String>,
    pub synced_at: Timestamp,
    pub snapshot: Snapshot,
}

/// Why a cache could not be used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CacheProblem {
    Missing,
    /// Not a cache file, or cut short.
    Corrupt,
    /// Fails authentication: cut short, altered, sealed for another server, or with a key that
    /// is no longer in the keyring.
    Unreadable,
}

impl CacheProblem {
    pub fn message(&self) -> &'static str {
        match self {
            CacheProblem::Missing => "オフライン用のキャッシュはまだありません",
            CacheProblem::Corrupt => "オフライン用のキャッシュが壊れていたため、捨てて取り直します",
            CacheProblem::Unreadable => "オフライン用のキャッシュを開けません（壊れているか、別のサーバーのものか、鍵が変わりました）。捨てて取り直します",
        }
    }
}

pub fn cache_file(dir: &Path) -> PathBuf {
    dir.join("directory.cache")
}

/// The sync state beside the cache (see [`SyncState`]).
pub fn state_file(dir: &Path) -> PathBuf {
    dir.join("directory.state")
}

const STATE_MAGIC: &[u8; 12] = b"ANSHIN-STATE";

/// How the cache was last synced, kept in a small file beside it (issue 15: a sync that found
/// nothing new rewrote the whole cache — re-serialising, compressing and sealing every person —
/// only to record the time). Sealed like the cache under the same key for the same server, and
/// tied to one cache file by that file's nonce: a cache written later (or put back from
/// elsewhere) does not take an older state's word.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SyncState {
    pub revision: u64,
    pub etag: Option<String>,
    pub synced_at: Timestamp,
    /// The nonce of the cache file this state belongs to (hex).
    cache_nonce: String,
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The nonce in a cache file's header, read without reading the rest.
fn cache_nonce(dir: &Path) -> Option<String> {
    use std::io::Read;
    let mut header = [0u8; HEADER_LEN];
    std::fs::File::open(cache_file(dir))
        .and_then(|mut f| f.read_exact(&mut header))
        .ok()?;
    (&header[..MAGIC.len()] == MAGIC).then(|| hex(&header[MAGIC.len() + 1..]))
}

/// The state of the cache in `dir`, if it belongs to the cache file there.
pub fn load_state(dir: &Path, key: &[u8; 32], server_url: &str) -> Option<SyncState> {
    let bytes = std::fs::read(state_file(dir)).ok()?;
    let plaintext = unseal(STATE_MAGIC, &bytes, key, server_url).ok()?;
    let state: SyncState = serde_json::from_slice(&plaintext).ok()?;
    (Some(&state.cache_nonce) == cache_nonce(dir).as_ref()).then_some(state)
}

/// Records a sync that changed nothing: only the small state file is written (atomically).
pub fn store_state(
    dir: &Path,
    state: &SyncState,
    key: &[u8; 32],
    server_url: &str,
) -> Result<(), ClientError> {
    let plaintext = serde_json::to_vec(state).expect("a state always serializes");
    let sealed = seal_bytes(STATE_MAGIC, &plaintext, key, server_url);
    write_atomically(dir, &state_file(dir), &sealed)
}

/// What the seal authenticates besides the text: the kind of file, its version, the server.
fn aad(magic: &[u8], server_url: &str) -> Vec<u8> {
    let mut aad = magic.to_vec();
    aad.push(VERSION);
    aad.extend_from_slice(server_url.as_bytes());
    aad
}

/// `magic`, the version, a fresh nonce and `plaintext` sealed for `server_url`.
fn seal_bytes(magic: &[u8], plaintext: &[u8], key: &[u8; 32], server_url: &str) -> Vec<u8> {
    let nonce: [u8; NONCE_LEN] = rand::random();
    let ciphertext = XChaCha20Poly1305::new(key.into())
        .encrypt(
            XNonce::from_slice(&nonce),
            Payload {
                msg: plaintext,
                aad: &aad(magic, server_url),
            },
        )
        .expect("encryption with a valid key cannot fail");
    let mut out = Vec::with_capacity(magic.len() + 1 + NONCE_LEN + ciphertext.len());
    out.extend_from_slice(magic);
    out.push(VERSION);
    out.extend_from_slice(&nonce);
    out.extend_from_slice(&ciphertext);
    out
}

/// The text of what [`seal_bytes`] wrote: `Corrupt` when it is not such a file at all,
/// `Unreadable` when it fails authentication (a wrong key, another server, flipped bits).
fn unseal(
    magic: &[u8],
    bytes: &[u8],
    key: &[u8; 32],
    server_url: &str,
) -> Result<Vec<u8>, CacheProblem> {
    let header = magic.len() + 1 + NONCE_LEN;
    if bytes.len() < header + 16 || &bytes[..magic.len()] != magic || bytes[magic.len()] != VERSION
    {
        return Err(CacheProblem::Corrupt);
    }
    XChaCha20Poly1305::new(key.into())
        .decrypt(
            XNonce::from_slice(&bytes[magic.len() + 1..header]),
            Payload {
                msg: &bytes[header..],
                aad: &aad(magic, server_url),
            },
        )
        .map_err(|_| CacheProblem::Unreadable)
}

/// Encrypts a cache image. Pure: the caller picks the file.
pub fn seal(directory: &CachedDirectory, key: &[u8; 32]) -> Vec<u8> {
    let gzip = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    // serde_json writes a few bytes at a time; straight into the encoder every one of those
    // writes ran the compressor (and zeroed its output buffer): 30 s at 100 000 people. A
    // 64 KiB buffer in front makes it one compressor call per 64 KiB.
    let mut buffered = std::io::BufWriter::with_capacity(1 << 16, gzip);
    serde_json::to_writer(&mut buffered, directory).expect("a directory always serializes");
    let gzip = buffered
        .into_inner()
        .map_err(|e| e.into_error())
        .expect("writing to memory cannot fail");
    let plaintext = gzip.finish().expect("writing to memory cannot fail");
    seal_bytes(MAGIC, &plaintext, key, &directory.server_url)
}

/// Decrypts and parses a cache image for `server_url`.
pub fn open(
    bytes: &[u8],
    key: &[u8; 32],
    server_url: &str,
) -> Result<CachedDirectory, CacheProblem> {
    let plaintext = unseal(MAGIC, bytes, key, server_url)?;
    let reader =
        std::io::BufReader::with_capacity(256 * 1024, flate2::read::GzDecoder::new(&plaintext[..]));
    let directory: CachedDirectory =
        serde_json::from_reader(reader).map_err(|_| CacheProblem::Corrupt)?;
    if directory.server_url != server_url {
        return Err(CacheProblem::Unreadable);
    }
    Ok(directory)
}

/// Reads the cache file of `dir`, with the time (and ETag) of its last sync from the state
/// beside it when that belongs to it.
pub fn load(
    dir: &Path,
    key: Option<&[u8; 32]>,
    server_url: &str,
) -> Result<CachedDirectory, CacheProblem> {
    let bytes = match std::fs::read(cache_file(dir)) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Err(CacheProblem::Missing),
        Err(_) => return Err(CacheProblem::Corrupt),
    };
    let key = key.ok_or(CacheProblem::Unreadable)?;
    let mut directory = open(&bytes, key, server_url)?;
    if let Some(state) = load_state(dir, key, server_url) {
        if state.revision == directory.snapshot.revision {
            directory.synced_at = state.synced_at;
            directory.etag = state.etag;
        }
    }
    Ok(directory)
}

/// Writes `bytes` to `path` in `dir` atomically with owner-only permissions.
pub(crate) fn write_atomically(dir: &Path, path: &Path, bytes: &[u8]) -> Result<(), ClientError> {
    let fail = |e: std::io::Error| ClientError::CacheWrite {
        path: dir.display().to_string(),
        detail: e.to_string(),
    };
    std::fs::create_dir_all(dir).map_err(fail)?;
    // NamedTempFile is created 0600 on Unix and lives in the same folder, so the rename is atomic.
    let mut temp = tempfile::NamedTempFile::new_in(dir).map_err(fail)?;
    temp.write_all(bytes).map_err(fail)?;
    temp.as_file().sync_all().map_err(fail)?;
    temp.persist(path).map_err(|e| fail(e.error))?;
    Ok(())
}

/// Writes the cache, and the state that records its sync, atomically with owner-only
/// permissions.
pub fn store(dir: &Path, directory: &CachedDirectory, key: &[u8; 32]) -> Result<(), ClientError> {
    let sealed = seal(directory, key);
    write_atomically(dir, &cache_file(dir), &sealed)?;
    let state = SyncState {
        revision: directory.snapshot.revision,
        etag: directory.etag.clone(),
        synced_at: directory.synced_at,
        cache_nonce: hex(&sealed[MAGIC.len() + 1..HEADER_LEN]),
    };
    store_state(dir, &state, key, &directory.server_url)
}

/// Removes the cache and its state (logout, or a cache found unusable).
pub fn remove(dir: &Path) {
    let _ = std::fs::remove_file(cache_file(dir));
    let _ = std::fs::remove_file(state_file(dir));
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> CachedDirectory {
        CachedDirectory {
            server_url: "https://a.example.jp".into(),
            etag: Some("W/\"anshin-r1\"".into()),
            synced_at: crate::directory::now_in_japan(),
            snapshot: crate::demo::generate(20, 1),
        }
    }

    /// Issue 15: a sync that finds nothing new writes only the state beside the cache; the
    /// state counts only for the cache file it was written with.
    #[test]
    fn the_sync_state_records_a_quiet_sync_for_its_own_cache_only() {
        let dir = tempfile::tempdir().unwrap();
        let key = [7u8; 32];
        let directory = sample();
        store(dir.path(), &directory, &key).unwrap();
        let state = load_state(dir.path(), &key, &directory.server_url).unwrap();
        assert_eq!(state.revision, directory.snapshot.revision);
        assert_eq!(state.synced_at, directory.synced_at);
        let cache_bytes = std::fs::read(cache_file(dir.path())).unwrap();

        let later = directory.synced_at + chrono::Duration::minutes(10);
        let quiet = SyncState {
            synced_at: later,
            ..state.clone()
        };
        store_state(dir.path(), &quiet, &key, &directory.server_url).unwrap();
        assert_eq!(
            std::fs::read(cache_file(dir.path())).unwrap(),
            cache_bytes,
            "the cache itself is not rewritten"
        );
        let loaded = load(dir.path(), Some(&key), &directory.server_url).unwrap();
        assert_eq!(loaded.synced_at, later);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(state_file(dir.path()))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        // Another server's, or under another key: not read.
        assert!(load_state(dir.path(), &key, "https://b.example.jp").is_none());
        assert!(load_state(dir.path(), &[8u8; 32], &directory.server_url).is_none());
        // A state put back beside a newer cache does not speak for it.
        let old_state = std::fs::read(state_file(dir.path())).unwrap();
        store(dir.path(), &directory, &key).unwrap();
        std::fs::write(state_file(dir.path()), old_state).unwrap();
        assert!(load_state(dir.path(), &key, &directory.server_url).is_none());
        let loaded = load(dir.path(), Some(&key), &directory.server_url).unwrap();
        assert_eq!(loaded.synced_at, directory.synced_at);
        remove(dir.path());
        assert!(!state_file(dir.path()).exists() && !cache_file(dir.path()).exists());
    }

    #[test]
    fn round_trip_and_no_plaintext() {
        let key = [7u8; 32];
        let dir = sample();
        let sealed = seal(&dir, &key);
        let name = &dir.snapshot.people[0].name;
        assert!(!sealed.windows(name.len()).any(|w| w == name.as_bytes()));
        assert_eq!(open(&sealed, &key, "https://a.example.jp").unwrap(), dir);
    }

    #[test]
    fn every_kind_of_damage_is_detected() {
        let key = [7u8; 32];
        let sealed = seal(&sample(), &key);
        assert_eq!(
            open(&sealed[..sealed.len() / 2], &key, "https://a.example.jp"),
            Err(CacheProblem::Unreadable)
        );
        assert_eq!(
            open(&sealed[..10], &key, "https://a.example.jp"),
            Err(CacheProblem::Corrupt)
        );
        assert_eq!(
            open(b"{\"json\": true}", &key, "https://a.example.jp"),
            Err(CacheProblem::Corrupt)
        );
        assert_eq!(
            open(&sealed, &[8u8; 32], "https://a.example.jp"),
            Err(CacheProblem::Unreadable)
        );
        assert_eq!(
            open(&sealed, &key, "https://b.example.jp"),
            Err(CacheProblem::Unreadable)
        );
        let mut flipped = sealed.clone();
        let last = flipped.len() - 1;
        flipped[last] ^= 1;
        assert_eq!(
            open(&flipped, &key, "https://a.example.jp"),
            Err(CacheProblem::Unreadable)
        );
    }

    #[test]
    fn stored_file_is_owner_only_and_replaced_atomically() {
        let tmp = tempfile::tempdir().unwrap();
        let key = [1u8; 32];
        store(tmp.path(), &sample(), &key).unwrap();
        store(tmp.path(), &sample(), &key).unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(cache_file(tmp.path()))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        assert_eq!(
            std::fs::read_dir(tmp.path()).unwrap().count(),
            2,
            "the cache and its state, no temp files left behind"
        );
        assert!(load(tmp.path(), Some(&key), "https://a.example.jp").is_ok());
        assert_eq!(
            load(tmp.path(), None, "https://a.example.jp"),
            Err(CacheProblem::Unreadable)
        );
        remove(tmp.path());
        assert_eq!(
            load(tmp.path(), Some(&key), "https://a.example.jp"),
            Err(CacheProblem::Missing)
        );
    }
}
