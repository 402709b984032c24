// From request to response: request id, authentication, routing, the handler, and the one catch
// that turns every failure into a problem. Handlers never write a response themselves.
import type { Logger } from '../log.ts';
import { isPublicPath, type Authorize } from './auth.ts';
import { HttpError } from './errors.ts';
import { renderProblem } from './problem.ts';
import { requestIdFrom } from './request-id.ts';
import type { Router } from './router.ts';
import { parseTarget } from './target.ts';
import type { AppRequest, AppResponse, Handler } from './types.ts';

export interface DispatchOptions {
  router: Router<Handler>;
  authorize: Authorize | null;
  log: Logger;
  /** Sees every error before it becomes a problem (metrics count SQLite failures here). */
  onError?: (error: unknown) => void;
}

export type Dispatch = (request: AppRequest) => Promise<AppResponse>;

export function createDispatch({ router, authorize, log, onError }: DispatchOptions): Dispatch {
  return async function dispatch(request) {
    const requestId = requestIdFrom(request.headers['x-request-id']);
    let route: string | null = null;
    let response: AppResponse;
    try {
      // RFC 9112: an HTTP/1.1 request without Host is malformed.
      if (request.httpVersion === '1.1' && request.headers.host === undefined) {
        throw new HttpError(400, 'An HTTP/1.1 request needs a Host header.', { headers: { connection: 'close' } });
      }
      // RFC 9110 section 10.1.1: 100-continue is the only expectation there is to meet; node:http
      // would answer any other with a bare 417 of its own, so server.ts sends those here instead.
      const expect = request.headers.expect;
      if (expect !== undefined && expect.trim().toLowerCase() !== '100-continue') {
        throw new HttpError(417, 'The only expectation this service can meet is Expect: 100-continue.', { headers: { connection: 'close' } });
      }
      const { path, query } = parseTarget(request.url);
      // Before routing, so that without a token nobody learns which paths exist.
      if (authorize !== null && !isPublicPath(path)) authorize(request.headers.authorization);
      const match = router.match(request.method, path);
      // The detail does not echo the path: the caller knows it, and a problem never carries text
      // that could be mistaken for one of our file paths.
      if (match === null) throw new HttpError(404, 'No route matches the requested path; check it for typos.');
      route = match.pattern;
      if (match.handler === undefined) {
        throw new HttpError(405, `This route does not support ${request.method}; it supports ${match.allow}.`, { headers: { allow: match.allow } });
      }
      response = await match.handler({ request, params: match.params, query });
    } catch (error) {
      onError?.(error);
      response = renderProblem(error, { requestId, log });
    }
    response.headers['x-request-id'] = requestId;
    response.route = route;
    return response;
  };
}
