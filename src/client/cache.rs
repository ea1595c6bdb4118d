//! The offline copy of the directory, encrypted at rest (DESIGN §5): AES-256-GCM under a key
//! derived from a random key kept in the keyring (the small state file: XChaCha20-Poly1305 under
//! the keyring's key itself), bound to the server it came from, file mode 0600, written
//! atomically (temp file + rename) so a crash never leaves half a cache. Anything unreadable —
//! truncated, corrupt, another server's, a key that is gone, an older layout — is reported as
//! such, never a panic, and the caller fetches afresh.
//!
//! What is sealed is the search index itself (issue 15): its columns as bytes — folded names,
//! masks, contact windows as minutes, kana order — and the records in small LZ4 blocks
//! (`search::SearchIndex::encode_parts`). Opening is one read and one AEAD pass in place per
//! part; nothing is parsed or folded again, and a record is decoded only when it is shown. The index is
//! built once per sync, by the sync, and the TUI is handed that same index.

use super::ClientError;
use crate::directory::{Snapshot, Timestamp};
use crate::search::{PreviousRows, SearchIndex};
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use ring::aead::{Aad, LessSafeKey, Nonce, Tag, UnboundKey, AES_256_GCM};
use ring::hkdf;
use serde::{Deserialize, Serialize};
use std::io::Write;
use std::path::{Path, PathBuf};

const MAGIC: &[u8; 12] = b"ANSHIN-CACHE";
/// 6: three parts sealed on their own (see [`PARTS`]). 5: people's records in postcard rather
/// than JSON (issue 15: a sync reads and writes them all). 4: the body sealed with AES-256-GCM
/// under a key derived for it (see [`body_key`]). 3: the search index and LZ4 record blocks inside the seal (issue 15), XChaCha20-Poly1305. 2 held
/// gzipped JSON, 1 plain JSON. An older file reads as corrupt and is refetched.
const VERSION: u8 = 6;
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

/// The cache as it is read and written: the directory already indexed.
pub struct CachedIndex {
    pub server_url: String,
    pub etag: Option<String>,
    pub synced_at: Timestamp,
    pub index: SearchIndex,
    /// Whether this program folded the index's rows (see [`INDEX_RULES`]): only then does the
    /// next sync reuse them.
    reusable: bool,
}

/// Which program folded an index's rows, sealed with it. Another version may fold names
/// differently (a new kanji variant, a reading): its rows are never reused, so the first sync
/// after an update folds everybody again and the index is all of one version.
const INDEX_RULES: &str = env!("CARGO_PKG_VERSION");

/// Not the records: the cache's identity and size only.
impl std::fmt::Debug for CachedIndex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CachedIndex")
            .field("server_url", &self.server_url)
            .field("etag", &self.etag)
            .field("synced_at", &self.synced_at)
            .field("revision", &self.index.revision())
            .field("people", &self.index.people_count())
            .field("organizations", &self.index.organization_count())
            .finish()
    }
}

impl CachedIndex {
    /// Indexes a directory (the work of a sync: folding every name, on every core).
    pub fn build(directory: CachedDirectory) -> CachedIndex {
        CachedIndex::build_reusing(directory, None)
    }

    /// As [`CachedIndex::build`], reusing the rows of the people `previous` holds unchanged
    /// (issue 15: after a delta only the people it changed are folded again).
    pub fn build_reusing(
        directory: CachedDirectory,
        previous: Option<&PreviousRows>,
    ) -> CachedIndex {
        CachedIndex {
            server_url: directory.server_url,
            etag: directory.etag,
            synced_at: directory.synced_at,
            index: SearchIndex::build_reusing(directory.snapshot, previous).0,
            reusable: true,
        }
    }

    /// The whole snapshot (decoded on first use when read from the file).
    pub fn snapshot(&self) -> &Snapshot {
        self.index.snapshot()
    }

    /// The directory, and the index's rows for the next build when this program folded them.
    pub fn into_parts(self) -> (CachedDirectory, Option<PreviousRows>) {
        let (snapshot, previous) = if self.reusable {
            let (snapshot, previous) = self.index.into_parts();
            (snapshot, Some(previous))
        } else {
            (self.index.into_snapshot(), None)
        };
        let directory = CachedDirectory {
            server_url: self.server_url,
            etag: self.etag,
            synced_at: self.synced_at,
            snapshot,
        };
        (directory, previous)
    }
}

