import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { SQLITE_BUSY } from '../../src/db/sqlite-errors.ts';
import { prepareTransactions } from '../../src/db/transaction.ts';
import { makeTempDir } from '../support/server.ts';
import { names, openTable } from './items-table.ts';

describe('withTransaction', () => {
  it('commits when the work returns, and returns its value', (t) => {
    const db = openTable(t);
    const result = prepareTransactions(db).withTransaction(() => {
      db.prepare('INSERT INTO items VALUES (?)').run('a');
      return 42;
    });
    assert.equal(result, 42);
    assert.equal(db.isTransaction, false);
    assert.deepEqual(names(db), ['a']);
  });

  it('rolls back when the work throws, and rethrows the same error', (t) => {
    const db = openTable(t);
    const failure = new Error('refused');
    assert.throws(
      () =>
        prepareTransactions(db).withTransaction(() => {
          db.prepare('INSERT INTO items VALUES (?)').run('a');
          throw failure;
        }),
      (error) => error === failure,
    );
    assert.equal(db.isTransaction, false);
    assert.deepEqual(names(db), []);
  });

  it('rethrows the original error when SQLite has already rolled back', (t) => {
    const db = openTable(t);
    const failure = new Error('disk full, say');
    assert.throws(
      () =>
        prepareTransactions(db).withTransaction(() => {
          db.exec("INSERT INTO items VALUES ('a'); ROLLBACK");
          throw failure;
        }),
      (error) => error === failure,
    );
    assert.deepEqual(names(db), []);
  });

  it('takes the write lock at BEGIN, before the first write', (t) => {
    const path = join(makeTempDir(t), 'app.db');
    const db = openTable(t, path);
    const other = openTable(t, path);
    prepareTransactions(db).withTransaction(() => {
      // Nothing written yet, and already another writer is turned away.
      assert.throws(() => other.exec('BEGIN IMMEDIATE'), { errcode: SQLITE_BUSY });
    });
    other.exec('BEGIN IMMEDIATE; ROLLBACK');
  });

  it('waits out the busy timeout for another writer before failing with SQLITE_BUSY', (t) => {
    const path = join(makeTempDir(t), 'app.db');
    const holder = openTable(t, path);
    const waiter = openTable(t, path, 150);
    holder.exec('BEGIN IMMEDIATE');
    const started = performance.now();
    assert.throws(() => prepareTransactions(waiter).withTransaction(() => 'never'), { errcode: SQLITE_BUSY });
    assert.ok(performance.now() - started >= 100, 'it waited instead of failing at once');
    holder.exec('ROLLBACK');
  });
});

describe('withSavepoint', () => {
  it('undoes only its own changes when its work throws', (t) => {
    const db = openTable(t);
    const transactions = prepareTransactions(db);
    transactions.withTransaction(() => {
      transactions.withSavepoint(() => db.prepare('INSERT INTO items VALUES (?)').run('kept'));
      assert.throws(
        () =>
          transactions.withSavepoint(() => {
            db.prepare('INSERT INTO items VALUES (?)').run('undone');
            db.prepare('INSERT INTO items VALUES (?)').run('kept'); // UNIQUE violation
          }),
        { errcode: 2067 },
      );
      assert.equal(db.isTransaction, true, 'the outer transaction goes on');
      transactions.withSavepoint(() => db.prepare('INSERT INTO items VALUES (?)').run('also kept'));
    });
    assert.deepEqual(names(db), ['kept', 'also kept']);
  });

  it('returns the value of its work and keeps its changes until the transaction commits', (t) => {
    const db = openTable(t);
    const transactions = prepareTransactions(db);
    assert.throws(() =>
      transactions.withTransaction(() => {
        assert.equal(transactions.withSavepoint(() => db.prepare('INSERT INTO items VALUES (?)').run('a').changes), 1);
        throw new Error('the outer transaction fails');
      }),
    );
    assert.deepEqual(names(db), [], 'a released savepoint is undone with its transaction');
  });

  it('nests', (t) => {
    const db = openTable(t);
    const transactions = prepareTransactions(db);
    transactions.withTransaction(() => {
      transactions.withSavepoint(() => {
        db.prepare('INSERT INTO items VALUES (?)').run('outer');
        assert.throws(() =>
          transactions.withSavepoint(() => {
            db.prepare('INSERT INTO items VALUES (?)').run('inner');
            throw new Error('inner fails');
          }),
        );
      });
    });
    assert.deepEqual(names(db), ['outer']);
  });
});
