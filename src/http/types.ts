// The shapes the HTTP layer passes around. The app sees a request as plain data plus a way to
// read its body, and answers with plain data; only server.ts touches node:http objects.
import type { IncomingHttpHeaders } from 'node:http';

export interface AppRequest {
  method: string;
  /** The request target as sent: path and query, e.g. `/users?limit=10`. */
  url: string;
  headers: IncomingHttpHeaders;
  httpVersion: string;
  /** Reads the whole body, failing with 413 as soon as more than `limit` bytes have arrived. */
  readBody(limit: number): Promise<Buffer>;
}

export interface AppResponse {
  status: number;
  headers: Record<string, string>;
  body?: string;
  /** The route pattern that answered (`/users/:id`), for logs and metrics; null when none matched. */
  route?: string | null;
}

export type Query = ReadonlyMap<string, readonly string[]>;

export interface RequestContext {
  request: AppRequest;
  params: Readonly<Record<string, string>>;
  query: Query;
}

export type Handler = (context: RequestContext) => AppResponse | Promise<AppResponse>;
