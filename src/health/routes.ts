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
}

export function addHealthRoutes(router: Router<Handler>, { db, lifecycle }: HealthOptions): void {
  const ping = db.prepare('SELECT 1');
  // Health answers must never be cached by a proxy between the balancer and us.
  const noStore = () => ({ 'cache-control': 'no-store' });

  router.add('GET', '/health', () => {
    let database = 'connected';
    try {
      ping.get();
    } catch {
      database = 'disconnected';
    }
    if (lifecycle.shuttingDown) return json(503, { status: 'unhealthy', database, reason: 'shutting down' }, noStore());
    if (database !== 'connected') return json(503, { status: 'unhealthy', database, reason: 'the database does not answer SELECT 1' }, noStore());
    return json(200, { status: 'healthy', database }, noStore());
  });

  router.add('GET', '/health/live', () => json(200, { status: 'alive' }, noStore()));
}
