-- Each agreement carries the 人调字 number of the committee that sealed it,
-- taken from the committee's sequence of the year when it is made; the
-- file archived by the same committee keeps that number. Agreements made
-- before have none and print the case's number, as they did.
ALTER TABLE agreements ADD COLUMN number TEXT NOT NULL DEFAULT '';
ALTER TABLE agreements ADD COLUMN committee_id BIGINT NOT NULL DEFAULT 0;
