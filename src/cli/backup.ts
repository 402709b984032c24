// `npm run backup -- <file>`: writes an online snapshot of DB_PATH to <file> (or, given a folder, to
// a time-stamped file in it) and prints what it wrote. Safe while the service runs and writes: it
// reads through its own connection, which in WAL mode blocks no writer.
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig } from '../config.ts';
import { runCommand } from './run.ts';

const USAGE = 'Usage: npm run backup -- <file or folder>   (for example: npm run backup -- data/backups/)';

function targetFor(argument: string, fileName: string): string {
  const isFolder = argument.endsWith('/') || (existsSync(argument) && statSync(argument).isDirectory());
  return isFolder ? join(argument, fileName) : argument;
}

async function main(args: string[]): Promise<void> {
  if (args.length === 1 && (args[0] === '--help' || args[0] === '-h')) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  if (args.length !== 1 || args[0]!.startsWith('-') || args[0] === '') throw new Error(USAGE);
  const config = loadConfig();
  // Imported only after the runtime check, as in main.ts: on a Node without node:sqlite a static
  // import would fail first, with a stack trace instead of runCommand's sentence.
  const { DatabaseSync } = await import('node:sqlite');
  const { backupFileName, snapshotInto } = await import('../db/backup.ts');
  const { MEMORY_PATH } = await import('../db/open.ts');
  const { primaryCode, sqliteErrorCode, SQLITE_BUSY } = await import('../db/sqlite-errors.ts');

  if (config.dbPath === MEMORY_PATH) throw new Error('DB_PATH is :memory:; an in-memory database lives only inside its process. Use POST /admin/backup.');
  if (!existsSync(config.dbPath)) throw new Error(`There is no database at ${config.dbPath}; set DB_PATH to the service's database file.`);

  // Read-write, not readOnly, though it only reads: when the service is stopped this connection
  // is the last one, and only a connection that may write removes the -wal and -shm files it had
  // to create on closing. A read-only one would leave them behind, owned by whoever ran this.
  let db: InstanceType<typeof DatabaseSync>;
  try {
    db = new DatabaseSync(config.dbPath, { timeout: config.busyTimeoutMs });
  } catch (error) {
    throw new Error(`Cannot open the database at ${config.dbPath}: ${error instanceof Error ? error.message : String(error)}.`, { cause: error });
  }
  const target = targetFor(args[0]!, backupFileName(new Date()));
  try {
    const result = snapshotInto(db, target);
    process.stdout.write(`${JSON.stringify({ file: result.path, bytes: result.bytes, duration_ms: Math.round(result.durationMs), integrity: 'ok' })}\n`);
  } catch (error) {
    const errcode = sqliteErrorCode(error);
    if (errcode !== null && primaryCode(errcode) === SQLITE_BUSY) {
      throw new Error(
        `The database at ${config.dbPath} stayed locked for DB_BUSY_TIMEOUT_MS (${config.busyTimeoutMs} ms). A service running with DB_LOCKING_MODE=exclusive holds it alone: take the backup with POST /admin/backup instead.`,
      );
    }
    const reason = error instanceof Error ? error.message : String(error);
    throw new Error(`The backup to ${target} failed (no partial file was left; a file already there is untouched): ${reason}`, { cause: error });
  } finally {
    db.close();
  }
}

await runCommand(main);
