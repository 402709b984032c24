import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { describe, it, type TestContext } from 'node:test';
import { applyMigrations, MigrationError, readMigrationFiles, readMigrationStatus, schemaVersion, type MigrationFile } from '../../src/db/migrate.ts';
import { openDatabase } from '../../src/db/open.ts';
import { SQLITE_AUTH, SQLITE_BUSY } from '../../src/db/sqlite-errors.ts';
import { makeTempDir, runToExit, startServer } from '../support/server.ts';

function openMemory(t: TestContext, path = ':memory:', busyTimeoutMs = 1000): DatabaseSync {
  const db = openDatabase({ path, busyTimeoutMs, lockingMode: 'normal' });
  t.after(() => {
    if (db.isOpen) db.close();
  });
  return db;
}

/** Writes `files` (name → SQL) into a fresh folder and returns the folder. */
function migrationFolder(t: TestContext, files: Record<string, string>): string {
  const directory = makeTempDir(t, 'migrations-');
  for (const [name, sql] of Object.entries(files)) writeFileSync(join(directory, name), sql);
  return directory;
}

function filesOf(t: TestContext, files: Record<string, string>): MigrationFile[] {
  return readMigrationFiles(migrationFolder(t, files));
}

/** Everything a migration could change: the schema and every row of every table. */
function snapshot(db: DatabaseSync): unknown {
  const schema = db.prepare('SELECT type, name, tbl_name, sql FROM sqlite_schema ORDER BY type, name').all().map((row) => ({ ...row }));
  const tables = schema.filter((row) => row.type === 'table' && !String(row.name).startsWith('sqlite_'));
  const data = Object.fromEntries(tables.map((table) => [table.name, db.prepare(`SELECT * FROM "${String(table.name)}" ORDER BY rowid`).all().map((row) => ({ ...row }))]));
  return { schema, data, userVersion: db.prepare('PRAGMA user_version').get()?.user_version };
}

function ledger(db: DatabaseSync): { version: number; file: string }[] {
  return db.prepare('SELECT version, file FROM schema_migrations ORDER BY version').all().map((row) => ({ version: Number(row.version), file: String(row.file) }));
}

function isMigrationError(file: string | null, errcode?: number): (error: unknown) => boolean {
  return (error) => {
    assert.ok(error instanceof MigrationError, String(error));
    assert.equal(error.file, file);
    if (file !== null) assert.ok(error.message.includes(file), error.message);
    if (errcode !== undefined) assert.equal((error.cause as { errcode?: number }).errcode, errcode);
    return true;
  };
}

const TWO = {
  '001_create_items.sql': 'CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT NOT NULL);\nINSERT INTO items (name) VALUES (\'seed\');\n',
  '002_add_colour.sql': "ALTER TABLE items ADD COLUMN colour TEXT NOT NULL DEFAULT 'red';\n",
};

describe('migrations: the real files', () => {
  it('apply in order to a fresh database and build the users table', (t) => {
    const db = openMemory(t);
    assert.deepEqual(applyMigrations(db), ['001_create_users.sql', '002_users_email_index.sql', '003_add_is_active.sql', '004_add_updated_at.sql']);
    const columns = db.prepare('SELECT name, type, "notnull" FROM pragma_table_info(\'users\') ORDER BY cid').all().map((row) => row.name);
    assert.deepEqual(columns, ['id', 'email', 'name', 'created_at', 'is_active', 'updated_at']);
    assert.equal(schemaVersion(readMigrationStatus(db)), 4);
  });

  it('make email unique without regard to ASCII case', (t) => {
    const db = openMemory(t);
    applyMigrations(db);
    db.prepare("INSERT INTO users (email, name) VALUES ('ada@example.com', 'Ada')").run();
    assert.throws(() => db.prepare("INSERT INTO users (email, name) VALUES ('ADA@Example.COM', 'Ada')").run(), { errcode: 2067 });
  });
});

