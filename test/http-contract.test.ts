// The contract against a real `node src/main.ts` on a loopback port, for what only a socket shows:
// bodies refused mid-stream, 100-continue, keep-alive, HEAD on the wire, malformed HTTP,
// concurrency, the access log, and API_TOKEN end to end. Three processes (default settings, a small
// body limit, a token) start side by side; the tests of each run in turn on data of their own.
import assert from 'node:assert/strict';
import { Agent, request as httpRequest } from 'node:http';
import { describe, it } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { send, useServer, type ServerProcess } from './support/server.ts';
import { exchange, firstData, openSocket, parseResponses } from './support/socket.ts';

const JSON_TYPE = 'application/json; charset=utf-8';
const PROBLEM_TYPE = 'application/problem+json';

function createRequest(body: string, headers = ''): string {
  return `POST /users HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n${headers}\r\n${body}`;
}

/** Polls the server's stdout for JSON lines that satisfy `accept`, for up to a second. */
async function logLines(server: ServerProcess, accept: (entry: Record<string, unknown>) => boolean, count: number): Promise<Array<Record<string, unknown>>> {
  for (let attempt = 0; attempt < 100; attempt++) {
    const entries = server.stdout.map((line) => JSON.parse(line) as Record<string, unknown>).filter(accept);
    if (entries.length >= count) return entries;
    await delay(10);
  }
  assert.fail(`fewer than ${count} matching log lines in:\n${server.stdout.join('\n')}`);
}

