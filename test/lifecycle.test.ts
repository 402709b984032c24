import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readlinkSync, statSync } from 'node:fs';
import { Agent, request as httpRequest } from 'node:http';
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { after, describe, it } from 'node:test';
import { openDatabase } from '../src/db/open.ts';
import { MAIN, makeTempDir, send, startServer, useServer, type ServerProcess } from './support/server.ts';
import { openSocket, parseResponses, type RawResponse } from './support/socket.ts';

/** Polls until `condition` holds; the tests wait for log lines and socket states this way, never by sleeping. */
async function waitFor(condition: () => boolean, what: string, timeoutMs = 15_000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!condition()) {
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** Sends the signal and resolves once the service has begun to stop (its `stopping` line is out). */
async function signal(server: ServerProcess, name: NodeJS.Signals): Promise<void> {
  const before = server.stdout.filter((line) => line.includes('"msg":"stopping"')).length;
  server.child.kill(name);
  await waitFor(() => server.stdout.filter((line) => line.includes('"msg":"stopping"')).length > before, 'the stopping line');
}

interface Conversation {
  socket: Socket;
  /** Resolves with the responses received when the server closes the connection. */
  closed: Promise<RawResponse[]>;
}

async function converse(port: number): Promise<Conversation> {
  const socket = await openSocket(port);
  let text = '';
  socket.setEncoding('latin1');
  socket.on('data', (chunk: string) => (text += chunk));
  socket.on('error', () => {});
  const closed = new Promise<RawResponse[]>((resolve) => socket.on('close', () => resolve(parseResponses(text))));
  return { socket, closed };
}

/** True once process `pid` has `path` open (Linux: /proc); the test below cannot see it otherwise. */
function hasOpen(pid: number, path: string): boolean {
  try {
    return readdirSync(`/proc/${pid}/fd`).some((fd) => {
      try {
        return readlinkSync(`/proc/${pid}/fd/${fd}`) === path;
      } catch {
        return false;
      }
    });
  } catch {
    return false;
  }
}

function timed<T>(promise: Promise<T>): Promise<{ value: T; ms: number }> {
  const started = performance.now();
  return promise.then((value) => ({ value, ms: performance.now() - started }));
}

/** A request whose connection the agent keeps open afterwards, idle. */
function keepAliveRequest(agent: Agent, port: number, path: string): Promise<number> {
  return new Promise((resolve, reject) => {
    httpRequest({ host: '127.0.0.1', port, path, agent }, (response) => {
      response.resume();
      response.on('end', () => resolve(response.statusCode!));
    }).on('error', reject).end();
  });
}

const NEW_USER = JSON.stringify({ email: 'in-flight@example.com', name: 'In Flight' });
const POST_HEAD = `POST /users HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\nContent-Length: ${NEW_USER.length}\r\n\r\n`;

describe('startup', { concurrency: true }, () => {
  describe('with a file database and PORT=0', () => {
    const path = join(makeTempDir({ after }), 'app.db');
    const server = useServer({ DB_PATH: path, PORT: '0' });

    it('prints one JSON listening line with the real port', async () => {
      const lines = server().stdout.filter((line) => line.includes('"msg":"listening"'));
      assert.equal(lines.length, 1);
      const line = JSON.parse(lines[0]!);
      assert.equal(line.msg, 'listening');
      assert.equal(line.level, 'info');
      assert.ok(Number.isInteger(line.port) && line.port > 0, String(line.port));
      assert.equal((await send(`http://127.0.0.1:${line.port}`, 'GET', '/health')).status, 200);
    });

    it('logs one starting line with the versions, database path, journal mode and schema version', () => {
      const starting = server().stdout.map((line) => JSON.parse(line)).filter((line) => line.msg === 'starting');
      assert.equal(starting.length, 1);
      assert.deepEqual(
        { node: starting[0].node, sqlite: starting[0].sqlite, db_path: starting[0].db_path, journal_mode: starting[0].journal_mode, schema_version: starting[0].schema_version },
        { node: process.versions.node, sqlite: process.versions.sqlite, db_path: path, journal_mode: 'wal', schema_version: 4 },
      );
      assert.match(starting[0].version, /^\d+\.\d+\.\d+/);
    });
  });

  it('prints the listening line even with LOG_LEVEL=silent', async (t) => {
    const server = await startServer(t, { LOG_LEVEL: 'silent' });
    assert.deepEqual(server.stdout.map((line) => JSON.parse(line).msg), ['listening']);
  });
});

// Each test runs its own process, so they run side by side.
describe('graceful shutdown', { concurrency: true }, () => {
  it('exits 0 promptly on SIGTERM with an idle keep-alive socket open', async (t) => {
    const server = await startServer(t);
    const agent = new Agent({ keepAlive: true });
    t.after(() => agent.destroy());
    assert.equal(await keepAliveRequest(agent, server.port, '/health/live'), 200);
    const idle = Object.values(agent.freeSockets).flat();
    assert.equal(idle.length, 1, 'the connection is idle in the pool');
    const clientSawClose = new Promise((resolve) => idle[0]!.once('close', resolve));
    server.child.kill('SIGTERM');
    const { value: code, ms } = await timed(server.exited);
    assert.equal(code, 0);
    assert.ok(ms < 2_000, `took ${Math.round(ms)} ms, with a keep-alive timeout of 65 s and a shutdown timeout of 10 s`);
    await clientSawClose;
  });

  it('finishes starting, then stops and exits 0, on a SIGTERM that arrives during startup', { skip: !existsSync('/proc/self/fd') && 'needs /proc' }, async (t) => {
    const path = join(makeTempDir(t), 'app.db');
    // Another connection holds the write lock, so the service waits in its migrations.
    const holder = openDatabase({ path, busyTimeoutMs: 0, lockingMode: 'normal' });
    t.after(() => holder.close());
    holder.exec('BEGIN IMMEDIATE');
    const child = spawn(process.execPath, [MAIN], {
      env: { PATH: process.env.PATH, PORT: '0', HOST: '127.0.0.1', DB_PATH: path, DB_BUSY_TIMEOUT_MS: '10000' },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    t.after(() => child.kill('SIGKILL'));
    let stdout = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal)));
    await waitFor(() => hasOpen(child.pid!, path), 'the service to open the database');
    child.kill('SIGTERM');
    holder.exec('ROLLBACK');
    assert.equal(await exited, 0);
    const messages = stdout.trim().split('\n').map((line) => JSON.parse(line).msg);
    assert.ok(messages.includes('listening') && messages.at(-1) === 'stopped', messages.join(', '));
  });

  it('exits 0 on SIGINT, as on SIGTERM', async (t) => {
    const server = await startServer(t);
    const agent = new Agent({ keepAlive: true });
    t.after(() => agent.destroy());
    assert.equal(await keepAliveRequest(agent, server.port, '/health/live'), 200);
    await signal(server, 'SIGINT');
    assert.equal(await server.exited, 0);
    assert.ok(server.stdout.some((line) => line.includes('"signal":"SIGINT"')));
  });

  it('stops accepting connections, and still answers a request in flight, with Connection: close', async (t) => {
    const path = join(makeTempDir(t), 'app.db');
    const server = await startServer(t, { DB_PATH: path });
    const conversation = await converse(server.port);
    // Headers and half the body: the request is in flight when the signal comes.
    conversation.socket.write(POST_HEAD + NEW_USER.slice(0, 10));
    await signal(server, 'SIGTERM');

    await assert.rejects(openSocket(server.port), { code: 'ECONNREFUSED' });

    conversation.socket.write(NEW_USER.slice(10));
    const responses = await conversation.closed;
    assert.equal(responses.length, 1);
    assert.equal(responses[0]!.status, 201);
    assert.equal(responses[0]!.headers.connection, 'close');
    assert.equal(JSON.parse(responses[0]!.body).email, 'in-flight@example.com');
    assert.equal(await server.exited, 0);

    const db = new DatabaseSync(path, { readOnly: true });
    t.after(() => db.close());
    assert.equal(db.prepare('SELECT count(*) AS n FROM users WHERE email = ?').get('in-flight@example.com')?.n, 1);
  });

  it('answers /health with 503 during shutdown on a connection already open', async (t) => {
    const server = await startServer(t);
    const conversation = await converse(server.port);
    conversation.socket.write('GET /health HTTP/1.1\r\nHost: test\r\n');
    await signal(server, 'SIGTERM');
    conversation.socket.write('\r\n');
    const [response] = await conversation.closed;
    assert.equal(response?.status, 503);
    assert.equal(response.headers.connection, 'close');
    assert.equal(JSON.parse(response.body).status, 'unhealthy');
    assert.equal(await server.exited, 0);
  });

  it('cuts a connection still stuck when SHUTDOWN_TIMEOUT_MS runs out, then exits 0', async (t) => {
    const server = await startServer(t, { SHUTDOWN_TIMEOUT_MS: '300' });
    const conversation = await converse(server.port);
    conversation.socket.write(POST_HEAD + NEW_USER.slice(0, 10));
    await waitFor(() => conversation.socket.bytesWritten > 0, 'the request to be sent');
    const started = performance.now();
    await signal(server, 'SIGTERM');
    assert.equal(await server.exited, 0);
    await conversation.closed;
    const ms = performance.now() - started;
    assert.ok(ms >= 250 && ms < 3_000, `took ${Math.round(ms)} ms for a 300 ms grace period`);
  });

  it('exits 0 at SHUTDOWN_TIMEOUT_MS even when a client keeps a socket node:http no longer tracks', async (t) => {
    const server = await startServer(t, { SHUTDOWN_TIMEOUT_MS: '300' });
    // After CONNECT, node:http hands the socket over; a client that never closes its half keeps it open.
    const socket = connect({ port: server.port, host: '127.0.0.1', allowHalfOpen: true });
    t.after(() => socket.destroy());
    socket.on('error', () => {});
    let received = '';
    socket.on('data', (chunk) => (received += chunk));
    socket.write('CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n');
    await waitFor(() => received.includes('\r\n\r\n'), 'the answer to CONNECT');
    await signal(server, 'SIGTERM');
    const { value: code, ms } = await timed(server.exited);
    assert.equal(code, 0);
    assert.ok(ms < 3_000, `took ${Math.round(ms)} ms for a 300 ms grace period`);
  });

  it('exits at once, with code 1, on a second signal', async (t) => {
    const server = await startServer(t, { SHUTDOWN_TIMEOUT_MS: '60000' });
    const conversation = await converse(server.port);
    conversation.socket.write(POST_HEAD + NEW_USER.slice(0, 10));
    await signal(server, 'SIGTERM');
    server.child.kill('SIGTERM');
    const { value: code, ms } = await timed(server.exited);
    assert.equal(code, 1);
    assert.ok(ms < 2_000, `took ${Math.round(ms)} ms`);
  });

  it('closes the database on the way out: the WAL is checkpointed and gone', async (t) => {
    const path = join(makeTempDir(t), 'app.db');
    const server = await startServer(t, { DB_PATH: path });
    for (const index of [1, 2, 3]) {
      const created = await send(server.baseUrl, 'POST', '/users', { body: { email: `user${index}@example.com`, name: `User ${index}` } });
      assert.equal(created.status, 201);
    }
    assert.ok(existsSync(`${path}-wal`), 'the writes went to the WAL');
    server.child.kill('SIGTERM');
    assert.equal(await server.exited, 0);
    assert.ok(!existsSync(`${path}-wal`) || statSync(`${path}-wal`).size === 0, 'the WAL was checkpointed into the database file');
    const db = new DatabaseSync(path, { readOnly: true });
    t.after(() => db.close());
    assert.equal(db.prepare('SELECT count(*) AS n FROM users').get()?.n, 3);
  });
});

