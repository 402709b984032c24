// The migration engine: numbered SQL files in migrations/, each applied with its record in one
// transaction, checked against a SHA-256 of the file so an edited migration cannot go unnoticed.
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { constants, type DatabaseSync } from 'node:sqlite';
import { SQLITE_AUTH } from './sqlite-errors.ts';
import { prepareTransactions } from './transaction.ts';

export const MIGRATIONS_DIRECTORY = fileURLToPath(new URL('../../migrations/', import.meta.url));

const FILE_NAME = /^(\d{3,})_([a-z0-9][a-z0-9_-]*)\.sql$/;

export interface MigrationFile {
  version: number;
  file: string;
  sql: string;
  checksum: string;
}

export interface MigrationStatus {
  version: number;
  file: string;
  appliedAt: string | null;
}

export class MigrationError extends Error {
  readonly file: string | null;

  constructor(message: string, file: string | null = null, cause?: unknown) {
    super(message, { cause });
    this.name = 'MigrationError';
    this.file = file;
  }
}

export function readMigrationFiles(directory: string = MIGRATIONS_DIRECTORY): MigrationFile[] {
  const migrations: MigrationFile[] = [];
  for (const file of readdirSync(directory).filter((name) => name.endsWith('.sql')).sort()) {
    const match = FILE_NAME.exec(file);
    if (!match) {
      throw new MigrationError(`Migration file ${file} is not named like 001_create_users.sql (a number, an underscore, lowercase words, .sql).`, file);
    }
    const bytes = readFileSync(join(directory, file));
    migrations.push({ version: Number(match[1]), file, sql: bytes.toString('utf8'), checksum: createHash('sha256').update(bytes).digest('hex') });
  }
  migrations.sort((a, b) => a.version - b.version);
  migrations.forEach((migration, index) => {
    const previous = migrations[index - 1];
    if (previous !== undefined && previous.version === migration.version) {
      throw new MigrationError(`Migrations ${previous.file} and ${migration.file} share the number ${migration.version}; give one of them the next free number.`, migration.file);
    }
    if (migration.version !== index + 1) {
      throw new MigrationError(`Migration ${migration.file} leaves a gap: expected number ${index + 1} next; migrations are numbered 1, 2, 3, ... without holes.`, migration.file);
    }
  });
  return migrations;
}

interface AppliedRow {
  version: number;
  checksum: string;
  applied_at: string;
}

const CREATE_LEDGER = `CREATE TABLE IF NOT EXISTS schema_migrations (
  version    INTEGER PRIMARY KEY,
  file       TEXT NOT NULL,
  checksum   TEXT NOT NULL,
  applied_at TEXT NOT NULL
) STRICT`;

function readApplied(db: DatabaseSync): AppliedRow[] {
  const ledger = db.prepare("SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = 'schema_migrations'").get();
  if (ledger === undefined) return [];
  return db.prepare('SELECT version, checksum, applied_at FROM schema_migrations ORDER BY version').all() as unknown as AppliedRow[];
}

/** Fails unless every applied migration still has its file, unchanged, and no pending one is older than an applied one. */
function verifyApplied(applied: AppliedRow[], files: MigrationFile[]): void {
  for (const row of applied) {
    const migration = files[row.version - 1];
    if (migration === undefined) {
      throw new MigrationError(`The database has migration ${row.version} applied but migrations/ has no file with that number; is an older release running against a newer database?`);
    }
    if (migration.checksum !== row.checksum) {
      throw new MigrationError(`Migration ${migration.file} was changed after it was applied (its SHA-256 differs); restore the original file and put the change in a new migration.`, migration.file);
    }
  }
  applied.forEach((row, index) => {
    if (row.version !== index + 1) {
      const missing = files[index]!;
      throw new MigrationError(`Migration ${missing.file} is pending but a later one is already applied; give it a number after ${applied.at(-1)!.version}.`, missing.file);
    }
  });
}

export function readMigrationStatus(db: DatabaseSync, files: MigrationFile[] = readMigrationFiles()): MigrationStatus[] {
  const applied = readApplied(db);
  verifyApplied(applied, files);
  return files.map((migration) => ({ version: migration.version, file: migration.file, appliedAt: applied[migration.version - 1]?.applied_at ?? null }));
}

// A migration file must not end the engine's transaction: a COMMIT inside it would make the
// file's first half permanent even when its second half fails. SQLite's authorizer sees every
// statement as SQLite parses it, so this catches BEGIN, COMMIT, END, ROLLBACK and SAVEPOINT
// exactly, where scanning the text would trip over triggers' BEGIN ... END.
function denyTransactionControl(actionCode: number): number {
  return actionCode === constants.SQLITE_TRANSACTION || actionCode === constants.SQLITE_SAVEPOINT ? constants.SQLITE_DENY : constants.SQLITE_OK;
}

function applyOne(db: DatabaseSync, migration: MigrationFile): void {
  db.setAuthorizer(denyTransactionControl);
  try {
    db.exec(migration.sql);
  } catch (error) {
    const errcode = (error as { errcode?: number }).errcode;
    if (errcode === SQLITE_AUTH) {
      throw new MigrationError(`Migration ${migration.file} contains BEGIN, COMMIT, ROLLBACK or SAVEPOINT; remove them, the engine runs each file in its own transaction.`, migration.file, error);
    }
    const reason = error instanceof Error ? error.message : String(error);
    throw new MigrationError(`Migration ${migration.file} failed: ${reason}. The database is as it was before this migration; fix the file and start again.`, migration.file, error);
  } finally {
    db.setAuthorizer(null);
  }
  db.prepare('INSERT INTO schema_migrations (version, file, checksum, applied_at) VALUES (?, ?, ?, ?)').run(
    migration.version,
    migration.file,
    migration.checksum,
    new Date().toISOString(),
  );
}

/**
 * Applies every pending migration, one transaction each, and returns the files it applied.
 * Each step re-reads the ledger under BEGIN IMMEDIATE, so when two processes start together the
 * second waits for the first's transaction and then finds that migration already applied.
 */
export function applyMigrations(db: DatabaseSync, files: MigrationFile[] = readMigrationFiles()): string[] {
  const applied = readApplied(db);
  verifyApplied(applied, files);
  // The common start: nothing to do, and no reason to take the write lock to find that out.
  if (applied.length === files.length) return [];
  const transactions = prepareTransactions(db);
  const appliedNow: string[] = [];
  for (;;) {
    const next = transactions.withTransaction(() => {
      db.exec(CREATE_LEDGER);
      const applied = readApplied(db);
      verifyApplied(applied, files);
      const pending = files[applied.length];
      if (pending !== undefined) applyOne(db, pending);
      return pending;
    });
    if (next === undefined) return appliedNow;
    appliedNow.push(next.file);
  }
}

/**
 * A reader of the schema version for a running service (/health, /metrics): migrations are numbered
 * 1..N without gaps, so the count of applied ones is the version. Prepared once, cheap to call.
 */
export function prepareSchemaVersion(db: DatabaseSync): () => number {
  const appliedCount = db.prepare('SELECT count(*) AS applied FROM schema_migrations');
  return () => (appliedCount.get() as { applied: number }).applied;
}

export function schemaVersion(statuses: MigrationStatus[]): number {
  return statuses.filter((status) => status.appliedAt !== null).length;
}
