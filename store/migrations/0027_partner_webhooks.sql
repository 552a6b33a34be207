-- A notification to a partner's system is posted to the partner's webhook,
-- kept on the row as it was when the notification was written.
ALTER TABLE notifications ADD COLUMN webhook TEXT NOT NULL DEFAULT '';
