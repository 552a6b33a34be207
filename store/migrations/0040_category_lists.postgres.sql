-- A town's list of one category (and state) reads its cases from an index
-- led by the location and the category: a large town's list of one kind of
-- dispute no longer reads every case it holds in the state to test the
-- category. It carries the id, as the indexes of 0039 do, for the page.
CREATE INDEX cases_location_category ON cases(location_unit_id, category, state, due_at) INCLUDE (id);
