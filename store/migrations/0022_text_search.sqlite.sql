-- case_text is the text index of the search: each case's parties' names
-- and its summary, one row a case (its rowid the case's id), cut into
-- trigrams so that any part of three characters or more is found without
-- reading the cases. A shorter query reads the caller's own cases instead.
-- The triggers keep it in step with every write, whatever writes.
CREATE VIRTUAL TABLE case_text USING fts5(names, summary, tokenize = 'trigram');
INSERT INTO case_text (rowid, names, summary)
	SELECT c.id, COALESCE((SELECT group_concat(p.name, char(10)) FROM parties p WHERE p.case_id = c.id), ''), c.summary FROM cases c;
CREATE TRIGGER case_text_opened AFTER INSERT ON cases BEGIN
	INSERT INTO case_text (rowid, names, summary) VALUES (new.id, '', new.summary);
END;
CREATE TRIGGER case_text_summary AFTER UPDATE OF summary ON cases BEGIN
	UPDATE case_text SET summary = new.summary WHERE rowid = new.id;
END;
CREATE TRIGGER case_text_gone AFTER DELETE ON cases BEGIN
	DELETE FROM case_text WHERE rowid = old.id;
END;
CREATE TRIGGER case_text_party AFTER INSERT ON parties BEGIN
	UPDATE case_text SET names = (SELECT group_concat(name, char(10)) FROM parties WHERE case_id = new.case_id) WHERE rowid = new.case_id;
END;
CREATE TRIGGER case_text_party_name AFTER UPDATE OF name ON parties BEGIN
	UPDATE case_text SET names = (SELECT group_concat(name, char(10)) FROM parties WHERE case_id = new.case_id) WHERE rowid = new.case_id;
END;
CREATE TRIGGER case_text_party_gone AFTER DELETE ON parties BEGIN
	UPDATE case_text SET names = COALESCE((SELECT group_concat(name, char(10)) FROM parties WHERE case_id = old.case_id), '') WHERE rowid = old.case_id;
END;
