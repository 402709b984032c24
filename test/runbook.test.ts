// Runs docs/operations.md: every ```sh block marked `test=<name>` is run, in order, with the real
// /usr/bin/curl and npm, against a real service on 127.0.0.1, from a folder laid out like the
// project (so `data/app.db` and `npm run backup` mean what they mean to an operator), and what it
// prints is checked. Blocks marked `stopped` run while the service is stopped, as the restore
// steps must. The log examples and the metrics table are checked against what the service writes.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { after, before, describe, it } from 'node:test';
import { readMigrationFiles } from '../src/db/migrate.ts';
import { parsePrometheusText } from './metrics/prometheus-format.ts';
import { pointAt, readFencedBlocks, readSection, runShell, type FencedBlock } from './support/markdown.ts';
import { makeTempDir, send, startServer, type Cleanup, type ServerProcess } from './support/server.ts';

const RUNBOOK = readFileSync(new URL('../docs/operations.md', import.meta.url), 'utf8');
const ROOT = new URL('../', import.meta.url).pathname;
const TOKEN = 'runbook-test-token';
const auth = { authorization: `Bearer ${TOKEN}` };
const MIGRATIONS = readMigrationFiles().length;

interface World {
  project: string;
  server: ServerProcess;
  /** Every line every server process of the run wrote on stdout. */
  logLines(): string[];
}

const jsonLines = (output: string): any[] => output.trim().split('\n').filter((line) => line.startsWith('{') || line.startsWith('[')).map((line) => JSON.parse(line));

/** What each tested block must print (and leave behind). Keys are the blocks' `test=` names. */
const CHECKS: Record<string, (output: string, world: World) => void | Promise<void>> = {
  health(output) {
    const [health, live] = jsonLines(output);
    assert.deepEqual(health, { status: 'healthy', database: 'connected', schema_version: MIGRATIONS, pending_migrations: [] });
    assert.deepEqual(live, { status: 'alive' });
  },
  create(output) {
    const [user] = jsonLines(output);
    assert.equal(user.id, 1);
    assert.equal(user.email, 'ada@example.com');
  },
  'create-many'(output) {
    assert.deepEqual(jsonLines(output).map((user) => user.email), ['grace@example.com', 'alan@example.com']);
  },
  'find-by-email'(output) {
    const [found] = jsonLines(output);
    assert.deepEqual(found.map((user: any) => user.email), ['ada@example.com']);
  },
  paginate(output) {
    const pages = jsonLines(output);
    assert.deepEqual(pages.map((page) => page.map((user: any) => user.id)), [[1, 2], [3]]);
  },
  'conditional-update'(output) {
    const lines = output.trim().split('\n');
    assert.equal(JSON.parse(lines[0]!).name, 'Ada King');
    assert.equal(lines.at(-1), '412');
  },
  'backup-route'(output, { project }) {
    const [backup] = jsonLines(output);
    assert.match(backup.file, /^users-.*\.db$/);
    assert.ok(existsSync(join(project, 'data', 'backups', backup.file)));
  },
  'backup-command'(output) {
    const [written] = jsonLines(output);
    assert.equal(written.integrity, 'ok');
    assert.match(written.file, /\/data\/backups\/users-.*\.db$/);
  },
  restore(output, { project }) {
    assert.match(output, /^restored data\/backups\/users-.*\.db$/m);
    assert.ok(existsSync(join(project, 'data', 'before-restore.db')));
  },
  'restore-ids'(output) {
    assert.match(output, /^new users get ids above 4$/m, 'the id of the user created after the backups');
  },
  async 'restore-verify'(output, { server }) {
    const [health, found] = jsonLines(output);
    assert.equal(health.status, 'healthy');
    assert.equal(found.length, 1);
    // Created after the backups were taken, so the restored database does not have it ...
    const later = await send(server.baseUrl, 'GET', '/users?email=after-backup@example.com', { headers: auth });
    assert.deepEqual(later.body, []);
    // ... nor may anyone else get its id.
    const created = await send(server.baseUrl, 'POST', '/users', { headers: auth, body: { email: 'after-restore@example.com', name: 'After' } });
    assert.equal(created.body.id, 5);
  },
  'migrate-status'(output) {
    assert.equal(jsonLines(output)[0].schema_version, MIGRATIONS);
    assert.match(output, new RegExp(`^${MIGRATIONS} applied, 0 pending$`, 'm'));
  },
  metrics(output) {
    assert.match(output, /^http_requests_total\{method="GET",route="\/health",status="200"\} \d+$/m);
    assert.match(output, /^sqlite_schema_version \d+$/m);
  },
  'new-token'(output) {
    assert.match(output, /^[0-9a-f]{64}\n$/);
  },
  logs(output) {
    assert.equal(JSON.parse(output.split('\n')[0]!).msg, 'starting');
    assert.match(output, /^\d+ answers with a 5xx$/m);
    assert.match(output, /"msg":"database unavailable"/);
  },
  disk(output) {
    assert.match(output, /app\.db/);
    assert.match(output, /backups/);
  },
};

