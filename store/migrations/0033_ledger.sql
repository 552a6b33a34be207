-- The ledger of key persons, groups and places (重点人员、群体、领域):
-- entries under a unit, their owners (包保责任人) and their history
-- (listing, contacts, 督办, 销号) as records; sweep_id is the 拉网式 sweep
-- that found the entry, if one did. review_due_at is NULL once an
-- entry is delisted; the partial indexes find the entries due for review
-- and the persons a case's parties may be, among those still listed.
CREATE TABLE ledger_entries (
	id {{pk}},
	kind TEXT NOT NULL,
	name TEXT NOT NULL,
	id_number TEXT NOT NULL DEFAULT '',
	phone TEXT NOT NULL DEFAULT '',
	address TEXT NOT NULL DEFAULT '',
	people INTEGER NOT NULL DEFAULT 0,
	unit_id BIGINT NOT NULL REFERENCES units(id),
	category TEXT NOT NULL,
	reason TEXT NOT NULL,
	colour TEXT NOT NULL,
	listed_at {{time}} NOT NULL,
	listed_by BIGINT REFERENCES users(id),
	reviewed_at {{time}},
	review_due_at {{time}},
	pressed_at {{time}},
	delisted_at {{time}},
	sweep_id BIGINT REFERENCES sweeps(id),
	version INTEGER NOT NULL
);
CREATE INDEX ledger_entries_unit ON ledger_entries(unit_id, delisted_at);
CREATE INDEX ledger_entries_sweep ON ledger_entries(sweep_id) WHERE sweep_id IS NOT NULL;
CREATE INDEX ledger_entries_due ON ledger_entries(review_due_at) WHERE delisted_at IS NULL;
CREATE INDEX ledger_entries_id_number ON ledger_entries(id_number) WHERE delisted_at IS NULL AND id_number <> '';
CREATE INDEX ledger_entries_phone ON ledger_entries(phone) WHERE delisted_at IS NULL AND phone <> '';

CREATE TABLE ledger_owners (
	entry_id BIGINT NOT NULL REFERENCES ledger_entries(id),
	user_id BIGINT NOT NULL REFERENCES users(id),
	PRIMARY KEY (entry_id, user_id)
);
CREATE INDEX ledger_owners_user ON ledger_owners(user_id);

CREATE TABLE ledger_records (
	id {{pk}},
	entry_id BIGINT NOT NULL REFERENCES ledger_entries(id),
	kind TEXT NOT NULL,
	at {{time}} NOT NULL,
	actor_id BIGINT REFERENCES users(id),
	actor_name TEXT NOT NULL,
	method TEXT NOT NULL DEFAULT '',
	findings TEXT NOT NULL DEFAULT '',
	colour_from TEXT NOT NULL DEFAULT '',
	colour_to TEXT NOT NULL DEFAULT '',
	reason TEXT NOT NULL DEFAULT '',
	approver TEXT NOT NULL DEFAULT '',
	-- due_at is the review a contact answered: made by it, on time.
	due_at {{time}}
);
CREATE INDEX ledger_records_entry ON ledger_records(entry_id, id);
