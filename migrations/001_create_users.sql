-- The users table, as in the reference's first migration, with its rules written into the schema
-- too, so a row the API would refuse cannot arrive by another way (the sqlite3 shell, a script).
--
-- AUTOINCREMENT: without it SQLite may hand a deleted user's id to the next new user; the API
-- promises ids are never reused.
-- COLLATE NOCASE: email comparisons, and the unique index of 002, ignore ASCII case, so
-- Ada@Example.com and ada@example.com are the same address while each is stored as given.
-- Timestamps are ISO 8601 UTC text with milliseconds: they sort as they read and go into JSON as is.
CREATE TABLE users (
  id         INTEGER PRIMARY KEY AUTOINCREMENT,
  email      TEXT NOT NULL COLLATE NOCASE
             CHECK (length(email) BETWEEN 3 AND 254 AND email GLOB '?*@?*' AND email NOT GLOB '*@*@*'),
  name       TEXT NOT NULL
             CHECK (length(name) BETWEEN 1 AND 200),
  created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
             CHECK (created_at GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9].[0-9][0-9][0-9]Z')
) STRICT;
