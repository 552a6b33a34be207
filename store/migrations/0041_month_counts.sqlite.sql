-- The months' counts of the reports: what a town's cases and events add
-- up to in a month (committee_id 0), and its cases whose file is one
-- committee's (report.Counts, a line of name=value to each), kept with
-- each write. A county's or a province's period reads a row per town and
-- month instead of every case. The store makes them from the cases when
-- a database has none, or a migration names another time zone than theirs
-- (the setting month_counts_zone).
CREATE TABLE month_counts (
	town_id BIGINT NOT NULL REFERENCES units(id),
	month TEXT NOT NULL,
	committee_id BIGINT NOT NULL,
	counts TEXT NOT NULL,
	PRIMARY KEY (town_id, month, committee_id)
);

-- The times to agreement, which a median needs case by case, are read by
-- the cases' agreements.
CREATE INDEX cases_agreed ON cases(location_unit_id, agreed_at, accepted_at) WHERE agreed_at IS NOT NULL;
