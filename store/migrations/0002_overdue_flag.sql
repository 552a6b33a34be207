ALTER TABLE cases ADD COLUMN flagged_due_at {{time}};
