// Group commit. With synchronous=FULL every COMMIT waits for an fsync, and node:sqlite blocks the
// event loop while it does, so requests that arrive meanwhile pile up. Instead of paying one fsync
// each, the writes queued during one turn of the event loop run together in one transaction, each
// in its own savepoint so one request's failure (a 409, say) does not undo another's. Nobody is
// answered before the COMMIT that makes their write durable has returned.
import type { DatabaseSync } from 'node:sqlite';
import type { Transactions } from './transaction.ts';

interface QueuedWrite {
  work: () => unknown;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

type Outcome = { ok: true; value: unknown } | { ok: false; error: unknown };

export interface WriteQueue {
  /** Runs `work` inside the next group transaction; settles after that transaction commits. */
  run<T>(work: () => T): Promise<T>;
  /** Runs everything queued now, synchronously (before closing the database, for instance). */
  flush(): void;
  /** How many writes shared each commit, for metrics and the benchmark. */
  readonly stats: { commits: number; writes: number };
}

export function createWriteQueue(db: DatabaseSync, transactions: Transactions): WriteQueue {
  let queued: QueuedWrite[] = [];
  let scheduled = false;
  const stats = { commits: 0, writes: 0 };

  function runBatch(batch: QueuedWrite[]): Outcome[] {
    const outcomes: Outcome[] = [];
    transactions.withTransaction(() => {
      for (const write of batch) {
        try {
          outcomes.push({ ok: true, value: transactions.withSavepoint(write.work) });
        } catch (error) {
          // No transaction left means SQLite rolled it all back (disk full, I/O error):
          // then every write in the batch failed, not only this one.
          if (!db.isTransaction) throw error;
          outcomes.push({ ok: false, error });
        }
      }
    });
    return outcomes;
  }

  function flush(): void {
    scheduled = false;
    const batch = queued;
    queued = [];
    if (batch.length === 0) return;
    let outcomes: Outcome[];
    try {
      outcomes = runBatch(batch);
    } catch (error) {
      for (const write of batch) write.reject(error);
      return;
    }
    stats.commits += 1;
    stats.writes += batch.length;
    batch.forEach((write, index) => {
      const outcome = outcomes[index]!;
      if (outcome.ok) write.resolve(outcome.value);
      else write.reject(outcome.error);
    });
  }

  return {
    run<T>(work: () => T): Promise<T> {
      return new Promise<T>((resolve, reject) => {
        queued.push({ work, resolve: resolve as (value: unknown) => void, reject });
        if (!scheduled) {
          scheduled = true;
          setImmediate(flush);
        }
      });
    },
    flush,
    stats,
  };
}
