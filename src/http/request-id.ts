// X-Request-Id: the caller's own when it is safe to echo into headers and logs, a new one otherwise.
import { randomUUID } from 'node:crypto';

const CALLER_ID = /^[A-Za-z0-9._:-]{1,128}$/;

export function requestIdFrom(header: string | string[] | undefined): string {
  return typeof header === 'string' && CALLER_ID.test(header) ? header : randomUUID();
}
