-- The password was set by an administrator (a new account, a reset): the
-- user chooses their own at the next login before anything else.
ALTER TABLE users ADD COLUMN must_change BOOLEAN NOT NULL DEFAULT FALSE;
