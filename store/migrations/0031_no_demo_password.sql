-- The demo's password is a published constant now, kept nowhere: the
-- random one an older version stored in plain text goes, and the demo
-- accounts on it are no longer marked as on the published password.
UPDATE users SET demo = false WHERE demo;
DELETE FROM settings WHERE key = 'demo_password';
