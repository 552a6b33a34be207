CREATE TABLE sweeps (
	id {{pk}},
	grid_id BIGINT NOT NULL REFERENCES units(id),
	month TEXT NOT NULL,
	swept_on TEXT NOT NULL,
	households INTEGER NOT NULL DEFAULT 0,
	risks TEXT NOT NULL DEFAULT '',
	disputes_found INTEGER NOT NULL DEFAULT 0,
	notes TEXT NOT NULL DEFAULT '',
	filed_by BIGINT REFERENCES users(id),
	filed_at {{time}} NOT NULL,
	UNIQUE (grid_id, month)
);
