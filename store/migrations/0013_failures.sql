-- Failed logins and lookups, by what they were keyed on (an account and an
-- address, an address, a case code and an address), in the database so
-- that every server counts the same failures.
CREATE TABLE failures (
	key TEXT NOT NULL,
	at {{time}} NOT NULL
);
CREATE INDEX failures_key_at ON failures(key, at);
CREATE INDEX failures_at ON failures(at);
