-- A session's record may fix the next session (下次调解): when and where,
-- which the parties are told and read at the look-up.
ALTER TABLE sessions ADD COLUMN next_at {{time}};
ALTER TABLE sessions ADD COLUMN next_place TEXT NOT NULL DEFAULT '';
