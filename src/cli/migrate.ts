// `npm run migrate` applies pending migrations to DB_PATH and exits; `npm run migrate -- --status`
// lists every migration as applied (with its date) or pending, and changes nothing.
import { existsSync } from 'node:fs';
import { DatabaseSync } from 'node:sqlite';
import { loadConfig } from '../config.ts';
import { applyMigrations, readMigrationFiles, readMigrationStatus, type MigrationStatus } from '../db/migrate.ts';
import { MEMORY_PATH, openDatabase } from '../db/open.ts';
import { findRuntimeProblem, readRuntimeFacts } from '../runtime.ts';

function printStatus(statuses: MigrationStatus[]): void {
  for (const status of statuses) {
    process.stdout.write(`${status.file.padEnd(40)} ${status.appliedAt === null ? 'pending' : `applied ${status.appliedAt}`}\n`);
  }
  const pending = statuses.filter((status) => status.appliedAt === null).length;
  process.stdout.write(`${statuses.length - pending} applied, ${pending} pending\n`);
}

function main(args: string[]): void {
  const runtimeProblem = findRuntimeProblem(readRuntimeFacts());
  if (runtimeProblem !== null) throw new Error(runtimeProblem);
  const unknown = args.filter((arg) => arg !== '--status');
  if (unknown.length > 0) throw new Error(`Unknown argument ${unknown[0]}; usage: npm run migrate [-- --status]`);
  const config = loadConfig();
  const files = readMigrationFiles();

  if (args.includes('--status')) {
    // Looking must not create or change anything: a database that does not exist yet has
    // every migration pending, and one that does is opened read-only.
    if (config.dbPath !== MEMORY_PATH && !existsSync(config.dbPath)) {
      printStatus(files.map((file) => ({ version: file.version, file: file.file, appliedAt: null })));
      return;
    }
    const db = new DatabaseSync(config.dbPath, { readOnly: true, timeout: config.busyTimeoutMs });
    try {
      printStatus(readMigrationStatus(db, files));
    } finally {
      db.close();
    }
    return;
  }

  const db = openDatabase({ path: config.dbPath, busyTimeoutMs: config.busyTimeoutMs, lockingMode: config.lockingMode });
  try {
    const applied = applyMigrations(db, files);
    for (const file of applied) process.stdout.write(`applied ${file}\n`);
    printStatus(readMigrationStatus(db, files));
  } finally {
    db.close();
  }
}

try {
  main(process.argv.slice(2));
} catch (error) {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
}
