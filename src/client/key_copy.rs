//! A short-lived copy of the cache key in the Linux kernel's keyring, so that `anshin search`
//! opens the offline cache without a round trip to the desktop keyring (issue 15).
//!
//! Through the Secret Service, getting the key means a D-Bus connection and a Diffie-Hellman
//! session with the keyring daemon before the key itself: about 6 ms of a 25 ms `anshin search`
//! at 50 000 people, every time. The kernel keyring answers in a system call. The copy is
//! - only ever of the cache key (never the session token, never a password), and only of a key
//!   the desktop keyring holds: it is written when the key is read from or created in it;
//! - in the session keyring of the login (the processes of one desktop or SSH login reach it;
//!   another login of the same user does not), readable by its possessors only;
//! - dropped by the kernel after [`IDLE_SECONDS`] without use (each use restarts the count), at
//!   reboot, and by `anshin logout`;
//! - never trusted over the desktop keyring: a copy that does not open the cache is ignored and
//!   the desktop keyring asked, as before (and the copy replaced).
//!
//! Elsewhere (macOS, Windows, where the platform store is a quick local call) nothing is kept.

/// Unused for this long, the kernel removes the copy: half an hour, the server's idle timeout
/// for a session (DESIGN §4) — the member who has not searched for that long pays the desktop
/// keyring's 6 ms once.
pub const IDLE_SECONDS: usize = 30 * 60;

#[cfg(target_os = "linux")]
mod kernel {
    use linux_keyutils::{KeyPermissionsBuilder, KeyRing, KeyRingIdentifier, Permission};

    fn description(server: &str) -> String {
        format!("jp.sagamihara.anshin:cache-key:{server}")
    }

    /// The login's session keyring (the user's session keyring when the login set none).
    fn ring() -> Option<KeyRing> {
        KeyRing::from_special_id(KeyRingIdentifier::Session, false).ok()
    }

    pub fn get(server: &str) -> Option<[u8; 32]> {
        let key = ring()?.search(&description(server)).ok()?;
        let mut secret = [0u8; 32];
        let n = key.read(&mut secret).ok()?;
        if n != secret.len() {
            return None;
        }
        let _ = key.set_timeout(super::IDLE_SECONDS);
        Some(secret)
    }

    pub fn put(server: &str, secret: &[u8; 32]) {
        let Some(ring) = ring() else { return };
        let Ok(key) = ring.add_key(&description(server), secret) else {
            return;
        };
        // Possessors only: not the user's other logins, nobody else.
        let perms = KeyPermissionsBuilder::builder()
            .posessor(Permission::ALL)
            .build();
        if key.set_perms(perms).is_err() || key.set_timeout(super::IDLE_SECONDS).is_err() {
            let _ = key.invalidate();
        }
    }

    pub fn remove(server: &str) {
        if let Some(key) = ring().and_then(|r| r.search(&description(server)).ok()) {
            let _ = key.invalidate();
        }
    }
}

/// The copy of `server`'s cache key, if one is kept; its idle time starts again.
pub fn get(server: &str) -> Option<[u8; 32]> {
    #[cfg(target_os = "linux")]
    return kernel::get(server);
    #[cfg(not(target_os = "linux"))]
    {
        let _ = server;
        None
    }
}

/// Keeps (or refreshes) the copy of `server`'s cache key. Best effort: where the kernel keyring
/// is blocked (a container), nothing is kept and the desktop keyring is asked every time.
pub fn put(server: &str, secret: &[u8; 32]) {
    #[cfg(target_os = "linux")]
    kernel::put(server, secret);
    #[cfg(not(target_os = "linux"))]
    let _ = (server, secret);
}

/// Drops the copy of `server`'s cache key (logout).
pub fn remove(server: &str) {
    #[cfg(target_os = "linux")]
    kernel::remove(server);
    #[cfg(not(target_os = "linux"))]
    let _ = server;
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use super::*;

    /// A copy is read back as it was written, a new key replaces it, and it is gone after
    /// `remove`. (The kernel keyring must work where the tests run, as it does in our CI; the
    /// end-to-end test in `client_cli` depends on it too.)
    #[test]
    fn a_copy_is_read_back_replaced_and_removed() {
        let server = format!("https://copy-test-{}.invalid", std::process::id());
        let secret: [u8; 32] = rand::random();
        put(&server, &secret);
        assert_eq!(get(&server), Some(secret), "is keyctl blocked here?");
        let other: [u8; 32] = rand::random();
        put(&server, &other);
        assert_eq!(get(&server), Some(other), "a new key replaces the copy");
        remove(&server);
        assert_eq!(get(&server), None);
    }
}
