// Soak: `npm run test:soak` puts a real service under mixed load for SOAK_SECONDS (60 by default)
// over loopback, with a bounded number of clients, and samples its /metrics every few seconds.
// Resident memory and event-loop delay must stay flat, every request must succeed, and at the end
// the database holds exactly what the clients were told. Not part of `npm test` (its name does not
// end in .test.ts): it takes a minute and wants a quiet machine to say anything about memory.
import assert from 'node:assert/strict';
import { Agent } from 'node:http';
import { join } from 'node:path';
import { it } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import type { User } from '../../src/users/user.ts';
import { makeTempDir, startServer } from '../support/server.ts';
import { call, metricValue, type Answer } from './support/http.ts';
import { createRandom } from './support/random.ts';
import { integrityOf, logLines, readAllUsers } from './support/service.ts';

const SECONDS = Number(process.env.SOAK_SECONDS ?? 60);
const CLIENTS = 16;
const USERS_PER_CLIENT = 50;
const SAMPLE_EVERY_MS = 5_000;
// The first samples include start-up: JIT warm-up, SQLite's page cache and V8's heap growing into
// their working size. Flat means flat after that.
const WARM_UP_FRACTION = 1 / 3;

interface Sample {
  second: number;
  rssBytes: number;
  heapBytes: number;
  loopP99Ms: number;
  loopMaxMs: number;
  requests: number;
  latencyP99Ms: number;
}

const mebibytes = (bytes: number): number => Math.round((bytes / 1024 / 1024) * 10) / 10;

function percentile(values: number[], fraction: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * fraction))]!;
}

