-- A town's lists (its open cases by state, the overdue ones soonest due
-- first) read its cases by location and state, as a unit's queue reads
-- them by handling unit and state (cases_handling): never every open case
-- of every town.
CREATE INDEX cases_location_state ON cases(location_unit_id, state, due_at);
