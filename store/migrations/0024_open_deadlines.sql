-- The scheduler reads the open cases by their deadlines through partial
-- indexes of the open cases alone, which only a query of open cases
-- (closed_at IS NULL, as the scheduler's and the warnings' are) can read.
-- A town's lists, which name their states instead, are thus left the
-- indexes led by the unit, not one of every town's cases by state.
DROP INDEX cases_due;
CREATE INDEX cases_open_due ON cases(due_at) WHERE closed_at IS NULL;
CREATE INDEX cases_open_overall_due ON cases(overall_due_at) WHERE closed_at IS NULL;
