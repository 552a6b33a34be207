-- What a user is shown of each of their sessions, to end the ones they do
-- not recognise: when it logged in, from which address and browser.
ALTER TABLE web_sessions ADD COLUMN login_at {{time}};
ALTER TABLE web_sessions ADD COLUMN address TEXT NOT NULL DEFAULT '';
ALTER TABLE web_sessions ADD COLUMN agent TEXT NOT NULL DEFAULT '';
