// The node:http side: turns IncomingMessage into an AppRequest, writes the AppResponse, enforces
// the timeouts, answers malformed HTTP, and shuts down gracefully.
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { payloadTooLarge } from './body.ts';
import type { Dispatch } from './dispatch.ts';
import { HttpError } from './errors.ts';
import { createServer, STATUS_CODES } from './node-http.ts';
import { requestIdFrom } from './request-id.ts';
import { PROBLEM_TYPE } from './respond.ts';
import type { AppResponse } from './types.ts';

export interface Lifecycle {
  shuttingDown: boolean;
}

export interface ResponseEvent {
  method: string;
  route: string | null;
  status: number;
  durationMs: number;
  requestId: string;
}

export interface HttpServerOptions {
  dispatch: Dispatch;
  lifecycle: Lifecycle;
  keepAliveTimeoutMs: number;
  headersTimeoutMs: number;
  requestTimeoutMs: number;
  /** Called when a request arrives, and onResponse when it has been answered (or its socket failed). */
  onRequest?: () => void;
  onResponse?: (event: ResponseEvent) => void;
  onClientError?: (error: Error & { code?: string }, status: number) => void;
  onWriteError?: (error: unknown) => void;
}

export interface HttpServer {
  server: Server;
  /** Stops accepting, lets in-flight requests finish for up to `timeoutMs`, then cuts what is left. */
  shutdown(timeoutMs: number): Promise<void>;
}

function readBody(request: IncomingMessage, response: ServerResponse, limit: number, expectsContinue: boolean): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    // Only now, when a handler wants the body, is the client told to send it: a request refused
    // earlier (401, 404, 415, 413 by Content-Length) never transfers its body at all.
    if (expectsContinue) response.writeContinue();
    let chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    const onData = (chunk: Buffer): void => {
      // Past the limit the rest is read and dropped, never kept, until the lingering close
      // below ends the connection.
      if (tooLarge) return;
      size += chunk.length;
      if (size > limit) {
        tooLarge = true;
        chunks = [];
        reject(payloadTooLarge(limit));
        return;
      }
      chunks.push(chunk);
    };
    request.on('data', onData);
    request.on('end', () => resolve(Buffer.concat(chunks, size)));
    request.on('error', (error) => reject(new HttpError(400, 'The request body was cut off before it ended.', { cause: error })));
  });
}

// How long a connection closed with part of its request unread goes on taking input (see below).
const LINGER_MS = 2_000;

// node:http ends a `Connection: close` response with socket.destroySoon(). With request bytes still
// unread (a 413 mid-body), closing at once makes the kernel send a TCP reset, which can wipe out
// the 413 before the client has read it (RFC 9112 section 9.6). So the close lingers: FIN goes out
// after the answer, reading stops (TCP flow control holds the sender back, nothing is buffered
// here), and the socket is destroyed only when the client closes or LINGER_MS have passed, by
// which time the answer has long been read.
function closeLingering(socket: Socket): void {
  socket.destroySoon = function lingeringClose(this: Socket): void {
    this.end();
    // After node:http's own resume of the unread request, which it schedules as it finishes.
    setImmediate(() => this.pause());
    const timer = setTimeout(() => this.destroy(), LINGER_MS);
    timer.unref();
    this.once('close', () => clearTimeout(timer));
  };
}

function writeResponse(request: IncomingMessage, response: ServerResponse, answer: AppResponse, lifecycle: Lifecycle): void {
  const headers = answer.headers;
  if (lifecycle.shuttingDown) headers.connection = 'close';
  if (headers.connection === 'close' && !request.complete) closeLingering(request.socket);
  if (answer.body !== undefined) headers['content-length'] = String(Buffer.byteLength(answer.body));
  response.writeHead(answer.status, headers);
  response.end(answer.body);
}

// node:http's own answer to unparseable requests is a bare status line; ours is a problem like
// every other error. 431 and 408 keep their meaning; everything else is a 400.
function clientErrorStatus(code: string | undefined): number {
  if (code === 'HPE_HEADER_OVERFLOW') return 431;
  if (code === 'ERR_HTTP_REQUEST_TIMEOUT') return 408;
  return 400;
}

const RAW_DETAILS: Record<number, string> = {
  405: 'This service is not a proxy; it does not support CONNECT.',
  408: 'The request took too long to arrive.',
  431: 'The request headers are too large.',
};

