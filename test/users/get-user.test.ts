// GET and HEAD /users/:id: the user with its ETag, 304 on a matching If-None-Match, 404, and the
// contract's rule for path ids, which every /users/:id route shares.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createTestApp } from '../support/app.ts';
import { assertInvalidFields, assertProblem, assertUserShape, createUser } from '../support/users.ts';

describe('GET /users/:id', () => {
  it('answers 200 with the user as JSON and a strong ETag', async (t) => {
    const app = createTestApp(t);
    const user = await createUser(app);
    const response = await app.request('GET', `/users/${user.id}`);
    assert.equal(response.status, 200);
    assert.equal(response.headers['content-type'], 'application/json; charset=utf-8');
    assertUserShape(response.body);
    assert.deepEqual(response.body, user);
    assert.match(response.headers.etag!, /^"[\x21\x23-\x7e]+"$/, 'a strong entity tag, no W/ prefix');
  });

  it('answers 404 when no user has the id', async (t) => {
    const app = createTestApp(t);
    assertProblem(await app.request('GET', '/users/1'), 404);
  });

  it('answers 404 for the largest id the contract allows', async (t) => {
    const app = createTestApp(t);
    assertProblem(await app.request('GET', '/users/9007199254740991'), 404);
  });

  it('gives two users different ETags, and one user the same ETag until it changes', async (t) => {
    const app = createTestApp(t, { now: () => Date.parse('2026-11-27T18:00:00.000Z') });
    const ada = await createUser(app, { email: 'ada@example.com' });
    const bob = await createUser(app, { email: 'bob@example.com' });
    const adaTag = (await app.request('GET', `/users/${ada.id}`)).headers.etag;
    assert.notEqual(adaTag, (await app.request('GET', `/users/${bob.id}`)).headers.etag);
    assert.equal((await app.request('GET', `/users/${ada.id}`)).headers.etag, adaTag);
    await app.request('PATCH', `/users/${ada.id}`, { body: { name: 'Ada King' } });
    assert.notEqual((await app.request('GET', `/users/${ada.id}`)).headers.etag, adaTag);
  });

  describe('If-None-Match', () => {
    it('answers 304 with the ETag and no body when it matches', async (t) => {
      const app = createTestApp(t);
      const user = await createUser(app);
      const { etag } = (await app.request('GET', `/users/${user.id}`)).headers;
      const response = await app.request('GET', `/users/${user.id}`, { headers: { 'if-none-match': etag! } });
      assert.equal(response.status, 304);
      assert.equal(response.headers.etag, etag);
      assert.equal(response.text, '');
      assert.ok(response.headers['x-request-id']);
    });

    it('answers 304 when one tag of a list matches, or for *', async (t) => {
      const app = createTestApp(t);
      const user = await createUser(app);
      const { etag } = (await app.request('GET', `/users/${user.id}`)).headers;
      assert.equal((await app.request('GET', `/users/${user.id}`, { headers: { 'if-none-match': `"other", ${etag}` } })).status, 304);
      assert.equal((await app.request('GET', `/users/${user.id}`, { headers: { 'if-none-match': '*' } })).status, 304);
    });

    it('answers 304 for the weak form of the tag (If-None-Match compares weakly)', async (t) => {
      const app = createTestApp(t);
      const user = await createUser(app);
      const { etag } = (await app.request('GET', `/users/${user.id}`)).headers;
      assert.equal((await app.request('GET', `/users/${user.id}`, { headers: { 'if-none-match': `W/${etag}` } })).status, 304);
    });

    it('answers 200 with the new user once the user has changed', async (t) => {
      const app = createTestApp(t);
      const user = await createUser(app);
      const { etag } = (await app.request('GET', `/users/${user.id}`)).headers;
      await app.request('PATCH', `/users/${user.id}`, { body: { is_active: false } });
      const response = await app.request('GET', `/users/${user.id}`, { headers: { 'if-none-match': etag! } });
      assert.equal(response.status, 200);
      assert.equal(response.body.is_active, false);
      assert.notEqual(response.headers.etag, etag);
    });

    it('answers 200 when the tag is another user\'s', async (t) => {
      const app = createTestApp(t);
      const ada = await createUser(app, { email: 'ada@example.com' });
      const bob = await createUser(app, { email: 'bob@example.com' });
      const { etag } = (await app.request('GET', `/users/${bob.id}`)).headers;
      assert.equal((await app.request('GET', `/users/${ada.id}`, { headers: { 'if-none-match': etag! } })).status, 200);
    });

    it('answers 404, not 304, for * when there is no such user', async (t) => {
      const app = createTestApp(t);
      assertProblem(await app.request('GET', '/users/7', { headers: { 'if-none-match': '*' } }), 404);
    });
  });

  describe('If-Match', () => {
    it('answers 200 when it holds: the current tag, one tag of a list, or *', async (t) => {
      const app = createTestApp(t);
      const user = await createUser(app);
      const { etag } = (await app.request('GET', `/users/${user.id}`)).headers;
      for (const header of [etag!, `"old", ${etag}`, '*']) {
        assert.equal((await app.request('GET', `/users/${user.id}`, { headers: { 'if-match': header } })).status, 200, header);
      }
    });

    it('answers 412 when it does not hold, a weak tag included', async (t) => {
      const app = createTestApp(t);
      const user = await createUser(app);
      const { etag } = (await app.request('GET', `/users/${user.id}`)).headers;
      assertProblem(await app.request('GET', `/users/${user.id}`, { headers: { 'if-match': '"old"' } }), 412);
      assertProblem(await app.request('GET', `/users/${user.id}`, { headers: { 'if-match': `W/${etag}` } }), 412);
    });

    it('is checked before If-None-Match', async (t) => {
      const app = createTestApp(t);
      const user = await createUser(app);
      const { etag } = (await app.request('GET', `/users/${user.id}`)).headers;
      assertProblem(await app.request('GET', `/users/${user.id}`, { headers: { 'if-match': '"old"', 'if-none-match': etag! } }), 412);
      assert.equal((await app.request('GET', `/users/${user.id}`, { headers: { 'if-match': etag!, 'if-none-match': etag! } })).status, 304);
    });
  });

  describe('HEAD', () => {
    it('answers with the headers a GET would carry', async (t) => {
      const app = createTestApp(t);
      const user = await createUser(app);
      const get = await app.request('GET', `/users/${user.id}`);
      const head = await app.request('HEAD', `/users/${user.id}`);
      assert.equal(head.status, 200);
      assert.equal(head.headers.etag, get.headers.etag);
      assert.equal(head.headers['content-type'], get.headers['content-type']);
    });

    it('answers 304 on a matching If-None-Match and 404 for a missing user', async (t) => {
      const app = createTestApp(t);
      const user = await createUser(app);
      const { etag } = (await app.request('GET', `/users/${user.id}`)).headers;
      assert.equal((await app.request('HEAD', `/users/${user.id}`, { headers: { 'if-none-match': etag! } })).status, 304);
      assert.equal((await app.request('HEAD', '/users/99')).status, 404);
    });
  });

  it('refuses query parameters, which it does not take', async (t) => {
    const app = createTestApp(t);
    const user = await createUser(app);
    assertInvalidFields(await app.request('GET', `/users/${user.id}?fields=email`), ['fields']);
  });
});

