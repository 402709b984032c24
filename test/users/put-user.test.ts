// PUT /users/:id: replaces email, name and is_active (is_active omitted means true), never creates,
// and moves updated_at only when something changed.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createTestApp } from '../support/app.ts';
import { assertInvalidFields, assertProblem, assertUserShape, createUser, readUsersTable } from '../support/users.ts';

const T0 = Date.parse('2026-11-27T18:00:00.000Z');

/** A clock the test moves by hand. */
function manualClock(start = T0) {
  const clock = { time: start, now: () => clock.time };
  return clock;
}

describe('PUT /users/:id', () => {
  it('answers 200 with the replaced user and its new ETag', async (t) => {
    const app = createTestApp(t);
    const user = await createUser(app, { is_active: false });
    const response = await app.request('PUT', `/users/${user.id}`, { body: { email: 'countess@example.com', name: 'Countess of Lovelace', is_active: false } });
    assert.equal(response.status, 200);
    assert.equal(response.headers['content-type'], 'application/json; charset=utf-8');
    assertUserShape(response.body);
    assert.deepEqual({ ...response.body, updated_at: undefined }, { ...user, email: 'countess@example.com', name: 'Countess of Lovelace', updated_at: undefined });
    assert.equal(response.headers.etag, (await app.request('GET', `/users/${user.id}`)).headers.etag);
    assert.deepEqual((await app.request('GET', `/users/${user.id}`)).body, response.body);
  });

  it('sets is_active back to true when the body omits it', async (t) => {
    const app = createTestApp(t);
    const user = await createUser(app, { is_active: false });
    const response = await app.request('PUT', `/users/${user.id}`, { body: { email: user.email, name: user.name } });
    assert.equal(response.status, 200);
    assert.equal(response.body.is_active, true);
  });

  it('keeps id and created_at, and moves updated_at', async (t) => {
    const clock = manualClock();
    const app = createTestApp(t, { now: clock.now });
    const user = await createUser(app);
    clock.time += 5_000;
    const response = await app.request('PUT', `/users/${user.id}`, { body: { email: user.email, name: 'Ada King' } });
    assert.equal(response.body.id, user.id);
    assert.equal(response.body.created_at, user.created_at);
    assert.equal(response.body.updated_at, '2026-11-27T18:00:05.000Z');
  });

  it('ignores read-only fields in the body, so a user read back can be sent back', async (t) => {
    const app = createTestApp(t);
    const user = await createUser(app);
    const response = await app.request('PUT', `/users/${user.id}`, { body: { ...user, id: 77, created_at: '2000-01-01T00:00:00.000Z', name: 'Ada King' } });
    assert.equal(response.status, 200);
    assert.equal(response.body.id, user.id);
    assert.equal(response.body.created_at, user.created_at);
    assert.equal(response.body.name, 'Ada King');
  });

  it('keeps updated_at and the ETag when nothing changes', async (t) => {
    const clock = manualClock();
    const app = createTestApp(t, { now: clock.now });
    const user = await createUser(app);
    const before = await app.request('GET', `/users/${user.id}`);
    clock.time += 5_000;
    const response = await app.request('PUT', `/users/${user.id}`, { body: { email: `  ${user.email} `, name: user.name, is_active: true } });
    assert.equal(response.status, 200);
    assert.equal(response.body.updated_at, user.updated_at);
    assert.equal(response.headers.etag, before.headers.etag);
  });

  it('moves updated_at by at least a millisecond even when the clock has not moved', async (t) => {
    const app = createTestApp(t, { now: () => T0 });
    const user = await createUser(app);
    const first = await app.request('PUT', `/users/${user.id}`, { body: { email: user.email, name: 'One' } });
    const second = await app.request('PUT', `/users/${user.id}`, { body: { email: user.email, name: 'Two' } });
    assert.ok(first.body.updated_at > user.updated_at);
    assert.ok(second.body.updated_at > first.body.updated_at);
    assert.notEqual(second.headers.etag, first.headers.etag);
  });

  it('moves updated_at forward even when the clock steps back', async (t) => {
    const clock = manualClock();
    const app = createTestApp(t, { now: clock.now });
    const user = await createUser(app);
    clock.time -= 60_000;
    const response = await app.request('PUT', `/users/${user.id}`, { body: { email: user.email, name: 'Later' } });
    assert.ok(response.body.updated_at > user.updated_at);
  });

  it('counts a change of case in the email as a change', async (t) => {
    const app = createTestApp(t, { now: () => T0 });
    const user = await createUser(app, { email: 'ada@example.com' });
    const response = await app.request('PUT', `/users/${user.id}`, { body: { email: 'ADA@example.com', name: user.name } });
    assert.equal(response.status, 200);
    assert.equal(response.body.email, 'ADA@example.com');
    assert.notEqual(response.body.updated_at, user.updated_at);
  });

  it('answers 404 when no user has the id, and creates none (no upsert)', async (t) => {
    const app = createTestApp(t);
    assertProblem(await app.request('PUT', '/users/5', { body: { email: 'ada@example.com', name: 'Ada' } }), 404);
    assert.deepEqual(readUsersTable(app), []);
  });

  it('answers 404 for a user that was deleted', async (t) => {
    const app = createTestApp(t);
    const user = await createUser(app);
    await app.request('DELETE', `/users/${user.id}`);
    assertProblem(await app.request('PUT', `/users/${user.id}`, { body: { email: 'ada@example.com', name: 'Ada' } }), 404);
    assert.deepEqual(readUsersTable(app), []);
  });

  it('answers 409 when the email belongs to another user, ignoring ASCII case, and changes nothing', async (t) => {
    const app = createTestApp(t);
    await createUser(app, { email: 'ada@example.com' });
    const bob = await createUser(app, { email: 'bob@example.com' });
    const before = readUsersTable(app);
    assertProblem(await app.request('PUT', `/users/${bob.id}`, { body: { email: 'ADA@example.com', name: 'Bob' } }), 409);
    assert.deepEqual(readUsersTable(app), before);
  });

  it('answers 400 naming email and name when either is missing: PUT replaces, it does not merge', async (t) => {
    const app = createTestApp(t);
    const user = await createUser(app);
    assertInvalidFields(await app.request('PUT', `/users/${user.id}`, { body: { name: 'Ada' } }), ['email']);
    assertInvalidFields(await app.request('PUT', `/users/${user.id}`, { body: { email: 'ada@example.com' } }), ['name']);
    assertInvalidFields(await app.request('PUT', `/users/${user.id}`, { body: {} }), ['email', 'name']);
  });

  it('applies the field rules of POST', async (t) => {
    const app = createTestApp(t);
    const user = await createUser(app);
    const before = readUsersTable(app);
    assertInvalidFields(await app.request('PUT', `/users/${user.id}`, { body: { email: 'no-at-sign', name: 'Ada' } }), ['email']);
    assertInvalidFields(await app.request('PUT', `/users/${user.id}`, { body: { email: 'ada@example.com', name: ' ' } }), ['name']);
    assertInvalidFields(await app.request('PUT', `/users/${user.id}`, { body: { email: 'ada@example.com', name: 'Ada', is_active: 'no' } }), ['is_active']);
    assertInvalidFields(await app.request('PUT', `/users/${user.id}`, { body: { email: 'ada@example.com', name: 'Ada', admin: true } }), ['admin']);
    assertInvalidFields(await app.request('PUT', `/users/${user.id}`, { body: { email: null, name: 'Ada' } }), ['email']);
    assert.deepEqual(readUsersTable(app), before);
  });

  it('answers 400 for a body that is not a JSON object', async (t) => {
    const app = createTestApp(t);
    const user = await createUser(app);
    assertProblem(await app.request('PUT', `/users/${user.id}`, { body: [] }), 400);
    assertProblem(await app.request('PUT', `/users/${user.id}`, { headers: { 'content-type': 'application/json' }, body: '{"email":' }), 400);
  });

  it('answers 415 for a non-JSON Content-Type, application/merge-patch+json included', async (t) => {
    const app = createTestApp(t);
    const user = await createUser(app);
    const body = JSON.stringify({ email: 'x@example.com', name: 'X' });
    assertProblem(await app.request('PUT', `/users/${user.id}`, { headers: { 'content-type': 'application/merge-patch+json' }, body }), 415);
    assertProblem(await app.request('PUT', `/users/${user.id}`, { headers: { 'content-type': 'text/plain' }, body }), 415);
    assertProblem(await app.request('PUT', `/users/${user.id}`, { body }), 415);
  });

  it('answers 413 for a body over BODY_LIMIT_BYTES', async (t) => {
    const app = createTestApp(t, { bodyLimitBytes: 64 });
    const user = await createUser(app, { email: 'a@b.c', name: 'A' });
    assertProblem(await app.request('PUT', `/users/${user.id}`, { body: { email: 'ada@example.com', name: 'n'.repeat(64) } }), 413);
  });
});
