// The bearer check for API_TOKEN, alone and through the app: /health* stays open, everything else
// needs the token, and a 401 comes before routing and before the body is read.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createBearerCheck, isPublicPath } from '../../src/http/auth.ts';
import { HttpError } from '../../src/http/errors.ts';
import { createTestApp } from '../support/app.ts';
import { assertProblem } from '../support/users.ts';

const TOKEN = 's3cret-token_123';

function challengeOf(run: () => void): string | undefined {
  try {
    run();
  } catch (error) {
    assert.ok(error instanceof HttpError);
    assert.equal(error.status, 401);
    return error.headers['www-authenticate'];
  }
  return undefined;
}

describe('createBearerCheck', () => {
  it('is null when no token is configured: nothing is checked', () => {
    assert.equal(createBearerCheck(null), null);
  });

  it('accepts the token with the Bearer scheme in any case', () => {
    const check = createBearerCheck(TOKEN)!;
    for (const header of [`Bearer ${TOKEN}`, `bearer ${TOKEN}`, `BEARER ${TOKEN}`, `Bearer  ${TOKEN} `]) {
      assert.equal(challengeOf(() => check(header)), undefined, header);
    }
  });

  it('answers 401 with a Bearer challenge when the header is missing, empty or of another scheme', () => {
    const check = createBearerCheck(TOKEN)!;
    for (const header of [undefined, '', 'Bearer', 'Bearer ', TOKEN, `Basic ${Buffer.from(`user:${TOKEN}`).toString('base64')}`, `Token ${TOKEN}`, `Bearer:${TOKEN}`]) {
      assert.match(challengeOf(() => check(header)) ?? 'none', /^Bearer\b/, String(header));
    }
  });

  it('answers 401 with a Bearer challenge when the token is wrong', () => {
    const check = createBearerCheck(TOKEN)!;
    for (const header of ['Bearer wrong', `Bearer ${TOKEN}x`, `Bearer ${TOKEN.slice(0, -1)}`, `Bearer ${TOKEN.toUpperCase()}`, `Bearer ${TOKEN} extra`]) {
      assert.match(challengeOf(() => check(header)) ?? 'none', /^Bearer\b/, header);
    }
  });
});

describe('isPublicPath', () => {
  it('is true for /health and everything under /health/', () => {
    assert.equal(isPublicPath('/health'), true);
    assert.equal(isPublicPath('/health/live'), true);
  });

  it('is false for paths that only start with the same letters, and for everything else', () => {
    for (const path of ['/healthz', '/health-check', '/users', '/', '/Health']) assert.equal(isPublicPath(path), false, path);
  });
});

describe('with API_TOKEN set', () => {
  const authorized = { authorization: `Bearer ${TOKEN}` };

  it('answers 401 with WWW-Authenticate: Bearer on every /users route without the token', async (t) => {
    const app = createTestApp(t, { apiToken: TOKEN });
    for (const [method, url] of [['GET', '/users'], ['POST', '/users'], ['GET', '/users/1'], ['HEAD', '/users/1'], ['PUT', '/users/1'], ['PATCH', '/users/1'], ['DELETE', '/users/1']] as const) {
      const response = await app.request(method, url, { body: method === 'POST' || method === 'PUT' || method === 'PATCH' ? { name: 'x' } : undefined });
      if (method !== 'HEAD') assertProblem(response, 401);
      assert.equal(response.status, 401);
      assert.match(response.headers['www-authenticate']!, /^Bearer\b/);
    }
  });

  it('answers 401 for a wrong token and for another scheme', async (t) => {
    const app = createTestApp(t, { apiToken: TOKEN });
    assertProblem(await app.request('GET', '/users', { headers: { authorization: 'Bearer nope' } }), 401);
    assertProblem(await app.request('GET', '/users', { headers: { authorization: `Basic ${TOKEN}` } }), 401);
  });

  it('serves every route with the right token', async (t) => {
    const app = createTestApp(t, { apiToken: TOKEN });
    const created = await app.request('POST', '/users', { headers: authorized, body: { email: 'ada@example.com', name: 'Ada' } });
    assert.equal(created.status, 201);
    assert.equal((await app.request('GET', '/users', { headers: authorized })).status, 200);
    assert.equal((await app.request('GET', '/users/1', { headers: authorized })).status, 200);
    assert.equal((await app.request('PATCH', '/users/1', { headers: authorized, body: { name: 'Ada King' } })).status, 200);
    assert.equal((await app.request('PUT', '/users/1', { headers: authorized, body: { email: 'ada@example.com', name: 'Ada' } })).status, 200);
    assert.equal((await app.request('DELETE', '/users/1', { headers: authorized })).status, 204);
  });

  it('leaves /health and /health/live open, with or without a token, even a wrong one', async (t) => {
    const app = createTestApp(t, { apiToken: TOKEN });
    for (const headers of [{}, authorized, { authorization: 'Bearer wrong' }]) {
      assert.equal((await app.request('GET', '/health', { headers })).status, 200);
      assert.equal((await app.request('GET', '/health/live', { headers })).status, 200);
      assert.equal((await app.request('HEAD', '/health', { headers })).status, 200);
    }
  });

  it('answers 401, not 404 or 405, for unknown paths and methods: without the token nobody learns which routes exist', async (t) => {
    const app = createTestApp(t, { apiToken: TOKEN });
    assertProblem(await app.request('GET', '/admin'), 401);
    assertProblem(await app.request('DELETE', '/users'), 401);
    assertProblem(await app.request('GET', '/healthz'), 401);
  });

  it('answers 401 before the body is read or its type checked', async (t) => {
    const app = createTestApp(t, { apiToken: TOKEN });
    const response = await app.app.dispatch({
      method: 'POST',
      url: '/users',
      httpVersion: '1.1',
      headers: { host: 'test', 'content-type': 'text/plain', 'content-length': '999999999' },
      readBody: () => assert.fail('the body must not be read'),
    });
    assert.equal(response.status, 401);
    assert.match(response.headers['www-authenticate']!, /^Bearer\b/);
  });

  it('carries X-Request-Id on the 401', async (t) => {
    const app = createTestApp(t, { apiToken: TOKEN });
    assert.equal((await app.request('GET', '/users', { headers: { 'x-request-id': 'who-am-i' } })).headers['x-request-id'], 'who-am-i');
  });
});

describe('without API_TOKEN', () => {
  it('serves every route without an Authorization header, and ignores one if sent', async (t) => {
    const app = createTestApp(t);
    assert.equal((await app.request('GET', '/users')).status, 200);
    assert.equal((await app.request('GET', '/users', { headers: { authorization: 'Bearer anything' } })).status, 200);
  });
});