describe('the service over HTTP', { concurrency: true }, () => {
  describe('with its default settings', { concurrency: 1 }, () => {
    const server = useServer();

    it('answers a create with a complete HTTP/1.1 201 carrying the contract\'s headers', async () => {
      const { text } = await exchange(server().port, createRequest(JSON.stringify({ email: 'raw@example.com', name: 'Raw' }), 'Connection: close\r\n'));
      const [response] = parseResponses(text);
      assert.equal(response!.statusLine, 'HTTP/1.1 201 Created');
      assert.equal(response!.headers['content-type'], JSON_TYPE);
      assert.equal(response!.headers['content-length'], String(Buffer.byteLength(response!.body)));
      assert.equal(response!.headers.location, `/users/${JSON.parse(response!.body).id}`);
      assert.ok(response!.headers.etag);
      assert.ok(response!.headers['x-request-id']);
    });

    it('walks a CRUD round trip with the contract\'s statuses, headers and media types', async () => {
      const { baseUrl } = server();
      const created = await send(baseUrl, 'POST', '/users', { body: { email: 'ada@example.com', name: 'Ada Lovelace' } });
      assert.equal(created.status, 201);
      assert.equal(created.headers['content-type'], JSON_TYPE);
      const location = created.headers.location!;
      assert.equal(location, `/users/${created.body.id}`);
      const read = await send(baseUrl, 'GET', location);
      assert.equal(read.status, 200);
      assert.equal((await send(baseUrl, 'GET', location, { headers: { 'if-none-match': read.headers.etag! } })).status, 304);
      const stale = await send(baseUrl, 'PUT', location, { body: { email: 'ada@example.com', name: 'X' }, headers: { 'if-match': '"stale"' } });
      assert.equal(stale.status, 412);
      assert.equal(stale.headers['content-type'], PROBLEM_TYPE);
      const patched = await send(baseUrl, 'PATCH', location, {
        body: JSON.stringify({ name: 'Ada King' }),
        headers: { 'content-type': 'application/merge-patch+json', 'if-match': read.headers.etag! },
      });
      assert.equal(patched.status, 200);
      assert.equal(patched.body.name, 'Ada King');
      const removed = await send(baseUrl, 'DELETE', location);
      assert.equal(removed.status, 204);
      assert.equal(removed.text, '');
      assert.equal((await send(baseUrl, 'GET', location)).status, 404);
      const wrongMethod = await send(baseUrl, 'DELETE', '/users');
      assert.equal(wrongMethod.status, 405);
      assert.ok(wrongMethod.headers.allow);
    });

    it('accepts a chunked body within the limit', async () => {
      const body = JSON.stringify({ email: 'chunked@example.com', name: 'Chunked' });
      const payload = `POST /users HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n${(10).toString(16)}\r\n${body.slice(0, 10)}\r\n${(body.length - 10).toString(16)}\r\n${body.slice(10)}\r\n0\r\n\r\n`;
      const [response] = parseResponses((await exchange(server().port, payload)).text);
      assert.equal(response!.status, 201);
      assert.equal(JSON.parse(response!.body).email, 'chunked@example.com');
    });

    it('refuses a non-JSON Content-Type with 415 to a request expecting 100-continue, never asking for the body', async () => {
      const head = 'POST /users HTTP/1.1\r\nHost: test\r\nContent-Type: text/plain\r\nContent-Length: 10\r\nExpect: 100-continue\r\n\r\n';
      const { text, closed } = await exchange(server().port, head);
      assert.doesNotMatch(text, /^HTTP\/1\.1 100/);
      assert.equal(parseResponses(text)[0]!.status, 415);
      assert.equal(closed, true, 'the body was never sent, so the connection cannot carry another request');
    });

    it('answers 100 Continue when the body is wanted, then 201', async (t) => {
      const body = JSON.stringify({ email: 'continue@example.com', name: 'Continue' });
      const socket = await openSocket(server().port);
      t.after(() => socket.destroy());
      socket.write(`POST /users HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\nExpect: 100-continue\r\n\r\n`);
      assert.match(await firstData(socket, 2_000), /^HTTP\/1\.1 100 Continue\r\n/);
      socket.write(body);
      assert.equal(parseResponses(await firstData(socket, 2_000))[0]!.status, 201);
    });

    it('keeps a connection alive across requests, errors included', async (t) => {
      const agent = new Agent({ keepAlive: true, maxSockets: 1 });
      t.after(() => agent.destroy());
      const call = (method: string, path: string, body?: string, type = 'application/json') =>
        new Promise<{ status: number; reused: boolean; connection: string | undefined; location: string | undefined }>((resolve, reject) => {
          const headers: Record<string, string> = body === undefined ? {} : { 'content-type': type, 'content-length': String(Buffer.byteLength(body)) };
          const request = httpRequest(`${server().baseUrl}${path}`, { method, agent, headers }, (response) => {
            response.resume();
            response.on('end', () => resolve({ status: response.statusCode!, reused: request.reusedSocket, connection: response.headers.connection, location: response.headers.location }));
          });
          request.on('error', reject);
          request.end(body);
        });
      const answers = [
        await call('GET', '/health'),
        await call('POST', '/users', JSON.stringify({ email: 'keep@example.com', name: 'Keep' })),
        await call('POST', '/users', JSON.stringify({ email: 'keep@example.com', name: 'Again' })),
        await call('POST', '/users', '{"email":', 'application/json'),
        await call('POST', '/users', 'plain text', 'text/plain'),
        await call('GET', '/users/abc'),
        await call('GET', '/nowhere'),
      ];
      answers.push(await call('GET', answers[1]!.location!));
      assert.deepEqual(answers.map((answer) => answer.status), [200, 201, 409, 400, 415, 400, 404, 200]);
      assert.deepEqual(answers.map((answer) => answer.reused), [false, true, true, true, true, true, true, true]);
      for (const answer of answers) assert.equal(answer.connection, 'keep-alive');
    });

    it('answers HEAD on every GET route with the GET\'s headers, Content-Length included, and no body', async () => {
      const { baseUrl, port } = server();
      const first = await send(baseUrl, 'POST', '/users', { body: { email: 'head@example.com', name: 'Head' } });
      await send(baseUrl, 'POST', '/users', { body: { email: 'head2@example.com', name: 'Head 2' } });
      for (const path of ['/health', '/health/live', '/users', '/users?limit=1', `/users/${first.body.id}`, '/users/999999', '/users/abc']) {
        const get = await send(baseUrl, 'GET', path);
        const { text, closed } = await exchange(port, `HEAD ${path} HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n`);
        assert.equal(closed, true);
        assert.ok(text.endsWith('\r\n\r\n'), `HEAD ${path} ends with its headers`);
        const [head, ...rest] = parseResponses(text, () => true);
        assert.deepEqual(rest, [], `HEAD ${path} sent no body`);
        assert.equal(head!.status, get.status, path);
        assert.equal(head!.headers['content-type'], get.headers['content-type'], path);
        assert.equal(head!.headers['content-length'], String(Buffer.byteLength(get.text)), path);
        assert.equal(head!.headers.etag, get.headers.etag, path);
        assert.equal(head!.headers.link, get.headers.link, path);
        assert.ok(head!.headers['x-request-id']);
      }
    });

    for (const [label, payload] of [
      ['a garbage request line', 'HELLO THERE\r\n\r\n'],
      ['a header line without a colon', 'GET /users HTTP/1.1\r\nHost: test\r\nNo colon here\r\n\r\n'],
      ['a non-numeric Content-Length', 'POST /users HTTP/1.1\r\nHost: test\r\nContent-Length: abc\r\n\r\n'],
      ['both Content-Length and chunked', 'POST /users HTTP/1.1\r\nHost: test\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n'],
      ['a malformed chunk size', 'POST /users HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n'],
      ['an HTTP version that does not exist', 'GET /users HTTP/9.9\r\nHost: test\r\n\r\n'],
    ] as const) {
      it(`answers malformed HTTP (${label}) with a 400 problem+json and closes the connection`, async () => {
        const { text, closed } = await exchange(server().port, payload);
        const [response] = parseResponses(text);
        assert.equal(response!.status, 400, text);
        assert.equal(response!.headers['content-type'], PROBLEM_TYPE);
        const problem = JSON.parse(response!.body);
        assert.equal(problem.status, 400);
        assert.equal(problem.type, 'about:blank');
        assert.ok(response!.headers['x-request-id']);
        assert.equal(closed, true);
        assert.equal((await send(server().baseUrl, 'GET', '/health/live')).status, 200, 'and keeps serving');
      });
    }

    it('answers an expectation other than 100-continue with a 417 problem+json, not node\'s bare status line', async () => {
      const { text, closed } = await exchange(server().port, 'GET /users HTTP/1.1\r\nHost: test\r\nExpect: magic\r\n\r\n');
      const [response] = parseResponses(text);
      assert.equal(response!.status, 417);
      assert.equal(response!.headers['content-type'], PROBLEM_TYPE);
      assert.ok(response!.headers['x-request-id']);
      assert.equal(closed, true);
    });

    it('answers CONNECT with a 405 problem+json and closes: this is not a proxy', async () => {
      const { text, closed } = await exchange(server().port, 'CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n');
      const [response] = parseResponses(text);
      assert.equal(response!.status, 405);
      assert.equal(response!.headers['content-type'], PROBLEM_TYPE);
      assert.ok(response!.headers['x-request-id']);
      assert.equal(closed, true);
    });

    it('answers an HTTP/1.1 request without Host with a 400 problem+json', async () => {
      const { text } = await exchange(server().port, 'GET /users HTTP/1.1\r\nConnection: close\r\n\r\n');
      const [response] = parseResponses(text);
      assert.equal(response!.status, 400);
      assert.equal(response!.headers['content-type'], PROBLEM_TYPE);
    });

    it('creates exactly one user out of 50 parallel creates of one email: one 201, 49 409s, no 5xx', async () => {
      const { baseUrl } = server();
      const answers = await Promise.all(
        Array.from({ length: 50 }, (_, index) =>
          send(baseUrl, 'POST', '/users', { body: { email: index % 2 === 0 ? 'race@example.com' : 'RACE@example.com', name: `Racer ${index}` } }),
        ),
      );
      const statuses = answers.map((answer) => answer.status);
      assert.equal(statuses.filter((status) => status === 201).length, 1);
      assert.equal(statuses.filter((status) => status === 409).length, 49);
      for (const answer of answers.filter((each) => each.status === 409)) assert.equal(answer.headers['content-type'], PROBLEM_TYPE);
      assert.equal((await send(baseUrl, 'GET', '/users?email=race@example.com')).body.length, 1);
    });

    it('creates 50 users from 50 parallel creates of different emails, with 50 different ids', async () => {
      const answers = await Promise.all(Array.from({ length: 50 }, (_, index) => send(server().baseUrl, 'POST', '/users', { body: { email: `parallel${index}@example.com`, name: 'P' } })));
      assert.deepEqual([...new Set(answers.map((answer) => answer.status))], [201]);
      assert.equal(new Set(answers.map((answer) => answer.body.id)).size, 50);
    });

    it('writes one access-log line per request with method, route pattern, status, duration and request id, and never a body or an email', async () => {
      const { baseUrl } = server();
      const email = 'Secret.Person@example.com';
      const name = 'Very Secret Name';
      const created = await send(baseUrl, 'POST', '/users', { body: { email, name }, headers: { 'x-request-id': 'log-1' } });
      await send(baseUrl, 'GET', `/users?email=${encodeURIComponent(email)}`, { headers: { 'x-request-id': 'log-2' } });
      await send(baseUrl, 'PATCH', created.headers.location!, { body: { name: `${name} 2` }, headers: { 'x-request-id': 'log-3' } });
      await send(baseUrl, 'GET', '/no/such/route', { headers: { 'x-request-id': 'log-4' } });
      const generated = (await send(baseUrl, 'GET', created.headers.location!)).headers['x-request-id'];
      const ids = ['log-1', 'log-2', 'log-3', 'log-4', generated];
      const entries = await logLines(server(), (entry) => entry.msg === 'request' && ids.includes(entry.request_id as string), ids.length);
      assert.equal(entries.length, ids.length, 'one line per request');
      const byId = new Map(entries.map((entry) => [entry.request_id, entry]));
      assert.deepEqual(
        ids.map((id) => [byId.get(id)?.method, byId.get(id)?.route, byId.get(id)?.status]),
        [['POST', '/users', 201], ['GET', '/users', 200], ['PATCH', '/users/:id', 200], ['GET', null, 404], ['GET', '/users/:id', 200]],
      );
      for (const entry of entries) {
        assert.equal(typeof entry.duration_ms, 'number');
        assert.ok((entry.duration_ms as number) >= 0);
      }
      assert.doesNotMatch(server().stdout.join('\n'), /secret\.person|Very Secret/i);
    });

    it('echoes a valid X-Request-Id and replaces an invalid one, on successes and on errors', async () => {
      const { baseUrl } = server();
      assert.equal((await send(baseUrl, 'GET', '/users', { headers: { 'x-request-id': 'abc:123.X_y-z' } })).headers['x-request-id'], 'abc:123.X_y-z');
      assert.equal((await send(baseUrl, 'GET', '/users/0', { headers: { 'x-request-id': 'err-1' } })).headers['x-request-id'], 'err-1');
      const replaced = await send(baseUrl, 'GET', '/users', { headers: { 'x-request-id': 'not valid!' } });
      assert.match(replaced.headers['x-request-id'] as string, /^[A-Za-z0-9._:-]{1,128}$/);
      assert.notEqual(replaced.headers['x-request-id'], 'not valid!');
      const long = 'a'.repeat(129);
      assert.notEqual((await send(baseUrl, 'GET', '/users', { headers: { 'x-request-id': long } })).headers['x-request-id'], long);
    });
  });

  describe('with BODY_LIMIT_BYTES=4096', { concurrency: 1 }, () => {
    const server = useServer({ BODY_LIMIT_BYTES: '4096' });

    it('answers 413 to a declared Content-Length over the limit before any body byte is sent, and closes', async () => {
      const head = 'POST /users HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\nContent-Length: 50000000\r\n\r\n';
      const { text, closed } = await exchange(server().port, head);
      const [response, ...rest] = parseResponses(text);
      assert.equal(response!.status, 413);
      assert.equal(response!.headers['content-type'], PROBLEM_TYPE);
      assert.equal(JSON.parse(response!.body).status, 413);
      assert.equal(response!.headers.connection, 'close');
      assert.ok(response!.headers['x-request-id']);
      assert.equal(closed, true, 'the connection is closed');
      assert.deepEqual(rest, []);
    });

    it('answers 413 mid-stream to a chunked body as soon as it passes the limit, and closes without reading the rest', async () => {
      const socket = await openSocket(server().port);
      let received = '';
      let closed = false;
      socket.on('data', (chunk: Buffer) => (received += chunk.toString('latin1')));
      socket.on('error', () => {});
      const whenClosed = new Promise<void>((resolve) => socket.on('close', () => resolve(void (closed = true))));
      socket.write('POST /users HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n');
      const chunk = `400\r\n${'x'.repeat(0x400)}\r\n`;
      let sent = 0;
      while (received === '' && !closed && sent < 10_000_000) {
        socket.write(chunk);
        sent += 0x400;
        await delay(2);
      }
      await Promise.race([whenClosed, delay(2_000, undefined, { ref: false })]);
      socket.destroy();
      assert.ok(sent > 4096, `sent ${sent} bytes`);
      assert.ok(sent <= 256 * 1024, `the server answered only after ${sent} bytes instead of at the limit`);
      const [response] = parseResponses(received);
      assert.equal(response!.status, 413);
      assert.equal(response!.headers['content-type'], PROBLEM_TYPE);
      assert.equal(closed, true, 'the connection is closed');
    });

    it('refuses an oversized body with 413 to a request expecting 100-continue, never asking for it', async () => {
      const head = 'POST /users HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\nContent-Length: 5000\r\nExpect: 100-continue\r\n\r\n';
      const { text, closed } = await exchange(server().port, head);
      assert.doesNotMatch(text, /^HTTP\/1\.1 100/);
      assert.equal(parseResponses(text)[0]!.status, 413);
      assert.equal(closed, true);
    });

    it('reads a body of exactly the limit, and judges its fields instead of its size', async () => {
      const base = JSON.stringify({ email: 'limit@example.com', name: '' });
      const body = JSON.stringify({ email: 'limit@example.com', name: ` ${'n'.repeat(4096 - base.length - 2)} ` });
      assert.equal(Buffer.byteLength(body), 4096);
      const response = await send(server().baseUrl, 'POST', '/users', { body, headers: { 'content-type': 'application/json' } });
      assert.equal(response.status, 400, 'within the limit, so the name rule (200 characters) is what refuses it');
      assert.deepEqual(response.body.errors.map((error: { field: string }) => error.field), ['name']);
    });
  });

  describe('with API_TOKEN set', { concurrency: 1 }, () => {
    const TOKEN = 'contract-token-42';
    const server = useServer({ API_TOKEN: TOKEN });

    it('needs the bearer token on /users and never on /health*', async () => {
      const { baseUrl } = server();
      const missing = await send(baseUrl, 'GET', '/users');
      assert.equal(missing.status, 401);
      assert.equal(missing.headers['content-type'], PROBLEM_TYPE);
      assert.match(missing.headers['www-authenticate'] as string, /^Bearer\b/);
      const wrong = await send(baseUrl, 'GET', '/users', { headers: { authorization: 'Bearer wrong' } });
      assert.equal(wrong.status, 401);
      assert.match(wrong.headers['www-authenticate'] as string, /^Bearer\b/);
      assert.equal((await send(baseUrl, 'GET', '/users', { headers: { authorization: `Basic ${TOKEN}` } })).status, 401);
      assert.equal((await send(baseUrl, 'GET', '/health')).status, 200);
      assert.equal((await send(baseUrl, 'GET', '/health/live')).status, 200);
      const authorized = { authorization: `Bearer ${TOKEN}` };
      const created = await send(baseUrl, 'POST', '/users', { body: { email: 'token@example.com', name: 'Token' }, headers: authorized });
      assert.equal(created.status, 201);
      assert.equal((await send(baseUrl, 'GET', created.headers.location!, { headers: authorized })).status, 200);
    });

    it('answers 401 to a request that expects 100-continue without asking for its body', async () => {
      const head = 'POST /users HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\nContent-Length: 40\r\nExpect: 100-continue\r\n\r\n';
      const { text } = await exchange(server().port, head);
      assert.doesNotMatch(text, /^HTTP\/1\.1 100/);
      const [response] = parseResponses(text);
      assert.equal(response!.status, 401);
      assert.match(response!.headers['www-authenticate']!, /^Bearer\b/);
    });
  });
});
