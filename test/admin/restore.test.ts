// Restore, end to end: a service under concurrent write load is backed up (through the route, then
// through the command), and each backup is started as a fresh service.
//
// What "exactly the users acknowledged before the backup began" means, precisely: VACUUM INTO reads
// one snapshot, taken at some instant S after the backup was asked for and before it finished.
// Every write the service acknowledged before the backup began committed before S, so the restored
// service serves each such user with the very body of its last acknowledgement: field for field,
// timestamps included (or does not serve it, if that acknowledgement was a delete). A write
// acknowledged while the backup ran may or may not be in it, depending on which side of S it
// committed: the restored user is then one of its acknowledged versions, never a mix of two and
// never older than before the backup. Nothing is served that was not acknowledged by the time the
// backup finished.
//
// "Acknowledged before" is read off the server's own access log, whose lines are written in the
// order the server answered: a write commits and is answered in one turn of the event loop, so the
// log order is the order of commits as clients learn of them, free of the races between sockets
// that client-side timestamps would have.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { promisify } from 'node:util';
import { startWriteLoad, type Acknowledgement } from '../support/load.ts';
import { makeTempDir, send, startServer, type ServerProcess } from '../support/server.ts';

const CLI = new URL('../../src/cli/backup.ts', import.meta.url).pathname;
const TOKEN = 'restore-test-token';
const auth = { authorization: `Bearer ${TOKEN}` };
const ABSENT = 'absent';

type State = Record<string, unknown> | typeof ABSENT;

interface Window {
  /** Access-log positions: the last acknowledgement before the backup began, and the first after it ended. */
  begins: number;
  ends: number;
  file: string;
}

/** Position of each request id in the server's access log. */
function logPositions(server: ServerProcess): Map<string, number> {
  const positions = new Map<string, number>();
  server.stdout.forEach((line, index) => {
    if (!line.includes('"msg":"request"')) return;
    const requestId = JSON.parse(line).request_id as string;
    positions.set(requestId, index);
  });
  return positions;
}

/** A request whose access-log line marks a moment, once its answer has arrived. */
async function mark(server: ServerProcess, requestId: string): Promise<void> {
  assert.equal((await send(server.baseUrl, 'GET', '/health/live', { headers: { 'x-request-id': requestId } })).status, 200);
}

