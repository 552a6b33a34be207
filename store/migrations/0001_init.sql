CREATE TABLE units (
	id {{pk}},
	code TEXT NOT NULL UNIQUE,
	name TEXT NOT NULL,
	level TEXT NOT NULL,
	parent_id BIGINT REFERENCES units(id),
	case_prefix TEXT NOT NULL DEFAULT ''
);
CREATE INDEX units_parent ON units(parent_id);

CREATE TABLE users (
	id {{pk}},
	name TEXT NOT NULL UNIQUE,
	display_name TEXT NOT NULL DEFAULT '',
	role TEXT NOT NULL,
	unit_id BIGINT NOT NULL REFERENCES units(id),
	password_hash TEXT NOT NULL,
	created_at {{time}} NOT NULL
);

CREATE TABLE case_sequences (
	town_id BIGINT NOT NULL REFERENCES units(id),
	year INTEGER NOT NULL,
	last INTEGER NOT NULL,
	PRIMARY KEY (town_id, year)
);

CREATE TABLE cases (
	id {{pk}},
	town_id BIGINT NOT NULL REFERENCES units(id),
	year INTEGER NOT NULL,
	seq INTEGER NOT NULL,
	number TEXT NOT NULL UNIQUE,
	code TEXT NOT NULL UNIQUE,
	state TEXT NOT NULL,
	version INTEGER NOT NULL,
	location_unit_id BIGINT NOT NULL REFERENCES units(id),
	handling_unit_id BIGINT NOT NULL REFERENCES units(id),
	mediator_id BIGINT REFERENCES users(id),
	source TEXT NOT NULL,
	category TEXT NOT NULL,
	amount BIGINT NOT NULL DEFAULT 0,
	people INTEGER NOT NULL DEFAULT 1,
	risk TEXT NOT NULL,
	flags TEXT NOT NULL DEFAULT '',
	cross_village BOOLEAN NOT NULL DEFAULT FALSE,
	summary TEXT NOT NULL,
	requests TEXT NOT NULL DEFAULT '',
	opened_at {{time}} NOT NULL,
	accepted_at {{time}},
	agreed_at {{time}},
	agreed_tier TEXT NOT NULL DEFAULT '',
	agreement_amount BIGINT NOT NULL DEFAULT 0,
	closed_at {{time}},
	outcome TEXT NOT NULL DEFAULT '',
	tier_started_at {{time}},
	due_at {{time}},
	overall_due_at {{time}},
	suspended_at {{time}},
	supervised_at {{time}},
	created_by BIGINT REFERENCES users(id),
	import_key TEXT UNIQUE,
	UNIQUE (town_id, year, seq)
);
CREATE INDEX cases_handling ON cases(handling_unit_id, state);
CREATE INDEX cases_location ON cases(location_unit_id, opened_at);
CREATE INDEX cases_due ON cases(state, due_at);

CREATE TABLE parties (
	id {{pk}},
	case_id BIGINT NOT NULL REFERENCES cases(id),
	side TEXT NOT NULL,
	kind TEXT NOT NULL,
	name TEXT NOT NULL,
	sex TEXT NOT NULL DEFAULT '',
	id_number TEXT NOT NULL DEFAULT '',
	phone TEXT NOT NULL DEFAULT '',
	address TEXT NOT NULL DEFAULT '',
	consent TEXT NOT NULL DEFAULT ''
);
CREATE INDEX parties_case ON parties(case_id);
CREATE INDEX parties_name ON parties(name);
CREATE INDEX parties_id_number ON parties(id_number);
CREATE INDEX parties_phone ON parties(phone);

CREATE TABLE case_events (
	id {{pk}},
	case_id BIGINT NOT NULL REFERENCES cases(id),
	seq INTEGER NOT NULL,
	name TEXT NOT NULL,
	from_state TEXT NOT NULL DEFAULT '',
	to_state TEXT NOT NULL,
	unit_id BIGINT NOT NULL REFERENCES units(id),
	actor_id BIGINT REFERENCES users(id),
	actor_name TEXT NOT NULL,
	role TEXT NOT NULL,
	at {{time}} NOT NULL,
	reason TEXT NOT NULL DEFAULT '',
	automatic BOOLEAN NOT NULL DEFAULT FALSE,
	data TEXT NOT NULL DEFAULT '{}',
	UNIQUE (case_id, seq)
);
CREATE INDEX case_events_at ON case_events(at, name);

CREATE TABLE agreements (
	id {{pk}},
	case_id BIGINT NOT NULL REFERENCES cases(id),
	event_id BIGINT NOT NULL REFERENCES case_events(id),
	kind TEXT NOT NULL,
	facts TEXT NOT NULL DEFAULT '',
	terms TEXT NOT NULL,
	performance TEXT NOT NULL DEFAULT '',
	due_at {{time}},
	amount BIGINT NOT NULL DEFAULT 0,
	signed_at {{time}} NOT NULL,
	copies INTEGER NOT NULL,
	tier TEXT NOT NULL
);
CREATE INDEX agreements_case ON agreements(case_id);

CREATE TABLE sessions (
	id {{pk}},
	case_id BIGINT NOT NULL REFERENCES cases(id),
	event_id BIGINT NOT NULL REFERENCES case_events(id),
	at {{time}} NOT NULL,
	place TEXT NOT NULL DEFAULT '',
	participants TEXT NOT NULL DEFAULT '',
	record TEXT NOT NULL
);
CREATE INDEX sessions_case ON sessions(case_id);

CREATE TABLE follow_ups (
	id {{pk}},
	case_id BIGINT NOT NULL REFERENCES cases(id),
	event_id BIGINT NOT NULL REFERENCES case_events(id),
	at {{time}} NOT NULL,
	visited TEXT NOT NULL,
	performed BOOLEAN NOT NULL DEFAULT FALSE,
	findings TEXT NOT NULL
);
CREATE INDEX follow_ups_case ON follow_ups(case_id);

CREATE TABLE referrals (
	id {{pk}},
	case_id BIGINT NOT NULL REFERENCES cases(id),
	event_id BIGINT NOT NULL REFERENCES case_events(id),
	partner TEXT NOT NULL,
	reason TEXT NOT NULL,
	at {{time}} NOT NULL,
	due_at {{time}} NOT NULL,
	resolved_at {{time}},
	result TEXT NOT NULL DEFAULT ''
);
CREATE INDEX referrals_case ON referrals(case_id);

CREATE TABLE settings (
	key TEXT PRIMARY KEY,
	value TEXT NOT NULL
);
