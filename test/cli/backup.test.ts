// `npm run backup -- <file>`: an online snapshot of DB_PATH, written atomically and checked, while
// the service runs, after it stopped or crashed; and the refusals, each with exit code 1.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { describe, it, type TestContext } from 'node:test';
import { promisify } from 'node:util';
import { snapshotInto } from '../../src/db/backup.ts';
import { applyMigrations } from '../../src/db/migrate.ts';
import { openDatabase } from '../../src/db/open.ts';
import { startWriteLoad } from '../support/load.ts';
import { makeTempDir, runToExit, send, startServer } from '../support/server.ts';

const CLI = new URL('../../src/cli/backup.ts', import.meta.url).pathname;
const ROOT = new URL('../../', import.meta.url).pathname;
const BACKUP_NAME = /^users-\d{4}-\d\d-\d\dT\d\d-\d\d-\d\d-\d{3}Z\.db$/;

function backup(env: Record<string, string>, ...args: string[]) {
  return runToExit(env, [CLI, ...args]);
}

/** A database as a cleanly stopped service leaves it: migrated, a few users, no -wal or -shm. */
function createStoppedDatabase(t: TestContext, users = 3): { directory: string; dbPath: string } {
  const directory = makeTempDir(t);
  const dbPath = join(directory, 'app.db');
  const db = openDatabase({ path: dbPath, busyTimeoutMs: 1000, lockingMode: 'normal' });
  applyMigrations(db);
  const insert = db.prepare("INSERT INTO users (email, name, created_at, updated_at) VALUES (?, ?, '2026-11-27T18:00:00.000Z', '2026-11-27T18:00:00.000Z')");
  db.exec('BEGIN');
  for (let index = 1; index <= users; index++) insert.run(`user${index}@example.com`, `User ${index}`);
  db.exec('COMMIT');
  db.close();
  return { directory, dbPath };
}

/** integrity_check of a backup, and its users' emails in id order. */
function readBackup(t: TestContext, path: string): string[] {
  const db = new DatabaseSync(path, { readOnly: true });
  t.after(() => db.close());
  assert.deepEqual(db.prepare('PRAGMA integrity_check').all().map((row) => row.integrity_check), ['ok']);
  return db.prepare('SELECT email FROM users ORDER BY id').all().map((row) => String(row.email));
}

