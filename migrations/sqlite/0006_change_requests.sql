-- Listing changes (あんしんリンク情報変更届, seed §9, DESIGN §7, issue 14): a member's proposed
-- field-by-field patch of its own listing, kept with its review. `changes` is the JSON array
-- of {record, field, old, new} exactly as filed; `old` is the base the conflicts are judged on.
CREATE TABLE change_requests (
    id               INTEGER PRIMARY KEY,
    -- Chosen by the client: a request resent after a crash or a lost answer is filed once.
    client_ref       TEXT NOT NULL,
    submitted_by     INTEGER NOT NULL REFERENCES users (id),
    submitter        TEXT NOT NULL,
    organization_id  TEXT NOT NULL,
    base_revision    INTEGER NOT NULL,
    note             TEXT NOT NULL,
    changes          TEXT NOT NULL,
    status           TEXT NOT NULL
        CHECK (status IN ('pending', 'approved', 'rejected', 'withdrawn')),
    submitted_at     INTEGER NOT NULL,
    submitted_from   TEXT NOT NULL,
    reviewer         TEXT,
    reviewed_at      INTEGER,
    reviewed_from    TEXT,
    reason           TEXT,
    applied_revision INTEGER,
    UNIQUE (submitted_by, client_ref)
) STRICT;
CREATE INDEX change_requests_by_status ON change_requests (status, id);
CREATE INDEX change_requests_by_organization ON change_requests (organization_id, id);

-- An organisation's people, found without reading every person's JSON: the review shows each
-- pending request beside its organisation's live listing.
CREATE INDEX people_by_organization ON people (json_extract(body, '$.organization_id'));
