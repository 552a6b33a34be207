-- No query reads the events by time alone: the report reads them by
-- location and time (case_events_location), the timeline by case. Every
-- event kept this index up to date for nothing; over a million cases the
-- scheduler's first pass spent a tenth of its time on it.
DROP INDEX case_events_at;
