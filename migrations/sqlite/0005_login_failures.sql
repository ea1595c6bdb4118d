-- Login throttling in the database (issue 12, item 5; issue 13, item 3): a restart used to
-- forget every failure, and two servers would each give an attacker a full budget. One row per
-- failed (or still undecided) attempt, counted against the login ID as typed (trimmed, lower
-- case; unknown IDs too) and against the client address.
CREATE TABLE login_failures (
    id      INTEGER PRIMARY KEY,
    account TEXT NOT NULL,
    address TEXT NOT NULL,
    at      INTEGER NOT NULL,
    -- A later successful sign-in of the account: no longer counted against it (still against
    -- the address — one office's NAT shares it).
    cleared INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX login_failures_by_account ON login_failures (account, at);
CREATE INDEX login_failures_by_address ON login_failures (address, at);
CREATE INDEX login_failures_by_time ON login_failures (at);

-- Where each account has signed in before: from there the owner is limited only by failures
-- from that same address, so someone guessing elsewhere cannot lock them out of their own PC.
CREATE TABLE known_addresses (
    account    TEXT NOT NULL,
    address    TEXT NOT NULL,
    last_ok_at INTEGER NOT NULL,
    PRIMARY KEY (account, address)
);
