-- The registry of mediators (人民调解员名册): a row for each person who
-- mediates, an account of role mediator (user_id) or someone without one
-- (a 村干部 named on a 门前调's records), with the unit whose committee
-- they serve, 专职 or 兼职, appointment and grade. An account's row is made
-- the first time its particulars are kept or it attends a training.
-- Trainings are recorded with their hours (in tenths) and who attended.
CREATE TABLE mediators (
	id {{pk}},
	user_id BIGINT UNIQUE REFERENCES users(id),
	name TEXT NOT NULL,
	unit_id BIGINT NOT NULL REFERENCES units(id),
	phone TEXT NOT NULL DEFAULT '',
	full_time BOOLEAN NOT NULL DEFAULT FALSE,
	appointed_on TEXT NOT NULL DEFAULT '',
	grade TEXT NOT NULL DEFAULT ''
);
CREATE INDEX mediators_unit ON mediators(unit_id);

CREATE TABLE trainings (
	id {{pk}},
	unit_id BIGINT NOT NULL REFERENCES units(id),
	held_on TEXT NOT NULL,
	tenths INTEGER NOT NULL,
	topic TEXT NOT NULL,
	recorded_by BIGINT REFERENCES users(id),
	recorded_at {{time}} NOT NULL
);
CREATE INDEX trainings_unit ON trainings(unit_id, held_on);

CREATE TABLE training_attendance (
	training_id BIGINT NOT NULL REFERENCES trainings(id),
	mediator_id BIGINT NOT NULL REFERENCES mediators(id),
	PRIMARY KEY (training_id, mediator_id)
);
CREATE INDEX training_attendance_mediator ON training_attendance(mediator_id);
