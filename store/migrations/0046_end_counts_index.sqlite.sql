-- The cases open and overdue at a period's end are the sums of the
-- changes of every month of the towns before it (migration 45). This index
-- holds the changes, so that the sums read it alone and not the rows, whose
-- counts are some six hundred bytes each.
CREATE INDEX month_counts_ends ON month_counts(town_id, month, open_change, overdue_change) WHERE committee_id = 0;
