-- A password the support centre set (`user add`, `user passwd`) must be changed by its owner at
-- the first sign-in (issue 12, item 7; ASVS 2.1.x): until then only the password change, `me`
-- and signing out are served.
ALTER TABLE users ADD COLUMN must_change_password INTEGER NOT NULL DEFAULT 0;
