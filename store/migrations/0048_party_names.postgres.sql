-- Each case holds its parties' names, each followed by a line break, which
-- no name holds (see matchText): a search too short for the trigrams, or
-- too common, tests the cases of a town one by one, and read each one's
-- parties by its index. Over a large town of a province that was two thirds
-- of a search of a two-character name. The store keeps the column with
-- every party it writes (a case's registration, a party added, a case
-- anonymised).
ALTER TABLE cases ADD COLUMN party_names TEXT NOT NULL DEFAULT '';
UPDATE cases SET party_names = p.names
	FROM (SELECT case_id, string_agg(name || chr(10), '' ORDER BY id) AS names FROM parties GROUP BY case_id) AS p
	WHERE p.case_id = cases.id;
