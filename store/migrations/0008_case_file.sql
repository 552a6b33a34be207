ALTER TABLE units ADD COLUMN address TEXT NOT NULL DEFAULT '';
ALTER TABLE units ADD COLUMN phone TEXT NOT NULL DEFAULT '';
ALTER TABLE parties ADD COLUMN ethnicity TEXT NOT NULL DEFAULT '';
ALTER TABLE parties ADD COLUMN birth_date TEXT NOT NULL DEFAULT '';
ALTER TABLE parties ADD COLUMN occupation TEXT NOT NULL DEFAULT '';
ALTER TABLE parties ADD COLUMN representative TEXT NOT NULL DEFAULT '';
ALTER TABLE agreements ADD COLUMN place TEXT NOT NULL DEFAULT '';
ALTER TABLE agreements ADD COLUMN oral_confirmed BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE cases ADD COLUMN agreement_kind TEXT NOT NULL DEFAULT '';
ALTER TABLE cases ADD COLUMN archive_no TEXT;
ALTER TABLE cases ADD COLUMN archived_at {{time}};
UPDATE cases SET agreement_kind = (SELECT a.kind FROM agreements a WHERE a.case_id = cases.id ORDER BY a.id DESC LIMIT 1)
	WHERE EXISTS (SELECT 1 FROM agreements a WHERE a.case_id = cases.id);

CREATE TABLE archive_sequences (
	committee_id BIGINT NOT NULL REFERENCES units(id),
	year INTEGER NOT NULL,
	last INTEGER NOT NULL,
	PRIMARY KEY (committee_id, year)
);

CREATE TABLE confirmations (
	id {{pk}},
	case_id BIGINT NOT NULL REFERENCES cases(id),
	event_id BIGINT NOT NULL REFERENCES case_events(id),
	agreement_id BIGINT NOT NULL REFERENCES agreements(id),
	kind TEXT NOT NULL,
	court TEXT NOT NULL DEFAULT '',
	number TEXT NOT NULL DEFAULT '',
	day TEXT NOT NULL,
	recorded_at {{time}} NOT NULL
);
CREATE INDEX confirmations_case ON confirmations(case_id);
