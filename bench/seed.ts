// Fills a migrated database with made-up users, straight through node:sqlite, in big transactions:
// a million rows take seconds this way, where a million POSTs would take minutes.
import { DatabaseSync } from 'node:sqlite';
import { fakeUser } from './fake-users.ts';

const ROWS_PER_TRANSACTION = 50_000;
const EXPECTED_COLUMNS = ['id', 'email', 'name', 'created_at', 'is_active', 'updated_at'];

// The seeder writes the columns by name, so a migration that adds or renames one must show up here
// as a clear failure, not as rows the service would never have written.
function checkSchema(db: DatabaseSync): void {
  const columns = db.prepare('SELECT name FROM pragma_table_info(?)').all('users').map((row) => String(row.name));
  if (columns.join(',') !== EXPECTED_COLUMNS.join(',')) {
    throw new Error(`The users table has columns ${columns.join(', ')}; bench/seed.ts writes ${EXPECTED_COLUMNS.join(', ')}. Update the seeder to the new schema.`);
  }
  const existing = Number(db.prepare('SELECT count(*) AS n FROM users').get()!.n);
  if (existing !== 0) throw new Error(`The database already holds ${existing} users; the seeder expects a freshly migrated one.`);
}

/** Inserts users 1..count into the (migrated, empty) database at `path`; returns the elapsed ms. */
export function seedUsers(path: string, count: number): number {
  const started = performance.now();
  const db = new DatabaseSync(path);
  try {
    checkSchema(db);
    // Only this connection stops waiting for fsync, and only while seeding: the rows are
    // scaffolding, and the checkpoint below puts them in the main file before the service opens it.
    db.exec('PRAGMA synchronous = OFF');
    const insert = db.prepare('INSERT INTO users (email, name, is_active, created_at, updated_at) VALUES (?, ?, ?, ?, ?)');
    for (let first = 1; first <= count; first += ROWS_PER_TRANSACTION) {
      const last = Math.min(count, first + ROWS_PER_TRANSACTION - 1);
      db.exec('BEGIN');
      try {
        for (let id = first; id <= last; id += 1) {
          const user = fakeUser(id);
          insert.run(user.email, user.name, user.is_active ? 1 : 0, user.created_at, user.updated_at);
        }
        db.exec('COMMIT');
      } catch (error) {
        db.exec('ROLLBACK');
        throw error;
      }
    }
    // A service usually starts on a checkpointed file, not behind a WAL of a million fresh rows;
    // startup time at scale would otherwise include replaying that log.
    db.exec('PRAGMA wal_checkpoint(TRUNCATE)');
    // Ids come from AUTOINCREMENT; the scenarios pick ids in 1..count and must never meet a 404.
    const maxId = Number(db.prepare('SELECT max(id) AS id FROM users').get()!.id);
    if (maxId !== count) throw new Error(`Seeded ${count} users but the largest id is ${maxId}; the scenarios assume ids 1..${count}.`);
  } finally {
    db.close();
  }
  return performance.now() - started;
}
