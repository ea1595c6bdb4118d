-- A hash chain over the audit log (issue 12, item 9): each row carries the SHA-256 of the
-- previous row's hash and its own fields, so a deleted or altered row shows in
-- `anshin-server audit verify` even if someone with the file drops the triggers.
-- Rows written before this migration have no hash; the chain starts after them.
ALTER TABLE audit_log ADD COLUMN hash TEXT;