describe('npm run backup -- <file>', { concurrency: true }, () => {
  it('snapshots the database a running service is writing, through npm, and still after the service is killed', async (t) => {
    const directory = makeTempDir(t);
    const dbPath = join(directory, 'app.db');
    const server = await startServer(t, { DB_PATH: dbPath });
    const load = startWriteLoad(server.baseUrl, { clients: 2, maxWrites: 300 });
    let stdout: string;
    let acknowledgedBefore: string[];
    try {
      await load.waitFor(20);
      acknowledgedBefore = load.acknowledged.filter((ack) => ack.method === 'POST').map((ack) => ack.user!.email as string);
      ({ stdout } = await promisify(execFile)('npm', ['run', '--silent', 'backup', '--', join(directory, 'snapshot.db')], { cwd: ROOT, env: { ...process.env, DB_PATH: dbPath } }));
    } finally {
      await load.stop();
    }
    assert.deepEqual(load.refused, []);
    const printed = JSON.parse(stdout);
    assert.deepEqual(Object.keys(printed).sort(), ['bytes', 'duration_ms', 'file', 'integrity']);
    assert.equal(printed.file, join(directory, 'snapshot.db'));
    assert.equal(printed.integrity, 'ok');
    const emails = new Set(readBackup(t, printed.file));
    // Users deleted later may be gone; every other user acknowledged before the command ran is there.
    const deleted = new Set(load.acknowledged.filter((ack) => ack.method === 'DELETE').map((ack) => ack.userId));
    const created = new Map(load.acknowledged.filter((ack) => ack.method === 'POST').map((ack) => [ack.user!.email as string, ack.userId]));
    for (const email of acknowledgedBefore) if (!deleted.has(created.get(email)!)) assert.ok(emails.has(email), email);
    assert.deepEqual(readdirSync(directory).filter((name) => name.includes('.partial')), []);

    // Killed now, the service leaves its last commits in the WAL; the command still finds them.
    const last = await send(server.baseUrl, 'POST', '/users', { body: { email: 'last@example.com', name: 'Last' } });
    assert.equal(last.status, 201);
    server.child.kill('SIGKILL');
    await server.exited;
    const afterCrash = await backup({ DB_PATH: dbPath }, join(directory, 'after-crash.db'));
    assert.equal(afterCrash.code, 0, afterCrash.stderr);
    assert.equal(readBackup(t, join(directory, 'after-crash.db')).at(-1), 'last@example.com');
  });

  it('given a folder, writes a time-stamped users-<time>.db in it, creating the folder', async (t) => {
    const { directory, dbPath } = createStoppedDatabase(t);
    const result = await backup({ DB_PATH: dbPath }, join(directory, 'backups') + '/');
    assert.equal(result.code, 0, result.stderr);
    const [file] = readdirSync(join(directory, 'backups'));
    assert.match(file!, BACKUP_NAME);
    assert.equal(JSON.parse(result.stdout).file, join(directory, 'backups', file!));
    assert.deepEqual(readBackup(t, join(directory, 'backups', file!)), ['user1@example.com', 'user2@example.com', 'user3@example.com']);
  });

  it('replaces an older backup of the same name in one step', async (t) => {
    const { directory, dbPath } = createStoppedDatabase(t);
    const target = join(directory, 'latest.db');
    writeFileSync(target, 'an older backup');
    const result = await backup({ DB_PATH: dbPath }, target);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(readBackup(t, target).length, 3);
  });

  it('works after the service has stopped, and leaves no -wal or -shm file beside the database', async (t) => {
    const { directory, dbPath } = createStoppedDatabase(t);
    assert.deepEqual(readdirSync(directory), ['app.db']);
    const result = await backup({ DB_PATH: dbPath }, join(directory, 'copy.db'));
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(readdirSync(directory).sort(), ['app.db', 'copy.db']);
  });

  it('prints the usage line and exits 1 without exactly one file argument, writing nothing', async (t) => {
    const { directory, dbPath } = createStoppedDatabase(t);
    for (const args of [[], ['a.db', '--out=b.db']]) {
      const result = await backup({ DB_PATH: dbPath }, ...args);
      assert.equal(result.code, 1, `args ${JSON.stringify(args)}`);
      assert.match(result.stderr, /npm run backup -- </);
    }
    assert.deepEqual(readdirSync(directory), ['app.db']);
  });

  it('prints the usage line and exits 0 for --help', async (t) => {
    const { dbPath } = createStoppedDatabase(t);
    const result = await backup({ DB_PATH: dbPath }, '--help');
    assert.equal(result.code, 0);
    assert.match(result.stdout, /npm run backup -- </);
  });

  it('exits 1 naming DB_PATH when there is no database there, and creates none', async (t) => {
    const directory = makeTempDir(t);
    const result = await backup({ DB_PATH: join(directory, 'missing.db') }, join(directory, 'copy.db'));
    assert.equal(result.code, 1);
    assert.match(result.stderr, /DB_PATH/);
    assert.deepEqual(readdirSync(directory), []);
  });

  it('exits 1 for DB_PATH=:memory:, which only the process holding it can back up', async (t) => {
    const directory = makeTempDir(t);
    const result = await backup({ DB_PATH: ':memory:' }, join(directory, 'copy.db'));
    assert.equal(result.code, 1);
    assert.match(result.stderr, /\/admin\/backup/);
    assert.deepEqual(readdirSync(directory), []);
  });

  it('exits 1 and leaves no file, not even a partial one, when the disk fills up mid-backup', async (t) => {
    const { directory, dbPath } = createStoppedDatabase(t, 2_000);
    // A file-size limit (64 KiB: above the 32 KiB -shm, below the database) makes the copy fail
    // part-way, as a full disk would.
    const code = await new Promise((resolve) => {
      const script = 'ulimit -f 64; exec "$0" "$@"';
      const child = execFile('/bin/bash', ['-c', script, process.execPath, CLI, join(directory, 'out', 'copy.db')], { env: { PATH: process.env.PATH, DB_PATH: dbPath } });
      child.on('exit', resolve);
    });
    assert.equal(code, 1);
    assert.deepEqual(readdirSync(join(directory, 'out')), []);
    assert.deepEqual(readdirSync(directory).sort(), ['app.db', 'out']);
  });

  it('exits 1 pointing to POST /admin/backup while a service holds the database exclusively, where that route works', async (t) => {
    const directory = makeTempDir(t);
    const dbPath = join(directory, 'app.db');
    const server = await startServer(t, { DB_PATH: dbPath, DB_LOCKING_MODE: 'exclusive' });
    const result = await backup({ DB_PATH: dbPath, DB_BUSY_TIMEOUT_MS: '100' }, join(directory, 'copy.db'));
    assert.equal(result.code, 1);
    assert.match(result.stderr, /DB_LOCKING_MODE=exclusive/);
    assert.match(result.stderr, /POST \/admin\/backup/);
    assert.deepEqual(readdirSync(directory).filter((name) => name.startsWith('copy')), []);

    assert.equal((await send(server.baseUrl, 'POST', '/users', { body: { email: 'ada@example.com', name: 'Ada' } })).status, 201);
    const response = await send(server.baseUrl, 'POST', '/admin/backup');
    assert.equal(response.status, 201, response.text);
    assert.deepEqual(readBackup(t, join(directory, 'backups', response.body.file)), ['ada@example.com']);
    assert.equal((await send(server.baseUrl, 'GET', '/users?email=ada@example.com')).body.length, 1, 'the service goes on serving');
  });
});

describe('snapshotInto', () => {
  it('removes its temporary file when the last step, the rename, fails', (t) => {
    const { directory, dbPath } = createStoppedDatabase(t);
    const db = new DatabaseSync(dbPath);
    t.after(() => db.close());
    const target = join(directory, 'occupied');
    mkdirSync(join(target, 'inside'), { recursive: true });
    assert.throws(() => snapshotInto(db, target));
    assert.deepEqual(readdirSync(directory).sort(), ['app.db', 'app.db-shm', 'app.db-wal', 'occupied']);
    assert.deepEqual(readdirSync(target), ['inside']);
  });
});
