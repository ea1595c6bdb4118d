//! Unlocking the TUI's idle lock offline: an argon2id hash of the member's password (never the
//! password) kept in the credential store after each sign-in, checked when the server does not
//! answer.

/// The credential-store entry that holds the verifier for `server`.
pub fn unlock_account(server: &str) -> String {
    format!("unlock:{server}")
}

pub fn make_verifier(password: &str) -> Option<String> {
    use argon2::password_hash::{rand_core::OsRng, PasswordHasher, SaltString};
    let salt = SaltString::generate(&mut OsRng);
    argon2::Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .ok()
        .map(|h| h.to_string())
}

pub fn check_verifier(password: &str, verifier: &str) -> bool {
    use argon2::password_hash::{PasswordHash, PasswordVerifier};
    PasswordHash::new(verifier)
        .map(|h| {
            argon2::Argon2::default()
                .verify_password(password.as_bytes(), &h)
                .is_ok()
        })
        .unwrap_or(false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_unlock_verifier_checks_the_password() {
        let verifier = make_verifier("anshin-demo-2026").unwrap();
        assert!(verifier.starts_with("$argon2id$"));
        assert!(check_verifier("anshin-demo-2026", &verifier));
        assert!(!check_verifier("wrong", &verifier));
        assert!(!check_verifier("x", "not a hash"));
    }
}

/// What the idle lock's unlock came to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unlock {
    Unlocked,
    /// Wrong password or code (or the server refuses for now).
    Refused,
    /// The password is right and the session had ended: the server wants the one-time code.
    CodeNeeded,
}
