-- A case's files (附件), in the database so that every server on one
-- PostgreSQL serves them. The content is kept in pieces of 256 KiB, written
-- and read one at a time, so that no file is ever held whole in memory.
CREATE TABLE attachments (
	id {{pk}},
	case_id BIGINT NOT NULL REFERENCES cases(id),
	event_id BIGINT NOT NULL REFERENCES case_events(id),
	name TEXT NOT NULL,
	type TEXT NOT NULL,
	size BIGINT NOT NULL,
	uploaded_by TEXT NOT NULL,
	uploaded_at {{time}} NOT NULL
);
CREATE INDEX attachments_case ON attachments(case_id, id);
CREATE TABLE attachment_chunks (
	attachment_id BIGINT NOT NULL REFERENCES attachments(id),
	seq INTEGER NOT NULL,
	data {{bytes}} NOT NULL,
	PRIMARY KEY (attachment_id, seq)
);
