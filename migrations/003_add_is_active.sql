-- The reference's third migration: an is_active flag, 1 unless said otherwise. NOT NULL and the
-- CHECK are ours: SQLite has no boolean type, and the API maps exactly 0 and 1 to false and true.
ALTER TABLE users ADD COLUMN is_active INTEGER NOT NULL DEFAULT 1 CHECK (is_active IN (0, 1));
