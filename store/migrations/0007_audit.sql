CREATE TABLE audit_log (
	id {{pk}},
	at {{time}} NOT NULL,
	actor_id BIGINT REFERENCES users(id),
	actor_name TEXT NOT NULL,
	unit_id BIGINT REFERENCES units(id),
	action TEXT NOT NULL,
	case_id BIGINT REFERENCES cases(id),
	detail TEXT NOT NULL DEFAULT ''
);
CREATE INDEX audit_log_at ON audit_log(at);
CREATE INDEX audit_log_case ON audit_log(case_id);
