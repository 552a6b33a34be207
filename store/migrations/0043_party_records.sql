-- The parties' applications and ratings, which the report counts, are a few
-- events among many: each is found by an index of its own kind alone. A
-- province's year read every case's first event to find the applications
-- (a scan of 60 million events), and every event of the year to find the
-- ratings.
CREATE INDEX case_events_applications ON case_events(case_id) WHERE seq = 1 AND role = {{RoleParty}};
CREATE INDEX case_events_ratings ON case_events(location_unit_id, at) WHERE name = {{PartyRating}};
