-- The report reads these columns of every case in a unit's subtree that a
-- period may count. Held in one index led by the location, a county's year
-- is read from adjacent index pages instead of one table page per case.
-- The index on the last event carries the closing time so that the report's
-- third branch (closed before the period, touched since) filters on it too.
DROP INDEX IF EXISTS cases_location_closed;
CREATE INDEX cases_report ON cases(location_unit_id, closed_at, opened_at, accepted_at, referred_at, agreed_at, agreed_tier,
	agreed_kind, agreement_amount, outcome, archived_at, state, due_at, overall_due_at, suspended_at, last_event_at,
	category, source, people, flags);
DROP INDEX IF EXISTS cases_location_last_event;
CREATE INDEX cases_location_last_event ON cases(location_unit_id, last_event_at, closed_at);
-- The events of a period are read case by case; this index answers which
-- of them count, and who did them, without reading the events themselves.
DROP INDEX IF EXISTS case_events_case_at;
CREATE INDEX case_events_report ON case_events(case_id, at, name, role, automatic, actor_id, actor_name);
