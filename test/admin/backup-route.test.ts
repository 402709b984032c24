// POST /admin/backup through the app: the answer, the file it leaves in BACKUP_DIR, and the
// refusals. Exclusive locking mode is covered against a real process in test/cli/backup.test.ts,
// and restoring a backup taken under load in test/admin/restore.test.ts.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { describe, it, type TestContext } from 'node:test';
import { createTestApp, type TestApp } from '../support/app.ts';
import { makeTempDir } from '../support/server.ts';
import { assertProblem } from '../support/users.ts';

const TOKEN = 'backup-test-token';
const auth = { authorization: `Bearer ${TOKEN}` };
const BACKUP_NAME = /^users-\d{4}-\d\d-\d\dT\d\d-\d\d-\d\d-\d{3}Z\.db$/;

interface World {
  app: TestApp;
  directory: string;
  backups: string;
}

function createWorld(t: TestContext, database: 'file' | 'memory'): World {
  const directory = makeTempDir(t);
  const backups = join(directory, 'backups');
  const dbPath = database === 'file' ? join(directory, 'app.db') : undefined;
  return { app: createTestApp(t, { apiToken: TOKEN, dbPath, backupDirectory: backups }), directory, backups };
}

async function createUsers(app: TestApp, count: number): Promise<unknown[]> {
  const users = [];
  for (let index = 1; index <= count; index++) {
    const response = await app.request('POST', '/users', { headers: auth, body: { email: `user${index}@example.com`, name: `User ${index}` } });
    assert.equal(response.status, 201);
    users.push(response.body);
  }
  return users;
}

/** Opens a backup read-only: it must pass integrity_check and be one self-contained file. */
function readBackup(t: TestContext, path: string): { users: unknown[]; journalMode: string } {
  const db = new DatabaseSync(path, { readOnly: true });
  t.after(() => db.close());
  assert.deepEqual(db.prepare('PRAGMA integrity_check').all().map((row) => row.integrity_check), ['ok']);
  const users = db.prepare('SELECT id, email, name, is_active = 1 AS is_active, created_at, updated_at FROM users ORDER BY id').all();
  return { users: users.map((row) => ({ ...row, is_active: row.is_active === 1 })), journalMode: String(db.prepare('PRAGMA journal_mode').get()!.journal_mode) };
}

describe('POST /admin/backup', { concurrency: true }, () => {
  for (const database of ['file', 'memory'] as const) {
    it(`answers 201 with the backup's file name, size and time, for a ${database} database`, async (t) => {
      const { app, backups } = createWorld(t, database);
      const users = await createUsers(app, 3);
      const response = await app.request('POST', '/admin/backup', { headers: auth });
      assert.equal(response.status, 201, response.text);
      assert.equal(response.headers['content-type'], 'application/json; charset=utf-8');
      assert.deepEqual(Object.keys(response.body).sort(), ['bytes', 'created_at', 'duration_ms', 'file']);
      assert.match(response.body.file, BACKUP_NAME, 'a file name only, never a server path');
      assert.match(response.body.created_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
      assert.ok(Number.isInteger(response.body.duration_ms));
      assert.deepEqual(readdirSync(backups), [response.body.file], 'only the finished file: no temporary file left');
      const backup = readBackup(t, join(backups, response.body.file));
      assert.deepEqual(backup.users, users);
      assert.equal(backup.journalMode, 'delete', 'no -wal file is needed to read it');
      assert.ok(response.body.bytes >= 4096);
    });
  }

  it('answers 401 with WWW-Authenticate without the token, and writes nothing', async (t) => {
    const { app, backups } = createWorld(t, 'file');
    const response = await app.request('POST', '/admin/backup');
    assertProblem(response, 401);
    assert.equal(response.headers['www-authenticate'], 'Bearer');
    assert.equal(existsSync(backups), false);
  });

  it('answers 405 with Allow: POST to a GET', async (t) => {
    const { app } = createWorld(t, 'memory');
    const response = await app.request('GET', '/admin/backup', { headers: auth });
    assertProblem(response, 405);
    assert.equal(response.headers.allow, 'POST');
  });

  it('answers 409 while another backup is running, and the first one still succeeds', async (t) => {
    const { app, backups } = createWorld(t, 'file');
    await createUsers(app, 1);
    const first = app.request('POST', '/admin/backup', { headers: auth });
    const second = await app.request('POST', '/admin/backup', { headers: auth });
    assertProblem(second, 409);
    const done = await first;
    assert.equal(done.status, 201);
    assert.deepEqual(readdirSync(backups), [done.body.file]);
    assert.equal((await app.request('POST', '/admin/backup', { headers: auth })).status, 201, 'a later backup is allowed again');
  });

  for (const database of ['file', 'memory'] as const) {
    it(`answers a generic 500 that names no server path when BACKUP_DIR cannot be used (${database} database)`, async (t) => {
      const { app, backups } = createWorld(t, database);
      writeFileSync(backups, 'a file where the folder should be');
      const response = await app.request('POST', '/admin/backup', { headers: auth });
      const problem = assertProblem(response, 500);
      assert.equal(problem.detail, 'Internal Server Error');
      assert.ok(!response.text.includes('/'), `no path in ${response.text}`);
      const logged = app.logs.map((line) => JSON.parse(line)).find((line) => line.level === 'error');
      assert.equal(logged?.request_id, response.headers['x-request-id'], 'the cause is in the log, under the request id');
    });
  }
});
