// Storage faults, caused for real: a disk that fills up (a small tmpfs, filled to the last page),
// a database folder on a read-only mount, a database file nobody may write (chattr +i), and a WAL
// that stops accepting writes while the service runs (what a disk remounted read-only, or failing,
// looks like). They need root; where mounting or chattr is not allowed, the tests skip.
import assert from 'node:assert/strict';
import { closeSync, openSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { applyMigrations } from '../../src/db/migrate.ts';
import { DatabaseOpenError, openDatabase } from '../../src/db/open.ts';
import { renderProblem } from '../../src/http/problem.ts';
import type { User } from '../../src/users/user.ts';
import { captureLogs } from '../support/app.ts';
import { runToExit, startServer } from '../support/server.ts';
import { call, type Answer } from './support/http.ts';
import { makeFaultDir, mountReadOnly, mountTmpfs, setImmutable } from './support/mount.ts';
import { assertProblem, integrityOf, logLines, readAllUsers, waitForLogLines } from './support/service.ts';

const SQLITE_FULL = 13;

function assertUnavailable(answer: Answer): void {
  assertProblem(answer, 503);
  assert.match(String(answer.headers['retry-after']), /^[1-9]\d*$/);
}

/** Writes zeros into a new file until the filesystem has no page left; returns the file. */
function fillDisk(folder: string): string {
  const ballast = join(folder, 'ballast');
  const descriptor = openSync(ballast, 'w');
  const page = Buffer.alloc(4096);
  try {
    for (;;) writeSync(descriptor, page);
  } catch (error) {
    if ((error as { code?: string }).code !== 'ENOSPC') throw error;
  } finally {
    closeSync(descriptor);
  }
  return ballast;
}

/** A database made by the real migrations, with one user, closed cleanly (as a stopped service leaves it). */
function makeDatabase(path: string): void {
  const db = openDatabase({ path, busyTimeoutMs: 1_000, lockingMode: 'normal' });
  applyMigrations(db);
  db.prepare("INSERT INTO users (email, name) VALUES ('ada@example.com', 'Ada')").run();
  db.close();
}

/** Runs the service on `path` expecting it to refuse to start: exit 1, one line on stderr naming the path. */
async function assertRefusesToStart(path: string): Promise<string> {
  const { code, stderr } = await runToExit({ DB_PATH: path, LOG_LEVEL: 'silent' });
  assert.equal(code, 1, stderr);
  const lines = stderr.trim().split('\n');
  assert.equal(lines.length, 1, stderr);
  assert.ok(lines[0]!.includes(path), lines[0]);
  return lines[0]!;
}

describe('storage faults', { concurrency: true }, () => {
  it('a full disk (SQLITE_FULL on a real tmpfs): writes answer 503 with Retry-After and write nothing, reads go on, writes resume once space is freed, and a stop while full loses nothing', async (t) => {
    const folder = mountTmpfs(t, 4 * 1024 * 1024);
    if (folder === null) return t.skip('needs root to mount a tmpfs');
    const path = join(folder, 'app.db');
    const env = { DB_PATH: path, LOG_LEVEL: 'warn' };
    const server = await startServer(t, env);
    const { port } = server;
    const acknowledged: User[] = [];
    for (let index = 0; index < 5; index++) acknowledged.push((await call(port, 'POST', '/users', { body: { email: `before${index}@example.com`, name: 'Before' } })).body);
    const [first, second] = acknowledged as [User, User];

    let ballast = fillDisk(folder);
    // The WAL only grows until the first checkpoint (after 1000 pages), so every commit here needs a
    // new page, and the disk has none: the very first write fails, and so does every kind after it.
    const refused = [
      await call(port, 'POST', '/users', { body: { email: 'refused@example.com', name: 'Refused' } }),
      await call(port, 'PUT', `/users/${first.id}`, { body: { email: first.email, name: 'Replaced' } }),
      await call(port, 'PATCH', `/users/${first.id}`, { body: { is_active: false } }),
      await call(port, 'DELETE', `/users/${second.id}`),
    ];
    for (const answer of refused) assertUnavailable(answer);
    const warnings = await waitForLogLines(server.stdout, ['warn'], 4);
    assert.ok(warnings.length === 4 && warnings.every((entry) => entry.errcode === SQLITE_FULL), JSON.stringify(warnings));
    // Reads and readiness are unaffected, and show nothing of the refused writes.
    assert.deepEqual(await readAllUsers(port), acknowledged);
    assert.equal((await call(port, 'GET', '/health')).status, 200);

    rmSync(ballast);
    const created = await call(port, 'POST', '/users', { body: { email: 'refused@example.com', name: 'Refused' } });
    assert.equal(created.status, 201, created.text);
    const patched = await call(port, 'PATCH', `/users/${first.id}`, { body: { is_active: false } });
    assert.equal(patched.status, 200);
    assert.equal((await call(port, 'DELETE', `/users/${second.id}`)).status, 204);
    const stored = [patched.body, ...acknowledged.slice(2), created.body];
    assert.deepEqual(await readAllUsers(port), stored);

    // Full again, and stopped: closing checkpoints the WAL into the main file, which cannot grow
    // now; the commits stay in the WAL, the service still exits 0, and the restart has them all.
    ballast = fillDisk(folder);
    assertUnavailable(await call(port, 'POST', '/users', { body: { email: 'refused-again@example.com', name: 'Refused' } }));
    server.child.kill('SIGTERM');
    assert.equal(await server.exited, 0);
    rmSync(ballast);
    const restarted = await startServer(t, env);
    assert.deepEqual(await readAllUsers(restarted.port), stored);
    assert.equal(integrityOf(path), 'ok');
    assert.deepEqual(logLines([...server.stdout, ...restarted.stdout], ['error']), []);
  });

  it('a database folder on a read-only filesystem: the service refuses to start, naming the path', async (t) => {
    const source = makeFaultDir(t);
    makeDatabase(join(source, 'app.db'));
    const readOnly = mountReadOnly(t, source);
    if (readOnly === null) return t.skip('needs root to make a read-only bind mount');
    // A new database there, and the existing one.
    await Promise.all([assertRefusesToStart(join(readOnly, 'new.db')), assertRefusesToStart(join(readOnly, 'app.db'))]);
  });

  it('a database file that is not writable (chattr +i): the service refuses to start, naming the path, instead of serving reads and failing every write', async (t) => {
    const path = join(makeFaultDir(t), 'app.db');
    makeDatabase(path);
    if (!setImmutable(path, true)) return t.skip('needs root and a filesystem with chattr +i');
    const line = await assertRefusesToStart(path);
    assert.match(line, /not writable/);
  });

  it('storage that fails under a running service (the WAL stops taking writes): writes answer 503 with Retry-After, never 500, reads go on, and it recovers with the storage', async (t) => {
    const folder = makeFaultDir(t);
    const path = join(folder, 'app.db');
    const server = await startServer(t, { DB_PATH: path, LOG_LEVEL: 'warn' });
    const { port } = server;
    const user = (await call(port, 'POST', '/users', { body: { email: 'ada@example.com', name: 'Ada' } })).body as User;
    // Every write to the WAL now fails, as on a disk the kernel remounted read-only after an error.
    if (!setImmutable(`${path}-wal`, true)) return t.skip('needs root and a filesystem with chattr +i');
    const refused = [
      await call(port, 'POST', '/users', { body: { email: 'grace@example.com', name: 'Grace' } }),
      await call(port, 'PATCH', `/users/${user.id}`, { body: { name: 'Ada King' } }),
      await call(port, 'DELETE', `/users/${user.id}`),
    ];
    const reads = [await call(port, 'GET', `/users/${user.id}`), await call(port, 'GET', '/health')];
    setImmutable(`${path}-wal`, false);
    for (const answer of refused) assertUnavailable(answer);
    assert.deepEqual(reads.map((answer) => answer.status), [200, 200]);
    assert.deepEqual(reads[0]!.body, user);
    assert.deepEqual(logLines(server.stdout, ['error']), []);

    const created = await call(port, 'POST', '/users', { body: { email: 'grace@example.com', name: 'Grace' } });
    assert.equal(created.status, 201, created.text);
    assert.deepEqual(await readAllUsers(port), [user, created.body]);
    server.child.kill('SIGTERM');
    assert.equal(await server.exited, 0);
    assert.equal(integrityOf(path), 'ok');
  });
});

// Regression tests for the two bugs the tests above found, at the smallest scale that shows them.
describe('regressions found by the storage faults', () => {
  // Found by "storage that fails under a running service": a WAL that stopped taking writes (a disk
  // remounted read-only after an error) made every write a 500, the status for a bug.
  for (const [name, errcode] of [['SQLITE_IOERR', 10], ['SQLITE_IOERR_WRITE', 778], ['SQLITE_IOERR_FSYNC', 1034]] as const) {
    it(`answers ${name} (${errcode}) with 503 and Retry-After, logged as a warning, not a 500`, () => {
      const { log, logs } = captureLogs();
      const error = Object.assign(new Error('disk I/O error'), { code: 'ERR_SQLITE_ERROR', errcode, errstr: 'disk I/O error' });
      const response = renderProblem(error, { requestId: 'io-1', log });
      log.flush();
      assert.equal(response.status, 503);
      assert.match(response.headers['retry-after']!, /^[1-9]\d*$/);
      const body = JSON.parse(response.body!);
      assert.equal(body.status, 503);
      assert.doesNotMatch(body.detail, /sqlite|disk I\/O error/i, 'the detail is ours, not SQLite\'s message');
      assert.equal(JSON.parse(logs[0]!).level, 'warn');
    });
  }

  // Found by "a database file that is not writable": SQLite silently opened the file read-only, so
  // the service started, passed /health, and answered every write 503.
  it('refuses to open a database file it cannot write, naming the path', (t) => {
    const path = join(makeFaultDir(t), 'app.db');
    const db = openDatabase({ path, busyTimeoutMs: 100, lockingMode: 'normal' });
    applyMigrations(db);
    db.close();
    if (!setImmutable(path, true)) return t.skip('needs root and a filesystem with chattr +i');
    assert.throws(
      () => openDatabase({ path, busyTimeoutMs: 100, lockingMode: 'normal' }),
      (error: unknown) => error instanceof DatabaseOpenError && error.path === path && error.message.includes(path) && /not writable/.test(error.message),
    );
  });
});
