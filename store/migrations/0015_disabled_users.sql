-- When an account was disabled: it can no longer log in, and its sessions
-- ended then. NULL for an account in use.
ALTER TABLE users ADD COLUMN disabled_at {{time}};