impl From<CachedDirectory> for CachedIndex {
    fn from(directory: CachedDirectory) -> CachedIndex {
        CachedIndex::build(directory)
    }
}

/// How the cache was synced, sealed with the index (small: after the index's bytes).
#[derive(Serialize, Deserialize)]
struct Meta {
    server_url: String,
    etag: Option<String>,
    synced_at: Timestamp,
    /// [`INDEX_RULES`] of the program that folded the index (absent before it was recorded).
    #[serde(default)]
    index_rules: String,
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
    /// That file's length: the last part's own length is not written in the file, so a file
    /// cut short there would otherwise still look whole. A state without it (written before
    /// it was kept) does not parse and counts as none.
    cache_len: u64,
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The nonce in a cache file's header and the file's length, read without reading the rest —
/// None for a file of another layout: an older version's cache after an update keeps its nonce
/// where it was, and its state would say 「最新」 of a cache that `anshin search` then finds
/// unreadable and removes. With the length kept in the state, a file cut short or grown does
/// not match either. A part damaged inside is found only when the cache is opened: it is
/// removed then, and the next sync fetches everything.
fn cache_identity(dir: &Path) -> Option<(String, u64)> {
    use std::io::Read;
    let mut header = [0u8; HEADER_LEN];
    let mut file = std::fs::File::open(cache_file(dir)).ok()?;
    file.read_exact(&mut header).ok()?;
    let len = file.metadata().ok()?.len();
    (&header[..MAGIC.len()] == MAGIC && header[MAGIC.len()] == VERSION)
        .then(|| (hex(&header[MAGIC.len() + 1..]), len))
}

/// The state of the cache in `dir`, if it belongs to the cache file there.
pub fn load_state(dir: &Path, key: &[u8; 32], server_url: &str) -> Option<SyncState> {
    let bytes = std::fs::read(state_file(dir)).ok()?;
    let plaintext = unseal(STATE_MAGIC, &bytes, key, server_url).ok()?;
    let state: SyncState = serde_json::from_slice(&plaintext).ok()?;
    let belongs = matches!(cache_identity(dir),
        Some((nonce, len)) if nonce == state.cache_nonce && len == state.cache_len);
    belongs.then_some(state)
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

/// The cache body's own key: HKDF-SHA256 of the keyring's key, for AES-256-GCM. The state file
/// keeps XChaCha20-Poly1305 under the keyring's key itself, so no key serves two ciphers.
/// AES-GCM because opening the cache is mostly this pass over 20–45 MB (issue 15): ring's AES-NI
/// and VAES code runs it several times faster than ChaCha20-Poly1305 in portable Rust.
fn body_key(key: &[u8; 32]) -> LessSafeKey {
    let prk = hkdf::Salt::new(hkdf::HKDF_SHA256, b"anshin directory.cache").extract(key);
    let okm = prk
        .expand(&[b"body, AES-256-GCM"], &AES_256_GCM)
        .expect("one AES-256 key is within what HKDF-SHA256 can give");
    LessSafeKey::new(UnboundKey::from(okm))
}

const NONCE_LEN_GCM: usize = 12;

/// Encrypts a cache image. Pure: the caller picks the file.
pub fn seal(cached: &CachedIndex, key: &[u8; 32]) -> Vec<u8> {
    seal_folded_by(cached, key, INDEX_RULES)
}

/// A cache file's body is three parts, each sealed on its own: the haystack text, the rest of
/// the index with the meta, and the record blocks (issue 15). Each is read into a buffer of its
/// own, opened in place and kept as it is — the text becomes the index's text, the blocks the
/// records' — so nothing is copied or moved after the read, and no buffer holds bytes that are
/// no longer needed. The lengths of the first two follow the header; the last runs to the end.
const PARTS: usize = 3;
const LENGTHS_LEN: usize = 8 * (PARTS - 1);
const TAG_LEN: usize = 16;

/// Part `part`'s 96-bit GCM nonce: the first 12 of the header's 24 random bytes (fresh at every
/// write; a cache is rewritten a few times a day, far below the 2^32 random nonces a key allows),
/// the last of them changed by the part's number — three nonces per write, none repeated.
fn part_nonce(header_nonce: &[u8], part: usize) -> Nonce {
    let mut nonce = [0u8; NONCE_LEN_GCM];
    nonce.copy_from_slice(&header_nonce[..NONCE_LEN_GCM]);
    nonce[NONCE_LEN_GCM - 1] ^= part as u8;
    Nonce::assume_unique_for_key(nonce)
}

/// What part `part` is bound to: the server, its place, and the parts' lengths.
fn part_aad(server_url: &str, part: usize, lengths: &[u8]) -> Vec<u8> {
    let mut aad = aad(MAGIC, server_url);
    aad.push(part as u8);
    aad.extend_from_slice(lengths);
    aad
}

/// [`seal`], saying that the program `index_rules` folded the index.
fn seal_folded_by(cached: &CachedIndex, key: &[u8; 32], index_rules: &str) -> Vec<u8> {
    let (text, mut rest, blocks) = cached.index.encode_parts();
    let meta = serde_json::to_vec(&Meta {
        server_url: cached.server_url.clone(),
        etag: cached.etag.clone(),
        synced_at: cached.synced_at,
        index_rules: index_rules.to_string(),
    })
    .expect("the cache's meta always serializes");
    rest.extend_from_slice(&meta);
    rest.extend_from_slice(&(meta.len() as u64).to_le_bytes());
    let parts: [&[u8]; PARTS] = [text, &rest, &blocks];
    let nonce: [u8; NONCE_LEN] = rand::random();
    let mut lengths = Vec::with_capacity(LENGTHS_LEN);
    for part in &parts[..PARTS - 1] {
        lengths.extend_from_slice(&((part.len() + TAG_LEN) as u64).to_le_bytes());
    }
    let total: usize = parts.iter().map(|p| p.len() + TAG_LEN).sum();
    let mut out = Vec::with_capacity(HEADER_LEN + LENGTHS_LEN + total);
    out.extend_from_slice(MAGIC);
    out.push(VERSION);
    out.extend_from_slice(&nonce);
    out.extend_from_slice(&lengths);
    let key = body_key(key);
    for (k, part) in parts.into_iter().enumerate() {
        let start = out.len();
        out.extend_from_slice(part);
        // In place in the file's image: 20–45 MiB at 100 000 people is not copied again.
        let tag = key
            .seal_in_place_separate_tag(
                part_nonce(&nonce, k),
                Aad::from(part_aad(&cached.server_url, k, &lengths)),
                &mut out[start..],
            )
            .expect("sealing under a valid key cannot fail");
        out.extend_from_slice(tag.as_ref());
    }
    out
}

/// The sizes of the parts after the header and lengths, from the lengths and the size of all
/// of them; None when they do not fit (a file cut short, or lengths altered).
fn part_sizes(lengths: &[u8; LENGTHS_LEN], all: usize) -> Option<[usize; PARTS]> {
    let mut sizes = [0usize; PARTS];
    let mut used = 0usize;
    for (k, chunk) in lengths.chunks_exact(8).enumerate() {
        let n = usize::try_from(u64::from_le_bytes(chunk.try_into().ok()?)).ok()?;
        used = used.checked_add(n)?;
        sizes[k] = n;
    }
    sizes[PARTS - 1] = all.checked_sub(used)?;
    sizes.iter().all(|&n| n >= TAG_LEN).then_some(sizes)
}

/// Decrypts and reads a cache image for `server_url`.
pub fn open(bytes: &[u8], key: &[u8; 32], server_url: &str) -> Result<CachedIndex, CacheProblem> {
    let header: [u8; HEADER_LEN] = bytes
        .get(..HEADER_LEN)
        .and_then(|h| h.try_into().ok())
        .ok_or(CacheProblem::Corrupt)?;
    let lengths: [u8; LENGTHS_LEN] = bytes
        .get(HEADER_LEN..HEADER_LEN + LENGTHS_LEN)
        .and_then(|l| l.try_into().ok())
        .ok_or(CacheProblem::Corrupt)?;
    let mut rest = &bytes[HEADER_LEN + LENGTHS_LEN..];
    let sizes = part_sizes(&lengths, rest.len()).ok_or(CacheProblem::Unreadable)?;
    let parts = sizes.map(|n| {
        let (part, tail) = rest.split_at(n);
        rest = tail;
        part.to_vec()
    });
    open_parts(&header, &lengths, parts, key, server_url)
}

/// The header, the lengths and each part in a buffer of its own, decrypted in place: the text
/// becomes the index's text and the blocks its records'.
fn open_parts(
    header: &[u8; HEADER_LEN],
    lengths: &[u8; LENGTHS_LEN],
    mut parts: [Vec<u8>; PARTS],
    key: &[u8; 32],
    server_url: &str,
) -> Result<CachedIndex, CacheProblem> {
    if &header[..MAGIC.len()] != MAGIC || header[MAGIC.len()] != VERSION {
        return Err(CacheProblem::Corrupt);
    }
    let key = body_key(key);
    for (k, part) in parts.iter_mut().enumerate() {
        let split = part
            .len()
            .checked_sub(TAG_LEN)
            .ok_or(CacheProblem::Corrupt)?;
        let tag = Tag::try_from(&part[split..]).map_err(|_| CacheProblem::Corrupt)?;
        key.open_in_place_separate_tag(
            part_nonce(&header[MAGIC.len() + 1..], k),
            Aad::from(part_aad(server_url, k, lengths)),
            tag,
            &mut part[..split],
            0..,
        )
        .map_err(|_| CacheProblem::Unreadable)?;
        part.truncate(split);
    }
    let [text, mut rest, blocks] = parts;
    let meta_len = rest
        .split_last_chunk::<8>()
        .and_then(|(_, n)| usize::try_from(u64::from_le_bytes(*n)).ok())
        .filter(|&n| n + 8 <= rest.len())
        .ok_or(CacheProblem::Corrupt)?;
    let meta_start = rest.len() - 8 - meta_len;
    let meta: Meta = serde_json::from_slice(&rest[meta_start..rest.len() - 8])
        .map_err(|_| CacheProblem::Corrupt)?;
    if meta.server_url != server_url {
        return Err(CacheProblem::Unreadable);
    }
    rest.truncate(meta_start);
    let index = SearchIndex::decode_parts(text, &rest, blocks).ok_or(CacheProblem::Corrupt)?;
    Ok(CachedIndex {
        server_url: meta.server_url,
        etag: meta.etag,
        synced_at: meta.synced_at,
        index,
        reusable: meta.index_rules == INDEX_RULES,
    })
}

/// An empty buffer for `n` bytes of the cache. On Linux, a large one asks the kernel for
/// transparent huge pages before anything is written to it: read into 4 KiB pages, the 20 MiB
/// cache of 50 000 people was 5 000 page faults — most of an `anshin search` (issue 15). Where
/// the kernel has no huge pages to give, the advice changes nothing.
fn read_buffer(n: usize) -> Vec<u8> {
    let buffer = Vec::with_capacity(n);
    #[cfg(target_os = "linux")]
    if n >= HUGE_PAGE {
        let start = buffer.as_ptr() as usize;
        let first = start.next_multiple_of(4096);
        let end = (start + n) & !4095;
        if end > first {
            // SAFETY: advice about pages of an allocation this function owns and has not yet
            // touched: it changes how the kernel backs them, never what they hold or who may
            // use them.
            unsafe {
                libc::madvise(first as *mut libc::c_void, end - first, libc::MADV_HUGEPAGE);
            }
        }
    }
    buffer
}

#[cfg(target_os = "linux")]
const HUGE_PAGE: usize = 2 << 20;

/// Reads the cache file of `dir`, with the time (and ETag) of its last sync from the state
/// beside it when that belongs to it.
pub fn load(
    dir: &Path,
    key: Option<&[u8; 32]>,
    server_url: &str,
) -> Result<CachedIndex, CacheProblem> {
    use std::io::Read;
    let mut file = match std::fs::File::open(cache_file(dir)) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Err(CacheProblem::Missing),
        Err(_) => return Err(CacheProblem::Corrupt),
    };
    let mut header = [0u8; HEADER_LEN];
    let mut lengths = [0u8; LENGTHS_LEN];
    file.read_exact(&mut header)
        .and_then(|()| file.read_exact(&mut lengths))
        .map_err(|_| CacheProblem::Corrupt)?;
    let size = file.metadata().map_or(0, |m| m.len() as usize);
    let sizes = part_sizes(&lengths, size.saturating_sub(HEADER_LEN + LENGTHS_LEN))
        .ok_or(CacheProblem::Unreadable)?;
    let mut parts: [Vec<u8>; PARTS] = Default::default();
    for (part, n) in parts.iter_mut().zip(sizes) {
        // Read as it is: a buffer of exactly its size, never zeroed first.
        *part = read_buffer(n);
        (&mut file)
            .take(n as u64)
            .read_to_end(part)
            .map_err(|_| CacheProblem::Corrupt)?;
        if part.len() != n {
            return Err(CacheProblem::Unreadable);
        }
    }
    let key = key.ok_or(CacheProblem::Unreadable)?;
    let mut cached = open_parts(&header, &lengths, parts, key, server_url)?;
    if let Some(state) = load_state(dir, key, server_url) {
        if state.revision == cached.index.revision() {
            cached.synced_at = state.synced_at;
            cached.etag = state.etag;
        }
    }
    Ok(cached)
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
pub fn store(dir: &Path, cached: &CachedIndex, key: &[u8; 32]) -> Result<(), ClientError> {
    let sealed = seal(cached, key);
    write_atomically(dir, &cache_file(dir), &sealed)?;
    let state = SyncState {
        revision: cached.index.revision(),
        etag: cached.etag.clone(),
        synced_at: cached.synced_at,
        cache_nonce: hex(&sealed[MAGIC.len() + 1..HEADER_LEN]),
        cache_len: sealed.len() as u64,
    };
    store_state(dir, &state, key, &cached.server_url)
}

/// Removes the cache and its state (logout, or a cache found unusable).
pub fn remove(dir: &Path) {
    let _ = std::fs::remove_file(cache_file(dir));
    let _ = std::fs::remove_file(state_file(dir));
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::search::fold;

    fn sample_directory() -> CachedDirectory {
        CachedDirectory {
            server_url: "https://a.example.jp".into(),
            etag: Some("W/\"anshin-r1\"".into()),
            synced_at: crate::directory::now_in_japan(),
            snapshot: crate::demo::generate(200, 1),
        }
    }

    fn sample() -> CachedIndex {
        CachedIndex::build(sample_directory())
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
        assert_eq!(state.revision, directory.index.revision());
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

    /// A state speaks only for a cache this program can read whole: not for another layout's
    /// (after an update) or a file cut short — else a sync says 「最新」 of a cache that
    /// `anshin search` then finds unreadable and removes.
    #[test]
    fn the_sync_state_does_not_speak_for_a_cache_of_another_layout_or_cut_short() {
        let key = [7u8; 32];
        let directory = sample();
        for damage in ["another layout", "cut short", "longer"] {
            let dir = tempfile::tempdir().unwrap();
            store(dir.path(), &directory, &key).unwrap();
            assert!(load_state(dir.path(), &key, &directory.server_url).is_some());
            let mut bytes = std::fs::read(cache_file(dir.path())).unwrap();
            match damage {
                "another layout" => bytes[MAGIC.len()] = VERSION - 1,
                "cut short" => bytes.truncate(bytes.len() - 1),
                _ => bytes.push(0),
            }
            std::fs::write(cache_file(dir.path()), &bytes).unwrap();
            assert!(
                load_state(dir.path(), &key, &directory.server_url).is_none(),
                "{damage}"
            );
            assert!(load(dir.path(), Some(&key), &directory.server_url).is_err());
        }
    }

    /// Issue 15: the next sync reuses the rows only of an index this program folded.
    #[test]
    fn rows_are_offered_again_only_when_this_program_folded_them() {
        let key = [7u8; 32];
        let cached = sample();
        let url = cached.server_url.clone();
        let ours = open(&seal(&cached, &key), &key, &url).unwrap();
        assert!(ours.into_parts().1.is_some());
        let other = seal_folded_by(&cached, &key, "0.0.0-another-version");
        let (directory, previous) = open(&other, &key, &url).unwrap().into_parts();
        assert!(
            previous.is_none(),
            "another version's rows are folded again"
        );
        assert_eq!(
            &directory.snapshot,
            cached.snapshot(),
            "its records still read back"
        );
    }

    #[test]
    fn round_trip_and_no_plaintext() {
        let key = [7u8; 32];
        let original = sample_directory();
        let dir = CachedIndex::build(original.clone());
        let sealed = seal(&dir, &key);
        for person in &original.snapshot.people[..20] {
            for text in [
                person.name.as_str(),
                person.name_kana.as_str(),
                &*fold(&person.name),
            ] {
                assert!(
                    !sealed.windows(text.len()).any(|w| w == text.as_bytes()),
                    "{text}"
                );
            }
        }
        assert_eq!(
            open(&sealed, &key, "https://a.example.jp")
                .unwrap()
                .into_parts()
                .0,
            original
        );
    }

    /// Issue 15: the index read back is the index that was built — the same hits in the same
    /// order for every kind of query, the same records — without decoding the whole snapshot
    /// for a search and its shown rows.
    #[test]
    fn the_index_read_back_searches_as_the_one_built() {
        let key = [7u8; 32];
        let built = sample();
        let read = open(&seal(&built, &key), &key, "https://a.example.jp").unwrap();
        let now = chrono::NaiveDate::from_ymd_opt(2026, 11, 25)
            .unwrap()
            .and_hms_opt(13, 30, 0)
            .unwrap();
        let plain = crate::search::Filters::default();
        for query in [
            "",
            "t",
            "tanaka",
            "さとう",
            "内科",
            "sito",
            "koijma",
            "緑区",
            "hasimo u",
        ] {
            let a = built.index.search(query, &plain, now);
            let b = read.index.search(query, &plain, now);
            assert_eq!(a, b, "{query}");
            for hit in b.iter().take(5) {
                assert_eq!(
                    built.index.availability(hit.entry, now),
                    read.index.availability(hit.entry, now)
                );
                assert_eq!(
                    built.index.organization_of(hit.entry),
                    read.index.organization_of(hit.entry)
                );
            }
        }
        assert_eq!(read.index.revision(), built.index.revision());
        assert_eq!(read.index.areas(), built.index.areas());
        let last = built.index.people_count() - 1;
        assert_eq!(read.index.person(last), built.index.person(last));
        // A filter (and a number) needs every record: decoded then, and the same answers.
        let filters = crate::search::Filters {
            people_only: true,
            ..Default::default()
        };
        assert_eq!(
            read.index.search("a", &filters, now),
            built.index.search("a", &filters, now)
        );
        let phone = built.index.person(3).contact.phone.clone();
        if let Some(phone) = phone {
            assert_eq!(
                read.index.search(&phone, &plain, now),
                built.index.search(&phone, &plain, now)
            );
        }
        assert_eq!(read.snapshot(), built.snapshot());
    }

    /// A cache of the previous layout (gzipped JSON) reads as corrupt, so it is refetched.
    #[test]
    fn a_cache_of_the_previous_layout_is_refetched() {
        let key = [7u8; 32];
        let mut sealed = seal(&sample(), &key);
        sealed[MAGIC.len()] = 2;
        assert_eq!(
            open(&sealed, &key, "https://a.example.jp").err(),
            Some(CacheProblem::Corrupt)
        );
    }

    #[test]
    fn every_kind_of_damage_is_detected() {
        let key = [7u8; 32];
        let sealed = seal(&sample(), &key);
        let problem = |bytes: &[u8], key: &[u8; 32], server: &str| open(bytes, key, server).err();
        assert_eq!(
            problem(&sealed[..sealed.len() / 2], &key, "https://a.example.jp"),
            Some(CacheProblem::Unreadable)
        );
        assert_eq!(
            problem(&sealed[..10], &key, "https://a.example.jp"),
            Some(CacheProblem::Corrupt)
        );
        assert_eq!(
            problem(b"{\"json\": true}", &key, "https://a.example.jp"),
            Some(CacheProblem::Corrupt)
        );
        assert_eq!(
            problem(&sealed, &[8u8; 32], "https://a.example.jp"),
            Some(CacheProblem::Unreadable)
        );
        assert_eq!(
            problem(&sealed, &key, "https://b.example.jp"),
            Some(CacheProblem::Unreadable)
        );
        // The first byte of every part, and the last byte before the next (its tag's).
        let first = u64::from_le_bytes(sealed[HEADER_LEN..HEADER_LEN + 8].try_into().unwrap());
        let second =
            u64::from_le_bytes(sealed[HEADER_LEN + 8..HEADER_LEN + 16].try_into().unwrap());
        let part = |n: u64| HEADER_LEN + LENGTHS_LEN + n as usize;
        for at in [
            HEADER_LEN,
            HEADER_LEN + 8,
            HEADER_LEN + 100,
            part(0),
            part(first) - 1,
            part(first),
            part(first + second) - 1,
            part(first + second),
            sealed.len() / 2,
            sealed.len() - 1,
        ] {
            let mut flipped = sealed.clone();
            flipped[at] ^= 1;
            assert_eq!(
                problem(&flipped, &key, "https://a.example.jp"),
                Some(CacheProblem::Unreadable),
                "a bit flipped at {at}"
            );
        }
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
            load(tmp.path(), None, "https://a.example.jp").err(),
            Some(CacheProblem::Unreadable)
        );
        remove(tmp.path());
        assert_eq!(
            load(tmp.path(), Some(&key), "https://a.example.jp").err(),
            Some(CacheProblem::Missing)
        );
    }
}