/** Before some blocks, the world needs something the runbook's reader would already have. */
const PREPARE: Record<string, (world: World) => Promise<void>> = {
  async restore({ server }) {
    const created = await send(server.baseUrl, 'POST', '/users', { headers: auth, body: { email: 'after-backup@example.com', name: 'After' } });
    assert.equal(created.status, 201);
    assert.equal(created.body.id, 4);
  },
  async logs({ server, project, logLines }) {
    // A 503 from a busy database, so that the warn line is there to find and to compare.
    const lock = new DatabaseSync(join(project, 'data', 'app.db'), { timeout: 1_000 });
    try {
      lock.exec('BEGIN IMMEDIATE');
      assert.equal((await send(server.baseUrl, 'POST', '/users', { headers: auth, body: { email: 'busy@example.com', name: 'Busy' } })).status, 503);
    } finally {
      lock.close();
    }
    await waitFor(() => logLines().some((line) => line.includes('"msg":"database unavailable"')));
    writeFileSync(join(project, 'service.log'), `${logLines().join('\n')}\n`);
  },
};

async function waitFor(condition: () => boolean): Promise<void> {
  const deadline = Date.now() + 5_000;
  while (!condition()) {
    assert.ok(Date.now() < deadline, 'timed out');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

function testedBlocks(): FencedBlock[] {
  return readFencedBlocks(RUNBOOK).filter((block) => block.attributes.test !== undefined);
}

describe('docs/operations.md', () => {
  const cleanups: Array<() => void> = [];
  const cleanup: Cleanup = { after: (fn) => cleanups.push(fn) };
  const servers: ServerProcess[] = [];
  let world: World;
  const serverEnv: Record<string, string> = { API_TOKEN: TOKEN, DB_BUSY_TIMEOUT_MS: '50' };

  before(async () => {
    // A folder laid out like a checkout: the code is the repository's own, the data is fresh.
    const project = makeTempDir(cleanup, 'users-service-runbook-');
    for (const name of ['package.json', 'src', 'migrations', 'node_modules']) symlinkSync(join(ROOT, name), join(project, name));
    mkdirSync(join(project, 'data'));
    mkdirSync(join(project, 'home'));
    serverEnv.DB_PATH = join(project, 'data', 'app.db');
    servers.push(await startServer(cleanup, serverEnv));
    world = { project, server: servers[0]!, logLines: () => servers.flatMap((server) => server.stdout) };
  });
  after(() => {
    for (const fn of cleanups.reverse()) fn();
  });

  it('has a check for every tested block, and a tested block for every check', () => {
    const names = testedBlocks().map((block) => block.attributes.test!);
    assert.deepEqual([...names].sort(), Object.keys(CHECKS).sort());
    assert.equal(new Set(names).size, names.length, 'each name once');
    for (const block of testedBlocks()) assert.equal(block.language, 'sh', `test=${block.attributes.test} is a shell block`);
  });

  it('runs every tested block against a real service, and each prints what it should', async () => {
    const env = { API_TOKEN: TOKEN, HOME: join(world.project, 'home'), npm_config_update_notifier: 'false' };
    let running = true;
    for (const block of testedBlocks()) {
      const name = block.attributes.test!;
      await PREPARE[name]?.(world);
      // Consecutive `stopped` blocks share one stop; the service starts again before the next block.
      const wantsRunning = block.attributes.stopped === undefined;
      if (running && !wantsRunning) {
        world.server.child.kill('SIGTERM');
        assert.equal(await world.server.exited, 0);
      } else if (!running && wantsRunning) {
        world.server = await startServer(cleanup, serverEnv);
        servers.push(world.server);
      }
      running = wantsRunning;
      let output: string;
      try {
        output = await runShell(pointAt(block.text, world.server.port), { cwd: world.project, env, timeoutMs: 15_000 });
      } catch (error) {
        assert.fail(`block test=${name} failed: ${(error as Error).message}`);
      }
      try {
        await CHECKS[name]!(output, world);
      } catch (error) {
        assert.fail(`block test=${name} printed what it should not:\n${output}\n${(error as Error).message}`);
      }
    }
    if (!running) {
      world.server = await startServer(cleanup, serverEnv);
      servers.push(world.server);
    }
  });

  it('shows each log line it describes with exactly the fields the service writes', () => {
    const examples = readFencedBlocks(readSection(RUNBOOK, '## Logs')).filter((block) => block.attributes.log !== undefined);
    assert.deepEqual(examples.map((block) => block.attributes.log).sort(), ['database-unavailable', 'listening', 'request', 'starting']);
    const written = world.logLines().filter((line) => line.startsWith('{')).map((line) => JSON.parse(line));
    for (const example of examples) {
      const documented = JSON.parse(example.text);
      const real = written.find((line) => line.msg === documented.msg);
      assert.ok(real !== undefined, `the service wrote a "${documented.msg}" line`);
      assert.deepEqual(Object.keys(documented).sort(), Object.keys(real).sort(), documented.msg);
      assert.equal(documented.level, real.level, documented.msg);
    }
  });

  it('explains every metric /metrics exposes, and no other', async () => {
    const table = readSection(RUNBOOK, '## Metrics')
      .split('\n')
      .map((line) => /^\| `([a-z_:]+)(?:\{[^}]*\})?` \|/.exec(line)?.[1])
      .filter((name) => name !== undefined);
    const response = await send(world.server.baseUrl, 'GET', '/metrics', { headers: auth });
    assert.deepEqual([...table].sort(), [...parsePrometheusText(response.text).keys()].sort());
  });
});
