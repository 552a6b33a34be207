-- A GIN index keeps what is written to it in a pending list, merged into
-- the index when the list passes gin_pending_list_limit (4 MB by default) or
-- when the table is vacuumed; every search reads the whole list. Every case
-- write that moves a column of another index (a step) adds the case's
-- trigrams to the lists of the numbers and the summaries: over a province
-- whose writers had run a few minutes, a town's number search read 167
-- pending pages, 41-77 ms where the index alone took 4-7 ms. Lists of 64 kB
-- (the least allowed) cost a search a few pages, and a write now and then
-- the merging of a few pages.
ALTER INDEX cases_number_trgm SET (gin_pending_list_limit = 64);
ALTER INDEX cases_summary_trgm SET (gin_pending_list_limit = 64);
ALTER INDEX parties_name_trgm SET (gin_pending_list_limit = 64);
SELECT gin_clean_pending_list('cases_number_trgm'::regclass), gin_clean_pending_list('cases_summary_trgm'::regclass),
	gin_clean_pending_list('parties_name_trgm'::regclass);
