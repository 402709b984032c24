// PATCH /users/:id: a JSON merge patch (RFC 7396) of email, name and is_active. Fields left out
// keep their value; null cannot remove a required field; an empty patch is a 400.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createTestApp } from '../support/app.ts';
import { assertInvalidFields, assertProblem, assertUserShape, createUser, readUsersTable } from '../support/users.ts';

const T0 = Date.parse('2026-11-27T18:00:00.000Z');

describe('PATCH /users/:id', () => {
  it('answers 200 with the user, changing only the fields given', async (t) => {
    const app = createTestApp(t);
    const user = await createUser(app);
    const response = await app.request('PATCH', `/users/${user.id}`, { body: { name: 'Ada King' } });
    assert.equal(response.status, 200);
    assert.equal(response.headers['content-type'], 'application/json; charset=utf-8');
    assertUserShape(response.body);
    assert.equal(response.body.name, 'Ada King');
    assert.equal(response.body.email, user.email);
    assert.equal(response.body.is_active, user.is_active);
    assert.equal(response.headers.etag, (await app.request('GET', `/users/${user.id}`)).headers.etag);
  });

  it('changes each field on its own', async (t) => {
    const app = createTestApp(t);
    const user = await createUser(app);
    assert.equal((await app.request('PATCH', `/users/${user.id}`, { body: { email: ' countess@example.com ' } })).body.email, 'countess@example.com');
    assert.equal((await app.request('PATCH', `/users/${user.id}`, { body: { is_active: false } })).body.is_active, false);
    assert.equal((await app.request('PATCH', `/users/${user.id}`, { body: { is_active: true } })).body.is_active, true);
    const stored = (await app.request('GET', `/users/${user.id}`)).body;
    assert.deepEqual({ ...stored, updated_at: user.updated_at }, { ...user, email: 'countess@example.com' });
  });

  it('does not set is_active back to true when it is left out (unlike PUT)', async (t) => {
    const app = createTestApp(t);
    const user = await createUser(app, { is_active: false });
    assert.equal((await app.request('PATCH', `/users/${user.id}`, { body: { name: 'Ada King' } })).body.is_active, false);
  });

  it('accepts application/merge-patch+json and application/json, with a charset', async (t) => {
    const app = createTestApp(t);
    const user = await createUser(app);
    for (const type of ['application/merge-patch+json', 'application/json', 'application/merge-patch+json; charset=utf-8']) {
      const response = await app.request('PATCH', `/users/${user.id}`, { headers: { 'content-type': type }, body: JSON.stringify({ name: type }) });
      assert.equal(response.status, 200, type);
    }
  });

  it('answers 415 for any other Content-Type, saying which patch formats it accepts', async (t) => {
    const app = createTestApp(t);
    const user = await createUser(app);
    const cases: Array<Record<string, string>> = [{ 'content-type': 'application/json-patch+json' }, { 'content-type': 'text/plain' }, {}];
    for (const headers of cases) {
      const response = await app.request('PATCH', `/users/${user.id}`, { headers, body: '{"name":"X"}' });
      assertProblem(response, 415);
      assert.match(response.headers['accept-patch']!, /application\/merge-patch\+json/);
    }
  });

  it('moves updated_at and keeps created_at', async (t) => {
    const clock = { time: T0 };
    const app = createTestApp(t, { now: () => clock.time });
    const user = await createUser(app);
    clock.time += 1_234;
    const response = await app.request('PATCH', `/users/${user.id}`, { body: { is_active: false } });
    assert.equal(response.body.updated_at, '2026-11-27T18:00:01.234Z');
    assert.equal(response.body.created_at, user.created_at);
  });

  it('keeps updated_at and the ETag when the patch sets the values the user already has', async (t) => {
    const clock = { time: T0 };
    const app = createTestApp(t, { now: () => clock.time });
    const user = await createUser(app);
    const { etag } = (await app.request('GET', `/users/${user.id}`)).headers;
    clock.time += 1_000;
    const response = await app.request('PATCH', `/users/${user.id}`, { body: { name: user.name, is_active: true } });
    assert.equal(response.status, 200);
    assert.equal(response.body.updated_at, user.updated_at);
    assert.equal(response.headers.etag, etag);
  });

  it('answers 400 for an empty object', async (t) => {
    const app = createTestApp(t);
    const user = await createUser(app);
    assertProblem(await app.request('PATCH', `/users/${user.id}`, { body: {} }), 400);
  });

  it('answers 400 for a patch of read-only fields only, which changes nothing', async (t) => {
    const app = createTestApp(t);
    const user = await createUser(app);
    assertProblem(await app.request('PATCH', `/users/${user.id}`, { body: { id: 9, updated_at: 'now' } }), 400);
  });

  it('ignores read-only fields beside a real change', async (t) => {
    const app = createTestApp(t);
    const user = await createUser(app);
    const response = await app.request('PATCH', `/users/${user.id}`, { body: { id: 9, created_at: 'x', name: 'Ada King' } });
    assert.equal(response.status, 200);
    assert.equal(response.body.id, user.id);
    assert.equal(response.body.created_at, user.created_at);
  });

  for (const field of ['email', 'name', 'is_active']) {
    it(`answers 400 naming ${field} when the patch sets it to null: every user has one`, async (t) => {
      const app = createTestApp(t);
      const user = await createUser(app);
      const before = readUsersTable(app);
      assertInvalidFields(await app.request('PATCH', `/users/${user.id}`, { body: { [field]: null } }), [field]);
      assert.deepEqual(readUsersTable(app), before);
    });
  }

  it('applies the field rules of POST to each field given, and changes nothing on a 400', async (t) => {
    const app = createTestApp(t);
    const user = await createUser(app);
    const before = readUsersTable(app);
    assertInvalidFields(await app.request('PATCH', `/users/${user.id}`, { body: { email: 'a@b@c' } }), ['email']);
    assertInvalidFields(await app.request('PATCH', `/users/${user.id}`, { body: { email: 'x'.repeat(250) + '@b.co' } }), ['email']);
    assertInvalidFields(await app.request('PATCH', `/users/${user.id}`, { body: { name: '' } }), ['name']);
    assertInvalidFields(await app.request('PATCH', `/users/${user.id}`, { body: { name: 'n'.repeat(201) } }), ['name']);
    assertInvalidFields(await app.request('PATCH', `/users/${user.id}`, { body: { is_active: 'false' } }), ['is_active']);
    assertInvalidFields(await app.request('PATCH', `/users/${user.id}`, { body: { name: 'Ada King', nickname: 'Ada' } }), ['nickname']);
    assertInvalidFields(await app.request('PATCH', `/users/${user.id}`, { headers: { 'content-type': 'application/merge-patch+json' }, body: '{"__proto__":{"name":"x"}}' }), ['__proto__']);
    assert.deepEqual(readUsersTable(app), before);
  });

  it('answers 400 for a body that is not a JSON object: a merge patch must be one here', async (t) => {
    const app = createTestApp(t);
    const user = await createUser(app);
    for (const body of ['[]', '"name"', 'null', '{"name": "x"']) {
      assertProblem(await app.request('PATCH', `/users/${user.id}`, { headers: { 'content-type': 'application/merge-patch+json' }, body }), 400);
    }
  });

  it('answers 404 when no user has the id', async (t) => {
    const app = createTestApp(t);
    assertProblem(await app.request('PATCH', '/users/3', { body: { name: 'Ada' } }), 404);
  });

  it('answers 409 when the email belongs to another user, ignoring ASCII case, and changes nothing', async (t) => {
    const app = createTestApp(t);
    await createUser(app, { email: 'ada@example.com' });
    const bob = await createUser(app, { email: 'bob@example.com' });
    const before = readUsersTable(app);
    assertProblem(await app.request('PATCH', `/users/${bob.id}`, { body: { email: 'Ada@Example.com', name: 'Changed' } }), 409);
    assert.deepEqual(readUsersTable(app), before);
  });

  it('lets a user change the case of its own email', async (t) => {
    const app = createTestApp(t);
    const user = await createUser(app, { email: 'ada@example.com' });
    const response = await app.request('PATCH', `/users/${user.id}`, { body: { email: 'Ada@Example.com' } });
    assert.equal(response.status, 200);
    assert.equal(response.body.email, 'Ada@Example.com');
  });

  it('frees the old email for another user once it is changed', async (t) => {
    const app = createTestApp(t);
    const user = await createUser(app, { email: 'ada@example.com' });
    await app.request('PATCH', `/users/${user.id}`, { body: { email: 'countess@example.com' } });
    assert.equal((await app.request('POST', '/users', { body: { email: 'ada@example.com', name: 'New Ada' } })).status, 201);
  });
});
