-- A search by number reads the cases whose number holds the query from an
-- index of the numbers' trigrams, which the planner joins with the scope's
-- own indexes: a large town's number search costs what it finds.
CREATE INDEX cases_number_trgm ON cases USING gin (number gin_trgm_ops);

-- A list's page is chosen from the ids its indexes hold before its rows are
-- read (see casePage): the indexes led by the location and by the handling
-- unit carry the id, so that choosing the page of a large town reads no
-- case's row. SQLite's indexes carry the rowid already.
DROP INDEX cases_location_state;
CREATE INDEX cases_location_state ON cases(location_unit_id, state, due_at) INCLUDE (id);
DROP INDEX cases_handling;
CREATE INDEX cases_handling ON cases(handling_unit_id, state, due_at) INCLUDE (id);
