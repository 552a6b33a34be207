-- An account of the demo, still on the demo's published password. The
-- login page of a server started with --demo lists these; a new password
-- takes an account off the list. A database that holds the demo marks the
-- accounts it has now.
ALTER TABLE users ADD COLUMN demo BOOLEAN NOT NULL DEFAULT FALSE;
UPDATE users SET demo = TRUE WHERE EXISTS (SELECT 1 FROM settings WHERE key = 'demo_password');
