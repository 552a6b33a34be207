-- A session's record may fix the next session (下次调解): when and where,
-- which the parties are told and read at the look-up; and name the other
-- mediators who took part, such as a village cadre on the registry who
-- has no account.
ALTER TABLE sessions ADD COLUMN next_at {{time}};
ALTER TABLE sessions ADD COLUMN next_place TEXT NOT NULL DEFAULT '';
ALTER TABLE sessions ADD COLUMN mediators TEXT NOT NULL DEFAULT '';
