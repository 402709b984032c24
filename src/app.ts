// Wires the service together: database, users, routes, authentication, dispatch. It takes an
// open, migrated database and knows nothing of sockets, so tests drive it with plain requests.
import type { DatabaseSync } from 'node:sqlite';
import type { Config } from './config.ts';
import { prepareTransactions } from './db/transaction.ts';
import { createWriteQueue, type WriteQueue } from './db/write-queue.ts';
import { addHealthRoutes } from './health/routes.ts';
import { createBearerCheck } from './http/auth.ts';
import { createDispatch, type Dispatch } from './http/dispatch.ts';
import { createRouter, type Router } from './http/router.ts';
import type { Lifecycle } from './http/server.ts';
import type { Handler } from './http/types.ts';
import type { Logger } from './log.ts';
import { addUserRoutes } from './users/routes.ts';
import { createUserService } from './users/service.ts';
import { createUserStore } from './users/store.ts';

export interface AppOptions {
  db: DatabaseSync;
  config: Pick<Config, 'bodyLimitBytes' | 'apiToken'>;
  log: Logger;
  lifecycle?: Lifecycle;
  now?: () => number;
}

export interface App {
  dispatch: Dispatch;
  router: Router<Handler>;
  writes: WriteQueue;
  lifecycle: Lifecycle;
}

export function createApp({ db, config, log, lifecycle = { shuttingDown: false }, now }: AppOptions): App {
  const writes = createWriteQueue(db, prepareTransactions(db));
  const users = createUserService(createUserStore(db), writes, now);

  const router = createRouter<Handler>();
  addHealthRoutes(router, { db, lifecycle });
  addUserRoutes(router, { users, bodyLimitBytes: config.bodyLimitBytes });

  const dispatch = createDispatch({ router, authorize: createBearerCheck(config.apiToken), log });
  return { dispatch, router, writes, lifecycle };
}
