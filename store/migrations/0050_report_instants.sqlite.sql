-- The ledger's figures count the major disputes reported (重大纠纷专报), a
-- few events among many, by an index of their own kind alone (see
-- 0050_report_instants.postgres.sql). SQLite's report reads the cases closed
-- since a period's end through the report's index, led by the location, as
-- before.
CREATE INDEX case_events_major_reports ON case_events(location_unit_id, at) WHERE name = {{MajorReport}};
