//! argon2id password hashes (DESIGN §4: at least m=19456 KiB, t=2, p=1 — OWASP's minimum).

use argon2::password_hash::{self, rand_core::OsRng, PasswordHash, PasswordHasher, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use std::sync::OnceLock;

pub use crate::api::MIN_PASSWORD_CHARS;
pub const MAX_PASSWORD_CHARS: usize = 128;

fn hasher() -> Argon2<'static> {
    let params = Params::new(19_456, 2, 1, None).expect("fixed argon2 parameters are valid");
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// 13 to 128 characters (counted as characters, so a Japanese passphrase is not penalised).
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

/// The policy for a password someone chooses (`user add`, `passwd`, `PUT /api/v1/me/password`):
/// 13–128 characters, not containing the login ID, and not easy to guess — zxcvbn (Dropbox's
/// estimator with its lists of common passwords, words and names) must put it at 10^10 guesses
/// or more (score 3 of 4; ASVS 2.1.7's "breached or common passwords").
pub fn check_new_password(password: &str, login_id: &str) -> Result<(), String> {
    check_password_policy(password)?;
    let login_id = login_id.trim().to_lowercase();
    if login_id.chars().count() >= 3 && password.to_lowercase().contains(&login_id) {
        return Err("パスワードにログインIDを含めないでください".into());
    }
    let inputs = [login_id.as_str(), "anshin", "sagamihara", "あんしんリンク"];
    if u8::from(zxcvbn::zxcvbn(password, &inputs).score()) < 3 {
        return Err(
            "推測されやすいパスワードです（よく使われるもの・単語や数字の並び）。関係のない言葉をいくつか組み合わせてください"
                .into(),
        );
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
///
/// The 19 MiB of argon2 memory is the calling thread's, kept and reused: allocated afresh for
/// every call (as `PasswordVerifier` does), the allocator kept each freed block and a server's
/// memory grew by 19 MiB per login (issue 12, item 1: 6 logins, +96 MiB). Verification runs on
/// the password gate's few threads, so this is a few blocks in all.
pub fn verify_password(password: &str, phc: &str) -> bool {
    if password.chars().count() > MAX_PASSWORD_CHARS {
        return false;
    }
    let Ok(parsed) = PasswordHash::new(phc) else {
        return false;
    };
    let (Some(salt), Some(expected)) = (parsed.salt, parsed.hash) else {
        return false;
    };
    let Ok(algorithm) = Algorithm::try_from(parsed.algorithm) else {
        return false;
    };
    let version = match parsed.version.map(Version::try_from) {
        None => Version::default(),
        Some(Ok(version)) => version,
        Some(Err(_)) => return false,
    };
    let Ok(params) = Params::try_from(&parsed) else {
        return false;
    };
    let mut salt_bytes = [0u8; 64];
    let Ok(salt) = salt.decode_b64(&mut salt_bytes) else {
        return false;
    };
    let blocks = params.block_count();
    let argon2 = Argon2::new(algorithm, version, params);
    let mut computed = vec![0u8; expected.len()];
    thread_local! {
        static SCRATCH: std::cell::RefCell<Vec<argon2::Block>> = const { std::cell::RefCell::new(Vec::new()) };
    }
    let hashed = SCRATCH.with(|scratch| {
        let mut scratch = scratch.borrow_mut();
        if scratch.len() < blocks {
            scratch.resize(blocks, argon2::Block::default());
        }
        argon2.hash_password_into_with_memory(
            password.as_bytes(),
            salt,
            &mut computed,
            &mut scratch[..blocks],
        )
    });
    // `Output`'s equality is constant-time.
    hashed.is_ok()
        && password_hash::Output::new(&computed).is_ok_and(|computed| computed == expected)
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
    fn common_or_personal_passwords_are_refused() {
        for weak in [
            "password1234",
            "123456789012",
            "qwertyuiop12",
            "aaaaaaaaaaaa",
        ] {
            assert!(check_new_password(weak, "sato").is_err(), "{weak}");
        }
        let message = check_new_password("my-sato-garden-2026", "sato").unwrap_err();
        assert!(message.contains("ログインID"), "{message}");
        assert!(check_new_password("kumo hashiru 7 kitsune", "sato").is_ok());
        // The suite's own passwords pass (they are long and mixed).
        for ok in [
            "member-password-123",
            "admin-password-123",
            "centre-password-1",
            "member-password-1",
        ] {
            assert!(check_new_password(ok, "x").is_ok(), "{ok}");
        }
    }

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
        assert!(check_password_policy("あいうえおかきくけこさしす").is_ok());
        assert!(check_password_policy(&"a".repeat(129)).is_err());
        assert!(check_password_policy(&" ".repeat(12)).is_err());
    }
}
