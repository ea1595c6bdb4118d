//! Two-factor sign-in (issue 12, item 7): the guideline 6.0 expects it for systems in operation
//! from FY2027, ASVS 2.8 says how. TOTP as RFC 6238 has it and every authenticator app reads it
//! (6 digits, 30-second steps, HMAC-SHA-1, a 160-bit secret), one step of clock drift either way,
//! each step usable once; and recovery codes for a lost phone, shown once and stored hashed.

use rand::Rng;
use sha2::{Digest, Sha256};
use totp_rs::{Algorithm, Secret, TOTP};
use unicode_normalization::UnicodeNormalization;

/// The name the authenticator app shows above the code. ASCII: a percent-encoded Japanese name
/// made the QR code half as tall again, too tall for an 80×24 terminal.
pub const ISSUER: &str = "AnshinLink";
const STEP_SECONDS: u64 = 30;
const DIGITS: usize = 6;
/// Recovery codes handed out at enrolment.
pub const RECOVERY_CODES: usize = 10;
/// Letters and digits no one misreads on paper (no 0/O, 1/I/L).
const RECOVERY_ALPHABET: &[u8] = b"ABCDEFGHJKMNPQRSTUVWXYZ23456789";
const RECOVERY_CHARS: usize = 10;

/// A fresh secret, base32 as the database and the app keep it.
pub fn new_secret() -> String {
    let mut bytes = [0u8; 20];
    rand::rngs::OsRng.fill(&mut bytes);
    match Secret::Raw(bytes.to_vec()).to_encoded() {
        Secret::Encoded(text) => text,
        Secret::Raw(_) => unreachable!("to_encoded gives the encoded form"),
    }
}

fn totp(secret: &str, login_id: &str) -> Option<TOTP> {
    let bytes = Secret::Encoded(secret.to_string()).to_bytes().ok()?;
    // The otpauth label may not hold a colon (issuer:account).
    let account = login_id.replace(':', "_");
    TOTP::new(
        Algorithm::SHA1,
        DIGITS,
        1,
        STEP_SECONDS,
        bytes,
        Some(ISSUER.to_string()),
        account,
    )
    .ok()
}

/// `otpauth://totp/…` for the QR code and for apps that take a pasted link.
pub fn otpauth_uri(secret: &str, login_id: &str) -> Option<String> {
    totp(secret, login_id).map(|t| t.get_url())
}

/// The code for `unix_time` (tests and the demo's walk-through).
pub fn code_at(secret: &str, unix_time: u64) -> Option<String> {
    totp(secret, "x").map(|t| t.generate(unix_time))
}

/// What a typed code is: an authenticator's six digits or a recovery code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Code {
    Totp(String),
    Recovery(String),
}

/// Reads what the member typed: full-width digits and letters (the IME on), spaces and hyphens
/// are forgiven.
pub fn read_code(typed: &str) -> Option<Code> {
    let cleaned: String = typed
        .nfkc()
        .filter(|c| !c.is_whitespace() && !matches!(c, '-' | 'ー' | '‐' | '−'))
        .flat_map(char::to_uppercase)
        .collect();
    if cleaned.len() == DIGITS && cleaned.bytes().all(|b| b.is_ascii_digit()) {
        Some(Code::Totp(cleaned))
    } else if cleaned.len() == RECOVERY_CHARS && cleaned.bytes().all(|b| b.is_ascii_alphanumeric())
    {
        Some(Code::Recovery(cleaned))
    } else {
        None
    }
}

/// The time step `code` belongs to — this one or one either side — for the replay check.
pub fn matching_step(secret: &str, code: &str, unix_time: u64) -> Option<i64> {
    let totp = totp(secret, "x")?;
    let now = unix_time / STEP_SECONDS;
    [now.saturating_sub(1), now, now + 1]
        .into_iter()
        .find(|step| {
            constant_time_eq(
                totp.generate(step * STEP_SECONDS).as_bytes(),
                code.as_bytes(),
            )
        })
        .map(|step| step as i64)
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// New recovery codes as the member writes them down (`ABCDE-FGHJK`).
pub fn new_recovery_codes() -> Vec<String> {
    let mut rng = rand::rngs::OsRng;
    (0..RECOVERY_CODES)
        .map(|_| {
            let chars: String = (0..RECOVERY_CHARS)
                .map(|_| RECOVERY_ALPHABET[rng.gen_range(0..RECOVERY_ALPHABET.len())] as char)
                .collect();
            format!("{}-{}", &chars[..5], &chars[5..])
        })
        .collect()
}

/// What the database keeps of a recovery code: SHA-256 of its normalised form.
pub fn hash_recovery_code(code: &str) -> String {
    let normalised = match read_code(code) {
        Some(Code::Recovery(c)) => c,
        _ => code.to_string(),
    };
    Sha256::digest(normalised.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc_6238_test_vector() {
        // RFC 6238 appendix B, SHA-1, secret "12345678901234567890", T = 59 → 94287082 (8
        // digits); the 6-digit code is its last six.
        let secret = match Secret::Raw(b"12345678901234567890".to_vec()).to_encoded() {
            Secret::Encoded(s) => s,
            _ => unreachable!(),
        };
        assert_eq!(code_at(&secret, 59).as_deref(), Some("287082"));
        assert_eq!(code_at(&secret, 1_111_111_109).as_deref(), Some("081804"));
    }

    #[test]
    fn a_code_matches_its_step_and_one_either_side_only() {
        let secret = new_secret();
        let t = 1_800_000_000;
        let code = code_at(&secret, t).unwrap();
        let step = (t / 30) as i64;
        assert_eq!(matching_step(&secret, &code, t), Some(step));
        assert_eq!(matching_step(&secret, &code, t + 30), Some(step));
        assert_eq!(matching_step(&secret, &code, t - 30), Some(step));
        assert_eq!(matching_step(&secret, &code, t + 90), None);
        assert_eq!(matching_step(&secret, "000000x", t), None);
    }

    #[test]
    fn typed_codes_forgive_the_ime_and_spacing() {
        assert_eq!(
            read_code("１２３ ４５６"),
            Some(Code::Totp("123456".into()))
        );
        assert_eq!(
            read_code("abcde－fghjk"),
            Some(Code::Recovery("ABCDEFGHJK".into()))
        );
        assert_eq!(read_code("12345"), None);
        assert_eq!(read_code(""), None);
        assert_eq!(
            hash_recovery_code("ABCDE-FGHJK"),
            hash_recovery_code(" abcde fghjk")
        );
    }

    #[test]
    fn recovery_codes_are_distinct_and_readable() {
        let codes = new_recovery_codes();
        assert_eq!(codes.len(), RECOVERY_CODES);
        let unique: std::collections::HashSet<_> = codes.iter().collect();
        assert_eq!(unique.len(), codes.len());
        for code in &codes {
            assert_eq!(code.len(), 11);
            assert!(matches!(read_code(code), Some(Code::Recovery(_))));
            assert!(!code.contains(['0', 'O', '1', 'I', 'L']));
        }
    }

    #[test]
    fn the_enrolment_link_names_the_service_and_account() {
        let secret = new_secret();
        let uri = otpauth_uri(&secret, "sato:1").unwrap();
        assert!(uri.starts_with("otpauth://totp/"));
        assert!(uri.contains(&format!("secret={secret}")));
        assert!(uri.contains("sato_1"));
    }
}
