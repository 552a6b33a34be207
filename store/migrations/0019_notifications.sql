-- The notification outbox. A notification is written in the transaction of
-- the event that causes it (a case routed or escalated to a unit, a 督办, a
-- partner's feedback) or by the scheduler (a deadline within 24 hours, a
-- follow-up visit due). A user reads their own in the application; a
-- party's (by phone) is only sent. When delivery is configured, each row
-- waits for the webhook worker (next_attempt_at set) until it is delivered;
-- the row's id is the delivery's idempotency key, so a retry is recognised.
CREATE TABLE notifications (
	id {{pk}},
	user_id BIGINT REFERENCES users(id),
	phone TEXT NOT NULL DEFAULT '',
	case_id BIGINT NOT NULL REFERENCES cases(id),
	kind TEXT NOT NULL,
	text TEXT NOT NULL,
	-- dedup names a warning the scheduler gives once per user, as
	-- deadline:<due>; NULL for the rest.
	dedup TEXT,
	created_at {{time}} NOT NULL,
	read_at {{time}},
	attempts INTEGER NOT NULL DEFAULT 0,
	next_attempt_at {{time}},
	delivered_at {{time}},
	last_error TEXT NOT NULL DEFAULT ''
);
CREATE INDEX notifications_user ON notifications(user_id, read_at, id);
CREATE INDEX notifications_outbox ON notifications(next_attempt_at) WHERE next_attempt_at IS NOT NULL;
CREATE UNIQUE INDEX notifications_dedup ON notifications(case_id, user_id, dedup);
