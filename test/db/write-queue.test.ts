import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { DatabaseSync } from 'node:sqlite';
import { describe, it } from 'node:test';
import { SQLITE_BUSY, SQLITE_CONSTRAINT_UNIQUE } from '../../src/db/sqlite-errors.ts';
import { prepareTransactions, type Transactions } from '../../src/db/transaction.ts';
import { createWriteQueue } from '../../src/db/write-queue.ts';
import { makeTempDir } from '../support/server.ts';
import { names, openTable } from './items-table.ts';

function insert(db: DatabaseSync, name: string): () => string {
  return () => {
    db.prepare('INSERT INTO items VALUES (?)').run(name);
    return name;
  };
}

describe('write queue (group commit)', () => {
  it('runs the writes queued in one tick in one transaction, with one commit', async (t) => {
    const db = openTable(t);
    const queue = createWriteQueue(db, prepareTransactions(db));
    const results = await Promise.all([queue.run(insert(db, 'a')), queue.run(insert(db, 'b')), queue.run(insert(db, 'c'))]);
    assert.deepEqual(results, ['a', 'b', 'c']);
    assert.deepEqual(queue.stats, { commits: 1, writes: 3 });
    assert.deepEqual(names(db), ['a', 'b', 'c']);
  });

  it('starts a new commit for writes queued in a later tick', async (t) => {
    const db = openTable(t);
    const queue = createWriteQueue(db, prepareTransactions(db));
    await queue.run(insert(db, 'a'));
    await queue.run(insert(db, 'b'));
    assert.deepEqual(queue.stats, { commits: 2, writes: 2 });
  });

  it('rejects only the write that failed; the others in its batch are committed', async (t) => {
    const db = openTable(t);
    const queue = createWriteQueue(db, prepareTransactions(db));
    const outcomes = await Promise.allSettled([
      queue.run(insert(db, 'first')),
      queue.run(() => {
        db.prepare('INSERT INTO items VALUES (?)').run('half of a failing write');
        insert(db, 'first')(); // UNIQUE violation after a successful statement
      }),
      queue.run(insert(db, 'third')),
    ]);
    assert.deepEqual(
      outcomes.map((outcome) => outcome.status),
      ['fulfilled', 'rejected', 'fulfilled'],
    );
    assert.equal(((outcomes[1] as PromiseRejectedResult).reason as { errcode: number }).errcode, SQLITE_CONSTRAINT_UNIQUE);
    assert.deepEqual(names(db), ['first', 'third'], 'the failing write left nothing behind');
    assert.deepEqual(queue.stats, { commits: 1, writes: 3 });
  });

  it('answers nobody before the COMMIT: each write is visible to another connection when its promise resolves', async (t) => {
    const path = join(makeTempDir(t), 'app.db');
    const db = openTable(t, path);
    const reader = openTable(t, path);
    const events: string[] = [];
    const real = prepareTransactions(db);
    const spied: Transactions = {
      withSavepoint: real.withSavepoint,
      withTransaction(work) {
        const result = real.withTransaction(work);
        events.push('committed');
        return result;
      },
    };
    const queue = createWriteQueue(db, spied);
    const visibleAtResolve: string[][] = [];
    const writes = ['a', 'b'].map((name) =>
      queue.run(insert(db, name)).then(() => {
        events.push(`resolved ${name}`);
        visibleAtResolve.push(names(reader));
      }),
    );
    await Promise.resolve();
    assert.deepEqual(events, [], 'nothing settles in the tick the writes were queued');
    await Promise.all(writes);
    assert.deepEqual(events, ['committed', 'resolved a', 'resolved b']);
    assert.deepEqual(visibleAtResolve, [['a', 'b'], ['a', 'b']]);
  });

  it('rejects every write in the batch when the transaction cannot start', async (t) => {
    const path = join(makeTempDir(t), 'app.db');
    const db = openTable(t, path, 0);
    const holder = openTable(t, path);
    holder.exec('BEGIN IMMEDIATE');
    const queue = createWriteQueue(db, prepareTransactions(db));
    let ran = 0;
    const outcomes = await Promise.allSettled(['a', 'b', 'c'].map((name) => queue.run(() => (ran++, insert(db, name)()))));
    assert.deepEqual(
      outcomes.map((outcome) => outcome.status === 'rejected' && (outcome.reason as { errcode: number }).errcode),
      [SQLITE_BUSY, SQLITE_BUSY, SQLITE_BUSY],
    );
    assert.equal(ran, 0);
    assert.deepEqual(queue.stats, { commits: 0, writes: 0 });
  });

  it('rejects every write in the batch, done ones included, when SQLite rolls the whole transaction back', async (t) => {
    const db = openTable(t);
    const queue = createWriteQueue(db, prepareTransactions(db));
    const fatal = new Error('as after SQLITE_FULL or SQLITE_IOERR');
    const outcomes = await Promise.allSettled([
      queue.run(insert(db, 'a')),
      queue.run(() => {
        db.exec('ROLLBACK'); // what SQLite itself does after a disk-full or I/O error
        throw fatal;
      }),
      queue.run(insert(db, 'c')),
    ]);
    assert.deepEqual(
      outcomes.map((outcome) => outcome.status === 'rejected' && outcome.reason),
      [fatal, fatal, fatal],
    );
    assert.deepEqual(names(db), []);
    assert.equal(db.isTransaction, false);
    assert.deepEqual(queue.stats, { commits: 0, writes: 0 });
  });

  it('keeps working after a failed batch', async (t) => {
    const db = openTable(t);
    const queue = createWriteQueue(db, prepareTransactions(db));
    await assert.rejects(
      queue.run(() => {
        db.exec('ROLLBACK');
        throw new Error('fatal');
      }),
    );
    assert.equal(await queue.run(insert(db, 'after')), 'after');
    assert.deepEqual(names(db), ['after']);
  });

  it('flush() commits what is queued at once, for shutdown', async (t) => {
    const db = openTable(t);
    const queue = createWriteQueue(db, prepareTransactions(db));
    const written = queue.run(insert(db, 'last'));
    queue.flush();
    assert.deepEqual(names(db), ['last'], 'committed synchronously');
    assert.equal(await written, 'last');
    assert.deepEqual(queue.stats, { commits: 1, writes: 1 });
  });
});
