CREATE INDEX cases_location_closed ON cases(location_unit_id, closed_at);
