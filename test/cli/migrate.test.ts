import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { describe, it, type TestContext } from 'node:test';
import { promisify } from 'node:util';
import { applyMigrations, readMigrationFiles } from '../../src/db/migrate.ts';
import { openDatabase } from '../../src/db/open.ts';
import { makeTempDir, runToExit } from '../support/server.ts';

const CLI = new URL('../../src/cli/migrate.ts', import.meta.url).pathname;
const ROOT = new URL('../../', import.meta.url).pathname;
const FILES = readMigrationFiles().map((file) => file.file);

function migrate(env: Record<string, string>, ...args: string[]) {
  return runToExit(env, [CLI, ...args]);
}

function statusLines(stdout: string): Map<string, string> {
  const lines = stdout.split('\n').filter((line) => /^\d{3,}_/.test(line));
  return new Map(lines.map((line) => [line.split(/\s+/)[0]!, line.split(/\s+/).slice(1).join(' ')]));
}

function ledgerVersions(t: TestContext, path: string): number[] {
  const db = new DatabaseSync(path, { readOnly: true });
  t.after(() => db.close());
  return db.prepare('SELECT version FROM schema_migrations ORDER BY version').all().map((row) => Number(row.version));
}

describe('npm run migrate', { concurrency: true }, () => {
  it('applies every pending migration and exits 0', async (t) => {
    const path = join(makeTempDir(t), 'app.db');
    const result = await migrate({ DB_PATH: path });
    assert.equal(result.code, 0, result.stderr);
    for (const file of FILES) assert.ok(result.stdout.includes(`applied ${file}`), result.stdout);
    assert.deepEqual(ledgerVersions(t, path), FILES.map((_, index) => index + 1));
  });

  it('applies nothing the second time', async (t) => {
    const path = join(makeTempDir(t), 'app.db');
    await migrate({ DB_PATH: path });
    const again = await migrate({ DB_PATH: path });
    assert.equal(again.code, 0, again.stderr);
    assert.ok(!/^applied /m.test(again.stdout), again.stdout);
  });

  it('exits 1 naming the file when an applied migration was edited', async (t) => {
    const path = join(makeTempDir(t), 'app.db');
    const db = openDatabase({ path, busyTimeoutMs: 1000, lockingMode: 'normal' });
    applyMigrations(db);
    db.prepare("UPDATE schema_migrations SET checksum = 'edited' WHERE version = 1").run();
    db.close();
    const result = await migrate({ DB_PATH: path });
    assert.equal(result.code, 1);
    assert.ok(result.stderr.includes(FILES[0]!), result.stderr);
  });

  it('exits 1 naming the variable on a bad configuration', async () => {
    const result = await migrate({ DB_PATH: ':memory:', DB_BUSY_TIMEOUT_MS: 'soon' });
    assert.equal(result.code, 1);
    assert.ok(result.stderr.includes('DB_BUSY_TIMEOUT_MS'), result.stderr);
  });

  it('exits 1 on an unknown argument', async () => {
    const result = await migrate({ DB_PATH: ':memory:' }, '--stauts');
    assert.equal(result.code, 1);
    assert.ok(result.stderr.includes('--stauts'), result.stderr);
  });
});

describe('npm run migrate -- --status', { concurrency: true }, () => {
  it('lists every migration as pending and creates nothing when the database file does not exist', async (t) => {
    const directory = makeTempDir(t);
    const path = join(directory, 'not-yet', 'app.db');
    const result = await migrate({ DB_PATH: path }, '--status');
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual([...statusLines(result.stdout)], FILES.map((file) => [file, 'pending']));
    assert.deepEqual(readdirSync(directory), [], 'not even the folder');
  });

  it('lists applied migrations with their date and the rest as pending', async (t) => {
    const path = join(makeTempDir(t), 'app.db');
    const db = openDatabase({ path, busyTimeoutMs: 1000, lockingMode: 'normal' });
    applyMigrations(db, readMigrationFiles().slice(0, 2));
    db.close();
    const result = await migrate({ DB_PATH: path }, '--status');
    assert.equal(result.code, 0, result.stderr);
    const statuses = statusLines(result.stdout);
    assert.deepEqual([...statuses.keys()], FILES);
    for (const file of FILES.slice(0, 2)) assert.match(statuses.get(file)!, /^applied \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    for (const file of FILES.slice(2)) assert.equal(statuses.get(file), 'pending');
  });

  it('changes nothing in an existing database and leaves no -wal or -shm file behind', async (t) => {
    const directory = makeTempDir(t);
    const path = join(directory, 'app.db');
    await migrate({ DB_PATH: path });
    const before = readFileSync(path);
    const result = await migrate({ DB_PATH: path }, '--status');
    assert.equal(result.code, 0, result.stderr);
    assert.ok(readFileSync(path).equals(before));
    assert.deepEqual(readdirSync(directory), ['app.db']);
  });

  it('runs through npm, as the README says', async (t) => {
    const path = join(makeTempDir(t), 'app.db');
    const { stdout } = await promisify(execFile)('npm', ['run', '--silent', 'migrate', '--', '--status'], { cwd: ROOT, env: { ...process.env, DB_PATH: path } });
    assert.deepEqual([...statusLines(stdout).values()], FILES.map(() => 'pending'));
    assert.ok(!existsSync(path));
  });
});
