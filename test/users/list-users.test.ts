// GET /users: id order, `limit` and `after` (keyset pagination), the Link to the next page, and the
// `email` filter.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createTestApp, type TestApp } from '../support/app.ts';
import { assertInvalidFields, assertProblem, assertUserShape, createUser, createUsers } from '../support/users.ts';

const ids = (users: Array<{ id: number }>) => users.map((user) => user.id);
const NEXT = /^<(\/users\?limit=(\d+)&after=(\d+))>; rel="next"$/;

/** Follows Link rel="next" from `url` to the last page; returns every page's ids in order. */
async function walk(app: TestApp, url: string): Promise<number[][]> {
  const pages: number[][] = [];
  let next: string | undefined = url;
  while (next !== undefined) {
    const response = await app.request('GET', next);
    assert.equal(response.status, 200);
    pages.push(ids(response.body));
    const link = response.headers.link;
    next = link === undefined ? undefined : NEXT.exec(link)![1];
    assert.ok(pages.length <= 100, 'the Link chain ends');
  }
  return pages;
}

describe('GET /users', () => {
  it('answers 200 with an empty JSON array and no Link when there are no users', async (t) => {
    const app = createTestApp(t);
    const response = await app.request('GET', '/users');
    assert.equal(response.status, 200);
    assert.equal(response.headers['content-type'], 'application/json; charset=utf-8');
    assert.deepEqual(response.body, []);
    assert.equal(response.headers.link, undefined);
  });

  it('answers with every user, whole, ordered by id ascending', async (t) => {
    const app = createTestApp(t);
    const created = await createUsers(app, 3);
    const response = await app.request('GET', '/users');
    assert.deepEqual(response.body, created);
    for (const user of response.body) assertUserShape(user);
  });

  // SQLite writes the list's JSON and JSON.stringify writes a single user's (src/users/store.ts):
  // the two must agree byte for byte, for any text a user can hold.
  it('writes each user exactly as GET /users/:id does, byte for byte', async (t) => {
    const app = createTestApp(t);
    await createUser(app, { email: 'ada@example.com', name: 'Ada "the first" Lovelace \\ Byron' });
    await createUser(app, { email: 'zoë@exämple.com', name: 'Zoë 日本 😀 \u2028 end', is_active: false });
    const changed = await createUser(app, { email: 'grace@example.com', name: 'Grace' });
    assert.equal((await app.request('PATCH', `/users/${changed.id}`, { body: { name: 'Grace Hopper' } })).status, 200);
    const list = await app.request('GET', '/users');
    const singles = await Promise.all(ids(list.body).map((id) => app.request('GET', `/users/${id}`)));
    assert.equal(list.text, `[${singles.map((single) => single.text).join(',')}]`);
  });

  it('orders by id even when emails and names sort the other way', async (t) => {
    const app = createTestApp(t);
    await createUser(app, { email: 'zed@example.com', name: 'Zed' });
    await createUser(app, { email: 'amy@example.com', name: 'Amy' });
    const response = await app.request('GET', '/users');
    assert.deepEqual(response.body.map((user: { email: string }) => user.email), ['zed@example.com', 'amy@example.com']);
  });

  describe('limit', () => {
    it('defaults to 100', async (t) => {
      const app = createTestApp(t);
      await createUsers(app, 101);
      const response = await app.request('GET', '/users');
      assert.equal(response.body.length, 100);
      assert.equal(response.headers.link, '</users?limit=100&after=100>; rel="next"');
    });

    it('returns at most limit users', async (t) => {
      const app = createTestApp(t);
      await createUsers(app, 5);
      assert.deepEqual(ids((await app.request('GET', '/users?limit=2')).body), [1, 2]);
      assert.deepEqual(ids((await app.request('GET', '/users?limit=1')).body), [1]);
    });

    it('accepts 1000', async (t) => {
      const app = createTestApp(t);
      await createUsers(app, 2);
      assert.equal((await app.request('GET', '/users?limit=1000')).status, 200);
    });

    for (const value of ['0', '1001', '-1', '1.5', 'abc', '', '10abc', '1e2', '010', '+5', ' 5', '99999999999999999999']) {
      it(`answers 400 naming limit for limit=${JSON.stringify(value)}`, async (t) => {
        const app = createTestApp(t);
        assertInvalidFields(await app.request('GET', `/users?limit=${encodeURIComponent(value)}`), ['limit']);
      });
    }

    it('answers 400 naming limit when it is given twice', async (t) => {
      const app = createTestApp(t);
      assertInvalidFields(await app.request('GET', '/users?limit=1&limit=2'), ['limit']);
    });
  });

  describe('after', () => {
    it('returns only users with a larger id', async (t) => {
      const app = createTestApp(t);
      await createUsers(app, 5);
      assert.deepEqual(ids((await app.request('GET', '/users?after=2')).body), [3, 4, 5]);
      assert.deepEqual(ids((await app.request('GET', '/users?after=2&limit=2')).body), [3, 4]);
    });

    it('accepts 0, which starts at the beginning', async (t) => {
      const app = createTestApp(t);
      await createUsers(app, 2);
      assert.deepEqual(ids((await app.request('GET', '/users?after=0')).body), [1, 2]);
    });

    it('works from an id that was deleted', async (t) => {
      const app = createTestApp(t);
      await createUsers(app, 4);
      await app.request('DELETE', '/users/2');
      assert.deepEqual(ids((await app.request('GET', '/users?after=2')).body), [3, 4]);
    });

    it('answers an empty page past the last user, with no Link', async (t) => {
      const app = createTestApp(t);
      await createUsers(app, 2);
      const response = await app.request('GET', '/users?after=2');
      assert.deepEqual(response.body, []);
      assert.equal(response.headers.link, undefined);
      assert.deepEqual((await app.request('GET', '/users?after=9007199254740991')).body, []);
    });

    for (const value of ['-1', '1.5', 'abc', '', '9007199254740992', '01', '0x10']) {
      it(`answers 400 naming after for after=${JSON.stringify(value)}`, async (t) => {
        const app = createTestApp(t);
        assertInvalidFields(await app.request('GET', `/users?after=${encodeURIComponent(value)}`), ['after']);
      });
    }
  });

  describe('Link', () => {
    it('points at the next page in exactly the form </users?limit=N&after=LAST>; rel="next"', async (t) => {
      const app = createTestApp(t);
      await createUsers(app, 5);
      const response = await app.request('GET', '/users?limit=2');
      assert.equal(response.headers.link, '</users?limit=2&after=2>; rel="next"');
    });

    it('is absent when the page ends exactly at the last user', async (t) => {
      const app = createTestApp(t);
      await createUsers(app, 4);
      assert.equal((await app.request('GET', '/users?limit=4')).headers.link, undefined);
      assert.equal((await app.request('GET', '/users?limit=2&after=2')).headers.link, undefined);
    });

    it('is absent when fewer users than the limit remain', async (t) => {
      const app = createTestApp(t);
      await createUsers(app, 3);
      assert.equal((await app.request('GET', '/users?limit=10')).headers.link, undefined);
    });

    it('names the last id on the page, even across gaps left by deletes', async (t) => {
      const app = createTestApp(t);
      await createUsers(app, 6);
      await app.request('DELETE', '/users/2');
      await app.request('DELETE', '/users/3');
      const response = await app.request('GET', '/users?limit=2');
      assert.deepEqual(ids(response.body), [1, 4]);
      assert.equal(response.headers.link, '</users?limit=2&after=4>; rel="next"');
    });

    it('followed from the first page, walks the whole table once, in order', async (t) => {
      const app = createTestApp(t);
      await createUsers(app, 7);
      await app.request('DELETE', '/users/5');
      const pages = await walk(app, '/users?limit=2');
      assert.deepEqual(pages, [[1, 2], [3, 4], [6, 7]]);
    });

    it('keeps the caller\'s limit and starts from the caller\'s after', async (t) => {
      const app = createTestApp(t);
      await createUsers(app, 7);
      assert.deepEqual(await walk(app, '/users?after=1&limit=3'), [[2, 3, 4], [5, 6, 7]]);
    });
  });

  describe('email', () => {
    it('returns the user with that email as a one-element array', async (t) => {
      const app = createTestApp(t);
      await createUsers(app, 3);
      const response = await app.request('GET', '/users?email=user2@example.com');
      assert.equal(response.status, 200);
      assert.deepEqual(ids(response.body), [2]);
      assert.equal(response.headers.link, undefined);
    });

    it('ignores ASCII case', async (t) => {
      const app = createTestApp(t);
      await createUser(app, { email: 'Ada@Example.com' });
      const response = await app.request('GET', '/users?email=aDA@eXAMPLE.COM');
      assert.deepEqual(response.body.map((user: { email: string }) => user.email), ['Ada@Example.com']);
    });

    it('returns an empty array when nobody has the email', async (t) => {
      const app = createTestApp(t);
      await createUsers(app, 2);
      const response = await app.request('GET', '/users?email=nobody@example.com');
      assert.equal(response.status, 200);
      assert.deepEqual(response.body, []);
    });

    it('decodes percent-encoding and keeps + as a plus sign', async (t) => {
      const app = createTestApp(t);
      await createUser(app, { email: 'ada+news@example.com' });
      assert.equal((await app.request('GET', '/users?email=ada+news@example.com')).body.length, 1);
      assert.equal((await app.request('GET', '/users?email=ada%2Bnews%40example.com')).body.length, 1);
      assert.equal((await app.request('GET', '/users?email=ada%20news@example.com')).body.length, 0);
    });

    it('trims surrounding whitespace, as POST does', async (t) => {
      const app = createTestApp(t);
      await createUser(app, { email: 'ada@example.com' });
      assert.equal((await app.request('GET', '/users?email=%20ada@example.com%20')).body.length, 1);
    });

    it('does not match a prefix or a pattern', async (t) => {
      const app = createTestApp(t);
      await createUser(app, { email: 'ada@example.com' });
      assert.deepEqual((await app.request('GET', '/users?email=ada@example')).body, []);
      assert.deepEqual((await app.request('GET', '/users?email=%25@example.com')).body, []);
      assert.deepEqual((await app.request('GET', '/users?email=ada@example.co_')).body, []);
    });

    it('combines with after', async (t) => {
      const app = createTestApp(t);
      await createUsers(app, 3);
      assert.deepEqual(ids((await app.request('GET', '/users?email=user2@example.com&after=1')).body), [2]);
      assert.deepEqual((await app.request('GET', '/users?email=user2@example.com&after=2')).body, []);
    });

    it('answers 400 naming email when it is empty', async (t) => {
      const app = createTestApp(t);
      assertInvalidFields(await app.request('GET', '/users?email='), ['email']);
      assertInvalidFields(await app.request('GET', '/users?email'), ['email']);
    });
  });

  describe('query parameters', () => {
    it('answers 400 naming a parameter it does not know', async (t) => {
      const app = createTestApp(t);
      assertInvalidFields(await app.request('GET', '/users?offset=10'), ['offset']);
      assertInvalidFields(await app.request('GET', '/users?Limit=10'), ['Limit']);
    });

    it('answers 400 for a malformed percent-encoding', async (t) => {
      const app = createTestApp(t);
      assertProblem(await app.request('GET', '/users?email=%E0%A4%A'), 400);
      assertProblem(await app.request('GET', '/users?email=%zz'), 400);
    });

    it('ignores empty pairs such as a trailing &', async (t) => {
      const app = createTestApp(t);
      await createUsers(app, 2);
      assert.deepEqual(ids((await app.request('GET', '/users?limit=1&')).body), [1]);
      assert.equal((await app.request('GET', '/users?')).status, 200);
    });
  });

  it('answers HEAD with the headers of the GET, Link included', async (t) => {
    const app = createTestApp(t);
    await createUsers(app, 3);
    const head = await app.request('HEAD', '/users?limit=1');
    assert.equal(head.status, 200);
    assert.equal(head.headers.link, '</users?limit=1&after=1>; rel="next"');
    assert.equal(head.headers['content-type'], 'application/json; charset=utf-8');
  });
});
