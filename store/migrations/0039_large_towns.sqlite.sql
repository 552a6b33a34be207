-- number_text is the text index of the cases' numbers, cut into trigrams
-- as the summaries are (see 0022): a search by number looks the cases up
-- there, and reads the caller's own cases only when the part given is too
-- short or too common. It indexes the cases' rows and keeps no copy; a
-- number never changes.
CREATE VIRTUAL TABLE number_text USING fts5(number, content = 'cases', content_rowid = 'id', tokenize = 'trigram');
INSERT INTO number_text (number_text) VALUES ('rebuild');