/** Waits until the server's stdout has reached the access-log line of `requestId`. */
async function waitForLogLine(server: ServerProcess, requestId: string): Promise<void> {
  const deadline = Date.now() + 5_000;
  while (!server.stdout.some((line) => line.includes(`"request_id":"${requestId}"`))) {
    assert.ok(Date.now() < deadline, `the access log shows ${requestId}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

async function readAllUsers(baseUrl: string): Promise<Map<number, Record<string, unknown>>> {
  const users = new Map<number, Record<string, unknown>>();
  let path: string | undefined = '/users?limit=1000';
  while (path !== undefined) {
    const page = await send(baseUrl, 'GET', path, { headers: auth });
    assert.equal(page.status, 200);
    for (const user of page.body) users.set(user.id, user);
    path = /^<([^>]+)>; rel="next"$/.exec(String(page.headers.link ?? ''))?.[1];
  }
  return users;
}

/** What the restored service may serve for each user the load wrote, per the header comment. */
function allowedStates(acknowledged: Acknowledgement[], positions: Map<string, number>, window: Window): Map<number, State[]> {
  const byUser = new Map<number, Array<{ position: number; state: State }>>();
  for (const ack of acknowledged) {
    const position = positions.get(ack.requestId);
    assert.ok(position !== undefined, `the write ${ack.requestId} is in the access log`);
    const versions = byUser.get(ack.userId) ?? [];
    versions.push({ position, state: ack.user ?? ABSENT });
    byUser.set(ack.userId, versions);
  }
  const allowed = new Map<number, State[]>();
  for (const [userId, versions] of byUser) {
    versions.sort((a, b) => a.position - b.position);
    const before = versions.filter((version) => version.position < window.begins);
    const during = versions.filter((version) => version.position > window.begins && version.position < window.ends);
    allowed.set(userId, [before.at(-1)?.state ?? ABSENT, ...during.map((version) => version.state)]);
  }
  return allowed;
}

async function checkRestore(backup: Window, source: ServerProcess, acknowledged: Acknowledgement[], t: { after(fn: () => void): void }): Promise<void> {
  const positions = logPositions(source);
  const allowed = allowedStates(acknowledged, positions, backup);
  const settledBefore = [...allowed.values()].filter((states) => states.length === 1 && states[0] !== ABSENT).length;
  const writesDuring = acknowledged.filter((ack) => positions.get(ack.requestId)! > backup.begins && positions.get(ack.requestId)! < backup.ends).length;
  assert.ok(settledBefore >= 10, `${settledBefore} users were acknowledged before the backup and left alone while it ran`);
  assert.ok(writesDuring >= 1, 'writes were acknowledged while the backup ran: it was taken under load');

  const restored = await startServer(t, { DB_PATH: backup.file, API_TOKEN: TOKEN });
  const health = await send(restored.baseUrl, 'GET', '/health');
  assert.equal(health.status, 200);
  assert.deepEqual(health.body.pending_migrations, []);
  const served = await readAllUsers(restored.baseUrl);

  for (const [userId, states] of allowed) {
    const state = served.get(userId) ?? ABSENT;
    assert.ok(
      states.some((allowedState) => JSON.stringify(allowedState) === JSON.stringify(state)),
      `user ${userId} is served as ${JSON.stringify(state)}; acknowledged as ${JSON.stringify(states)}`,
    );
  }
  const unknown = [...served.keys()].filter((userId) => !allowed.has(userId));
  assert.deepEqual(unknown, [], 'every user served was written by an acknowledged request');

  // The restored service goes on from there: a new user never takes the id of one written before.
  const created = await send(restored.baseUrl, 'POST', '/users', { headers: auth, body: { email: 'after-restore@example.com', name: 'After' } });
  assert.equal(created.status, 201);
  const highestBefore = Math.max(...acknowledged.filter((ack) => positions.get(ack.requestId)! < backup.begins).map((ack) => ack.userId));
  assert.ok(created.body.id > highestBefore);
}

describe('restoring a backup taken under write load', () => {
  it('serves exactly the users acknowledged before the backup began, through the route and through npm run backup', { concurrency: true }, async (t) => {
    const directory = makeTempDir(t);
    const source = await startServer(t, { DB_PATH: join(directory, 'app.db'), API_TOKEN: TOKEN });
    const load = startWriteLoad(source.baseUrl, { clients: 4, maxWrites: 4_000, headers: auth });
    const windows: Record<'route' | 'command', Window> = {} as never;
    try {
      await load.waitFor(120);

      await mark(source, 'route-backup-begins');
      const response = await send(source.baseUrl, 'POST', '/admin/backup', { headers: { ...auth, 'x-request-id': 'route-backup' } });
      assert.equal(response.status, 201, response.text);
      const routeFile = join(directory, 'backups', response.body.file);

      await load.waitFor(load.acknowledged.length + 30);
      await mark(source, 'command-backup-begins');
      const commandFile = join(directory, 'command-backup.db');
      // The command reads the database the service is writing, from its own process.
      await promisify(execFile)(process.execPath, [CLI, commandFile], { env: { PATH: process.env.PATH, DB_PATH: join(directory, 'app.db') } });
      await mark(source, 'command-backup-ended');
      await load.waitFor(load.acknowledged.length + 10);
      await load.stop();
      // Every write's log line precedes this one, which arrives through a pipe some time after its answer.
      await mark(source, 'load-ended');
      await waitForLogLine(source, 'load-ended');

      const positions = logPositions(source);
      windows.route = { begins: positions.get('route-backup-begins')!, ends: positions.get('route-backup')!, file: routeFile };
      windows.command = { begins: positions.get('command-backup-begins')!, ends: positions.get('command-backup-ended')!, file: commandFile };
      for (const window of Object.values(windows)) assert.ok(window.begins < window.ends);
    } finally {
      await load.stop();
    }
    assert.deepEqual(load.refused, [], 'no write was refused under this load');

    await Promise.all([
      t.test('the backup from POST /admin/backup', (st) => checkRestore(windows.route, source, load.acknowledged, st)),
      t.test('the backup from npm run backup', (st) => checkRestore(windows.command, source, load.acknowledged, st)),
    ]);
  });
});
