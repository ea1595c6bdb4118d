//! argon2id password hashes (DESIGN §4: at least m=19456 KiB, t=2, p=1 — OWASP's minimum).

use argon2::password_hash::{
    rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString,
};
use argon2::{Algorithm, Argon2, Params, Version};
use std::sync::OnceLock;

pub const MIN_PASSWORD_CHARS: usize = 12;
pub const MAX_PASSWORD_CHARS: usize = 128;

fn hasher() -> Argon2<'static> {
    let params = Params::new(19_456, 2, 1, None).expect("fixed argon2 parameters are valid");
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// 12 to 128 characters (counted as characters, so a Japanese passphrase is not penalised).
pub fn check_password_policy(password: &str) -> Result<(), String> {
    let chars = password.chars().count();
    if chars < MIN_PASSWORD_CHARS {
        return Err(format!(
            "パスワードは {MIN_PASSWORD_CHARS} 文字以上にしてください（いま {chars} 文字）"
        ));
    }
    if chars > MAX_PASSWORD_CHARS {
        return Err(format!(
            "パスワードは {MAX_PASSWORD_CHARS} 文字以内にしてください"
        ));
    }
    if password.trim().is_empty() {
        return Err("空白だけのパスワードは使えません".into());
    }
    Ok(())
}

/// A PHC string (`$argon2id$v=19$m=19456,t=2,p=1$…`).
pub fn hash_password(password: &str) -> anyhow::Result<String> {
    let salt = SaltString::generate(&mut OsRng);
    let hash = hasher()
        .hash_password(password.as_bytes(), &salt)
        .map_err(|e| anyhow::anyhow!("パスワードをハッシュできません: {e}"))?;
    Ok(hash.to_string())
}

/// Verifies with the parameters stored in the hash, so older hashes keep working after a
/// parameter increase.
pub fn verify_password(password: &str, phc: &str) -> bool {
    if password.chars().count() > MAX_PASSWORD_CHARS {
        return false;
    }
    match PasswordHash::new(phc) {
        Ok(parsed) => hasher()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok(),
        Err(_) => false,
    }
}

/// Spends the same time as a real verification, for logins with an unknown ID, so that the
/// response time does not tell whether an ID exists.
pub fn verify_against_dummy(password: &str) {
    static DUMMY: OnceLock<String> = OnceLock::new();
    let dummy =
        DUMMY.get_or_init(|| hash_password("dummy password for timing").unwrap_or_default());
    let _ = verify_password(password, dummy);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hash_verifies_and_uses_owasp_parameters() {
        let hash = hash_password("correct horse battery").unwrap();
        assert!(
            hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
            "{hash}"
        );
        assert!(verify_password("correct horse battery", &hash));
        assert!(!verify_password("correct horse batterY", &hash));
        assert!(!verify_password("x", "not a hash"));
    }

    #[test]
    fn policy() {
        assert!(check_password_policy("short").is_err());
        assert!(check_password_policy("あいうえおかきくけこさし").is_ok());
        assert!(check_password_policy(&"a".repeat(129)).is_err());
        assert!(check_password_policy(&" ".repeat(12)).is_err());
    }
}
