-- Partner bodies of the 141 linkage (派出所, 法庭, 信访办, …) are units of
-- level partner under a town or a county; kind says which body it is, and
-- webhook where the partner's system is told of its cases' changes.
ALTER TABLE units ADD COLUMN kind TEXT NOT NULL DEFAULT '';
ALTER TABLE units ADD COLUMN webhook TEXT NOT NULL DEFAULT '';

-- A referral names its partner unit, and when the partner signed for it.
ALTER TABLE referrals ADD COLUMN partner_unit_id BIGINT REFERENCES units(id);
ALTER TABLE referrals ADD COLUMN signed_at {{time}};

-- A case waits on the partner it is referred to (partner_unit_id, signed
-- for at signed_at); a dispute a partner referred in names its sender and,
-- when the partner's system sent it, the partner's own id for it.
ALTER TABLE cases ADD COLUMN partner_unit_id BIGINT;
ALTER TABLE cases ADD COLUMN signed_at {{time}};
ALTER TABLE cases ADD COLUMN sender_unit_id BIGINT;
ALTER TABLE cases ADD COLUMN external_id TEXT;
CREATE INDEX cases_partner ON cases(partner_unit_id);
-- Also the index of a sender's cases.
CREATE UNIQUE INDEX cases_external ON cases(sender_unit_id, external_id);
CREATE INDEX referrals_partner ON referrals(partner_unit_id, case_id);
-- The report reads a partner's referrals made, and those answered, in a
-- period.
CREATE INDEX referrals_partner_at ON referrals(partner_unit_id, at);
CREATE INDEX referrals_partner_resolved ON referrals(partner_unit_id, resolved_at);

-- The referrals recorded before partners were units name them by a word:
-- each town gets a partner unit of each word its referrals used, and the
-- referrals and the cases waiting on one name it.
INSERT INTO units (code, name, level, parent_id, kind)
SELECT DISTINCT t.code || '-' || CASE r.partner WHEN '派出所' THEN 'PCS' WHEN '法庭' THEN 'FT' WHEN '信访办' THEN 'XFB'
		WHEN '劳动仲裁' THEN 'LDZC' WHEN '市场监管' THEN 'SCJG' WHEN '交警' THEN 'JJ' ELSE 'QT' END,
	t.name || r.partner, {{LevelPartner}}, t.id, r.partner
FROM referrals r JOIN cases c ON c.id = r.case_id JOIN units t ON t.id = c.town_id
WHERE NOT EXISTS (SELECT 1 FROM units u WHERE u.parent_id = t.id AND u.level = {{LevelPartner}} AND u.kind = r.partner);
UPDATE referrals SET partner_unit_id = (SELECT u.id FROM cases c JOIN units u ON u.parent_id = c.town_id
	WHERE c.id = referrals.case_id AND u.level = {{LevelPartner}} AND u.kind = referrals.partner ORDER BY u.id LIMIT 1)
WHERE partner_unit_id IS NULL;
UPDATE cases SET partner_unit_id = (SELECT r.partner_unit_id FROM referrals r
	WHERE r.case_id = cases.id AND r.resolved_at IS NULL ORDER BY r.id DESC LIMIT 1)
WHERE state = {{Referred}};

-- API tokens let a partner's system call the API as the partner unit. Only
-- a hash of each token is kept; the token is shown once, when made.
CREATE TABLE api_tokens (
	id {{pk}},
	unit_id BIGINT NOT NULL REFERENCES units(id),
	name TEXT NOT NULL,
	hash TEXT NOT NULL UNIQUE,
	created_at {{time}} NOT NULL,
	last_used_at {{time}},
	revoked_at {{time}}
);
CREATE INDEX api_tokens_unit ON api_tokens(unit_id);
