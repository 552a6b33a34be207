-- Logged-in browsers, shared by every server on the database: the hash of
-- each session's random token (never the token), whose it is, its data and
-- when it expires. Logging out, a new password or the administrator deletes
-- the rows, and the session ends on every server at once.
CREATE TABLE web_sessions (
	hash TEXT PRIMARY KEY,
	user_id BIGINT REFERENCES users(id),
	data {{bytes}} NOT NULL,
	expiry {{time}} NOT NULL
);
CREATE INDEX web_sessions_user ON web_sessions(user_id);
CREATE INDEX web_sessions_expiry ON web_sessions(expiry);
-- Sessions need no signing key any more: the one kept here is removed, so
-- that no backup holds a secret.
DELETE FROM settings WHERE key = 'session_secret';
