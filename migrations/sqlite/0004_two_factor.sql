-- Two-factor sign-in (issue 12, item 7; 医療情報システムの安全管理に関するガイドライン 6.0 and
-- ASVS 2.8): a TOTP secret per account (RFC 6238), the secret being enrolled until its first code
-- confirms it, the last time step used (a code works once), and recovery codes stored only as
-- their SHA-256 (they are random, 50 bits each: a slow hash adds nothing).
ALTER TABLE users ADD COLUMN totp_secret TEXT;
ALTER TABLE users ADD COLUMN totp_pending TEXT;
ALTER TABLE users ADD COLUMN totp_last_step INTEGER;

CREATE TABLE recovery_codes (
    id        INTEGER PRIMARY KEY,
    user_id   INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    code_hash TEXT NOT NULL,
    used_at   INTEGER,
    UNIQUE (user_id, code_hash)
);
