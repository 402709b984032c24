// `npm run backup -- <file>`: writes an online snapshot of DB_PATH to <file> and prints what it
// wrote. Safe while the service runs and writes: it reads through its own connection, which in WAL
// mode blocks no writer.
import { existsSync } from 'node:fs';
import { DatabaseSync } from 'node:sqlite';
import { loadConfig } from '../config.ts';
import { snapshotInto } from '../db/backup.ts';
import { MEMORY_PATH } from '../db/open.ts';
import { primaryCode, sqliteErrorCode, SQLITE_BUSY } from '../db/sqlite-errors.ts';
import { findRuntimeProblem, readRuntimeFacts } from '../runtime.ts';

function main(args: string[]): void {
  const runtimeProblem = findRuntimeProblem(readRuntimeFacts());
  if (runtimeProblem !== null) throw new Error(runtimeProblem);
  if (args.length !== 1 || args[0]!.startsWith('-')) throw new Error('Usage: npm run backup -- <file>   (for example: npm run backup -- backups/users.db)');
  const config = loadConfig();
  if (config.dbPath === MEMORY_PATH) throw new Error('DB_PATH is :memory:; an in-memory database lives only inside its process. Use POST /admin/backup.');
  if (!existsSync(config.dbPath)) throw new Error(`There is no database at ${config.dbPath}; check DB_PATH.`);

  const db = new DatabaseSync(config.dbPath, { readOnly: true, timeout: config.busyTimeoutMs });
  try {
    const result = snapshotInto(db, args[0]!);
    process.stdout.write(`${JSON.stringify({ file: result.path, bytes: result.bytes, duration_ms: Math.round(result.durationMs), integrity: 'ok' })}\n`);
  } catch (error) {
    const errcode = sqliteErrorCode(error);
    if (errcode !== null && primaryCode(errcode) === SQLITE_BUSY) {
      throw new Error(`The database at ${config.dbPath} is locked by another process; a service running with DB_LOCKING_MODE=exclusive holds it alone, so take the backup through POST /admin/backup instead.`);
    }
    throw error;
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