function rawProblem(status: number): string {
  const title = STATUS_CODES[status] ?? 'Error';
  const detail = RAW_DETAILS[status] ?? 'The request is not valid HTTP.';
  const body = JSON.stringify({ type: 'about:blank', title, status, detail });
  return `HTTP/1.1 ${status} ${title}\r\nContent-Type: ${PROBLEM_TYPE}\r\nContent-Length: ${Buffer.byteLength(body)}\r\nX-Request-Id: ${requestIdFrom(undefined)}\r\nConnection: close\r\n\r\n${body}`;
}

export function createHttpServer(options: HttpServerOptions): HttpServer {
  const { dispatch, lifecycle, onResponse } = options;

  function handle(request: IncomingMessage, response: ServerResponse, expectsContinue: boolean): void {
    const started = performance.now();
    const method = request.method ?? 'GET';
    options.onRequest?.();
    dispatch({
      method,
      url: request.url ?? '/',
      headers: request.headers,
      httpVersion: request.httpVersion,
      readBody: (limit) => readBody(request, response, limit, expectsContinue),
    }).then((answer) => {
      try {
        writeResponse(request, response, answer, lifecycle);
      } catch (error) {
        // Only writing can fail here (dispatch answers every error itself): nothing sane is
        // left to send, so the connection goes, and the error goes to the log.
        options.onWriteError?.(error);
        response.destroy();
      }
      onResponse?.({ method, route: answer.route ?? null, status: answer.status, durationMs: performance.now() - started, requestId: answer.headers['x-request-id']! });
    });
  }

  const server = createServer(
    {
      keepAliveTimeout: options.keepAliveTimeoutMs,
      headersTimeout: options.headersTimeoutMs,
      requestTimeout: options.requestTimeoutMs,
      // How often node checks the two timeouts above; its default of 30 s would let a slow
      // client hold a connection for up to 30 s past its deadline.
      connectionsCheckingInterval: Math.min(1_000, options.headersTimeoutMs),
      // dispatch answers a missing Host itself, as a problem with a request id.
      requireHostHeader: false,
    },
    (request, response) => handle(request, response, false),
  );
  server.on('checkContinue', (request: IncomingMessage, response: ServerResponse) => handle(request, response, true));
  // Any other Expect: dispatch answers it with a 417 problem, instead of node's bare status line.
  server.on('checkExpectation', (request: IncomingMessage, response: ServerResponse) => handle(request, response, false));
  // Without a listener node drops a CONNECT without a word; this is not a proxy, and says so.
  server.on('connect', (_request: IncomingMessage, socket: Socket) => {
    socket.on('error', () => socket.destroy());
    // destroySoon, not end: end() only half-closes, and a client that never closes its side
    // would keep the socket open for good.
    socket.write(rawProblem(405));
    socket.destroySoon();
  });

  server.on('clientError', (error: Error & { code?: string }, socket: Socket) => {
    const status = clientErrorStatus(error.code);
    options.onClientError?.(error, status);
    // A response already under way cannot be followed by another status line.
    const inFlight = (socket as Socket & { _httpMessage?: ServerResponse })._httpMessage;
    if (error.code === 'ECONNRESET' || !socket.writable || inFlight?.headersSent) {
      socket.destroy();
      return;
    }
    socket.write(rawProblem(status));
    socket.destroySoon();
  });

  async function shutdown(timeoutMs: number): Promise<void> {
    lifecycle.shuttingDown = true;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    // server.close() closes the connections idle right now; a connection whose response was
    // finishing at that moment turns idle a little later, so keep closing idle ones.
    server.closeIdleConnections();
    const sweep = setInterval(() => server.closeIdleConnections(), 100);
    // At the deadline the wait ends whether or not the server has closed: closeAllConnections()
    // reaches only the connections node:http still tracks, and a socket it has handed over (a
    // CONNECT) and that the client keeps half-open would otherwise hold the process up for good.
    let deadline: NodeJS.Timeout | undefined;
    const expired = new Promise<void>((resolve) => {
      deadline = setTimeout(() => {
        server.closeAllConnections();
        resolve();
      }, timeoutMs);
    });
    try {
      await Promise.race([closed, expired]);
    } finally {
      clearInterval(sweep);
      clearTimeout(deadline);
    }
  }

  return { server, shutdown };
}
