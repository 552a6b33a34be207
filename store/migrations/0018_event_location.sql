-- The report counts a period's events by the location of their case. A
-- case's location never changes, so each event carries it, and a town's or
-- a county's events of a period are read from one range of an index led by
-- the location, instead of case by case through the index led by the case.
ALTER TABLE case_events ADD COLUMN location_unit_id BIGINT REFERENCES units(id);
UPDATE case_events SET location_unit_id = (SELECT c.location_unit_id FROM cases c WHERE c.id = case_events.case_id);
DROP INDEX IF EXISTS case_events_report;
CREATE INDEX case_events_location ON case_events(location_unit_id, at, name, role, automatic, actor_id, actor_name, case_id);
