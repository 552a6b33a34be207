-- As on PostgreSQL (see 0048_party_names.postgres.sql): each case holds its
-- parties' names, each followed by a line break, for a search tested case by
-- case. Only the line break's function is spelled otherwise.
ALTER TABLE cases ADD COLUMN party_names TEXT NOT NULL DEFAULT '';
UPDATE cases SET party_names = p.names
	FROM (SELECT case_id, string_agg(name || char(10), '' ORDER BY id) AS names FROM parties GROUP BY case_id) AS p
	WHERE p.case_id = cases.id;
