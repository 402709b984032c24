import assert from 'node:assert/strict';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { DatabaseSync } from 'node:sqlite';
import { describe, it, type TestContext } from 'node:test';
import { DatabaseOpenError, openDatabase, readPragma } from '../../src/db/open.ts';
import type { LockingMode } from '../../src/config.ts';
import { makeTempDir } from '../support/server.ts';

function open(t: TestContext, path: string, options: { busyTimeoutMs?: number; lockingMode?: LockingMode } = {}): DatabaseSync {
  const db = openDatabase({ path, busyTimeoutMs: options.busyTimeoutMs ?? 1234, lockingMode: options.lockingMode ?? 'normal' });
  t.after(() => {
    if (db.isOpen) db.close();
  });
  return db;
}

describe('openDatabase', () => {
  it('opens a file database in WAL mode with synchronous FULL, foreign keys and the busy timeout', (t) => {
    const db = open(t, join(makeTempDir(t), 'app.db'), { busyTimeoutMs: 1234 });
    assert.equal(readPragma(db, 'journal_mode'), 'wal');
    assert.equal(readPragma(db, 'synchronous'), 2, 'synchronous is FULL');
    assert.equal(readPragma(db, 'foreign_keys'), 1);
    assert.equal(readPragma(db, 'busy_timeout'), 1234);
    assert.equal(readPragma(db, 'locking_mode'), 'normal');
  });

  it('enforces foreign keys', (t) => {
    const db = open(t, join(makeTempDir(t), 'app.db'));
    db.exec('CREATE TABLE parent (id INTEGER PRIMARY KEY); CREATE TABLE child (parent_id INTEGER REFERENCES parent (id))');
    assert.throws(() => db.exec('INSERT INTO child VALUES (42)'), { errcode: 787 }); // SQLITE_CONSTRAINT_FOREIGNKEY
  });

  it('creates the folder of the database file when it is missing', (t) => {
    const path = join(makeTempDir(t), 'nested', 'deeper', 'app.db');
    const db = open(t, path);
    db.exec('CREATE TABLE t (x)');
    assert.ok(existsSync(path));
  });

  it('opens :memory: with foreign keys and synchronous FULL', (t) => {
    const db = open(t, ':memory:');
    assert.equal(readPragma(db, 'journal_mode'), 'memory');
    assert.equal(readPragma(db, 'synchronous'), 2);
    assert.equal(readPragma(db, 'foreign_keys'), 1);
    db.exec('CREATE TABLE t (x); INSERT INTO t VALUES (1)');
    assert.deepEqual({ ...db.prepare('SELECT x FROM t').get() }, { x: 1 });
  });

  it('with lockingMode exclusive keeps WAL without a -shm file', (t) => {
    const path = join(makeTempDir(t), 'app.db');
    const db = open(t, path, { lockingMode: 'exclusive' });
    assert.equal(readPragma(db, 'locking_mode'), 'exclusive');
    assert.equal(readPragma(db, 'journal_mode'), 'wal');
    db.exec('CREATE TABLE t (x); INSERT INTO t VALUES (1); INSERT INTO t VALUES (2)');
    assert.ok(existsSync(`${path}-wal`), 'writes go to the WAL');
    assert.ok(!existsSync(`${path}-shm`), 'the WAL index lives in heap memory');
  });

  it('with lockingMode exclusive keeps other connections out', (t) => {
    const path = join(makeTempDir(t), 'app.db');
    const db = open(t, path, { lockingMode: 'exclusive' });
    db.exec('CREATE TABLE t (x)');
    assert.throws(() => open(t, path, { busyTimeoutMs: 0 }), (error: unknown) => error instanceof DatabaseOpenError && (error.cause as { errcode?: number }).errcode === 5);
  });

  it('fails with a DatabaseOpenError naming the path when the folder cannot be created', (t) => {
    // Running as root, permissions stop nothing; a regular file where a folder should be does.
    const blocker = join(makeTempDir(t), 'not-a-folder');
    writeFileSync(blocker, '');
    const path = join(blocker, 'app.db');
    assert.throws(
      () => open(t, path),
      (error: unknown) => error instanceof DatabaseOpenError && error.path === path && error.message.includes(path),
    );
  });

  it('fails with a DatabaseOpenError when the path is a folder', (t) => {
    const path = makeTempDir(t);
    assert.throws(() => open(t, path), (error: unknown) => error instanceof DatabaseOpenError && error.message.includes(path));
  });
});
