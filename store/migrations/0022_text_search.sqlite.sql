-- party_text and summary_text are the text indexes of the search: the
-- parties' names and the cases' summaries cut into trigrams, so that any
-- part of three characters or more is found without reading the cases. A
-- shorter query reads the caller's own cases instead. They index the rows
-- of parties and cases (external content) and keep no copy of the text.
-- The store indexes the cases and parties it writes at the end of each
-- transaction (see indexText); names and summaries never change.
CREATE VIRTUAL TABLE party_text USING fts5(name, content = 'parties', content_rowid = 'id', tokenize = 'trigram');
CREATE VIRTUAL TABLE summary_text USING fts5(summary, content = 'cases', content_rowid = 'id', tokenize = 'trigram');
INSERT INTO party_text (party_text) VALUES ('rebuild');
INSERT INTO summary_text (summary_text) VALUES ('rebuild');
