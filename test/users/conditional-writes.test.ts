// If-Match on PUT, PATCH and DELETE: a write goes ahead only against the version the caller saw.
// A mismatch is 412 with nothing changed, checked in the same transaction as the write.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createTestApp, type TestApp } from '../support/app.ts';
import { assertProblem, createUser, readUsersTable } from '../support/users.ts';

const writes = [
  ['PUT', { email: 'countess@example.com', name: 'Countess' }, 200],
  ['PATCH', { name: 'Ada King' }, 200],
  ['DELETE', undefined, 204],
] as const;

async function userWithTag(app: TestApp): Promise<{ id: number; etag: string }> {
  const user = await createUser(app);
  return { id: user.id, etag: (await app.request('GET', `/users/${user.id}`)).headers.etag! };
}

for (const [method, body, success] of writes) {
  describe(`${method} /users/:id with If-Match`, () => {
    it(`answers ${success} when the tag is the user's current ETag`, async (t) => {
      const app = createTestApp(t);
      const { id, etag } = await userWithTag(app);
      assert.equal((await app.request(method, `/users/${id}`, { headers: { 'if-match': etag }, body })).status, success);
    });

    it(`answers ${success} when one tag of a list matches`, async (t) => {
      const app = createTestApp(t);
      const { id, etag } = await userWithTag(app);
      assert.equal((await app.request(method, `/users/${id}`, { headers: { 'if-match': `"stale", ${etag}` }, body })).status, success);
    });

    it(`answers ${success} for If-Match: * on a user that exists`, async (t) => {
      const app = createTestApp(t);
      const { id } = await userWithTag(app);
      assert.equal((await app.request(method, `/users/${id}`, { headers: { 'if-match': '*' }, body })).status, success);
    });

    it('answers 412 and changes nothing when the tag does not match', async (t) => {
      const app = createTestApp(t);
      const { id } = await userWithTag(app);
      const before = readUsersTable(app);
      assertProblem(await app.request(method, `/users/${id}`, { headers: { 'if-match': '"not-the-tag"' }, body }), 412);
      assert.deepEqual(readUsersTable(app), before);
    });

    it('answers 412 for a tag the user had before its last change', async (t) => {
      const app = createTestApp(t);
      const { id, etag } = await userWithTag(app);
      await app.request('PATCH', `/users/${id}`, { body: { is_active: false } });
      const before = readUsersTable(app);
      assertProblem(await app.request(method, `/users/${id}`, { headers: { 'if-match': etag }, body }), 412);
      assert.deepEqual(readUsersTable(app), before);
    });

    it('answers 412 for the weak form of the current tag (If-Match compares strongly)', async (t) => {
      const app = createTestApp(t);
      const { id, etag } = await userWithTag(app);
      assertProblem(await app.request(method, `/users/${id}`, { headers: { 'if-match': `W/${etag}` }, body }), 412);
    });

    it('answers 412 for another user\'s current tag', async (t) => {
      const app = createTestApp(t);
      const { id } = await userWithTag(app);
      const other = await createUser(app, { email: 'other@example.com' });
      const otherTag = (await app.request('GET', `/users/${other.id}`)).headers.etag!;
      assertProblem(await app.request(method, `/users/${id}`, { headers: { 'if-match': otherTag }, body }), 412);
    });

    it('answers 404, not 412, when the user does not exist: there is nothing to compare with', async (t) => {
      const app = createTestApp(t);
      assertProblem(await app.request(method, '/users/9', { headers: { 'if-match': '"whatever"' }, body }), 404);
      assertProblem(await app.request(method, '/users/9', { headers: { 'if-match': '*' }, body }), 404);
    });

    it('answers 412 when If-None-Match: * is sent for a user that exists', async (t) => {
      const app = createTestApp(t);
      const { id } = await userWithTag(app);
      const before = readUsersTable(app);
      assertProblem(await app.request(method, `/users/${id}`, { headers: { 'if-none-match': '*' }, body }), 412);
      assert.deepEqual(readUsersTable(app), before);
    });
  });
}

describe('conditional writes', () => {
  it('return the new ETag, which the next conditional write then uses', async (t) => {
    const app = createTestApp(t);
    const { id, etag } = await userWithTag(app);
    const first = await app.request('PATCH', `/users/${id}`, { headers: { 'if-match': etag }, body: { name: 'One' } });
    assert.equal(first.status, 200);
    assert.notEqual(first.headers.etag, etag);
    assert.equal((await app.request('PATCH', `/users/${id}`, { headers: { 'if-match': first.headers.etag! }, body: { name: 'Two' } })).status, 200);
    assertProblem(await app.request('PATCH', `/users/${id}`, { headers: { 'if-match': first.headers.etag! }, body: { name: 'Three' } }), 412);
  });

  it('let only one of two racing writers with the same tag win', async (t) => {
    const app = createTestApp(t);
    const { id, etag } = await userWithTag(app);
    const [first, second] = await Promise.all([
      app.request('PATCH', `/users/${id}`, { headers: { 'if-match': etag }, body: { name: 'First' } }),
      app.request('PATCH', `/users/${id}`, { headers: { 'if-match': etag }, body: { name: 'Second' } }),
    ]);
    assert.deepEqual([first.status, second.status].sort(), [200, 412]);
    const winner = first.status === 200 ? first : second;
    assert.equal((await app.request('GET', `/users/${id}`)).body.name, winner.body.name);
  });

  it('answer 412 before 409: a stale writer learns it is stale first', async (t) => {
    const app = createTestApp(t);
    await createUser(app, { email: 'taken@example.com' });
    const { id } = await userWithTag(app);
    assertProblem(await app.request('PATCH', `/users/${id}`, { headers: { 'if-match': '"stale"' }, body: { email: 'taken@example.com' } }), 412);
  });

  it('answer 412 even when the write would change nothing', async (t) => {
    const app = createTestApp(t);
    const user = await createUser(app);
    assertProblem(await app.request('PATCH', `/users/${user.id}`, { headers: { 'if-match': '"stale"' }, body: { name: user.name } }), 412);
  });

  it('ignore If-Match on POST /users, which has no current version to compare', async (t) => {
    const app = createTestApp(t);
    assert.equal((await app.request('POST', '/users', { headers: { 'if-match': '"x"' }, body: { email: 'a@example.com', name: 'A' } })).status, 201);
  });
});