describe('migrations: the engine', () => {
  it('applies every file to a fresh database, each recorded with its checksum and date', (t) => {
    const db = openMemory(t);
    const files = filesOf(t, TWO);
    assert.deepEqual(applyMigrations(db, files), ['001_create_items.sql', '002_add_colour.sql']);
    const rows = db.prepare('SELECT version, file, checksum, applied_at FROM schema_migrations ORDER BY version').all();
    assert.deepEqual(rows.map((row) => row.checksum), files.map((file) => file.checksum));
    for (const row of rows) assert.match(String(row.applied_at), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    assert.deepEqual({ ...db.prepare('SELECT name, colour FROM items').get() }, { name: 'seed', colour: 'red' });
  });

  it('applies nothing again on a restart', (t) => {
    const path = join(makeTempDir(t), 'app.db');
    const files = filesOf(t, TWO);
    const first = openMemory(t, path);
    applyMigrations(first, files);
    const before = snapshot(first);
    first.close();
    const second = openMemory(t, path);
    assert.deepEqual(applyMigrations(second, files), []);
    assert.deepEqual(snapshot(second), before, 'not even applied_at moved');
  });

  it('takes no write lock when nothing is pending', (t) => {
    const path = join(makeTempDir(t), 'app.db');
    const files = filesOf(t, TWO);
    const db = openMemory(t, path, 0);
    applyMigrations(db, files);
    const other = openMemory(t, path);
    other.exec('BEGIN IMMEDIATE');
    assert.deepEqual(applyMigrations(db, files), []);
    other.exec('ROLLBACK');
  });

  it('applies only the files added since the last start', (t) => {
    const db = openMemory(t);
    applyMigrations(db, filesOf(t, { '001_create_items.sql': TWO['001_create_items.sql'] }));
    assert.deepEqual(applyMigrations(db, filesOf(t, TWO)), ['002_add_colour.sql']);
    assert.deepEqual(ledger(db).map((row) => row.version), [1, 2]);
  });

  it('refuses to run when an applied file changed, naming the file', (t) => {
    const db = openMemory(t);
    applyMigrations(db, filesOf(t, TWO));
    const edited = filesOf(t, { ...TWO, '002_add_colour.sql': `${TWO['002_add_colour.sql']}-- a harmless comment\n` });
    const before = snapshot(db);
    assert.throws(() => applyMigrations(db, edited), isMigrationError('002_add_colour.sql'));
    assert.throws(() => readMigrationStatus(db, edited), isMigrationError('002_add_colour.sql'));
    assert.deepEqual(snapshot(db), before);
  });

  it('leaves the database exactly as before when a migration fails, and names the file', (t) => {
    const db = openMemory(t);
    const files = filesOf(t, {
      ...TWO,
      '003_broken.sql': [
        'CREATE TABLE tags (name TEXT);',
        "INSERT INTO items (name) VALUES ('from the failing file');",
        'CREATE INDEX items_name ON items (name);',
        'UPDATE items SET colour = \'blue\';',
        'INSERT INTO no_such_table VALUES (1);',
      ].join('\n'),
    });
    applyMigrations(db, files.slice(0, 2));
    const before = snapshot(db);
    assert.throws(() => applyMigrations(db, files), isMigrationError('003_broken.sql', 1));
    assert.deepEqual(snapshot(db), before);
    assert.equal(db.isTransaction, false);
  });

  it('keeps the migrations before the failing one applied', (t) => {
    const db = openMemory(t);
    const files = filesOf(t, { ...TWO, '003_broken.sql': 'SELECT * FROM no_such_table;' });
    assert.throws(() => applyMigrations(db, files), isMigrationError('003_broken.sql'));
    assert.deepEqual(ledger(db).map((row) => row.version), [1, 2]);
  });

  it('leaves a fresh database empty when the first migration fails', (t) => {
    const db = openMemory(t);
    assert.throws(() => applyMigrations(db, filesOf(t, { '001_broken.sql': 'CREATE TABLE a (x); CREATE TABLE a (x);' })), isMigrationError('001_broken.sql'));
    assert.deepEqual(db.prepare('SELECT name FROM sqlite_schema').all(), [], 'not even schema_migrations');
  });

  for (const statement of ['BEGIN', 'BEGIN IMMEDIATE', 'COMMIT', 'END', 'ROLLBACK', 'SAVEPOINT inner', 'RELEASE inner']) {
    it(`refuses a file containing ${statement}, naming the file, and changes nothing`, (t) => {
      const db = openMemory(t);
      const files = filesOf(t, { ...TWO, '003_own_transaction.sql': `CREATE TABLE tags (name TEXT);\n${statement};\nCREATE TABLE more (x);\n` });
      applyMigrations(db, files.slice(0, 2));
      const before = snapshot(db);
      assert.throws(() => applyMigrations(db, files), isMigrationError('003_own_transaction.sql', SQLITE_AUTH));
      assert.deepEqual(snapshot(db), before);
    });
  }

  it('accepts a CREATE TRIGGER ... BEGIN ... END file', (t) => {
    const db = openMemory(t);
    const files = filesOf(t, {
      ...TWO,
      '003_items_audit.sql': [
        'CREATE TABLE audit (item_id INTEGER NOT NULL);',
        'CREATE TRIGGER items_audit AFTER INSERT ON items',
        'BEGIN',
        '  INSERT INTO audit (item_id) VALUES (new.id);',
        'END;',
      ].join('\n'),
    });
    assert.deepEqual(applyMigrations(db, files), ['001_create_items.sql', '002_add_colour.sql', '003_items_audit.sql']);
    db.exec("INSERT INTO items (name) VALUES ('x')");
    assert.deepEqual(db.prepare('SELECT item_id FROM audit').all().map((row) => row.item_id), [2]);
  });

  it('lets transaction statements run again once the migrations are done', (t) => {
    const db = openMemory(t);
    assert.throws(() => applyMigrations(db, filesOf(t, { '001_bad.sql': 'COMMIT;' })));
    db.exec('BEGIN; COMMIT');
  });

  it('refuses a gap in the numbers', (t) => {
    assert.throws(() => filesOf(t, { '001_a.sql': '', '003_c.sql': '' }), isMigrationError('003_c.sql'));
    assert.throws(() => filesOf(t, { '002_b.sql': '' }), isMigrationError('002_b.sql'));
  });

  it('refuses two files with the same number', (t) => {
    assert.throws(() => filesOf(t, { '001_a.sql': '', '002_b.sql': '', '002_c.sql': '' }), isMigrationError('002_c.sql'));
  });

  it('refuses a file numbered 000 with a sentence, not a crash', (t) => {
    assert.throws(() => filesOf(t, { '000_init.sql': '', '001_a.sql': '' }), isMigrationError('000_init.sql'));
  });

  for (const name of ['1_short_number.sql', '001-dash.sql', '001_Capitals.sql', '001_.sql', 'create_users.sql', '001_spaces here.sql']) {
    it(`refuses a file named ${name}`, (t) => {
      assert.throws(() => filesOf(t, { [name]: '' }), isMigrationError(name));
    });
  }

  it('ignores files that are not .sql', (t) => {
    assert.deepEqual(filesOf(t, { 'README.md': '# notes', '001_a.sql': '' }).map((file) => file.file), ['001_a.sql']);
  });

  it('refuses a database with an applied migration that has no file', (t) => {
    const db = openMemory(t);
    applyMigrations(db, filesOf(t, TWO));
    const older = filesOf(t, { '001_create_items.sql': TWO['001_create_items.sql'] });
    assert.throws(() => applyMigrations(db, older), isMigrationError(null));
    assert.throws(() => readMigrationStatus(db, older), isMigrationError(null));
  });

  it('refuses a pending file numbered below an applied one', (t) => {
    const db = openMemory(t);
    const files = filesOf(t, { ...TWO, '003_c.sql': 'CREATE TABLE c (x);' });
    applyMigrations(db, files);
    db.exec('DELETE FROM schema_migrations WHERE version = 2');
    assert.throws(() => applyMigrations(db, files), isMigrationError('002_add_colour.sql'));
  });

  it('reports each migration as applied with its date, or pending', (t) => {
    const db = openMemory(t);
    const files = filesOf(t, TWO);
    assert.deepEqual(readMigrationStatus(db, files).map((status) => status.appliedAt), [null, null], 'no ledger yet');
    applyMigrations(db, files.slice(0, 1));
    const statuses = readMigrationStatus(db, files);
    assert.deepEqual(statuses.map((status) => [status.version, status.file]), [[1, '001_create_items.sql'], [2, '002_add_colour.sql']]);
    assert.match(String(statuses[0]!.appliedAt), /^\d{4}-/);
    assert.equal(statuses[1]!.appliedAt, null);
    assert.equal(schemaVersion(statuses), 1);
  });

  it('fails with SQLITE_BUSY and changes nothing when another writer holds the lock past the busy timeout', (t) => {
    const path = join(makeTempDir(t), 'app.db');
    const holder = openMemory(t, path);
    const db = openMemory(t, path, 0);
    holder.exec('BEGIN IMMEDIATE');
    assert.throws(() => applyMigrations(db, filesOf(t, TWO)), { errcode: SQLITE_BUSY });
    holder.exec('ROLLBACK');
    assert.deepEqual(snapshot(db), snapshot(holder));
  });
});

describe('migrations at startup (real processes)', { concurrency: true }, () => {
  it('two processes starting at once on one file both come up, and each migration is applied once', async (t) => {
    const path = join(makeTempDir(t), 'app.db');
    const [first, second] = await Promise.all([startServer(t, { DB_PATH: path }), startServer(t, { DB_PATH: path })]);
    assert.notEqual(first.port, second.port);
    const db = new DatabaseSync(path, { readOnly: true });
    t.after(() => db.close());
    assert.deepEqual(ledger(db).map((row) => row.version), [1, 2, 3, 4]);
    const appliedLines = [...first.stdout, ...second.stdout].filter((line) => line.includes('"msg":"migration applied"'));
    assert.equal(appliedLines.length, 4, 'each file applied by exactly one of the two');
    first.child.kill('SIGTERM');
    second.child.kill('SIGTERM');
    assert.deepEqual(await Promise.all([first.exited, second.exited]), [0, 0]);
  });

  it('a failing migration stops the process with exit 1, names the file, and leaves the database as it was', async (t) => {
    const path = join(makeTempDir(t), 'app.db');
    // A users table made by hand, before any migration: 001 cannot create it again.
    const setup = new DatabaseSync(path);
    setup.exec("CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT); INSERT INTO users (email) VALUES ('kept@example.com')");
    const before = snapshot(setup);
    setup.close();

    const result = await runToExit({ DB_PATH: path });
    assert.equal(result.code, 1);
    const lines = result.stderr.split('\n').filter((line) => line !== '');
    assert.equal(lines.length, 1, result.stderr);
    assert.ok(lines[0]!.includes('001_create_users.sql'), lines[0]);
    assert.ok(!result.stdout.includes('"msg":"listening"'));
    const logged = result.stdout.split('\n').filter((line) => line.includes('"msg":"startup failed"')).map((line) => JSON.parse(line));
    assert.equal(logged[0]?.error.cause.errcode, 1, 'the SQLite error is logged with its code');

    const after = new DatabaseSync(path, { readOnly: true });
    t.after(() => after.close());
    assert.deepEqual(snapshot(after), before);
  });

  it('an edited applied migration stops the process with exit 1, naming the file', async (t) => {
    const path = join(makeTempDir(t), 'app.db');
    const setup = openDatabase({ path, busyTimeoutMs: 1000, lockingMode: 'normal' });
    applyMigrations(setup);
    setup.prepare("UPDATE schema_migrations SET checksum = 'not the sha-256 of the file' WHERE version = 3").run();
    setup.close();

    const result = await runToExit({ DB_PATH: path });
    assert.equal(result.code, 1);
    assert.ok(result.stderr.includes('003_add_is_active.sql'), result.stderr);
    assert.ok(!result.stdout.includes('"msg":"listening"'));
  });
});
