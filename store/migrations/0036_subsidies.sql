-- 以案定补: what each case earned when its file was archived complete
-- (who is credited, the grade, the amount of the schedule then, in fen),
-- and the records that change it later, never edits: a regrade by the
-- town's supervisor, a claw-back of a file found incomplete after payment.
CREATE TABLE subsidies (
	id {{pk}},
	case_id BIGINT NOT NULL UNIQUE REFERENCES cases(id),
	event_id BIGINT NOT NULL REFERENCES case_events(id),
	location_unit_id BIGINT NOT NULL REFERENCES units(id),
	committee_id BIGINT REFERENCES committees(id),
	mediator_id BIGINT REFERENCES users(id),
	mediator_name TEXT NOT NULL,
	grade TEXT NOT NULL,
	amount BIGINT NOT NULL,
	earned_at {{time}} NOT NULL
);
CREATE INDEX subsidies_earned ON subsidies(location_unit_id, earned_at);

CREATE TABLE subsidy_adjustments (
	id {{pk}},
	subsidy_id BIGINT NOT NULL REFERENCES subsidies(id),
	kind TEXT NOT NULL,
	grade TEXT NOT NULL DEFAULT '',
	amount BIGINT NOT NULL,
	reason TEXT NOT NULL,
	by_id BIGINT REFERENCES users(id),
	by_name TEXT NOT NULL,
	at {{time}} NOT NULL
);
CREATE INDEX subsidy_adjustments_subsidy ON subsidy_adjustments(subsidy_id, at);
CREATE INDEX subsidy_adjustments_at ON subsidy_adjustments(at);
