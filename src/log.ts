// JSON-lines logger. Lines are collected during one turn of the event loop and written together:
// stdout on a pipe is synchronous in Node, and one write per request line costs throughput.
import type { LogLevel } from './config.ts';

const SEVERITY = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 } as const;

export type Fields = Record<string, unknown>;

export interface Logger {
  debug(msg: string, fields?: Fields): void;
  info(msg: string, fields?: Fields): void;
  warn(msg: string, fields?: Fields): void;
  error(msg: string, fields?: Fields): void;
  /** Writes one line whatever the level: for the few lines other programs wait for, like `listening`. */
  always(msg: string, fields?: Fields): void;
  /**
   * An info line whose fields the caller has already written as JSON (`"status":200,"route":"/x"`):
   * for the access log, one line per request, where building an object for JSON.stringify showed.
   */
  infoSerialized(msg: string, fieldsJson: string): void;
  isEnabled(level: Exclude<LogLevel, 'silent'>): boolean;
  flush(): void;
}

export interface LoggerOptions {
  level: LogLevel;
  write?: (text: string) => void;
}

// Errors have no enumerable fields, so JSON.stringify would log them as {}. The cause goes along:
// a MigrationError's cause is the SQLite error, and its errcode is what says what went wrong.
function describeError(error: Error & { code?: unknown; errcode?: unknown }): Fields {
  return { name: error.name, message: error.message, code: error.code, errcode: error.errcode, stack: error.stack, cause: error.cause };
}

// A logger must not throw: JSON.stringify does on a BigInt, which node:sqlite returns for large integers.
function replaceErrors(_key: string, value: unknown): unknown {
  if (typeof value === 'bigint') return value.toString();
  return value instanceof Error ? describeError(value) : value;
}

// toISOString costs about 1 µs; under load many lines share a millisecond, so its text is reused.
let lastMs = Number.NaN;
let lastTime = '';
function currentTime(): string {
  const now = Date.now();
  if (now !== lastMs) {
    lastMs = now;
    lastTime = new Date(now).toISOString();
  }
  return lastTime;
}

export function createLogger({ level, write = (text) => process.stdout.write(text) }: LoggerOptions): Logger {
  const threshold = SEVERITY[level];
  let pending = '';
  let scheduled = false;

  function flush(): void {
    scheduled = false;
    if (pending === '') return;
    const text = pending;
    pending = '';
    write(text);
  }

  function emit(severity: string, msg: string, fields: Fields | undefined): void {
    emitSerialized(severity, msg, fields === undefined ? '' : JSON.stringify(fields, replaceErrors).slice(1, -1));
  }

  function emitSerialized(severity: string, msg: string, rest: string): void {
    const head = `{"time":"${currentTime()}","level":"${severity}","msg":${JSON.stringify(msg)}`;
    pending += rest === '' ? `${head}}\n` : `${head},${rest}}\n`;
    if (!scheduled) {
      scheduled = true;
      setImmediate(flush);
    }
  }

  function at(severity: Exclude<LogLevel, 'silent'>) {
    return (msg: string, fields?: Fields): void => {
      if (SEVERITY[severity] >= threshold) emit(severity, msg, fields);
    };
  }

  return {
    debug: at('debug'),
    info: at('info'),
    warn: at('warn'),
    error: at('error'),
    always: (msg, fields) => {
      emit('info', msg, fields);
      flush();
    },
    infoSerialized: (msg, fieldsJson) => {
      if (SEVERITY.info >= threshold) emitSerialized('info', msg, fieldsJson);
    },
    isEnabled: (severity) => SEVERITY[severity] >= threshold,
    flush,
  };
}
