-- A town's search by number or by words of the summaries reads that town's
-- matches alone. The trigram indexes of the numbers and the summaries are
-- now led by the location (btree_gin, trusted like pg_trgm), and a search
-- gives the locations of the caller's towns beside the query's trigrams
-- (see around). Over a province the number index alone named every town's
-- matches: some 13,000 cases for a town's search of 0001号. The location is
-- indexed as location_unit_id + 0, which a search alone names: a list's
-- condition on the location keeps to the b-tree indexes, which hold a
-- town's cases in order.
CREATE EXTENSION IF NOT EXISTS btree_gin;
DROP INDEX cases_number_trgm;
CREATE INDEX cases_number_trgm ON cases USING gin ((location_unit_id + 0), number gin_trgm_ops);
DROP INDEX cases_summary_trgm;
CREATE INDEX cases_summary_trgm ON cases USING gin ((location_unit_id + 0), summary gin_trgm_ops);
