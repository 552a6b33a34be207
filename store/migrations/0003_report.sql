ALTER TABLE cases ADD COLUMN referred_at {{time}};
ALTER TABLE case_events ADD COLUMN due_at {{time}};
ALTER TABLE case_events ADD COLUMN overall_due_at {{time}};
ALTER TABLE case_events ADD COLUMN suspended_at {{time}};
CREATE INDEX cases_opened ON cases(opened_at);
CREATE INDEX case_events_case_at ON case_events(case_id, at);
