-- The time of the latest event that changed a case's state or a deadline:
-- a past period's end reads the state and lateness of a case from its
-- columns unless something moved them since. The scheduler's flags and the
-- notes that came after no longer send it to the events, as they did for
-- 200,000 cases of a province's year. Older cases have none, and their
-- last event stands in.
ALTER TABLE cases ADD COLUMN moved_at {{time}};
