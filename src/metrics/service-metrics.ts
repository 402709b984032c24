// The service's metrics: HTTP traffic by route pattern (never raw paths, so one series per route,
// not per user), the event loop, SQLite and the process. Gauges are read when /metrics is scraped.
import { statSync } from 'node:fs';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { DatabaseSync } from 'node:sqlite';
import { primaryCode, sqliteErrorCode, SQLITE_BUSY, SQLITE_LOCKED } from '../db/sqlite-errors.ts';
import type { WriteQueue } from '../db/write-queue.ts';
import { Registry } from './registry.ts';

const SQLITE_CONSTRAINT = 19;

export interface RequestOutcome {
  method: string;
  route: string | null;
  status: number;
  durationMs: number;
}

export interface ServiceMetrics {
  requestStarted(): void;
  requestFinished(outcome: RequestOutcome): void;
  /** Counts SQLite failures by kind; pass any error, those without a SQLite code are ignored. */
  countDatabaseError(error: unknown): void;
  render(): string;
  stop(): void;
}

export interface ServiceMetricsOptions {
  db: DatabaseSync;
  /** The database file, for the WAL size; null for an in-memory database. */
  dbFile: string | null;
  writes: WriteQueue;
  schemaVersion: () => number;
}

const DURATION_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

// Anything other than the methods the API knows is one series, whatever a client sends.
const KNOWN_METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);

function fileSize(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}

export function createServiceMetrics({ db, dbFile, writes, schemaVersion }: ServiceMetricsOptions): ServiceMetrics {
  const registry = new Registry();
  const requests = registry.counter('http_requests_total', 'HTTP requests answered, by method, route pattern and status.', ['method', 'route', 'status']);
  const durations = registry.histogram('http_request_duration_seconds', 'Time from request to response, by method and route pattern.', ['method', 'route'], DURATION_BUCKETS);
  let inFlight = 0;
  registry.gauge('http_requests_in_flight', 'Requests received and not yet answered.', () => inFlight);

  const busyErrors = registry.counter('sqlite_busy_errors_total', 'SQLite SQLITE_BUSY and SQLITE_LOCKED failures (another writer held the lock past the busy timeout).');
  const constraintErrors = registry.counter('sqlite_constraint_errors_total', 'SQLite constraint violations (for example a taken email).');
  // The files on disk, which is what fills a volume; an in-memory database has only its pages.
  const pageCount = db.prepare('PRAGMA page_count');
  const pageSize = (db.prepare('PRAGMA page_size').get() as { page_size: number }).page_size;
  registry.gauge('sqlite_database_size_bytes', 'Size of the main database file (of its pages, for an in-memory database).', () =>
    dbFile === null ? (pageCount.get() as { page_count: number }).page_count * pageSize : fileSize(dbFile),
  );
  registry.gauge('sqlite_wal_size_bytes', 'Size of the write-ahead log file.', () => (dbFile === null ? 0 : fileSize(`${dbFile}-wal`)));
  registry.gauge('sqlite_schema_version', 'Number of migrations applied to the database.', schemaVersion);
  registry.counterFrom('sqlite_commits_total', 'Write transactions committed (each shared by one or more writes: group commit).', () => writes.stats.commits);
  registry.counterFrom('sqlite_committed_writes_total', 'Writes committed; divided by sqlite_commits_total, the writes per fsync.', () => writes.stats.writes);

  // Event-loop delay since the previous scrape: the histogram is reset after each read. Node
  // records the whole interval between two samples, so an idle loop reads as the sampling
  // resolution itself; that is subtracted to leave the delay.
  const resolutionMs = 10;
  const loopDelay = monitorEventLoopDelay({ resolution: resolutionMs });
  loopDelay.enable();
  const seconds = (nanoseconds: number): number => (Number.isFinite(nanoseconds) ? Math.max(0, nanoseconds / 1e6 - resolutionMs) / 1e3 : 0);
  registry.gauge('nodejs_eventloop_delay_seconds', 'Event-loop delay since the previous scrape, by statistic.', () => {
    const samples: Array<[Record<string, string>, number]> = [
      [{ stat: 'p50' }, seconds(loopDelay.percentile(50))],
      [{ stat: 'p99' }, seconds(loopDelay.percentile(99))],
      [{ stat: 'max' }, seconds(loopDelay.max)],
      [{ stat: 'mean' }, seconds(loopDelay.mean)],
    ];
    loopDelay.reset();
    return samples;
  });

  registry.gauge('process_resident_memory_bytes', 'Resident memory size.', () => process.memoryUsage.rss());
  registry.gauge('nodejs_heap_used_bytes', 'V8 heap in use.', () => process.memoryUsage().heapUsed);
  registry.gauge('process_uptime_seconds', 'Seconds since the process started.', () => process.uptime());
  registry.counterFrom('process_cpu_seconds_total', 'User and system CPU time spent.', () => {
    const { user, system } = process.cpuUsage();
    return (user + system) / 1e6;
  });

  return {
    requestStarted() {
      inFlight += 1;
    },
    requestFinished({ method, route, status, durationMs }) {
      inFlight -= 1;
      const methodLabel = KNOWN_METHODS.has(method) ? method : 'OTHER';
      const routeLabel = route ?? 'unmatched';
      requests.inc([methodLabel, routeLabel, String(status)]);
      durations.observe([methodLabel, routeLabel], durationMs / 1000);
    },
    countDatabaseError(error) {
      const errcode = sqliteErrorCode(error) ?? sqliteErrorCode((error as { cause?: unknown } | null)?.cause);
      if (errcode === null) return;
      const primary = primaryCode(errcode);
      if (primary === SQLITE_BUSY || primary === SQLITE_LOCKED) busyErrors.inc();
      else if (primary === SQLITE_CONSTRAINT) constraintErrors.inc();
    },
    render: () => registry.render(),
    stop: () => loopDelay.disable(),
  };
}
