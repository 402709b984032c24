// Wires the service together: database, users, operations, routes, authentication, dispatch. It
// takes an open, migrated database and knows nothing of sockets, so tests drive it with plain
// requests.
import type { DatabaseSync } from 'node:sqlite';
import { addAdminRoutes } from './admin/routes.ts';
import type { Config } from './config.ts';
import { prepareSchemaVersion, readMigrationFiles, type MigrationFile } from './db/migrate.ts';
import { MEMORY_PATH } from './db/open.ts';
import { prepareTransactions } from './db/transaction.ts';
import { createWriteQueue, type WriteQueue } from './db/write-queue.ts';
import { addHealthRoutes } from './health/routes.ts';
import { createBearerCheck } from './http/auth.ts';
import { createDispatch, type Dispatch } from './http/dispatch.ts';
import { createRouter, type Router } from './http/router.ts';
import type { Lifecycle } from './http/server.ts';
import type { Handler } from './http/types.ts';
import type { Logger } from './log.ts';
import { addMetricsRoutes } from './metrics/routes.ts';
import { createServiceMetrics, type ServiceMetrics } from './metrics/service-metrics.ts';
import { addOpenApiRoutes } from './openapi/routes.ts';
import { addUserRoutes } from './users/routes.ts';
import { createUserService } from './users/service.ts';
import { createUserStore } from './users/store.ts';

export type AppConfig = Pick<Config, 'bodyLimitBytes' | 'apiToken' | 'dbPath' | 'backupDirectory' | 'lockingMode' | 'busyTimeoutMs'>;

export interface AppOptions {
  db: DatabaseSync;
  config: AppConfig;
  log: Logger;
  lifecycle?: Lifecycle;
  now?: () => number;
  /** The migration files this release ships; start.ts passes the ones it has just applied. */
  migrations?: readonly MigrationFile[];
}

export interface App {
  dispatch: Dispatch;
  router: Router<Handler>;
  writes: WriteQueue;
  metrics: ServiceMetrics;
  lifecycle: Lifecycle;
  /** Stops the app's own timers; the database is the caller's to close. */
  close(): void;
}

export function createApp({ db, config, log, lifecycle = { shuttingDown: false }, now, migrations = readMigrationFiles() }: AppOptions): App {
  const dbFile = config.dbPath === MEMORY_PATH ? null : config.dbPath;
  const writes = createWriteQueue(db, prepareTransactions(db));
  const users = createUserService(createUserStore(db), writes, now);
  const schemaVersion = prepareSchemaVersion(db);
  const metrics = createServiceMetrics({ db, dbFile, writes, schemaVersion });

  const router = createRouter<Handler>();
  addHealthRoutes(router, { db, lifecycle, migrations: migrations.map((migration) => migration.file), schemaVersion });
  addUserRoutes(router, { users, bodyLimitBytes: config.bodyLimitBytes });
  addMetricsRoutes(router, metrics);
  addOpenApiRoutes(router);
  addAdminRoutes(router, { db, dbFile, backupDirectory: config.backupDirectory, exclusive: config.lockingMode === 'exclusive', busyTimeoutMs: config.busyTimeoutMs });

  const dispatch = createDispatch({ router, authorize: createBearerCheck(config.apiToken), log, onError: metrics.countDatabaseError });
  return { dispatch, router, writes, metrics, lifecycle, close: metrics.stop };
}
