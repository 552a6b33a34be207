-- A report reads the cases open at its period's end: among them those
-- closed since, which were opened before it. PostgreSQL's planner takes the
-- two times for independent and, over a province's whole tree, expected
-- 547,000 of the cases closed since the end of 2025 to have been opened
-- before it (24,720 were): it read every case, 1.5-2.5 s on three
-- processes. The report now finds their ids in this index alone, then the
-- rows by their ids.
CREATE INDEX cases_closed ON cases(closed_at, opened_at) INCLUDE (location_unit_id, id);
-- The ledger's figures count the major disputes reported (重大纠纷专报), a
-- few events among many: a province's year read every event of the year to
-- find none.
CREATE INDEX case_events_major_reports ON case_events(location_unit_id, at) WHERE name = {{MajorReport}};
-- The mediators' rows of a report read their events of the period, by
-- this index alone: a province's year read the index of every event of the
-- year (8 million) to pick the mediators' out.
CREATE INDEX case_events_mediators ON case_events(location_unit_id, at, actor_id, actor_name, case_id, name)
	WHERE role = {{RoleMediator}};
