// Every error becomes an RFC 9457 problem here, and only here. Known failures keep their sentence;
// anything else is logged with the request id and answered with a generic 500, so no stack
// trace, SQL statement or file path ever reaches a caller.
import { Conflict, InvalidInput, NotFound, PreconditionFailed, type FieldError } from '../errors.ts';
import { primaryCode, sqliteErrorCode, SQLITE_BUSY, SQLITE_FULL, SQLITE_IOERR, SQLITE_LOCKED, SQLITE_READONLY } from '../db/sqlite-errors.ts';
import type { Logger } from '../log.ts';
import { HttpError } from './errors.ts';
import { STATUS_CODES } from './node-http.ts';
import { PROBLEM_TYPE } from './respond.ts';
import type { AppResponse } from './types.ts';

interface Problem {
  status: number;
  detail: string;
  errors?: readonly FieldError[];
  headers?: Record<string, string>;
}

// How long a client should wait after a 503 before retrying: one busy timeout is usually enough
// for the other writer to finish.
const RETRY_AFTER_SECONDS = '1';

function classifySqliteError(errcode: number): Problem | null {
  switch (primaryCode(errcode)) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      return { status: 503, detail: 'The database is busy with another writer; retry shortly.', headers: { 'retry-after': RETRY_AFTER_SECONDS } };
    case SQLITE_FULL:
      return { status: 503, detail: 'The database cannot grow: its disk is full. Nothing was written; retry when space is freed.', headers: { 'retry-after': RETRY_AFTER_SECONDS } };
    case SQLITE_READONLY:
      return { status: 503, detail: 'The database is read-only at the moment. Nothing was written.', headers: { 'retry-after': RETRY_AFTER_SECONDS } };
    // The storage failed under us (a disk remounted read-only after an error, a failing volume):
    // not a bug in the service, and possibly over soon. An fsync that fails may still have stored
    // the write, so the detail promises nothing either way.
    case SQLITE_IOERR:
      return { status: 503, detail: 'The database storage failed (an I/O error); retry shortly. A write answered with this was not confirmed.', headers: { 'retry-after': RETRY_AFTER_SECONDS } };
    default:
      return null;
  }
}

function classify(error: unknown): Problem | null {
  if (error instanceof HttpError) return { status: error.status, detail: error.message, errors: error.errors, headers: error.headers };
  if (error instanceof InvalidInput) return { status: 400, detail: error.message, errors: error.errors };
  if (error instanceof NotFound) return { status: 404, detail: error.message };
  if (error instanceof Conflict) return { status: 409, detail: error.message };
  if (error instanceof PreconditionFailed) return { status: 412, detail: error.message };
  const errcode = sqliteErrorCode(error);
  return errcode === null ? null : classifySqliteError(errcode);
}

export interface ProblemContext {
  requestId: string;
  log: Logger;
}

export function renderProblem(error: unknown, { requestId, log }: ProblemContext): AppResponse {
  let problem = classify(error);
  if (problem === null) {
    log.error('unhandled error', { request_id: requestId, error });
    problem = { status: 500, detail: 'Internal Server Error' };
  } else if (problem.status >= 500) {
    log.warn('database unavailable', { request_id: requestId, status: problem.status, errcode: sqliteErrorCode(error) });
  }
  const body: Record<string, unknown> = { type: 'about:blank', title: STATUS_CODES[problem.status] ?? 'Error', status: problem.status, detail: problem.detail };
  if (problem.errors !== undefined && problem.errors.length > 0) body.errors = problem.errors;
  return { status: problem.status, headers: { ...problem.headers, 'content-type': PROBLEM_TYPE }, body: JSON.stringify(body) };
}
