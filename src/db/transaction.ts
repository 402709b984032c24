// Transactions for node:sqlite, which has no helper of its own. Every write transaction starts
// with BEGIN IMMEDIATE: a plain BEGIN takes the write lock only at the first write, and if another
// connection got there first SQLite answers SQLITE_BUSY at once, without waiting out the timeout.
import type { DatabaseSync } from 'node:sqlite';

export interface Transactions {
  /** Runs `work` in a write transaction: committed when it returns, rolled back when it throws. */
  withTransaction<T>(work: () => T): T;
  /** Runs `work` in a savepoint inside the open transaction, so its failure undoes only its own changes. */
  withSavepoint<T>(work: () => T): T;
}

export function prepareTransactions(db: DatabaseSync): Transactions {
  const begin = db.prepare('BEGIN IMMEDIATE');
  const commit = db.prepare('COMMIT');
  const rollback = db.prepare('ROLLBACK');
  const savepoint = db.prepare('SAVEPOINT work');
  const release = db.prepare('RELEASE work');
  const rollbackToSavepoint = db.prepare('ROLLBACK TO work');

  return {
    withTransaction(work) {
      begin.run();
      try {
        const result = work();
        commit.run();
        return result;
      } catch (error) {
        // SQLite rolls back by itself after some errors (SQLITE_FULL, SQLITE_IOERR, ...);
        // a second ROLLBACK would then fail and hide the error that matters.
        if (db.isTransaction) rollback.run();
        throw error;
      }
    },
    withSavepoint(work) {
      savepoint.run();
      try {
        const result = work();
        release.run();
        return result;
      } catch (error) {
        if (db.isTransaction) {
          rollbackToSavepoint.run();
          release.run();
        }
        throw error;
      }
    },
  };
}
