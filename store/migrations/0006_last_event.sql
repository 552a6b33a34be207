ALTER TABLE cases ADD COLUMN last_event_at {{time}};
UPDATE cases SET last_event_at = (SELECT MAX(e.at) FROM case_events e WHERE e.case_id = cases.id);