describe('a path {id}', () => {
  const refused = [
    ['a word', 'abc'],
    ['a decimal fraction', '1.5'],
    ['negative', '-1'],
    ['zero', '0'],
    ['one past 9007199254740991', '9007199254740992'],
    ['far too large', '99999999999999999999999'],
    ['written with a leading zero', '01'],
    ['written with a plus sign', '+1'],
    ['in exponent notation', '1e3'],
    ['in hexadecimal', '0x1'],
    ['percent-encoded', '%31'],
    ['followed by a space', '1%20'],
    ['a number with letters after it', '12abc'],
  ] as const;

  for (const [method, body] of [['GET', undefined], ['HEAD', undefined], ['PUT', { email: 'ada@example.com', name: 'Ada' }], ['PATCH', { name: 'Ada' }], ['DELETE', undefined]] as const) {
    it(`answers 400 naming id, for ${method}, when it is not a decimal integer from 1 to 9007199254740991`, async (t) => {
      const app = createTestApp(t);
      await createUser(app);
      for (const [label, id] of refused) {
        const response = await app.request(method, `/users/${id}`, { body });
        assert.equal(response.status, 400, `${label}: ${id}`);
        if (method !== 'HEAD') assertInvalidFields(response, ['id']);
      }
    });
  }

  it('answers 400 for a bad id before it looks at the body', async (t) => {
    const app = createTestApp(t);
    assertInvalidFields(await app.request('PUT', '/users/abc', { headers: { 'content-type': 'text/plain' }, body: 'x' }), ['id']);
  });

  it('answers 404 for an empty id or an extra segment: no route has that shape', async (t) => {
    const app = createTestApp(t);
    await createUser(app);
    assertProblem(await app.request('GET', '/users/'), 404);
    assertProblem(await app.request('GET', '/users/1/'), 404);
    assertProblem(await app.request('GET', '/users/1/posts'), 404);
  });
});
