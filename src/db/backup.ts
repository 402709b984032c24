// Online backups: a consistent snapshot of the live database, never a file copy (copying a WAL
// database while it is written can capture a torn mix of the file and its log). VACUUM INTO reads
// inside one read transaction, so the snapshot is the database as of the moment it starts, and in
// WAL mode that read blocks no writer. The file appears under its final name only when complete,
// checked and synced.
import { randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, mkdirSync, openSync, renameSync, rmSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { Worker } from 'node:worker_threads';

export interface BackupResult {
  /** Absolute path of the finished backup. */
  path: string;
  bytes: number;
  durationMs: number;
}

export class BackupError extends Error {
  constructor(message: string, cause?: unknown) {
    super(message, { cause });
    this.name = 'BackupError';
  }
}

/** users-2026-11-27T18-00-00-000Z.db: sorts by time, and has no characters a shell or a filesystem minds. */
export function backupFileName(date: Date): string {
  return `users-${date.toISOString().replace(/[:.]/g, '-')}.db`;
}

function fsyncPath(path: string): void {
  const descriptor = openSync(path, 'r');
  try {
    fsyncSync(descriptor);
  } finally {
    closeSync(descriptor);
  }
}

function checkIntegrity(path: string): void {
  const copy = new DatabaseSync(path, { readOnly: true });
  try {
    const rows = copy.prepare('PRAGMA integrity_check').all() as Array<{ integrity_check: string }>;
    const verdict = rows.map((row) => row.integrity_check).join('; ');
    if (verdict !== 'ok') throw new BackupError(`The backup failed its integrity check (${verdict}); it was not kept.`);
  } finally {
    copy.close();
  }
}

/** Writes a snapshot of `db` to `target` atomically: temp file, integrity check, fsync, rename. */
export function snapshotInto(db: DatabaseSync, target: string): BackupResult {
  const started = performance.now();
  const path = resolve(target);
  mkdirSync(dirname(path), { recursive: true });
  const partial = `${path}.partial-${process.pid}-${randomBytes(4).toString('hex')}`;
  try {
    db.prepare('VACUUM INTO ?').run(partial);
    checkIntegrity(partial);
    // VACUUM INTO does not sync what it writes; the rename must not outrun the data.
    fsyncPath(partial);
    renameSync(partial, path);
    fsyncPath(dirname(path));
  } catch (error) {
    rmSync(partial, { force: true });
    throw error;
  }
  return { path, bytes: statSync(path).size, durationMs: performance.now() - started };
}

/**
 * Snapshots the database file at `source` from a worker thread with its own read-only
 * connection, so a large backup does not stop the event loop that serves requests. Only for a
 * file database whose lock is shared (DB_LOCKING_MODE=normal).
 */
export function snapshotInWorker(source: string, target: string, busyTimeoutMs: number): Promise<BackupResult> {
  return new Promise((resolvePromise, reject) => {
    const worker = new Worker(new URL('./backup-worker.ts', import.meta.url), { workerData: { source, target, busyTimeoutMs } });
    worker.once('message', (message: { ok: true; result: BackupResult } | { ok: false; message: string; errcode?: number }) => {
      if (message.ok) resolvePromise(message.result);
      else reject(Object.assign(new BackupError(message.message), { code: message.errcode === undefined ? undefined : 'ERR_SQLITE_ERROR', errcode: message.errcode }));
    });
    worker.once('error', reject);
    worker.once('exit', (code) => {
      if (code !== 0) reject(new BackupError(`The backup worker exited with code ${code}.`));
    });
  });
}
