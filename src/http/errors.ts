// The one error type the HTTP layer throws itself: a status, a sentence for the caller, and the
// headers that status needs (Allow for 405, WWW-Authenticate for 401, ...).
import type { FieldError } from '../errors.ts';

export interface HttpErrorOptions {
  headers?: Record<string, string>;
  errors?: readonly FieldError[];
  cause?: unknown;
}

export class HttpError extends Error {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly errors: readonly FieldError[];

  constructor(status: number, detail: string, options: HttpErrorOptions = {}) {
    super(detail, { cause: options.cause });
    this.name = 'HttpError';
    this.status = status;
    this.headers = options.headers ?? {};
    this.errors = options.errors ?? [];
  }
}
