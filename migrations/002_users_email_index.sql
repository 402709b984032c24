-- The index for email lookups, as in the reference's second migration, made UNIQUE: it serves
-- GET /users?email= and enforces one account per address in the same structure. It inherits the
-- column's NOCASE collation, so both lookup and uniqueness ignore ASCII case.
--
-- Uniqueness lives here rather than as UNIQUE in 001 because an inline constraint creates an
-- unnamed index (sqlite_autoindex_users_1); a reference index for email lookups beside it would
-- be a second copy to maintain on every write.
CREATE UNIQUE INDEX users_email ON users (email);
