-- People's mediation committees (人民调解委员会) become records of their own
-- (DESIGN §10): one for each village (community) and town, made here for
-- the units there are and by the store for every unit made later, and
-- others a supervisor adds: a trade committee (行业性专业性) or an
-- enterprise's, hosted by a unit, and the studios (个人调解工作室) of a
-- committee. Members name the registry's mediators with their role.
CREATE TABLE committees (
	id {{pk}},
	unit_id BIGINT NOT NULL REFERENCES units(id),
	name TEXT NOT NULL,
	kind TEXT NOT NULL,
	seal TEXT NOT NULL,
	founded_on TEXT NOT NULL DEFAULT '',
	studio_of BIGINT REFERENCES committees(id)
);
CREATE INDEX committees_unit ON committees(unit_id);
CREATE UNIQUE INDEX committees_own ON committees(unit_id) WHERE kind IN ({{LevelVillage}}, {{LevelTown}}) AND studio_of IS NULL;

CREATE TABLE committee_members (
	committee_id BIGINT NOT NULL REFERENCES committees(id),
	mediator_id BIGINT NOT NULL REFERENCES mediators(id),
	role TEXT NOT NULL,
	PRIMARY KEY (committee_id, mediator_id)
);
CREATE INDEX committee_members_mediator ON committee_members(mediator_id);

INSERT INTO committees (unit_id, name, kind, seal)
	SELECT id, name || '人民调解委员会', level, name || '人民调解委员会' FROM units WHERE level IN ({{LevelVillage}}, {{LevelTown}});

-- A mediator serves one committee: their unit's own unless named here.
ALTER TABLE mediators ADD COLUMN committee_id BIGINT REFERENCES committees(id);

-- Each step records the committee that acted then, and a case the committee
-- whose mediation ended it (its agreement, failure or withdrawal; the last
-- after a re-mediation), whose file it is. Steps already taken were the
-- committee's of the unit that held the case after them (a grid's is its
-- village's).
ALTER TABLE case_events ADD COLUMN committee_id BIGINT REFERENCES committees(id);
UPDATE case_events SET committee_id = (SELECT cm.id FROM units u JOIN committees cm
	ON cm.unit_id = CASE WHEN u.level = {{LevelGrid}} THEN u.parent_id ELSE u.id END AND cm.kind IN ({{LevelVillage}}, {{LevelTown}})
	WHERE u.id = case_events.unit_id);
ALTER TABLE cases ADD COLUMN committee_id BIGINT REFERENCES committees(id);
UPDATE cases SET committee_id = (SELECT e.committee_id FROM case_events e WHERE e.case_id = cases.id
	AND e.to_state IN ({{Agreed}}, {{Failed}}, {{Withdrawn}}) ORDER BY e.seq DESC LIMIT 1);

-- The 人调字 numbers run per committee record now, and agreements name
-- theirs.
CREATE TABLE committee_sequences (
	committee_id BIGINT NOT NULL REFERENCES committees(id),
	year INTEGER NOT NULL,
	last INTEGER NOT NULL,
	PRIMARY KEY (committee_id, year)
);
INSERT INTO committee_sequences (committee_id, year, last)
	SELECT cm.id, s.year, s.last FROM archive_sequences s JOIN committees cm ON cm.unit_id = s.committee_id AND cm.kind IN ({{LevelVillage}}, {{LevelTown}});
DROP TABLE archive_sequences;
UPDATE agreements SET committee_id = (SELECT cm.id FROM committees cm WHERE cm.unit_id = agreements.committee_id
	AND cm.kind IN ({{LevelVillage}}, {{LevelTown}})) WHERE committee_id <> 0;

-- The report reads the committee beside the other columns of its index.
DROP INDEX cases_report;
CREATE INDEX cases_report ON cases(location_unit_id, closed_at, opened_at, accepted_at, referred_at, agreed_at, agreed_tier,
	agreed_kind, agreement_amount, outcome, archived_at, state, due_at, overall_due_at, suspended_at, last_event_at,
	category, source, people, flags, committee_id);
