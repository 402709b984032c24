// A one-column table for the transaction and write-queue tests: small enough that what is in it
// after a commit or a rollback can be read at a glance.
import type { DatabaseSync } from 'node:sqlite';
import type { TestContext } from 'node:test';
import { openDatabase } from '../../src/db/open.ts';

export function openTable(t: TestContext, path = ':memory:', busyTimeoutMs = 0): DatabaseSync {
  const db = openDatabase({ path, busyTimeoutMs, lockingMode: 'normal' });
  t.after(() => db.close());
  db.exec('CREATE TABLE IF NOT EXISTS items (name TEXT NOT NULL UNIQUE)');
  return db;
}

export function names(db: DatabaseSync): string[] {
  return db.prepare('SELECT name FROM items ORDER BY rowid').all().map((row) => String(row.name));
}