describe('connection timeouts', { concurrency: true }, () => {
  it('closes an idle keep-alive connection after KEEP_ALIVE_TIMEOUT_MS', async (t) => {
    const server = await startServer(t, { KEEP_ALIVE_TIMEOUT_MS: '300' });
    const conversation = await converse(server.port);
    const started = performance.now();
    conversation.socket.write('GET /health/live HTTP/1.1\r\nHost: test\r\n\r\n');
    const responses = await conversation.closed;
    const ms = performance.now() - started;
    assert.equal(responses[0]?.status, 200);
    assert.notEqual(responses[0]?.headers.connection, 'close');
    assert.ok(ms >= 250 && ms < 3_000, `closed after ${Math.round(ms)} ms`);
  });

  it('does not apply the headers timeout to an idle keep-alive connection', async (t) => {
    // node checks the timeouts every HEADERS_TIMEOUT_MS here (100 ms): five checks go by while idle.
    const server = await startServer(t, { HEADERS_TIMEOUT_MS: '100', REQUEST_TIMEOUT_MS: '100' });
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    t.after(() => agent.destroy());
    assert.equal(await keepAliveRequest(agent, server.port, '/health/live'), 200);
    const [socket] = Object.values(agent.freeSockets).flat();
    let closed = false;
    socket!.once('close', () => (closed = true));
    await new Promise((resolve) => setTimeout(resolve, 500));
    assert.equal(closed, false);
    assert.equal(await keepAliveRequest(agent, server.port, '/health/live'), 200);
  });

  it('answers 408 and closes the connection when the headers take longer than HEADERS_TIMEOUT_MS', async (t) => {
    const server = await startServer(t, { HEADERS_TIMEOUT_MS: '200' });
    const conversation = await converse(server.port);
    const started = performance.now();
    conversation.socket.write('GET /health HTTP/1.1\r\nHost: te');
    const responses = await conversation.closed;
    const ms = performance.now() - started;
    assert.equal(responses[0]?.status, 408);
    assert.ok(ms >= 150 && ms < 3_000, `answered after ${Math.round(ms)} ms`);
  });
});

describe('durability', () => {
  it('keeps every acknowledged write when the process is killed with SIGKILL an instant later', async (t) => {
    const path = join(makeTempDir(t), 'app.db');
    const server = await startServer(t, { DB_PATH: path });
    const acknowledged: number[] = [];
    const posts = Array.from({ length: 30 }, (_, index) =>
      send(server.baseUrl, 'POST', '/users', { body: { email: `crash${index}@example.com`, name: `Crash ${index}` } }).then(
        (response) => {
          if (response.status !== 201) return;
          acknowledged.push(response.body.id);
          // Kill while the rest are still in flight, the moment the tenth write is acknowledged.
          if (acknowledged.length === 10) server.child.kill('SIGKILL');
        },
        () => {}, // cut off by the kill: never acknowledged, so nothing is promised
      ),
    );
    await Promise.all(posts);
    assert.equal(await server.exited, 'SIGKILL');
    assert.ok(acknowledged.length >= 10);

    const db = new DatabaseSync(path);
    t.after(() => db.close());
    const stored = new Set(db.prepare('SELECT id FROM users').all().map((row) => Number(row.id)));
    for (const id of acknowledged) assert.ok(stored.has(id), `user ${id} was acknowledged but is gone`);
  });
});
