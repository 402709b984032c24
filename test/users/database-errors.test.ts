// What a caller sees when SQLite cannot do its part: a busy or full database is a 503 with
// Retry-After and nothing written; anything unexpected is a generic 500 that leaks no SQL, path or
// stack, and is logged with the request id.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { describe, it } from 'node:test';
import { createTestApp } from '../support/app.ts';
import { makeTempDir } from '../support/server.ts';
import { assertProblem, createUser, readUsersTable } from '../support/users.ts';

const LEAKS = /SELECT|INSERT|UPDATE|DELETE FROM|sqlite|no such table|\/src\/|\.ts\b|\bat \S+ \(|node:/i;

describe('a database busy with another writer past the busy timeout', () => {
  it('answers 503 with Retry-After and writes nothing; the same request succeeds once the lock is gone', async (t) => {
    const dbPath = join(makeTempDir(t), 'app.db');
    const app = createTestApp(t, { dbPath, busyTimeoutMs: 50 });
    const other = new DatabaseSync(dbPath);
    t.after(() => other.close());
    other.exec('BEGIN IMMEDIATE');

    const response = await app.request('POST', '/users', { body: { email: 'ada@example.com', name: 'Ada' }, headers: { 'x-request-id': 'busy-1' } });
    assertProblem(response, 503);
    assert.match(response.headers['retry-after']!, /^\d+$/);
    assert.equal(response.headers['x-request-id'], 'busy-1');
    assert.doesNotMatch(response.text, LEAKS);

    other.exec('ROLLBACK');
    assert.deepEqual(readUsersTable(app), []);
    assert.equal((await app.request('POST', '/users', { body: { email: 'ada@example.com', name: 'Ada' } })).status, 201);
  });

  it('answers 503 to PUT, PATCH and DELETE too, and still serves reads', async (t) => {
    const dbPath = join(makeTempDir(t), 'app.db');
    const app = createTestApp(t, { dbPath, busyTimeoutMs: 20 });
    const user = await createUser(app);
    const other = new DatabaseSync(dbPath);
    t.after(() => other.close());
    other.exec('BEGIN IMMEDIATE');
    assertProblem(await app.request('PUT', `/users/${user.id}`, { body: { email: 'x@example.com', name: 'X' } }), 503);
    assertProblem(await app.request('PATCH', `/users/${user.id}`, { body: { name: 'X' } }), 503);
    assertProblem(await app.request('DELETE', `/users/${user.id}`), 503);
    // WAL: readers never wait for the writer.
    assert.deepEqual((await app.request('GET', `/users/${user.id}`)).body, user);
    other.exec('ROLLBACK');
  });

  it('logs a warning with the request id, not an error', async (t) => {
    const dbPath = join(makeTempDir(t), 'app.db');
    const app = createTestApp(t, { dbPath, busyTimeoutMs: 20 });
    const other = new DatabaseSync(dbPath);
    t.after(() => other.close());
    other.exec('BEGIN IMMEDIATE');
    await app.request('POST', '/users', { body: { email: 'ada@example.com', name: 'Ada' }, headers: { 'x-request-id': 'busy-log' } });
    other.exec('ROLLBACK');
    const line = app.logs.map((text) => JSON.parse(text)).find((entry) => entry.request_id === 'busy-log');
    assert.equal(line?.level, 'warn');
    assert.equal(line?.errcode, 5);
  });
});

describe('a database that cannot grow (SQLITE_FULL)', () => {
  it('answers 503 with Retry-After, keeps every user it acknowledged, and has none it refused', async (t) => {
    const app = createTestApp(t);
    const pages = app.db.prepare('PRAGMA page_count').get()!.page_count as number;
    app.db.exec(`PRAGMA max_page_count = ${pages}`);
    const acknowledged: number[] = [];
    let refused;
    for (let index = 0; index < 500 && refused === undefined; index++) {
      const response = await app.request('POST', '/users', { body: { email: `user${index}@example.com`, name: 'n'.repeat(200) } });
      if (response.status === 201) acknowledged.push(response.body.id);
      else refused = response;
    }
    assert.ok(refused, 'the database filled up');
    assertProblem(refused, 503);
    assert.match(refused.headers['retry-after']!, /^\d+$/);
    assert.doesNotMatch(refused.text, LEAKS);
    assert.deepEqual(readUsersTable(app).map((row) => (row as { id: number }).id), acknowledged);
    // Reads still work, and a write that needs no new page still does.
    assert.equal((await app.request('GET', '/users?limit=1')).status, 200);
    assert.equal((await app.request('DELETE', `/users/${acknowledged[0]}`)).status, 204);
  });
});

describe('an unexpected database error', () => {
  it('answers a generic 500 with no SQL, table name, path or stack, and logs it with the request id', async (t) => {
    const app = createTestApp(t);
    await createUser(app);
    app.db.exec('DROP TABLE users');
    for (const [method, url, body] of [['GET', '/users/1'], ['GET', '/users'], ['POST', '/users', { email: 'b@example.com', name: 'B' }]] as const) {
      const response = await app.request(method, url, { body, headers: { 'x-request-id': `boom-${method}` } });
      const problem = assertProblem(response, 500);
      assert.equal(problem.detail, 'Internal Server Error');
      assert.equal(problem.errors, undefined);
      assert.doesNotMatch(response.text, LEAKS);
      const logged = app.logs.map((text) => JSON.parse(text)).find((entry) => entry.request_id === `boom-${method}`);
      assert.equal(logged?.level, 'error');
    }
  });
});
