-- The directory: each record is kept as its wire JSON (DESIGN §3.1) with the revision of its
-- last change. A deleted record stays as a tombstone (deleted_at set) so deltas can report it.
CREATE TABLE directory_meta (
    id          INTEGER PRIMARY KEY CHECK (id = 1),
    revision    INTEGER NOT NULL,
    -- Deltas from a revision below this cannot be served: tombstones up to it were forgotten.
    delta_floor INTEGER NOT NULL
);
INSERT INTO directory_meta (id, revision, delta_floor) VALUES (1, 0, 0);

CREATE TABLE organizations (
    id         TEXT PRIMARY KEY,
    revision   INTEGER NOT NULL,
    deleted_at INTEGER,
    body       TEXT NOT NULL
) STRICT;
CREATE INDEX organizations_by_revision ON organizations (revision);

CREATE TABLE people (
    id         TEXT PRIMARY KEY,
    revision   INTEGER NOT NULL,
    deleted_at INTEGER,
    body       TEXT NOT NULL
) STRICT;
CREATE INDEX people_by_revision ON people (revision);

-- Accounts of member organisations (DESIGN §4). Login IDs compare case-insensitively.
CREATE TABLE users (
    id                  INTEGER PRIMARY KEY,
    login_id            TEXT NOT NULL UNIQUE COLLATE NOCASE,
    display_name        TEXT NOT NULL,
    organization        TEXT NOT NULL,
    role                TEXT NOT NULL CHECK (role IN ('member', 'admin')),
    password_hash       TEXT NOT NULL,
    disabled            INTEGER NOT NULL DEFAULT 0,
    created_at          INTEGER NOT NULL,
    password_changed_at INTEGER NOT NULL
) STRICT;

-- Only the SHA-256 of a token is stored; the token itself exists only at the client.
CREATE TABLE sessions (
    token_hash   TEXT PRIMARY KEY,
    user_id      INTEGER NOT NULL REFERENCES users (id),
    address      TEXT NOT NULL,
    created_at   INTEGER NOT NULL,
    last_seen_at INTEGER NOT NULL,
    expires_at   INTEGER NOT NULL,
    revoked_at   INTEGER
) STRICT;
CREATE INDEX sessions_by_user ON sessions (user_id);

-- Append-only: who did what, when, from where.
CREATE TABLE audit_log (
    id      INTEGER PRIMARY KEY AUTOINCREMENT,
    at      INTEGER NOT NULL,
    actor   TEXT NOT NULL,
    action  TEXT NOT NULL,
    target  TEXT,
    address TEXT,
    detail  TEXT
) STRICT;

CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only');
END;

CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only');
END;
