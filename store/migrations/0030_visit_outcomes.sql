-- A follow-up visit records what the Ministry's 回访记录 asks besides
-- performance: the parties' satisfaction with the mediation ('' when not
-- asked, as on the visits recorded before), whether a party has sued over
-- the dispute since, and whether it has flared up again.
ALTER TABLE follow_ups ADD COLUMN satisfaction TEXT NOT NULL DEFAULT '';
ALTER TABLE follow_ups ADD COLUMN sued BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE follow_ups ADD COLUMN recurred BOOLEAN NOT NULL DEFAULT FALSE;
