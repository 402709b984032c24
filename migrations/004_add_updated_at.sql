-- updated_at, which the API returns and moves on every change. ALTER TABLE ADD COLUMN only takes a
-- constant default, so existing rows get a placeholder and are then set to their created_at; the
-- service always writes the column itself.
ALTER TABLE users ADD COLUMN updated_at TEXT NOT NULL DEFAULT '1970-01-01T00:00:00.000Z'
  CHECK (updated_at GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9].[0-9][0-9][0-9]Z');

UPDATE users SET updated_at = created_at;
