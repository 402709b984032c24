// /health (readiness) and /health/live (liveness), through the app. They live under test/http/
// because they are plain JSON, never problems, even when they answer 503.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createTestApp } from '../support/app.ts';

describe('GET /health', () => {
  it('answers 200 {"status":"healthy","database":"connected"} when the database answers', async (t) => {
    const app = createTestApp(t);
    const response = await app.request('GET', '/health');
    assert.equal(response.status, 200);
    assert.equal(response.headers['content-type'], 'application/json; charset=utf-8');
    assert.equal(response.body.status, 'healthy');
    assert.equal(response.body.database, 'connected');
    assert.equal(response.headers['cache-control'], 'no-store');
  });

  it('ignores query parameters, which probes sometimes add to defeat caches', async (t) => {
    const app = createTestApp(t);
    assert.equal((await app.request('GET', '/health?ts=123')).status, 200);
    assert.equal((await app.request('GET', '/health/live?ts=123')).status, 200);
  });

  it('answers 503 with a plain JSON {"status":"unhealthy"} when the database cannot answer SELECT 1', async (t) => {
    const app = createTestApp(t);
    app.db.close();
    const response = await app.request('GET', '/health');
    assert.equal(response.status, 503);
    assert.equal(response.headers['content-type'], 'application/json; charset=utf-8');
    assert.equal(response.body.status, 'unhealthy');
    assert.notEqual(response.body.database, 'connected');
  });

  it('answers 503 {"status":"unhealthy"} while the process is shutting down', async (t) => {
    const app = createTestApp(t);
    app.app.lifecycle.shuttingDown = true;
    const response = await app.request('GET', '/health');
    assert.equal(response.status, 503);
    assert.equal(response.body.status, 'unhealthy');
  });
});

describe('GET /health/live', () => {
  it('answers 200 {"status":"alive"}', async (t) => {
    const app = createTestApp(t);
    const response = await app.request('GET', '/health/live');
    assert.equal(response.status, 200);
    assert.deepEqual(response.body, { status: 'alive' });
  });

  it('answers 200 even when the database is gone: liveness touches no database', async (t) => {
    const app = createTestApp(t);
    app.db.close();
    assert.equal((await app.request('GET', '/health/live')).status, 200);
  });
});
