// Runs one snapshot on its own connection, off the main thread (see snapshotInWorker).
import { DatabaseSync } from 'node:sqlite';
import { parentPort, workerData } from 'node:worker_threads';
import { snapshotInto } from './backup.ts';

const { source, target, busyTimeoutMs } = workerData as { source: string; target: string; busyTimeoutMs: number };

try {
  const db = new DatabaseSync(source, { readOnly: true, timeout: busyTimeoutMs });
  try {
    parentPort!.postMessage({ ok: true, result: snapshotInto(db, target) });
  } finally {
    db.close();
  }
} catch (error) {
  // Errors do not survive postMessage with their fields; send what the caller maps to a status.
  const { message, errcode } = error as { message?: string; errcode?: number };
  parentPort!.postMessage({ ok: false, message: message ?? String(error), errcode });
}
