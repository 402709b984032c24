// Builds the app over a fresh in-memory database with the real migrations, and calls it without a
// socket: most HTTP tests need nothing more, and run in microseconds.
import type { TestContext } from 'node:test';
import { DatabaseSync } from 'node:sqlite';
import { createApp, type App } from '../../src/app.ts';
import { loadConfig } from '../../src/config.ts';
import { applyMigrations } from '../../src/db/migrate.ts';
import { openDatabase } from '../../src/db/open.ts';
import { payloadTooLarge } from '../../src/http/body.ts';
import { createLogger, type Logger } from '../../src/log.ts';

export interface TestResponse {
  status: number;
  headers: Record<string, string>;
  text: string;
  /** The body parsed as JSON, or undefined when there is none or it is not JSON (/metrics). */
  body: any;
}

export interface RequestOptions {
  headers?: Record<string, string>;
  /** An object or array is sent as JSON with Content-Type application/json; a string is sent as is. */
  body?: unknown;
}

export interface TestApp {
  app: App;
  db: DatabaseSync;
  logs: string[];
  request(method: string, url: string, options?: RequestOptions): Promise<TestResponse>;
}

export interface TestAppOptions {
  apiToken?: string | null;
  bodyLimitBytes?: number;
  now?: () => number;
  /** A file database instead of ':memory:', for what needs a second connection (SQLITE_BUSY). */
  dbPath?: string;
  busyTimeoutMs?: number;
  /** Where POST /admin/backup writes; defaults to a backups folder beside dbPath. */
  backupDirectory?: string;
}

export function captureLogs(level: 'debug' | 'info' = 'debug'): { log: Logger; logs: string[] } {
  const logs: string[] = [];
  return { logs, log: createLogger({ level, write: (text) => logs.push(...text.trimEnd().split('\n')) }) };
}

export function createTestApp(t: TestContext, options: TestAppOptions = {}): TestApp {
  const db = openDatabase({ path: options.dbPath ?? ':memory:', busyTimeoutMs: options.busyTimeoutMs ?? 1000, lockingMode: 'normal' });
  t.after(() => {
    if (db.isOpen) db.close();
  });
  applyMigrations(db);
  const { log, logs } = captureLogs();
  const dbPath = options.dbPath ?? ':memory:';
  const app = createApp({
    db,
    log,
    now: options.now,
    config: {
      ...loadConfig({ DB_PATH: dbPath }),
      apiToken: options.apiToken ?? null,
      bodyLimitBytes: options.bodyLimitBytes ?? 65_536,
      busyTimeoutMs: options.busyTimeoutMs ?? 1000,
      ...(options.backupDirectory === undefined ? {} : { backupDirectory: options.backupDirectory }),
    },
  });
  t.after(() => app.close());

  async function request(method: string, url: string, { headers = {}, body }: RequestOptions = {}): Promise<TestResponse> {
    const lowerHeaders: Record<string, string> = { host: 'test' };
    for (const [name, value] of Object.entries(headers)) lowerHeaders[name.toLowerCase()] = value;
    let bytes = Buffer.alloc(0);
    if (typeof body === 'string') bytes = Buffer.from(body);
    else if (body !== undefined) {
      bytes = Buffer.from(JSON.stringify(body));
      lowerHeaders['content-type'] ??= 'application/json';
    }
    if (body !== undefined) lowerHeaders['content-length'] ??= String(bytes.length);
    const response = await app.dispatch({
      method,
      url,
      headers: lowerHeaders,
      httpVersion: '1.1',
      readBody: async (limit) => {
        if (bytes.length > limit) throw payloadTooLarge(limit);
        return bytes;
      },
    });
    log.flush();
    const text = response.body ?? '';
    const isJson = /json/.test(response.headers['content-type'] ?? '');
    return { status: response.status, headers: response.headers, text, body: text === '' || !isJson ? undefined : JSON.parse(text) };
  }

  return { app, db, logs, request };
}
