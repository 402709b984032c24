// Opens the service's one SQLite connection and sets the pragmas every other module relies on.
import { accessSync, constants, mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import type { LockingMode } from '../config.ts';
import { primaryCode, sqliteErrorCode, SQLITE_BUSY } from './sqlite-errors.ts';

export interface DatabaseOptions {
  path: string;
  busyTimeoutMs: number;
  lockingMode: LockingMode;
}

export const MEMORY_PATH = ':memory:';

// FULL makes each COMMIT fsync the WAL before it returns, so an acknowledged write survives
// power loss and a kernel crash, not only `kill -9` (which NORMAL already survives). The fsync
// costs a fraction of a millisecond on a local disk and more on network storage; group commit
// (write-queue.ts) shares it between concurrent writes. docs/durability.md has the reasoning.
const SYNCHRONOUS = 'FULL';

export class DatabaseOpenError extends Error {
  readonly path: string;

  constructor(path: string, cause: unknown) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    const errcode = sqliteErrorCode(cause);
    // Busy at open means another process holds the lock: with DB_LOCKING_MODE=exclusive that is a
    // second instance of this service, which is exactly what must not run.
    const advice =
      errcode !== null && primaryCode(errcode) === SQLITE_BUSY
        ? 'Another process holds the database lock; only one instance of the service may use a database file at a time.'
        : 'Check that the folder exists or can be created and that this user may write to it.';
    super(`Cannot open the database at ${path}: ${reason}. ${advice}`, { cause });
    this.name = 'DatabaseOpenError';
    this.path = path;
  }
}

export function openDatabase({ path, busyTimeoutMs, lockingMode }: DatabaseOptions): DatabaseSync {
  const inMemory = path === MEMORY_PATH;
  const location = inMemory ? path : resolve(path);
  try {
    if (!inMemory) mkdirSync(dirname(location), { recursive: true });
    // The busy timeout is an open option so it is in force before the first statement:
    // even switching to WAL needs a lock that another process may be holding.
    const db = new DatabaseSync(location, { timeout: busyTimeoutMs, enableForeignKeyConstraints: true, defensive: true });
    try {
      configure(db, inMemory, lockingMode);
      if (!inMemory) checkWritable(location);
    } catch (error) {
      db.close();
      throw error;
    }
    return db;
  } catch (error) {
    throw new DatabaseOpenError(location, error);
  }
}

// SQLite opens a file it may not write read-only, without a word: the service would then pass its
// health check, serve reads and answer every write 503. A database it cannot write is a deployment
// mistake (a read-only volume, a file owned by another user), so it stops before it listens.
function checkWritable(location: string): void {
  try {
    accessSync(location, constants.W_OK);
  } catch (error) {
    throw new Error(`the file is not writable by this process (${(error as { code?: string }).code})`, { cause: error });
  }
}

function configure(db: DatabaseSync, inMemory: boolean, lockingMode: LockingMode): void {
  if (!inMemory) {
    // Exclusive locking must come before WAL: then SQLite keeps the WAL index in heap memory and
    // never creates the -shm file, which is what makes WAL usable on a network filesystem (EFS).
    if (lockingMode === 'exclusive') db.exec('PRAGMA locking_mode = EXCLUSIVE');
    const mode = readPragma(db, 'journal_mode = WAL');
    if (mode !== 'wal') throw new Error(`SQLite kept journal_mode ${String(mode)} instead of wal`);
    // A checkpoint leaves the WAL file at its largest size; this truncates it back afterwards.
    db.exec('PRAGMA journal_size_limit = 67108864');
  }
  db.exec(`PRAGMA synchronous = ${SYNCHRONOUS}`);
}

export function readPragma(db: DatabaseSync, pragma: string): unknown {
  const row = db.prepare(`PRAGMA ${pragma}`).get();
  return row === undefined ? undefined : Object.values(row)[0];
}
