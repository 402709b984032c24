// `npm run migrate` applies pending migrations to DB_PATH and exits; `npm run migrate -- --status`
// lists every migration as applied (with its date) or pending, and changes nothing.
import { existsSync } from 'node:fs';
import { loadConfig } from '../config.ts';
import type { MigrationStatus } from '../db/migrate.ts';
import { runCommand } from './run.ts';

function printStatus(statuses: MigrationStatus[]): void {
  for (const status of statuses) {
    process.stdout.write(`${status.file.padEnd(40)} ${status.appliedAt === null ? 'pending' : `applied ${status.appliedAt}`}\n`);
  }
  const pending = statuses.filter((status) => status.appliedAt === null).length;
  process.stdout.write(`${statuses.length - pending} applied, ${pending} pending\n`);
}

async function main(args: string[]): Promise<void> {
  const unknown = args.filter((arg) => arg !== '--status');
  if (unknown.length > 0) throw new Error(`Unknown argument ${unknown[0]}; usage: npm run migrate [-- --status]`);
  const config = loadConfig();
  // Imported only after the runtime check, as in main.ts: on a Node without node:sqlite a static
  // import would fail first, with a stack trace instead of runCommand's sentence.
  const { DatabaseSync } = await import('node:sqlite');
  const { applyMigrations, readMigrationFiles, readMigrationStatus } = await import('../db/migrate.ts');
  const { MEMORY_PATH, openDatabase } = await import('../db/open.ts');
  const files = readMigrationFiles();

  if (args.includes('--status')) {
    // Looking must not create or change anything: a database that does not exist yet has every
    // migration pending. One that does is opened with query_only rather than readOnly: a read-only
    // connection to a WAL database creates -wal and -shm files it cannot remove when it closes,
    // while this one, when it is the last to close, removes them as any other connection does.
    if (config.dbPath !== MEMORY_PATH && !existsSync(config.dbPath)) {
      printStatus(files.map((file) => ({ version: file.version, file: file.file, appliedAt: null })));
      return;
    }
    const db = new DatabaseSync(config.dbPath, { timeout: config.busyTimeoutMs });
    try {
      db.exec('PRAGMA query_only = ON');
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

await runCommand(main);
