-- Retention: a case closed without being taken into mediation is
-- anonymised once its time is up (anonymised_at says when), and its
-- attachments' content goes (removed_at). The partial index finds the
-- cases still due without reading the others.
ALTER TABLE cases ADD COLUMN anonymised_at {{time}};
ALTER TABLE attachments ADD COLUMN removed_at {{time}};
CREATE INDEX cases_unfiled ON cases(closed_at) WHERE accepted_at IS NULL AND anonymised_at IS NULL;
