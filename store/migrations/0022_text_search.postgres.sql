-- The search's text indexes: the parties' names and the cases' summaries
-- cut into trigrams (pg_trgm), so that a LIKE on any part of three
-- characters or more is answered from the index. A shorter query reads the
-- caller's own cases instead.
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE INDEX parties_name_trgm ON parties USING gin (name gin_trgm_ops);
CREATE INDEX cases_summary_trgm ON cases USING gin (summary gin_trgm_ops);
