import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createRouter } from '../../src/http/router.ts';

describe('router', () => {
  it('matches a static route and a parameter route', () => {
    const router = createRouter<string>();
    router.add('GET', '/users', 'list');
    router.add('GET', '/users/:id', 'get');
    assert.deepEqual(router.match('GET', '/users'), { pattern: '/users', params: {}, handler: 'list', allow: 'GET, HEAD' });
    assert.deepEqual(router.match('GET', '/users/42'), { pattern: '/users/:id', params: { id: '42' }, handler: 'get', allow: 'GET, HEAD' });
  });

  it('answers HEAD with the GET handler', () => {
    const router = createRouter<string>();
    router.add('GET', '/health', 'health');
    assert.equal(router.match('HEAD', '/health')?.handler, 'health');
  });

  it('returns null for a path no route matches', () => {
    const router = createRouter<string>();
    router.add('GET', '/users/:id', 'get');
    assert.equal(router.match('GET', '/nothing'), null);
    assert.equal(router.match('GET', '/users/'), null);
    assert.equal(router.match('GET', '/users/1/2'), null);
  });

  it('names the allowed methods when the path exists but the method does not', () => {
    const router = createRouter<string>();
    router.add('GET', '/users', 'list');
    router.add('POST', '/users', 'create');
    const match = router.match('DELETE', '/users');
    assert.equal(match?.handler, undefined);
    assert.equal(match?.allow, 'GET, HEAD, POST');
  });

  it('takes a parameter segment literally, whatever characters it holds', () => {
    const router = createRouter<string>();
    router.add('GET', '/users/:id', 'get');
    assert.deepEqual(router.match('GET', '/users/.*')?.params, { id: '.*' });
    assert.deepEqual(router.match('GET', '/users/(a|b)+$')?.params, { id: '(a|b)+$' });
    assert.equal(router.match('GET', '/users/a/b'), null);
  });

  it('prefers a static route over a parameter route of the same length', () => {
    const router = createRouter<string>();
    router.add('GET', '/health/:name', 'param');
    router.add('GET', '/health/live', 'static');
    assert.equal(router.match('GET', '/health/live')?.handler, 'static');
    assert.equal(router.match('GET', '/health/other')?.handler, 'param');
  });

  it('matches methods by exact, upper-case name', () => {
    const router = createRouter<string>();
    router.add('GET', '/users', 'list');
    assert.equal(router.match('get', '/users')?.handler, undefined);
  });

  it('lists every route with its methods, HEAD included wherever GET is', () => {
    const router = createRouter<string>();
    router.add('GET', '/users', 'list');
    router.add('POST', '/users', 'create');
    router.add('DELETE', '/users/:id', 'delete');
    assert.deepEqual(router.list(), [
      { pattern: '/users', methods: ['GET', 'HEAD', 'POST'] },
      { pattern: '/users/:id', methods: ['DELETE'] },
    ]);
  });

  it('refuses HEAD where GET already provides it', () => {
    const router = createRouter<string>();
    router.add('GET', '/users', 'list');
    assert.throws(() => router.add('HEAD', '/users', 'head'), /defined twice/);
  });

  it('throws at startup on a duplicate route', () => {
    const router = createRouter<string>();
    router.add('GET', '/users', 'list');
    assert.throws(() => router.add('GET', '/users', 'again'), /defined twice/);
  });

  it('throws at startup on two spellings of the same parameter route', () => {
    const router = createRouter<string>();
    router.add('GET', '/users/:id', 'get');
    assert.throws(() => router.add('PUT', '/users/:userId', 'put'), /same paths/);
  });

  it('throws at startup on a malformed pattern or method', () => {
    const router = createRouter<string>();
    assert.throws(() => router.add('GET', 'users', 'x'), /must start with/);
    assert.throws(() => router.add('GET', '/users/:id/:id', 'x'), /twice/);
    assert.throws(() => router.add('GET', '/us ers', 'x'), /malformed segment/);
    assert.throws(() => router.add('FETCH', '/users', 'x'), /unknown method/);
  });
});
