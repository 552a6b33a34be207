-- The desk's queue lists what its clerk registered lately; the cases are
-- found by their registrar before anything else.
CREATE INDEX cases_created_by ON cases(created_by, opened_at);
-- A unit's queue reads its own cases by state, soonest due first.
DROP INDEX IF EXISTS cases_handling;
CREATE INDEX cases_handling ON cases(handling_unit_id, state, due_at);
