// GET /metrics through the app: what the service counts, by which labels, and when the SQLite
// counters move. server.ts reports each request's start and end to the metrics; here the test
// does the same around dispatch, so the labels come from the real router.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { DatabaseSync } from 'node:sqlite';
import { describe, it, type TestContext } from 'node:test';
import { readMigrationFiles } from '../../src/db/migrate.ts';
import { createTestApp, type TestApp, type TestAppOptions } from '../support/app.ts';
import { makeTempDir } from '../support/server.ts';
import { parsePrometheusText, sampleValue, type Family } from './prometheus-format.ts';

const TOKEN = 'metrics-test-token';
const auth = { authorization: `Bearer ${TOKEN}` };

/** The app, with its metrics told about each request the way server.ts tells them. */
function createMeteredApp(t: TestContext, options: TestAppOptions = {}): TestApp {
  const testApp = createTestApp(t, { apiToken: TOKEN, ...options });
  const { app } = testApp;
  const dispatch = app.dispatch;
  app.dispatch = async (request) => {
    const started = performance.now();
    app.metrics.requestStarted();
    const response = await dispatch(request);
    app.metrics.requestFinished({ method: request.method, route: response.route ?? null, status: response.status, durationMs: performance.now() - started });
    return response;
  };
  return testApp;
}

async function scrape(app: TestApp): Promise<Map<string, Family>> {
  const response = await app.request('GET', '/metrics', { headers: auth });
  assert.equal(response.status, 200, response.text);
  return parsePrometheusText(response.text);
}

async function createUser(app: TestApp, email = 'ada@example.com'): Promise<{ id: number }> {
  const response = await app.request('POST', '/users', { headers: auth, body: { email, name: 'Ada Lovelace' } });
  assert.equal(response.status, 201, response.text);
  return response.body;
}

function routeLabels(families: Map<string, Family>): string[] {
  return [...new Set(families.get('http_requests_total')!.samples.map((sample) => sample.labels.route!))].sort();
}

