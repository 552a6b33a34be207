ALTER TABLE cases ADD COLUMN agreed_kind TEXT NOT NULL DEFAULT '';
UPDATE cases SET agreed_kind = (SELECT a.kind FROM agreements a WHERE a.case_id = cases.id ORDER BY a.id LIMIT 1)
	WHERE EXISTS (SELECT 1 FROM agreements a WHERE a.case_id = cases.id);
UPDATE cases SET flags = REPLACE(flags, 'group_incident', 'group_petition') WHERE flags LIKE '%group_incident%';
CREATE INDEX cases_location_last_event ON cases(location_unit_id, last_event_at);
