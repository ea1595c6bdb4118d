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

fn aad(server_url: &str) -> Vec<u8> {
    let mut aad = MAGIC.to_vec();
    aad.push(VERSION);
    aad.extend_from_slice(server_url.as_bytes());
    aad
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
    let nonce: [u8; NONCE_LEN] = rand::random();
    let cipher = XChaCha20Poly1305::new(key.into());
    let aad = aad(&directory.server_url);
    let ciphertext = cipher
        .encrypt(
            XNonce::from_slice(&nonce),
            Payload {
                msg: &plaintext,
                aad: &aad,
            },
        )
        .expect("encryption with a valid key cannot fail");
    let mut out = Vec::with_capacity(HEADER_LEN + ciphertext.len());
    out.extend_from_slice(MAGIC);
    out.push(VERSION);
    out.extend_from_slice(&nonce);
    out.extend_from_slice(&ciphertext);
    out
}

/// Decrypts and parses a cache image for `server_url`.
pub fn open(
    bytes: &[u8],
    key: &[u8; 32],
    server_url: &str,
) -> Result<CachedDirectory, CacheProblem> {
    if bytes.len() < HEADER_LEN + 16
        || &bytes[..MAGIC.len()] != MAGIC
        || bytes[MAGIC.len()] != VERSION
    {
        return Err(CacheProblem::Corrupt);
    }
    let nonce = XNonce::from_slice(&bytes[MAGIC.len() + 1..HEADER_LEN]);
    let cipher = XChaCha20Poly1305::new(key.into());
    let aad = aad(server_url);
    // A wrong key, another server, or flipped bits all fail authentication alike.
    let plaintext = cipher
        .decrypt(
            nonce,
            Payload {
                msg: &bytes[HEADER_LEN..],
                aad: &aad,
            },
        )
        .map_err(|_| CacheProblem::Unreadable)?;
    let reader =
        std::io::BufReader::with_capacity(256 * 1024, flate2::read::GzDecoder::new(&plaintext[..]));
    let directory: CachedDirectory =
        serde_json::from_reader(reader).map_err(|_| CacheProblem::Corrupt)?;
    if directory.server_url != server_url {
        return Err(CacheProblem::Unreadable);
    }
    Ok(directory)
}

/// Reads the cache file of `dir`.
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
    open(&bytes, key, server_url)
}

/// Writes the cache atomically with owner-only permissions.
pub fn store(dir: &Path, directory: &CachedDirectory, key: &[u8; 32]) -> Result<(), ClientError> {
    let fail = |e: std::io::Error| ClientError::CacheWrite {
        path: dir.display().to_string(),
        detail: e.to_string(),
    };
    std::fs::create_dir_all(dir).map_err(fail)?;
    let sealed = seal(directory, key);
    // NamedTempFile is created 0600 on Unix and lives in the same folder, so the rename is atomic.
    let mut temp = tempfile::NamedTempFile::new_in(dir).map_err(fail)?;
    temp.write_all(&sealed).map_err(fail)?;
    temp.as_file().sync_all().map_err(fail)?;
    temp.persist(cache_file(dir)).map_err(|e| fail(e.error))?;
    Ok(())
}

/// Removes the cache file (logout, or a cache found unusable).
pub fn remove(dir: &Path) {
    let _ = std::fs::remove_file(cache_file(dir));
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
            1,
            "no temp files left behind"
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
