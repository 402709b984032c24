// GET /metrics from the real process on a real socket: what a Prometheus scrape sees after traffic,
// checked by our strict parser and by promtool itself where it is installed.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { readMigrationFiles } from '../../src/db/migrate.ts';
import { send, useServer } from '../support/server.ts';
import { firstData, openSocket } from '../support/socket.ts';
import { parsePrometheusText, sampleValue } from './prometheus-format.ts';

const TOKEN = 'scrape-token';
const auth = { authorization: `Bearer ${TOKEN}` };
const hasPromtool = spawnSync('promtool', ['--version']).status === 0;

describe('GET /metrics on a running service', () => {
  const server = useServer({ API_TOKEN: TOKEN });

  async function scrapeText(): Promise<string> {
    const response = await send(server().baseUrl, 'GET', '/metrics', { headers: auth });
    assert.equal(response.status, 200);
    assert.equal(response.headers['content-type'], 'text/plain; version=0.0.4; charset=utf-8');
    return response.text;
  }

  it('answers 401 without the token', async () => {
    const response = await send(server().baseUrl, 'GET', '/metrics');
    assert.equal(response.status, 401);
    assert.equal(response.headers['www-authenticate'], 'Bearer');
  });

  it('after traffic, parses strictly, passes promtool, and labels routes by pattern', async (t) => {
    const { baseUrl } = server();
    const created = await send(baseUrl, 'POST', '/users', { headers: auth, body: { email: 'ada@example.com', name: 'Ada' } });
    assert.equal(created.status, 201);
    await send(baseUrl, 'POST', '/users', { headers: auth, body: { email: 'ADA@example.com', name: 'Ada' } });
    await send(baseUrl, 'GET', `/users/${created.body.id}`, { headers: auth });
    await send(baseUrl, 'HEAD', `/users/${created.body.id}`, { headers: auth });
    await send(baseUrl, 'GET', '/users/999999', { headers: auth });
    await send(baseUrl, 'GET', '/no/such/path', { headers: auth });
    await send(baseUrl, 'GET', '/health');

    const text = await scrapeText();
    const families = parsePrometheusText(text);
    assert.equal(sampleValue(families, 'http_requests_total', { method: 'GET', route: '/users/:id', status: '200' }), 1);
    assert.equal(sampleValue(families, 'http_requests_total', { method: 'HEAD', route: '/users/:id', status: '200' }), 1);
    assert.equal(sampleValue(families, 'http_requests_total', { method: 'GET', route: '/users/:id', status: '404' }), 1);
    assert.equal(sampleValue(families, 'http_requests_total', { method: 'GET', route: 'unmatched', status: '404' }), 1);
    assert.equal(sampleValue(families, 'http_requests_total', { method: 'GET', route: '/health', status: '200' }), 1);
    const routes = new Set(families.get('http_requests_total')!.samples.map((sample) => sample.labels.route));
    assert.ok(![...routes].some((route) => /\d/.test(route!)), `no raw path among ${[...routes].join(', ')}`);
    assert.equal(sampleValue(families, 'http_request_duration_seconds_count', { method: 'POST', route: '/users' }), 2);
    assert.equal(sampleValue(families, 'sqlite_constraint_errors_total'), 1);
    assert.equal(sampleValue(families, 'sqlite_busy_errors_total'), 0);
    assert.ok(sampleValue(families, 'sqlite_database_size_bytes')! > 0);
    assert.ok(sampleValue(families, 'sqlite_wal_size_bytes')! > 0);
    assert.equal(sampleValue(families, 'sqlite_schema_version'), readMigrationFiles().length);
    assert.ok(sampleValue(families, 'process_resident_memory_bytes')! > 0);
    assert.ok(sampleValue(families, 'process_uptime_seconds')! > 0);

    if (hasPromtool) {
      // promtool exits non-zero on a format error and prints lint findings, which must be none too.
      assert.equal(execFileSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' }).trim(), '');
    } else {
      // Not skipped silently: the strict parser above has checked the format.
      t.diagnostic('promtool is not installed (apt-get install prometheus); only the strict parser checked the format');
    }
  });

  it('counts a request whose body is still arriving as in flight, and not once it is answered', async () => {
    const { port } = server();
    const socket = await openSocket(port);
    const body = JSON.stringify({ email: 'slow@example.com', name: 'Slow' });
    socket.write(`POST /users HTTP/1.1\r\nHost: test\r\nAuthorization: Bearer ${TOKEN}\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body.slice(0, 5)}`);
    try {
      // The scrape is in flight too while it renders.
      let families = parsePrometheusText(await scrapeText());
      assert.equal(sampleValue(families, 'http_requests_in_flight'), 2);
      const answer = firstData(socket, 5_000);
      socket.write(body.slice(5));
      assert.match(await answer, /^HTTP\/1\.1 201 /);
      families = parsePrometheusText(await scrapeText());
      assert.equal(sampleValue(families, 'http_requests_in_flight'), 1);
    } finally {
      socket.destroy();
    }
  });
});
