// The ceiling: a bare node:http server answering the service's benchmarked routes with fixed JSON
// bodies and no database, no logging, no validation. What the service reaches of this server's
// throughput is what its own work costs; nothing Node-based can beat this one on this machine.
// Configured like the service: PORT (0 for a free one) and HOST; prints the same `listening` line.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fakeUser } from './fake-users.ts';

// Serialised once: the point is to measure Node's HTTP path, not JSON.stringify.
const userBody = Buffer.from(JSON.stringify(fakeUser(4242)));
const pageBody = Buffer.from(JSON.stringify(Array.from({ length: 100 }, (_, index) => fakeUser(4242 + index))));
const healthBody = Buffer.from(JSON.stringify({ status: 'healthy', database: 'connected' }));
const notFoundBody = Buffer.from(JSON.stringify({ type: 'about:blank', title: 'Not Found', status: 404 }));

function send(response: ServerResponse, status: number, body: Buffer, headers: Record<string, string> = {}): void {
  response.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': String(body.length), ...headers });
  response.end(body);
}

function answer(request: IncomingMessage, response: ServerResponse): void {
  const url = request.url ?? '/';
  const path = url.split('?', 1)[0]!;
  if (request.method === 'GET' && path === '/users') return send(response, 200, pageBody);
  if (request.method === 'GET' && path.startsWith('/users/')) return send(response, 200, userBody);
  if (request.method === 'GET' && path === '/health') return send(response, 200, healthBody);
  if (request.method === 'POST' && path === '/users') {
    // The body is read to its end, as the service must, but not parsed.
    request.on('data', () => {});
    request.on('end', () => send(response, 201, userBody, { location: '/users/4242' }));
    return;
  }
  send(response, 404, notFoundBody);
}

const server = createServer(answer);
server.listen(Number(process.env.PORT ?? 8000), process.env.HOST ?? '127.0.0.1', () => {
  const { port } = server.address() as AddressInfo;
  process.stdout.write(`${JSON.stringify({ time: new Date().toISOString(), level: 'info', msg: 'listening', port })}\n`);
});

// Stops like the service does on SIGTERM: no new connections, open ones closed, exit 0.
function stop(): void {
  server.close(() => process.exit(0));
  server.closeAllConnections();
}
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
