-- A notification to a partner's system is posted to the partner's webhook,
-- kept on the row as it was when the notification was written.
ALTER TABLE notifications ADD COLUMN webhook TEXT NOT NULL DEFAULT '';

-- A referral the partner sent back for mediation, rather than closed with
-- its result: the report counts the returns.
ALTER TABLE referrals ADD COLUMN returned BOOLEAN NOT NULL DEFAULT FALSE;
UPDATE referrals SET returned = TRUE WHERE result LIKE '退回调解：%';

-- The parties of a dispute a partner referred in may agree to tell the
-- partner their agreement's terms; without that it learns the outcome
-- alone.
ALTER TABLE agreements ADD COLUMN shared BOOLEAN NOT NULL DEFAULT FALSE;
