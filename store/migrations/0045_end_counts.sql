-- The cases open and overdue at each month's end, kept in the months'
-- counts as changes (report.EndChanges): a row holds how many more of its
-- town's cases were open, and overdue, at its month's end than at the end
-- of the month before, and the figure at a month's end is the sum of the
-- town's rows up to it. A province's year no longer reads its end case by
-- case (200,000 cases never closed and 25,000 open across it, 3.3 s). The
-- counts are made again from the cases and their events, which is what
-- forgetting their time zone asks for.
ALTER TABLE month_counts ADD COLUMN open_change BIGINT NOT NULL DEFAULT 0;
ALTER TABLE month_counts ADD COLUMN overdue_change BIGINT NOT NULL DEFAULT 0;
DELETE FROM settings WHERE key = 'month_counts_zone';
