// dispatch, from request to response through the whole app: 404 and 405 from the route table,
// X-Request-Id on every answer, the Host rule, and the one catch that turns any failure into a
// problem.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createTestApp } from '../support/app.ts';
import { assertProblem, createUser } from '../support/users.ts';

describe('dispatch', () => {
  describe('unknown routes', () => {
    for (const path of ['/', '/user', '/users/1/posts', '/Users', '/health/ready', '/users/', '//users', '/users%2F1']) {
      it(`answers 404 for ${path}`, async (t) => {
        const app = createTestApp(t);
        assertProblem(await app.request('GET', path), 404);
      });
    }

    it('does not echo the path in the 404', async (t) => {
      const app = createTestApp(t);
      const response = await app.request('GET', '/etc/passwd');
      assertProblem(response, 404);
      assert.doesNotMatch(response.text, /passwd/);
    });
  });

  describe('methods a route does not have', () => {
    for (const [method, path, allow] of [
      ['DELETE', '/users', 'GET, HEAD, POST'],
      ['PUT', '/users', 'GET, HEAD, POST'],
      ['PATCH', '/users', 'GET, HEAD, POST'],
      ['POST', '/users/1', 'DELETE, GET, HEAD, PATCH, PUT'],
      ['POST', '/health', 'GET, HEAD'],
      ['DELETE', '/health/live', 'GET, HEAD'],
      ['OPTIONS', '/users', 'GET, HEAD, POST'],
      ['OPTIONS', '/users/1', 'DELETE, GET, HEAD, PATCH, PUT'],
      ['TRACE', '/users', 'GET, HEAD, POST'],
    ] as const) {
      it(`answers 405 to ${method} ${path} with Allow: ${allow}`, async (t) => {
        const app = createTestApp(t);
        const response = await app.request(method, path);
        assertProblem(response, 405);
        assert.equal(response.headers.allow!.split(', ').sort().join(', '), allow);
      });
    }

    it('answers 405 before it looks at the path id', async (t) => {
      const app = createTestApp(t);
      assertProblem(await app.request('POST', '/users/abc'), 405);
    });
  });

  describe('HEAD', () => {
    for (const path of ['/health', '/health/live', '/users', '/users/1']) {
      it(`answers HEAD ${path} with the status and headers of GET`, async (t) => {
        const app = createTestApp(t);
        await createUser(app);
        const get = await app.request('GET', path);
        const head = await app.request('HEAD', path);
        assert.equal(head.status, get.status);
        assert.equal(head.headers['content-type'], get.headers['content-type']);
        assert.equal(head.headers.etag, get.headers.etag);
      });
    }
  });

  describe('X-Request-Id', () => {
    const answers = [
      ['a success', 'GET', '/users'],
      ['a 201', 'POST', '/users'],
      ['a 400', 'GET', '/users/abc'],
      ['a 404', 'GET', '/nowhere'],
      ['a 405', 'DELETE', '/users'],
      ['a 415', 'PUT', '/users/1'],
      ['a 204', 'DELETE', '/users/1'],
    ] as const;

    for (const [label, method, path] of answers) {
      it(`echoes a valid caller id on ${label}`, async (t) => {
        const app = createTestApp(t);
        await createUser(app, { email: 'first@example.com' });
        const body = method === 'POST' ? { email: 'new@example.com', name: 'New' } : method === 'PUT' ? 'text' : undefined;
        const response = await app.request(method, path, { headers: { 'x-request-id': 'trace:abc-123_X.9' }, body });
        assert.equal(response.headers['x-request-id'], 'trace:abc-123_X.9');
      });

      it(`generates an id on ${label} when the caller sends none`, async (t) => {
        const app = createTestApp(t);
        await createUser(app, { email: 'first@example.com' });
        const body = method === 'POST' ? { email: 'new@example.com', name: 'New' } : method === 'PUT' ? 'text' : undefined;
        assert.match((await app.request(method, path, { body })).headers['x-request-id']!, /^[A-Za-z0-9._:-]{1,128}$/);
      });
    }

    it('replaces an invalid caller id with a new one', async (t) => {
      const app = createTestApp(t);
      for (const id of ['bad id', 'x'.repeat(129), 'a/b', '']) {
        const response = await app.request('GET', '/users', { headers: { 'x-request-id': id } });
        assert.notEqual(response.headers['x-request-id'], id);
        assert.match(response.headers['x-request-id']!, /^[A-Za-z0-9._:-]{1,128}$/);
      }
    });

    it('gives each request its own generated id', async (t) => {
      const app = createTestApp(t);
      const first = await app.request('GET', '/users');
      const second = await app.request('GET', '/users');
      assert.notEqual(first.headers['x-request-id'], second.headers['x-request-id']);
    });
  });

  it('answers 417 to an expectation other than 100-continue, and closes the connection', async (t) => {
    const app = createTestApp(t);
    const response = await app.request('GET', '/users', { headers: { expect: 'magic' } });
    assertProblem(response, 417);
    assert.equal(response.headers.connection, 'close');
  });

  it('goes ahead with Expect: 100-continue, in any case', async (t) => {
    const app = createTestApp(t);
    assert.equal((await app.request('POST', '/users', { headers: { expect: '100-Continue' }, body: { email: 'a@example.com', name: 'A' } })).status, 201);
  });

  it('answers 400 to an HTTP/1.1 request without Host', async (t) => {
    const app = createTestApp(t);
    const response = await app.app.dispatch({ method: 'GET', url: '/users', httpVersion: '1.1', headers: {}, readBody: async () => Buffer.alloc(0) });
    assert.equal(response.status, 400);
    assert.equal(response.headers['content-type'], 'application/problem+json');
    assert.ok(response.headers['x-request-id']);
  });

  it('serves an HTTP/1.0 request without Host', async (t) => {
    const app = createTestApp(t);
    const response = await app.app.dispatch({ method: 'GET', url: '/users', httpVersion: '1.0', headers: {}, readBody: async () => Buffer.alloc(0) });
    assert.equal(response.status, 200);
  });

  it('names the route pattern that answered, for the access log, and null when none did', async (t) => {
    const app = createTestApp(t);
    const request = (url: string) => app.app.dispatch({ method: 'GET', url, httpVersion: '1.1', headers: { host: 'test' }, readBody: async () => Buffer.alloc(0) });
    assert.equal((await request('/users/12')).route, '/users/:id');
    assert.equal((await request('/users?limit=1')).route, '/users');
    assert.equal((await request('/nowhere')).route, null);
  });

  describe('a handler that fails unexpectedly', () => {
    for (const [label, thrown] of [
      ['throws an Error', () => new Error('at /work/main/src/secret.ts:12:3 SELECT password FROM users')],
      ['throws a string', () => 'a string'],
      ['throws undefined', () => undefined],
      ['rejects with an object', () => ({ detail: 'leak' })],
    ] as const) {
      it(`answers a generic 500 when it ${label}, logged with the request id`, async (t) => {
        const app = createTestApp(t);
        app.app.router.add('GET', '/boom', async () => {
          throw thrown();
        });
        const response = await app.request('GET', '/boom', { headers: { 'x-request-id': 'boom-1' } });
        const problem = assertProblem(response, 500);
        assert.equal(problem.detail, 'Internal Server Error');
        assert.deepEqual(Object.keys(problem).sort(), ['detail', 'status', 'title', 'type']);
        assert.equal(response.headers['x-request-id'], 'boom-1');
        assert.doesNotMatch(response.text, /secret|SELECT|leak|string/);
        const logged = app.logs.map((line) => JSON.parse(line)).filter((entry) => entry.level === 'error');
        assert.equal(logged.length, 1);
        assert.equal(logged[0].request_id, 'boom-1');
      });
    }

    it('keeps serving other requests afterwards', async (t) => {
      const app = createTestApp(t);
      app.app.router.add('GET', '/boom', () => {
        throw new Error('boom');
      });
      await app.request('GET', '/boom');
      assert.equal((await app.request('GET', '/users')).status, 200);
    });
  });
});
