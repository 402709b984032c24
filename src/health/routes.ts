// Health checks for the platform. /health is readiness: can this process serve users right now?
// /health/live is liveness: is the process answering at all? A database outage must not make
// the orchestrator restart a process that is healthy itself, so liveness never touches SQLite.
import type { DatabaseSync } from 'node:sqlite';
import { json } from '../http/respond.ts';
import type { Router } from '../http/router.ts';
import type { Lifecycle } from '../http/server.ts';
import type { Handler } from '../http/types.ts';

export interface HealthOptions {
  db: DatabaseSync;
  lifecycle: Lifecycle;
  /** The migration files this release ships, in order, to report which are not applied. */
  migrations: readonly string[];
  /** How many migrations the database has applied (prepareSchemaVersion). */
  schemaVersion: () => number;
}

// Health answers must never be cached by a proxy between the balancer and us.
const noStore = (): Record<string, string> => ({ 'cache-control': 'no-store' });

export function addHealthRoutes(router: Router<Handler>, { db, lifecycle, migrations, schemaVersion: readSchemaVersion }: HealthOptions): void {
  const ping = db.prepare('SELECT 1');

  router.add('GET', '/health', () => {
    let schemaVersion: number;
    try {
      ping.get();
      schemaVersion = readSchemaVersion();
    } catch {
      return json(503, { status: 'unhealthy', database: 'disconnected', reason: 'the database does not answer SELECT 1' }, noStore());
    }
    const status = { database: 'connected', schema_version: schemaVersion, pending_migrations: migrations.slice(schemaVersion) };
    if (lifecycle.shuttingDown) return json(503, { status: 'unhealthy', ...status, reason: 'shutting down' }, noStore());
    return json(200, { status: 'healthy', ...status }, noStore());
  });

  router.add('GET', '/health/live', () => json(200, { status: 'alive' }, noStore()));
}