describe('GET /metrics', () => {
  it('answers 401 with WWW-Authenticate without the token, like every route but /health', async (t) => {
    const app = createMeteredApp(t);
    const response = await app.request('GET', '/metrics');
    assert.equal(response.status, 401);
    assert.equal(response.headers['www-authenticate'], 'Bearer');
    assert.equal((await app.request('GET', '/metrics', { headers: { authorization: 'Bearer wrong' } })).status, 401);
  });

  it('answers the Prometheus text format 0.0.4, uncached', async (t) => {
    const app = createMeteredApp(t);
    const response = await app.request('GET', '/metrics', { headers: auth });
    assert.equal(response.status, 200);
    assert.equal(response.headers['content-type'], 'text/plain; version=0.0.4; charset=utf-8');
    assert.equal(response.headers['cache-control'], 'no-store');
    parsePrometheusText(response.text);
  });

  it('counts requests by method, route pattern and status: /users/1 and /users/2 are one series', async (t) => {
    const app = createMeteredApp(t);
    const user = await createUser(app);
    await app.request('GET', `/users/${user.id}`, { headers: auth });
    await app.request('GET', `/users/${user.id}`, { headers: auth });
    await app.request('GET', '/users/2', { headers: auth });
    await app.request('GET', '/users/3', { headers: auth });
    const families = await scrape(app);
    assert.equal(sampleValue(families, 'http_requests_total', { method: 'GET', route: '/users/:id', status: '200' }), 2);
    assert.equal(sampleValue(families, 'http_requests_total', { method: 'GET', route: '/users/:id', status: '404' }), 2);
    assert.equal(sampleValue(families, 'http_requests_total', { method: 'POST', route: '/users', status: '201' }), 1);
    assert.deepEqual(routeLabels(families), ['/users', '/users/:id']);
    const paths = families.get('http_requests_total')!.samples.filter((sample) => /\/\d/.test(sample.labels.route!));
    assert.deepEqual(paths, [], 'no raw path is a label');
  });

  it('counts paths no route has as route="unmatched", whatever the path', async (t) => {
    const app = createMeteredApp(t);
    await app.request('GET', '/nope', { headers: auth });
    await app.request('GET', '/users/1/friends', { headers: auth });
    await app.request('GET', '/admin', { headers: auth });
    const families = await scrape(app);
    assert.equal(sampleValue(families, 'http_requests_total', { method: 'GET', route: 'unmatched', status: '404' }), 3);
    assert.deepEqual(routeLabels(families), ['unmatched']);
  });

  it('counts a refused token as route="unmatched": the path is not looked up before the token', async (t) => {
    const app = createMeteredApp(t);
    await app.request('GET', '/users/1');
    const families = await scrape(app);
    assert.equal(sampleValue(families, 'http_requests_total', { method: 'GET', route: 'unmatched', status: '401' }), 1);
  });

  it('labels a method the API does not know as OTHER, so clients cannot add series', async (t) => {
    const app = createMeteredApp(t);
    await app.request('PROPFIND', '/users', { headers: auth });
    await app.request('BREW', '/users', { headers: auth });
    const families = await scrape(app);
    assert.equal(sampleValue(families, 'http_requests_total', { method: 'OTHER', route: '/users', status: '405' }), 2);
  });

  it('observes every request in the duration histogram, by method and route, with cumulative buckets', async (t) => {
    const app = createMeteredApp(t);
    for (let index = 0; index < 5; index++) await app.request('GET', '/users?limit=1', { headers: auth });
    const families = await scrape(app);
    const labels = { method: 'GET', route: '/users' };
    assert.equal(sampleValue(families, 'http_request_duration_seconds_count', labels), 5);
    assert.ok(sampleValue(families, 'http_request_duration_seconds_sum', labels)! > 0);
    const buckets = families.get('http_request_duration_seconds')!.samples.filter((sample) => sample.name.endsWith('_bucket') && sample.labels.route === '/users');
    assert.equal(buckets.at(-1)!.labels.le, '+Inf');
    assert.equal(buckets.at(-1)!.value, 5);
    buckets.forEach((bucket, index) => assert.ok(index === 0 || bucket.value >= buckets[index - 1]!.value, 'buckets are cumulative'));
  });

  it('counts the scrape itself as the one request in flight', async (t) => {
    const app = createMeteredApp(t);
    await app.request('GET', '/users', { headers: auth });
    assert.equal(sampleValue(await scrape(app), 'http_requests_in_flight'), 1);
  });

  it('moves sqlite_constraint_errors_total on a 409 for a taken email, and only then', async (t) => {
    const app = createMeteredApp(t);
    await createUser(app);
    assert.equal(sampleValue(await scrape(app), 'sqlite_constraint_errors_total'), 0);
    const conflict = await app.request('POST', '/users', { headers: auth, body: { email: 'ADA@example.com', name: 'Ada' } });
    assert.equal(conflict.status, 409);
    const families = await scrape(app);
    assert.equal(sampleValue(families, 'sqlite_constraint_errors_total'), 1);
    assert.equal(sampleValue(families, 'sqlite_busy_errors_total'), 0);
  });

  it('moves sqlite_busy_errors_total when another connection holds the write lock past the busy timeout', async (t) => {
    const dbPath = join(makeTempDir(t), 'app.db');
    const app = createMeteredApp(t, { dbPath, busyTimeoutMs: 20 });
    const other = new DatabaseSync(dbPath, { timeout: 0 });
    t.after(() => other.close());
    other.exec('BEGIN IMMEDIATE');
    const busy = await app.request('POST', '/users', { headers: auth, body: { email: 'ada@example.com', name: 'Ada' } });
    assert.equal(busy.status, 503);
    other.exec('ROLLBACK');
    const families = await scrape(app);
    assert.equal(sampleValue(families, 'sqlite_busy_errors_total'), 1);
    assert.equal(sampleValue(families, 'sqlite_constraint_errors_total'), 0);
    assert.equal(sampleValue(families, 'http_requests_total', { method: 'POST', route: '/users', status: '503' }), 1);
  });

  it('reports event-loop delay as the lateness of the loop, not the 10 ms sampling interval', async (t) => {
    const app = createMeteredApp(t);
    await scrape(app);
    await new Promise((resolve) => setTimeout(resolve, 150));
    const p50 = sampleValue(await scrape(app), 'nodejs_eventloop_delay_seconds', { stat: 'p50' })!;
    assert.ok(p50 >= 0 && p50 < 0.01, `an idle loop is late by ${p50} s`);
  });

  it('reports the database and WAL file sizes of a file database', async (t) => {
    const dbPath = join(makeTempDir(t), 'app.db');
    const app = createMeteredApp(t, { dbPath });
    await createUser(app);
    const families = await scrape(app);
    assert.ok(sampleValue(families, 'sqlite_database_size_bytes')! >= 4096);
    assert.ok(sampleValue(families, 'sqlite_wal_size_bytes')! > 0, 'the write went to the WAL');
  });

  it('reports the schema version, commits, event-loop delay and process memory, CPU and uptime', async (t) => {
    const app = createMeteredApp(t);
    await app.request('POST', '/users', { headers: auth, body: { email: 'ada@example.com', name: 'Ada' } });
    const families = await scrape(app);
    assert.equal(sampleValue(families, 'sqlite_schema_version'), readMigrationFiles().length);
    assert.equal(sampleValue(families, 'sqlite_commits_total'), 1);
    assert.equal(sampleValue(families, 'sqlite_committed_writes_total'), 1);
    assert.ok(sampleValue(families, 'sqlite_database_size_bytes')! > 0, 'an in-memory database has a size too');
    assert.equal(sampleValue(families, 'sqlite_wal_size_bytes'), 0);
    for (const stat of ['p50', 'p99', 'max', 'mean']) {
      const delay = sampleValue(families, 'nodejs_eventloop_delay_seconds', { stat });
      assert.ok(delay !== undefined && delay >= 0 && delay < 1, `event-loop delay ${stat} is ${delay}`);
    }
    assert.ok(sampleValue(families, 'process_resident_memory_bytes')! > 1e6);
    assert.ok(sampleValue(families, 'nodejs_heap_used_bytes')! > 1e5);
    assert.ok(sampleValue(families, 'process_uptime_seconds')! > 0);
    assert.ok(sampleValue(families, 'process_cpu_seconds_total')! > 0);
    assert.deepEqual(
      [...families.values()].filter((family) => family.type === 'counter' && !family.name.endsWith('_total')).map((family) => family.name),
      [],
      'counters end in _total',
    );
  });
});