it(`stays flat under ${SECONDS} s of mixed load: memory, event-loop delay, no errors`, { timeout: (SECONDS + 60) * 1000 }, async (t) => {
  const path = join(makeTempDir(t, 'soak-'), 'app.db');
  const server = await startServer(t, { DB_PATH: path, LOG_LEVEL: 'warn' });
  const { port } = server;
  const agent = new Agent({ keepAlive: true, maxSockets: CLIENTS });
  t.after(() => agent.destroy());

  const failures: string[] = [];
  let latencies: number[] = [];
  let requests = 0;
  const expected = new Map<number, User>();
  const deadline = performance.now() + SECONDS * 1000;

  async function timed(method: string, target: string, body?: unknown, expectedStatus = 200): Promise<Answer | null> {
    const started = performance.now();
    try {
      const answer = await call(port, method, target, { agent, body, timeoutMs: 10_000 });
      latencies.push(performance.now() - started);
      requests++;
      if (answer.status !== expectedStatus) {
        failures.push(`${method} ${target} answered ${answer.status} ${answer.text.slice(0, 200)}`);
        return null;
      }
      return answer;
    } catch (error) {
      failures.push(`${method} ${target} failed: ${String(error)}`);
      return null;
    }
  }

  // Each client owns its users, so every answer is predictable and the final state is exact.
  async function client(index: number): Promise<void> {
    const rng = createRandom(index + 1);
    const own: User[] = [];
    let created = 0;
    while (performance.now() < deadline && failures.length === 0) {
      const roll = rng.next();
      if (own.length < USERS_PER_CLIENT && (own.length === 0 || roll < 0.15)) {
        const answer = await timed('POST', '/users', { email: `c${index}-${created++}@soak.test`, name: `Client ${index}` }, 201);
        if (answer !== null) own.push(answer.body);
      } else if (roll < 0.55) {
        await timed('GET', `/users/${rng.pick(own).id}`);
      } else if (roll < 0.7) {
        await timed('GET', `/users?limit=${rng.integer(1, 100)}&after=${rng.integer(0, 500)}`);
      } else if (roll < 0.72) {
        await timed('GET', '/health');
      } else if (roll < 0.9) {
        const position = rng.integer(0, own.length - 1);
        const answer = rng.chance(0.7)
          ? await timed('PATCH', `/users/${own[position]!.id}`, { name: `Client ${index} v${rng.integer(1, 1e6)}`, is_active: rng.chance(0.8) })
          : await timed('PUT', `/users/${own[position]!.id}`, { email: own[position]!.email, name: `Client ${index} put` });
        if (answer !== null) own[position] = answer.body;
      } else {
        const position = rng.integer(0, own.length - 1);
        if ((await timed('DELETE', `/users/${own[position]!.id}`, undefined, 204)) !== null) own.splice(position, 1);
      }
    }
    for (const user of own) expected.set(user.id, user);
  }

  const samples: Sample[] = [];
  const started = performance.now();
  async function sample(): Promise<void> {
    while (performance.now() < deadline && failures.length === 0) {
      await delay(SAMPLE_EVERY_MS);
      const metrics = (await call(port, 'GET', '/metrics')).text;
      samples.push({
        second: Math.round((performance.now() - started) / 1000),
        rssBytes: metricValue(metrics, 'process_resident_memory_bytes'),
        heapBytes: metricValue(metrics, 'nodejs_heap_used_bytes'),
        loopP99Ms: metricValue(metrics, 'nodejs_eventloop_delay_seconds{stat="p99"}') * 1000,
        loopMaxMs: metricValue(metrics, 'nodejs_eventloop_delay_seconds{stat="max"}') * 1000,
        requests,
        latencyP99Ms: percentile(latencies, 0.99),
      });
      latencies = [];
    }
  }

  await Promise.all([...Array.from({ length: CLIENTS }, (_, index) => client(index)), sample()]);
  assert.deepEqual(failures.slice(0, 10), [], `${failures.length} requests failed`);

  const table = samples.map(
    (each) =>
      `${String(each.second).padStart(4)} s  rss ${String(mebibytes(each.rssBytes)).padStart(6)} MiB  heap ${String(mebibytes(each.heapBytes)).padStart(5)} MiB  ` +
      `loop p99 ${each.loopP99Ms.toFixed(1).padStart(6)} ms  max ${each.loopMaxMs.toFixed(1).padStart(6)} ms  client p99 ${each.latencyP99Ms.toFixed(1).padStart(6)} ms  requests ${each.requests}`,
  );
  for (const line of table) t.diagnostic(line);
  const seconds = (performance.now() - started) / 1000;
  t.diagnostic(`${requests} requests in ${seconds.toFixed(0)} s (${Math.round(requests / seconds)}/s) from ${CLIENTS} clients, no errors`);

  // Flat: after warm-up, memory ends where it started (within 16 MiB: some 150,000 requests follow
  // the warm-up, so a leak of 150 bytes a request would fail this), and the event loop never stalls.
  const settled = samples.slice(Math.floor(samples.length * WARM_UP_FRACTION));
  assert.ok(settled.length >= 2, 'too short a run to judge; set SOAK_SECONDS to 30 or more');
  const firstRss = Math.min(...settled.slice(0, 2).map((each) => each.rssBytes));
  const lastRss = Math.max(...settled.slice(-2).map((each) => each.rssBytes));
  t.diagnostic(`RSS after warm-up ${mebibytes(firstRss)} MiB, at the end ${mebibytes(lastRss)} MiB (${mebibytes(lastRss - firstRss)} MiB more)`);
  assert.ok(lastRss - firstRss < 16 * 1024 * 1024, `RSS grew from ${mebibytes(firstRss)} to ${mebibytes(lastRss)} MiB after warm-up`);
  const worstLoopP99 = Math.max(...settled.map((each) => each.loopP99Ms));
  assert.ok(worstLoopP99 < 100, `event-loop delay p99 reached ${worstLoopP99.toFixed(1)} ms`);

  // And correct: exactly the users the clients were told about, in an intact database.
  assert.deepEqual(await readAllUsers(port), [...expected.values()].sort((a, b) => a.id - b.id));
  assert.equal(integrityOf(path), 'ok');
  assert.deepEqual(logLines(server.stdout, ['warn', 'error']), []);
});
