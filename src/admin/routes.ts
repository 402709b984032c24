// POST /admin/backup: an online snapshot on demand, for operators who have only curl. It writes the
// backup next to the database (BACKUP_DIR), where `npm run backup` writes too, and answers with its
// name and size; nothing large crosses the network, and a POST fits an action that creates a file.
import { basename, join } from 'node:path';
import type { DatabaseSync } from 'node:sqlite';
import { backupFileName, snapshotInWorker, snapshotInto, type BackupResult } from '../db/backup.ts';
import { HttpError } from '../http/errors.ts';
import { json } from '../http/respond.ts';
import type { Router } from '../http/router.ts';
import type { Handler } from '../http/types.ts';

export interface AdminOptions {
  db: DatabaseSync;
  /** The database file, or null for an in-memory database. */
  dbFile: string | null;
  backupDirectory: string;
  /** True when this process holds the database lock exclusively (DB_LOCKING_MODE=exclusive). */
  exclusive: boolean;
  busyTimeoutMs: number;
}

export function addAdminRoutes(router: Router<Handler>, { db, dbFile, backupDirectory, exclusive, busyTimeoutMs }: AdminOptions): void {
  let running = false;

  router.add('POST', '/admin/backup', async () => {
    if (running) throw new HttpError(409, 'A backup is already running; wait for it to finish and try again.');
    running = true;
    try {
      const createdAt = new Date();
      const target = join(backupDirectory, backupFileName(createdAt));
      // A second connection cannot read a database this process holds exclusively, and an
      // in-memory one exists only here: those are snapshotted on the serving connection,
      // which pauses requests for as long as the copy takes.
      const result: BackupResult =
        dbFile === null || exclusive ? snapshotInto(db, target) : await snapshotInWorker(dbFile, target, busyTimeoutMs);
      return json(201, { file: basename(result.path), bytes: result.bytes, created_at: createdAt.toISOString(), duration_ms: Math.round(result.durationMs) });
    } finally {
      running = false;
    }
  });
}
