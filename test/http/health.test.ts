// /health (readiness) and /health/live (liveness), through the app. They live under test/http/
// because they are plain JSON, never problems, even when they answer 503.
import assert from 'node:assert/strict';
import { DatabaseSync } from 'node:sqlite';
import { describe, it } from 'node:test';
import { applyMigrations, prepareSchemaVersion, readMigrationFiles, readMigrationStatus } from '../../src/db/migrate.ts';
import { addHealthRoutes } from '../../src/health/routes.ts';
import { createRouter } from '../../src/http/router.ts';
import type { AppResponse, Handler } from '../../src/http/types.ts';
import { createTestApp } from '../support/app.ts';

const MIGRATIONS = readMigrationFiles().map((migration) => migration.file);

/** GET /health over a database with only the first `applied` migrations, as a release that ships more would see it. */
async function healthWith(applied: number, shuttingDown = false): Promise<{ status: number; body: any }> {
  const db = new DatabaseSync(':memory:');
  try {
    applyMigrations(db, readMigrationFiles().slice(0, applied));
    const router = createRouter<Handler>();
    addHealthRoutes(router, { db, lifecycle: { shuttingDown }, migrations: MIGRATIONS, schemaVersion: prepareSchemaVersion(db) });
    const match = router.match('GET', '/health')!;
    const response = (await match.handler!({ request: undefined as never, params: {}, query: new Map() })) as AppResponse;
    return { status: response.status, body: JSON.parse(response.body!) };
  } finally {
    db.close();
  }
}

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

describe('GET /health: migration status', () => {
  it('reports schema_version, the number of migrations applied, and no pending migrations', async (t) => {
    const app = createTestApp(t);
    const response = await app.request('GET', '/health');
    assert.equal(response.body.schema_version, MIGRATIONS.length);
    assert.deepEqual(response.body.pending_migrations, []);
  });

  it('lists the migration files not applied yet, in order, as pending_migrations', async () => {
    const { status, body } = await healthWith(2);
    assert.equal(status, 200);
    assert.equal(body.schema_version, 2);
    assert.deepEqual(body.pending_migrations, MIGRATIONS.slice(2));
  });

  it('says what npm run migrate -- --status says about the same database', async (t) => {
    const app = createTestApp(t);
    const statuses = readMigrationStatus(app.db);
    const { body } = await app.request('GET', '/health');
    assert.equal(body.schema_version, statuses.filter((status) => status.appliedAt !== null).length);
    assert.deepEqual(body.pending_migrations, statuses.filter((status) => status.appliedAt === null).map((status) => status.file));
  });

  it('still reports them in the 503 while shutting down', async () => {
    const { status, body } = await healthWith(MIGRATIONS.length, true);
    assert.equal(status, 503);
    assert.equal(body.schema_version, MIGRATIONS.length);
    assert.deepEqual(body.pending_migrations, []);
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
