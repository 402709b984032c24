// Reads the service's configuration from environment variables, once, at startup. A bad value
// is a ConfigError naming the variable, so the process can stop before it listens.
import { isIP } from 'node:net';
import { dirname, join } from 'node:path';

export const LOG_LEVELS = ['debug', 'info', 'warn', 'error', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export const LOCKING_MODES = ['normal', 'exclusive'] as const;
export type LockingMode = (typeof LOCKING_MODES)[number];

export interface Config {
  readonly port: number;
  readonly host: string;
  readonly dbPath: string;
  readonly backupDirectory: string;
  readonly logLevel: LogLevel;
  readonly bodyLimitBytes: number;
  readonly shutdownTimeoutMs: number;
  readonly keepAliveTimeoutMs: number;
  readonly headersTimeoutMs: number;
  readonly requestTimeoutMs: number;
  readonly busyTimeoutMs: number;
  readonly lockingMode: LockingMode;
  readonly apiToken: string | null;
}

export const DEFAULTS = {
  PORT: 8000,
  HOST: '0.0.0.0',
  DB_PATH: './data/app.db',
  LOG_LEVEL: 'info',
  BODY_LIMIT_BYTES: 65_536,
  SHUTDOWN_TIMEOUT_MS: 10_000,
  // Longer than the 60 s idle timeout of AWS load balancers, so the balancer, not the service,
  // closes idle connections; otherwise it can send a request down a socket we are closing.
  KEEP_ALIVE_TIMEOUT_MS: 65_000,
  HEADERS_TIMEOUT_MS: 10_000,
  REQUEST_TIMEOUT_MS: 30_000,
  DB_BUSY_TIMEOUT_MS: 5_000,
  DB_LOCKING_MODE: 'normal',
} as const;

export class ConfigError extends Error {
  readonly variable: string;

  constructor(variable: string, message: string) {
    super(message);
    this.name = 'ConfigError';
    this.variable = variable;
  }
}

type Environment = Record<string, string | undefined>;

// An empty variable counts as unset: `API_TOKEN=${API_TOKEN}` in a compose file yields "" when the
// host has none, and treating that as a value would turn a missing setting into a bad one.
function read(env: Environment, name: string): string | undefined {
  const value = env[name];
  return value === undefined || value === '' ? undefined : value;
}

function readInteger(env: Environment, name: keyof typeof DEFAULTS, minimum: number, maximum: number): number {
  const raw = read(env, name);
  if (raw === undefined) return DEFAULTS[name] as number;
  const value = /^\d+$/.test(raw) ? Number(raw) : Number.NaN;
  if (!Number.isSafeInteger(value) || value < minimum || value > maximum) {
    throw new ConfigError(name, `${name} is ${JSON.stringify(raw)}; expected an integer from ${minimum} to ${maximum}.`);
  }
  return value;
}

function readChoice<T extends string>(env: Environment, name: keyof typeof DEFAULTS, choices: readonly T[]): T {
  const raw = read(env, name);
  if (raw === undefined) return DEFAULTS[name] as T;
  const value = raw.toLowerCase();
  if (!(choices as readonly string[]).includes(value)) {
    throw new ConfigError(name, `${name} is ${JSON.stringify(raw)}; expected one of ${choices.join(', ')}.`);
  }
  return value as T;
}

function readHost(env: Environment): string {
  const raw = read(env, 'HOST');
  if (raw === undefined) return DEFAULTS.HOST;
  if (isIP(raw) === 0 && !/^[A-Za-z0-9](?:[A-Za-z0-9.-]{0,251}[A-Za-z0-9])?$/.test(raw)) {
    throw new ConfigError('HOST', `HOST is ${JSON.stringify(raw)}; expected an IP address (0.0.0.0, ::, 127.0.0.1) or a host name.`);
  }
  return raw;
}

function readPath(env: Environment, name: 'DB_PATH' | 'BACKUP_DIR', fallback: string, accepted: string): string {
  const raw = read(env, name);
  if (raw === undefined) return fallback;
  if (raw.includes('\0') || raw.trim() !== raw) {
    throw new ConfigError(name, `${name} is ${JSON.stringify(raw)}; expected ${accepted}.`);
  }
  return raw;
}

// Backups go beside the database by default: on the same volume, so they outlive the container,
// and readable by the same user. An in-memory database has no folder; ./data/backups stands in.
function defaultBackupDirectory(dbPath: string): string {
  return join(dbPath === ':memory:' ? dirname(DEFAULTS.DB_PATH) : dirname(dbPath), 'backups');
}

function readApiToken(env: Environment): string | null {
  const raw = read(env, 'API_TOKEN');
  if (raw === undefined) return null;
  // A bearer token travels in a header as token68 text; anything else could never be sent back.
  // The value is a secret, so the message describes it instead of printing it.
  if (!/^[\x21-\x7e]+$/.test(raw)) {
    throw new ConfigError('API_TOKEN', `API_TOKEN has ${raw.length} characters, some of them spaces, control or non-ASCII characters; expected printable ASCII without spaces.`);
  }
  return raw;
}

export function loadConfig(env: Environment = process.env): Config {
  const headersTimeoutMs = readInteger(env, 'HEADERS_TIMEOUT_MS', 1, 3_600_000);
  const requestTimeoutMs = readInteger(env, 'REQUEST_TIMEOUT_MS', 1, 3_600_000);
  // node:http refuses a headers timeout longer than the request timeout, with a stack trace. The
  // message names the variable that was set: REQUEST_TIMEOUT_MS=5000 alone clashes with the
  // default headers timeout, and blaming HEADERS_TIMEOUT_MS would point at a setting nobody made.
  if (headersTimeoutMs > requestTimeoutMs) {
    if (read(env, 'HEADERS_TIMEOUT_MS') === undefined) {
      throw new ConfigError('REQUEST_TIMEOUT_MS', `REQUEST_TIMEOUT_MS is ${requestTimeoutMs}; expected at least HEADERS_TIMEOUT_MS (${headersTimeoutMs}, its default).`);
    }
    throw new ConfigError('HEADERS_TIMEOUT_MS', `HEADERS_TIMEOUT_MS is ${headersTimeoutMs}; expected at most REQUEST_TIMEOUT_MS (${requestTimeoutMs}).`);
  }
  const dbPath = readPath(env, 'DB_PATH', DEFAULTS.DB_PATH, 'a file path without NUL bytes or surrounding spaces, or :memory:');
  return Object.freeze({
    port: readInteger(env, 'PORT', 0, 65_535),
    host: readHost(env),
    dbPath,
    backupDirectory: readPath(env, 'BACKUP_DIR', defaultBackupDirectory(dbPath), 'a folder path without NUL bytes or surrounding spaces'),
    logLevel: readChoice(env, 'LOG_LEVEL', LOG_LEVELS),
    bodyLimitBytes: readInteger(env, 'BODY_LIMIT_BYTES', 1, 104_857_600),
    shutdownTimeoutMs: readInteger(env, 'SHUTDOWN_TIMEOUT_MS', 0, 3_600_000),
    keepAliveTimeoutMs: readInteger(env, 'KEEP_ALIVE_TIMEOUT_MS', 1, 3_600_000),
    headersTimeoutMs,
    requestTimeoutMs,
    busyTimeoutMs: readInteger(env, 'DB_BUSY_TIMEOUT_MS', 0, 600_000),
    lockingMode: readChoice(env, 'DB_LOCKING_MODE', LOCKING_MODES),
    apiToken: readApiToken(env),
  });
}
