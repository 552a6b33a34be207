-- The cases open and overdue at a period's end are the sums of the
-- changes of every month of the towns before it (migration 45): some 150,000
-- rows over a province, each on a page of its own, read in 0.7 to 3.7 s. This
-- index holds the changes, and PostgreSQL sums them from it alone.
CREATE INDEX month_counts_ends ON month_counts(town_id, month) INCLUDE (open_change, overdue_change) WHERE committee_id = 0;
