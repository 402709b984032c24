// Crash safety. Several writers create, replace, patch and delete users on a file database while
// the process is killed with SIGKILL at a seeded moment; the service restarts on the same file, and
// then the database must pass integrity_check and hold exactly what was acknowledged. Each writer
// waits for one answer before it sends the next request, so at the kill each user has at most one
// write in flight, and that write may have landed or not, but nothing else.
//
// Rounds run in chains on one file (kill, restart, check, more load, kill, ...), so recovery is also
// tested on a database that has itself been recovered. `npm test` runs one chain of 2 seeds;
// `npm run test:faults` runs FAULT_SEEDS of them. A failure names its seed and chain.
import assert from 'node:assert/strict';
import { Agent } from 'node:http';
import { copyFileSync, existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { describe, it, type TestContext } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { applyMigrations } from '../../src/db/migrate.ts';
import { openDatabase } from '../../src/db/open.ts';
import { SQLITE_BUSY } from '../../src/db/sqlite-errors.ts';
import type { User, UserFields } from '../../src/users/user.ts';
import { makeTempDir, startServer, type ServerProcess } from '../support/server.ts';
import { call, type Answer } from './support/http.ts';
import { copyServiceTree, spawnService, type ServiceProcess } from './support/process.ts';
import { createRandom, faultSeeds, LONG_RUN, type Random } from './support/random.ts';
import { integrityOf, readAllUsers, waitFor } from './support/service.ts';

const WRITERS = 6;
const USERS_PER_WRITER = 8;
const CHAIN_LENGTH = 5;

type InFlight = { kind: 'create'; fields: UserFields } | { kind: 'update'; fields: UserFields } | { kind: 'delete' };

/** One user as the writer that owns it knows it: what was acknowledged, and what is in flight. */
interface Slot {
  acknowledged: User | null;
  etag: string | null;
  deleted: boolean;
  inFlight: InFlight | null;
}

interface Round {
  seed: number;
  acknowledgements: number;
  killed: boolean;
  /** The highest id handed out before this round: every new user must get a larger one. */
  highestIdSeen: number;
  failures: string[];
}

const NAME_PARTS = ['Ada', 'Grace', 'Émilie', 'Hedy', 'Alan', '李', 'Zoë', 'Ὀδυσσεύς', '😀', 'O\'Brien', 'van der Berg', 'x'.repeat(40)];

function randomFields(rng: Random, email: string): UserFields {
  const words = Array.from({ length: rng.integer(1, 4) }, () => rng.pick(NAME_PARTS));
  return { email, name: words.join(' '), is_active: rng.chance(0.7) };
}

const live = (slot: Slot): boolean => slot.acknowledged !== null && !slot.deleted;

function sameFields(user: User, fields: UserFields): boolean {
  return user.email === fields.email && user.name === fields.name && user.is_active === fields.is_active;
}

function sameUser(stored: User | undefined, known: User): boolean {
  return stored !== undefined && stored.id === known.id && sameFields(stored, known) && stored.created_at === known.created_at && stored.updated_at === known.updated_at;
}

/** Runs one writer until the service dies: every answer it receives in full is an acknowledgement. */
async function write(port: number, rng: Random, writer: number, slots: Slot[], round: Round, onAcknowledged: () => void): Promise<void> {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  let created = 0;
  try {
    for (let step = 0; step < 10_000 && !round.killed; step++) {
      const targets = slots.filter(live);
      const action = targets.length === 0 || (targets.length < USERS_PER_WRITER && rng.chance(0.35)) ? 'create' : rng.pick(['put', 'patch', 'patch', 'delete'] as const);
      let slot: Slot;
      let request: { method: string; path: string; body?: unknown; headers?: Record<string, string> };
      let expected: number;
      if (action === 'create') {
        slot = { acknowledged: null, etag: null, deleted: false, inFlight: null };
        slots.push(slot);
        const fields = randomFields(rng, `s${round.seed}-w${writer}-${created++}@crash.test`);
        slot.inFlight = { kind: 'create', fields };
        request = { method: 'POST', path: '/users', body: fields };
        expected = 201;
      } else {
        slot = rng.pick(targets);
        const current = slot.acknowledged!;
        // If-Match with the ETag of the acknowledged version: the check and the write share a transaction.
        const conditional = slot.etag !== null && rng.chance(0.3) ? { 'if-match': slot.etag } : undefined;
        const path = `/users/${current.id}`;
        if (action === 'delete') {
          slot.inFlight = { kind: 'delete' };
          request = { method: 'DELETE', path, headers: conditional };
          expected = 204;
        } else if (action === 'put') {
          const fields = randomFields(rng, rng.chance(0.5) ? current.email : `s${round.seed}-w${writer}-${created++}@crash.test`);
          slot.inFlight = { kind: 'update', fields };
          request = { method: 'PUT', path, body: fields, headers: conditional };
          expected = 200;
        } else {
          const patch = rng.chance(0.5) ? { name: randomFields(rng, '').name } : { is_active: !current.is_active };
          slot.inFlight = { kind: 'update', fields: { email: current.email, name: current.name, is_active: current.is_active, ...patch } };
          request = { method: 'PATCH', path, body: patch, headers: conditional };
          expected = 200;
        }
      }
      let answer: Answer;
      try {
        answer = await call(port, request.method, request.path, { body: request.body, headers: request.headers, agent });
      } catch (error) {
        // Cut off by the kill, the write stays in flight, landed or not. Before the kill, an
        // error (a hang past the deadline, a reset) is a failure.
        if (!round.killed) round.failures.push(`writer ${writer}: ${request.method} ${request.path} failed before the kill: ${String(error)}`);
        return;
      }
      if (answer.status !== expected) {
        round.failures.push(`writer ${writer}: ${request.method} ${request.path} answered ${answer.status} ${answer.text}`);
        slot.inFlight = null;
        continue;
      }
      if (slot.inFlight!.kind === 'delete') slot.deleted = true;
      else {
        const user = answer.body as User;
        if (slot.inFlight!.kind === 'create' && user.id <= round.highestIdSeen) {
          round.failures.push(`writer ${writer}: a new user got id ${user.id}, not above ${round.highestIdSeen}, the highest id the service had handed out`);
        }
        slot.acknowledged = user;
        slot.etag = answer.headers.etag!;
      }
      slot.inFlight = null;
      round.acknowledgements++;
      onAcknowledged();
    }
  } finally {
    agent.destroy();
  }
}

/**
 * Compares what the restarted service holds with what the writers know, and settles each write
 * that was in flight to what actually happened, so the next round starts from an exact picture.
 */
function reconcile(writers: Slot[][], stored: User[]): { problems: string[]; inFlight: number; landed: number } {
  const problems: string[] = [];
  let inFlightCount = 0;
  let landedCount = 0;
  const byId = new Map(stored.map((user) => [user.id, user]));
  const byEmail = new Map(stored.map((user) => [user.email, user]));
  const claimed = new Set<number>();
  const claim = (user: User | undefined): User | undefined => {
    if (user !== undefined) claimed.add(user.id);
    return user;
  };
  writers.forEach((slots, writer) => {
    for (const slot of slots) {
      const acknowledged = slot.acknowledged;
      const inFlight = slot.inFlight;
      const describe = (): string => `writer ${writer}, user ${JSON.stringify(acknowledged)}, in flight ${JSON.stringify(inFlight)}`;
      if (inFlight !== null) inFlightCount++;
      if (acknowledged === null) {
        // Never acknowledged: absent, or created exactly as the create in flight asked.
        const create = inFlight?.kind === 'create' ? inFlight : null;
        const found = create === null ? undefined : claim(byEmail.get(create.fields.email));
        if (found !== undefined) {
          if (!sameFields(found, create!.fields) || found.created_at !== found.updated_at) problems.push(`a create in flight landed altered: ${JSON.stringify(found)}; ${describe()}`);
          slot.acknowledged = found;
          slot.etag = null;
          landedCount++;
        }
        slot.inFlight = null;
        continue;
      }
      const found = claim(byId.get(acknowledged.id));
      if (slot.deleted) {
        if (found !== undefined) problems.push(`an acknowledged delete came back: ${JSON.stringify(found)}; ${describe()}`);
        continue;
      }
      const unchanged = sameUser(found, acknowledged);
      if (inFlight === null) {
        if (!unchanged) problems.push(`acknowledged user differs: stored ${JSON.stringify(found)}; ${describe()}`);
      } else if (inFlight.kind === 'delete') {
        if (found === undefined) {
          slot.deleted = true;
          landedCount++;
        } else if (!unchanged) problems.push(`a user with a delete in flight changed: stored ${JSON.stringify(found)}; ${describe()}`);
      } else if (inFlight.kind === 'update' && !unchanged) {
        const changes = !sameFields(acknowledged, inFlight.fields);
        const landed =
          found !== undefined &&
          found.id === acknowledged.id &&
          found.created_at === acknowledged.created_at &&
          sameFields(found, inFlight.fields) &&
          (changes ? found.updated_at > acknowledged.updated_at : found.updated_at === acknowledged.updated_at);
        if (!landed) problems.push(`a user with an update in flight is neither the acknowledged version nor the update: stored ${JSON.stringify(found)}; ${describe()}`);
        else {
          slot.acknowledged = found;
          landedCount++;
        }
      }
      slot.inFlight = null;
      // An update that landed unacknowledged has an ETag nobody was told; conditional writes skip it.
      if (slot.acknowledged !== acknowledged) slot.etag = null;
    }
  });
  for (const user of stored) if (!claimed.has(user.id)) problems.push(`a user nobody wrote: ${JSON.stringify(user)}`);
  return { problems, inFlight: inFlightCount, landed: landedCount };
}

async function crashRound(t: TestContext, server: ServerProcess, seed: number, writers: Slot[][], highestIdSeen: number): Promise<Round> {
  const rng = createRandom(seed);
  const round: Round = { seed, acknowledgements: 0, killed: false, highestIdSeen, failures: [] };
  const kill = (): void => {
    if (round.killed) return;
    round.killed = true;
    server.child.kill('SIGKILL');
  };
  // Half the rounds kill after a number of acknowledgements (right behind a commit), half after
  // a delay (anywhere: mid-request, mid-batch, mid-fsync, mid-checkpoint).
  const afterAcknowledgements = rng.chance(0.5) ? rng.integer(1, 120) : Infinity;
  const timer = setTimeout(kill, afterAcknowledgements === Infinity ? rng.integer(5, 400) : 15_000);
  t.after(() => clearTimeout(timer));
  await Promise.all(
    writers.map((slots, writer) =>
      write(server.port, createRandom(seed * 1_000 + writer), writer, slots, round, () => {
        if (round.acknowledgements >= afterAcknowledgements) kill();
      }),
    ),
  );
  clearTimeout(timer);
  kill();
  assert.equal(await server.exited, 'SIGKILL');
  return round;
}

interface ChainResult {
  rounds: number;
  acknowledged: number;
  inFlight: number;
  landed: number;
  users: number;
}

/**
 * integrity_check on a copy of the files a killed process left (database and WAL, not the -shm),
 * so the check recovers the copy and the service still recovers the original itself. It also works
 * where the running service would keep us out (DB_LOCKING_MODE=exclusive).
 */
function integrityOfCrashedFiles(t: TestContext, path: string): string {
  const copy = join(makeTempDir(t, 'crashed-copy-'), 'app.db');
  copyFileSync(path, copy);
  if (existsSync(`${path}-wal`)) copyFileSync(`${path}-wal`, `${copy}-wal`);
  return integrityOf(copy);
}

async function crashChain(t: TestContext, seeds: number[]): Promise<ChainResult> {
  const path = join(makeTempDir(t, 'crash-'), 'app.db');
  // The locking mode alternates from one start to the next, so recovery runs in both: normal (one
  // host, shared -shm) and exclusive (production on EFS: the WAL index in the process's memory).
  let starts = 0;
  const start = (): Promise<ServerProcess> => startServer(t, { DB_PATH: path, LOG_LEVEL: 'warn', DB_LOCKING_MODE: starts++ % 2 === 0 ? 'normal' : 'exclusive' });
  const writers: Slot[][] = Array.from({ length: WRITERS }, () => []);
  let server = await start();
  let highestIdSeen = 0;
  const result: ChainResult = { rounds: seeds.length, acknowledged: 0, inFlight: 0, landed: 0, users: 0 };
  for (const seed of seeds) {
    const where = `seed ${seed} (chain from FAULT_SEED=${seeds[0]}; rerun with FAULT_SEED=${seeds[0]} FAULT_SEEDS=${seed - seeds[0]! + 1})`;
    const round = await crashRound(t, server, seed, writers, highestIdSeen);
    assert.deepEqual(round.failures, [], `${where}: answers before the kill`);
    result.acknowledged += round.acknowledgements;
    assert.equal(integrityOfCrashedFiles(t, path), 'ok', `${where}: integrity_check of the files the kill left`);

    server = await start();
    const stored = await readAllUsers(server.port);
    const { problems, inFlight, landed } = reconcile(writers, stored);
    assert.deepEqual(problems, [], `${where}: ${round.acknowledgements} acknowledged writes`);
    result.inFlight += inFlight;
    result.landed += landed;
    highestIdSeen = Math.max(highestIdSeen, ...stored.map((user) => user.id), ...writers.flat().map((slot) => slot.acknowledged?.id ?? 0));
    result.users = stored.length;
  }
  // And the file itself, after the service recovered it and stopped.
  server.child.kill('SIGTERM');
  assert.equal(await server.exited, 0);
  assert.equal(integrityOf(path), 'ok', `chain from seed ${seeds[0]}: integrity_check after the last restart`);
  return result;
}

// A migration big enough to kill in the middle. It writes 6 MB of scratch rows, three times what
// SQLite's page cache holds, so uncommitted pages spill into the WAL long before the COMMIT; then it
// rewrites every user and drops the scratch table again. Deterministic, so the migrated database
// can be predicted.
const SCRATCH_ROWS = 3000;
const SLOW_MIGRATION = `-- Test only (test/faults/crash.test.ts): big enough to spill into the WAL before it commits.
CREATE TABLE scratch (id INTEGER PRIMARY KEY, payload BLOB NOT NULL);
WITH RECURSIVE counter(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM counter WHERE n < ${SCRATCH_ROWS})
INSERT INTO scratch (payload) SELECT zeroblob(2000) FROM counter;
ALTER TABLE users ADD COLUMN nickname TEXT;
UPDATE users SET nickname = upper(name) || '#' || (SELECT count(*) FROM scratch);
DROP TABLE scratch;
`;
const USERS = 300;

function expectedNickname(user: { name: string }): string {
  return `${user.name.toUpperCase()}#${SCRATCH_ROWS}`;
}

interface Snapshot {
  tables: string[];
  migrations: string[];
  users: Array<Record<string, unknown>>;
  sequence: unknown;
  /** Everything, schema and rows, except the dates migrations were applied. */
  all: string;
}

function snapshot(path: string): Snapshot {
  const db = new DatabaseSync(path, { readOnly: true });
  try {
    const schema = db.prepare('SELECT type, name, tbl_name, sql FROM sqlite_schema ORDER BY type, name').all();
    const tables = schema.filter((row) => row.type === 'table').map((row) => String(row.name));
    const rows = tables.map((table) => [table, db.prepare(`SELECT * FROM "${table}" ORDER BY rowid`).all().map((row) => ({ ...row, applied_at: undefined }))]);
    return {
      tables,
      migrations: db.prepare('SELECT file FROM schema_migrations ORDER BY version').all().map((row) => String(row.file)),
      users: db.prepare('SELECT * FROM users ORDER BY id').all().map((row) => ({ ...row })),
      sequence: db.prepare("SELECT seq FROM sqlite_sequence WHERE name = 'users'").get()?.seq,
      all: JSON.stringify({ schema, rows }),
    };
  } finally {
    db.close();
  }
}

/** Fully migrated: migration 5 recorded, scratch gone, every user as before plus its nickname. */
function isMigrated(after: Snapshot, before: Snapshot): boolean {
  return (
    after.migrations.length === 5 &&
    after.migrations[4] === '005_slow_backfill.sql' &&
    !after.tables.includes('scratch') &&
    after.sequence === before.sequence &&
    JSON.stringify(after.users) === JSON.stringify(before.users.map((user) => ({ ...user, nickname: expectedNickname(user as { name: string }) })))
  );
}

/** A database with the real migrations and `count` users, closed cleanly. */
function seedDatabase(path: string, count: number): void {
  const db = openDatabase({ path, busyTimeoutMs: 1_000, lockingMode: 'normal' });
  try {
    applyMigrations(db);
    const insert = db.prepare("INSERT INTO users (email, name, is_active, created_at, updated_at) VALUES (?, ?, ?, '2026-11-27T18:00:00.000Z', '2026-11-27T18:00:00.000Z')");
    db.exec('BEGIN');
    for (let index = 1; index <= count; index++) insert.run(`user${index}@example.com`, `User ${index}`, index % 3 === 0 ? 0 : 1);
    db.exec('COMMIT');
  } finally {
    db.close();
  }
}

/** True while another connection holds the write lock; takes and drops the lock when it is free. */
function writeLockHeld(probe: DatabaseSync): boolean {
  try {
    probe.exec('BEGIN IMMEDIATE');
    probe.exec('ROLLBACK');
    return false;
  } catch (error) {
    if ((error as { errcode?: number }).errcode === SQLITE_BUSY) return true;
    throw error;
  }
}

interface MigrationKill {
  /** When the kill came: once the WAL held this many bytes of the migration, or after this many ms. */
  killedAt: string;
  outcome: 'before' | 'migrated';
  /** How long the restart held the write lock to migrate, when it had to (null when it found it done). */
  migrationMs: number | null;
}

/** Starts the service and resolves once it holds the write lock (migrating) or has started without needing it. */
async function startMigrating(t: TestContext, main: string, path: string): Promise<{ service: ServiceProcess; lockedAt: number | null }> {
  const service = spawnService(t, main, { DB_PATH: path, LOG_LEVEL: 'warn' });
  let listening = false;
  service.listening.then(() => (listening = true), () => {});
  const probe = new DatabaseSync(path, { timeout: 0 });
  try {
    let locked = false;
    await waitFor(() => (locked = writeLockHeld(probe)) || listening || service.child.exitCode !== null, 'the migration to take the write lock');
    return { service, lockedAt: locked ? performance.now() : null };
  } finally {
    probe.close();
  }
}

function walBytes(path: string): number {
  try {
    return statSync(`${path}-wal`).size;
  } catch {
    return 0;
  }
}

/**
 * Kills the migration either once its uncommitted pages fill the WAL up to a seeded size (certainly
 * mid-transaction, with spilled frames for recovery to throw away), or after a seeded delay
 * (anywhere, the COMMIT and its fsync included). `npm test` runs the first kind.
 */
async function killDuringMigration(t: TestContext, main: string, seed: number, killWindowMs: number): Promise<MigrationKill> {
  const rng = createRandom(seed);
  const path = join(makeTempDir(t, 'migration-crash-'), 'app.db');
  seedDatabase(path, USERS);
  const before = snapshot(path);

  const { service } = await startMigrating(t, main, path);
  let killedAt: string;
  if (!LONG_RUN || rng.chance(0.5)) {
    const threshold = rng.integer(64, 4_096) * 1024;
    while (walBytes(path) < threshold && service.child.exitCode === null && service.stdout.length === 0) await delay(1);
    killedAt = `${walBytes(path)} bytes of WAL (aimed at ${threshold})`;
  } else {
    const afterMs = rng.integer(0, killWindowMs);
    await delay(afterMs);
    killedAt = `${afterMs} ms`;
  }
  service.child.kill('SIGKILL');
  assert.equal(await service.exited, 'SIGKILL');

  // Never half-way: the database is exactly as it was, or completely migrated.
  const where = `seed ${seed}, killed at ${killedAt} into the migration`;
  const after = snapshot(path);
  const outcome = after.all === before.all ? 'before' : isMigrated(after, before) ? 'migrated' : null;
  assert.ok(outcome !== null, `${where}: the database is neither as before nor migrated: ${after.migrations.join(', ')}; tables ${after.tables.join(', ')}`);
  assert.equal(integrityOf(path), 'ok', where);

  // The restart completes it (or finds it done).
  const { service: restarted, lockedAt } = await startMigrating(t, main, path);
  const port = await restarted.listening;
  const migrationMs = lockedAt === null ? null : performance.now() - lockedAt;
  const health = await call(port, 'GET', '/health');
  assert.equal(health.body.schema_version, 5, `${where}: ${health.text}`);
  restarted.child.kill('SIGTERM');
  assert.equal(await restarted.exited, 0);
  assert.ok(isMigrated(snapshot(path), before), `${where}: after the restart`);
  assert.equal(integrityOf(path), 'ok', `${where}: after the restart`);
  return { killedAt, outcome, migrationMs };
}

describe('crash safety', { concurrency: true }, () => {
  // One chain at a time (the parent's concurrency would otherwise run them all at once).
  describe('a SIGKILL under concurrent writes', { concurrency: 1 }, () => {
    const seeds = faultSeeds(2);
    const chains: number[][] = [];
    for (let index = 0; index < seeds.length; index += CHAIN_LENGTH) chains.push(seeds.slice(index, index + CHAIN_LENGTH));

    for (const chain of chains) {
      it(`loses no acknowledged write and leaves nothing else behind (seeds ${chain[0]}–${chain.at(-1)})`, { timeout: 60_000 + chain.length * 20_000 }, async (t) => {
        const { rounds, acknowledged, inFlight, landed, users } = await crashChain(t, chain);
        t.diagnostic(`${rounds} kills, ${acknowledged} acknowledged writes checked; ${inFlight} writes in flight at the kills, ${landed} of them landed; ${users} users at the end`);
      });
    }
  });

  describe('a SIGKILL during a migration', () => {
    it('leaves the database as it was or fully migrated, never half-way, and the restart completes it', { timeout: 300_000 }, async (t) => {
      const main = copyServiceTree(t, { '005_slow_backfill.sql': SLOW_MIGRATION });
      const kills: MigrationKill[] = [];
      // Kills by time spread over the time the last restart took to migrate, and a little past it
      // so that some land after the COMMIT; until a restart has been timed, the window is a guess.
      let killWindowMs = 150;
      for (const seed of faultSeeds(1, 10)) {
        const kill = await killDuringMigration(t, main, seed, killWindowMs);
        kills.push(kill);
        if (kill.migrationMs !== null) killWindowMs = Math.round(kill.migrationMs * 1.2);
      }
      const midway = kills.filter((kill) => kill.outcome === 'before').length;
      t.diagnostic(`${kills.length} kills: ${midway} mid-migration (rolled back, then completed by the restart), ${kills.length - midway} after its commit; the migration takes about ${(killWindowMs / 1.2) | 0} ms`);
      for (const kill of kills) t.diagnostic(`killed at ${kill.killedAt}: ${kill.outcome === 'before' ? 'as before' : 'migrated'}`);
    });
  });
});
