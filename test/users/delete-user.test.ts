// DELETE /users/:id: 204 with no body, then 404; ids are never handed out again.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createTestApp } from '../support/app.ts';
import { assertProblem, createUser, createUsers, readUsersTable } from '../support/users.ts';

describe('DELETE /users/:id', () => {
  it('answers 204 with no body, and the user is gone', async (t) => {
    const app = createTestApp(t);
    const user = await createUser(app);
    const response = await app.request('DELETE', `/users/${user.id}`);
    assert.equal(response.status, 204);
    assert.equal(response.text, '');
    assert.equal(response.headers['content-type'], undefined);
    assert.ok(response.headers['x-request-id']);
    assertProblem(await app.request('GET', `/users/${user.id}`), 404);
    assert.deepEqual((await app.request('GET', '/users')).body, []);
  });

  it('answers 404 the second time', async (t) => {
    const app = createTestApp(t);
    const user = await createUser(app);
    assert.equal((await app.request('DELETE', `/users/${user.id}`)).status, 204);
    assertProblem(await app.request('DELETE', `/users/${user.id}`), 404);
  });

  it('answers 404 when no user ever had the id', async (t) => {
    const app = createTestApp(t);
    assertProblem(await app.request('DELETE', '/users/42'), 404);
  });

  it('deletes only that user', async (t) => {
    const app = createTestApp(t);
    const [first, second, third] = await createUsers(app, 3);
    await app.request('DELETE', `/users/${second!.id}`);
    assert.deepEqual((await app.request('GET', '/users')).body, [first, third]);
  });

  it('frees the email for a new user', async (t) => {
    const app = createTestApp(t);
    const user = await createUser(app, { email: 'ada@example.com' });
    await app.request('DELETE', `/users/${user.id}`);
    assert.equal((await app.request('POST', '/users', { body: { email: 'ADA@example.com', name: 'Ada again' } })).status, 201);
  });

  it('never lets a new user take a deleted user\'s id, not even the highest one', async (t) => {
    const app = createTestApp(t);
    const [, second] = await createUsers(app, 2);
    await app.request('DELETE', `/users/${second!.id}`);
    const next = await createUser(app, { email: 'next@example.com' });
    assert.equal(next.id, second!.id + 1);
    await app.request('DELETE', '/users/1');
    await app.request('DELETE', `/users/${next.id}`);
    assert.equal((await createUser(app, { email: 'last@example.com' })).id, next.id + 1);
  });

  it('ignores a body', async (t) => {
    const app = createTestApp(t);
    const user = await createUser(app);
    assert.equal((await app.request('DELETE', `/users/${user.id}`, { headers: { 'content-type': 'text/plain' }, body: 'whatever' })).status, 204);
  });

  it('refuses query parameters, which it does not take, and deletes nothing', async (t) => {
    const app = createTestApp(t);
    const user = await createUser(app);
    assertProblem(await app.request('DELETE', `/users/${user.id}?dry_run=true`), 400);
    assert.equal(readUsersTable(app).length, 1);
  });
});
