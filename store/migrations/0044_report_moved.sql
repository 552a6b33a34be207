-- The cases open at a past period's end are those never closed that are
-- open now or moved since. SQLite tests a condition on the columns of the
-- index it walks before it reads a row: with when a case last moved in the
-- report's index, a town's instant reads the index alone, not the row of
-- every case the town left unclosed over the years (a county's year's end
-- went from 2 s to 33 ms over a million cases). PostgreSQL reads the row
-- first either way; the index is the same on both, as is the schema.
DROP INDEX cases_report;
CREATE INDEX cases_report ON cases(location_unit_id, closed_at, opened_at, accepted_at, referred_at, agreed_at, agreed_tier,
	agreed_kind, agreement_amount, outcome, archived_at, state, due_at, overall_due_at, suspended_at, last_event_at,
	category, source, people, flags, committee_id, moved_at);
