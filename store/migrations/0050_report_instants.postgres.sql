-- A report reads the cases open at its period's end: among them those
-- closed since, which were opened before it. PostgreSQL's planner takes the
-- two times for independent and, over a province's whole tree, expected
-- 547,000 of the cases closed since the end of 2025 to have been opened
-- before it (24,720 were): it read every case, 1.5-2.5 s on three
-- processes. The report now finds their ids in this index alone, then the
-- rows by their ids.
CREATE INDEX cases_closed ON cases(closed_at, opened_at) INCLUDE (location_unit_id, id);
-- The others open at the end are among the unclosed cases, which this
-- index alone tells apart: over the province, 199,000 cases agreed and
-- never closed were read row by row to find one, 430 ms; by this index,
-- 170 ms.
CREATE INDEX cases_unclosed ON cases(location_unit_id, opened_at) INCLUDE (state, moved_at, last_event_at, id)
	WHERE closed_at IS NULL;
-- A province's year of times to agreement (771,830 of them) was read by
-- the agreements' index led by the location, one descent per unit of the
-- province (23,500): 730 ms. By the times alone, 390 ms; a town or a
-- county still reads the index led by its locations.
CREATE INDEX cases_agreed_at ON cases(agreed_at) INCLUDE (accepted_at, location_unit_id) WHERE agreed_at IS NOT NULL;
-- The ledger's figures count the major disputes reported (重大纠纷专报), a
-- few events among many: a province's year read every event of the year to
-- find none.
CREATE INDEX case_events_major_reports ON case_events(location_unit_id, at) WHERE name = {{MajorReport}};
-- The mediators' rows of a report read their events of the period, by
-- this index alone: a province's year read the index of every event of the
-- year (38 million events in all) to pick the mediators' out.
CREATE INDEX case_events_mediators ON case_events(location_unit_id, at, actor_id, actor_name, case_id, name)
	WHERE role = {{RoleMediator}};
