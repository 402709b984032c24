// POST /users, rule by rule: the contract's field table, the body edge (415, 413, bad JSON), and
// what a 201 carries.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createTestApp } from '../support/app.ts';
import { assertInvalidFields, assertProblem, assertUserShape, createUser, readUsersTable } from '../support/users.ts';

const valid = { email: 'ada@example.com', name: 'Ada Lovelace' };

describe('POST /users', () => {
  describe('on success', () => {
    it('answers 201 with the user, a Location of /users/{id} and an ETag', async (t) => {
      const app = createTestApp(t);
      const response = await app.request('POST', '/users', { body: valid });
      assert.equal(response.status, 201);
      assert.equal(response.headers['content-type'], 'application/json; charset=utf-8');
      assertUserShape(response.body);
      assert.equal(response.headers.location, `/users/${response.body.id}`);
      assert.match(response.headers.etag!, /^"[^"]+"$/);
      assert.deepEqual({ email: response.body.email, name: response.body.name, is_active: response.body.is_active }, { ...valid, is_active: true });
    });

    it('sets created_at and updated_at to the same ISO 8601 UTC instant with milliseconds', async (t) => {
      const app = createTestApp(t, { now: () => Date.parse('2026-11-27T18:00:00.000Z') });
      const user = await createUser(app);
      assert.equal(user.created_at, '2026-11-27T18:00:00.000Z');
      assert.equal(user.updated_at, '2026-11-27T18:00:00.000Z');
    });

    it('answers with the user that a GET then returns', async (t) => {
      const app = createTestApp(t);
      const created = await app.request('POST', '/users', { body: valid });
      const read = await app.request('GET', created.headers.location!);
      assert.deepEqual(read.body, created.body);
      assert.equal(read.headers.etag, created.headers.etag);
    });

    it('defaults is_active to true and keeps an explicit false', async (t) => {
      const app = createTestApp(t);
      assert.equal((await createUser(app, { email: 'a@example.com' })).is_active, true);
      assert.equal((await createUser(app, { email: 'b@example.com', is_active: false })).is_active, false);
      assert.equal((await createUser(app, { email: 'c@example.com', is_active: true })).is_active, true);
    });

    it('assigns increasing ids', async (t) => {
      const app = createTestApp(t);
      const first = await createUser(app, { email: 'a@example.com' });
      const second = await createUser(app, { email: 'b@example.com' });
      assert.ok(second.id > first.id);
    });

    it('ignores the read-only fields id, created_at and updated_at, whatever their value', async (t) => {
      const app = createTestApp(t, { now: () => Date.parse('2026-11-27T18:00:00.000Z') });
      const user = await createUser(app, { id: 999, created_at: 'yesterday', updated_at: null });
      assert.equal(user.id, 1);
      assert.equal(user.created_at, '2026-11-27T18:00:00.000Z');
      assert.equal(user.updated_at, '2026-11-27T18:00:00.000Z');
    });

    it('accepts a whole user as read back from the API, read-only fields included', async (t) => {
      const app = createTestApp(t);
      const user = await createUser(app);
      const copy = await app.request('POST', '/users', { body: { ...user, email: 'copy@example.com' } });
      assert.equal(copy.status, 201);
      assert.notEqual(copy.body.id, user.id);
    });

    it('accepts application/json with any charset parameter, in any case', async (t) => {
      const app = createTestApp(t);
      for (const [index, type] of ['application/json; charset=utf-8', 'Application/JSON;charset=UTF-8', 'application/json ; charset="utf-8"'].entries()) {
        const response = await app.request('POST', '/users', { headers: { 'content-type': type }, body: { ...valid, email: `${index}@example.com` } });
        assert.equal(response.status, 201, type);
      }
    });

    it('accepts a body that starts with a UTF-8 byte order mark', async (t) => {
      const app = createTestApp(t);
      const response = await app.request('POST', '/users', { headers: { 'content-type': 'application/json' }, body: `\ufeff${JSON.stringify(valid)}` });
      assert.equal(response.status, 201);
    });
  });

  describe('email', () => {
    it('answers 409 when the email belongs to another user', async (t) => {
      const app = createTestApp(t);
      await createUser(app, { email: 'ada@example.com' });
      const before = readUsersTable(app);
      assertProblem(await app.request('POST', '/users', { body: { email: 'ada@example.com', name: 'Someone Else' } }), 409);
      assert.deepEqual(readUsersTable(app), before);
    });

    it('answers 409 when the email belongs to another user, ignoring ASCII case', async (t) => {
      const app = createTestApp(t);
      await createUser(app, { email: 'ada@example.com' });
      assertProblem(await app.request('POST', '/users', { body: { ...valid, email: 'Ada@Example.COM' } }), 409);
    });

    it('answers 409 when the email differs only by surrounding whitespace', async (t) => {
      const app = createTestApp(t);
      await createUser(app, { email: 'ada@example.com' });
      assertProblem(await app.request('POST', '/users', { body: { ...valid, email: '  ada@example.com\t' } }), 409);
    });

    it('treats non-ASCII letters that differ in case as different addresses', async (t) => {
      const app = createTestApp(t);
      await createUser(app, { email: 'élise@example.com' });
      assert.equal((await app.request('POST', '/users', { body: { ...valid, email: 'Élise@example.com' } })).status, 201);
    });

    it('stores the email as given, case included, after trimming surrounding whitespace', async (t) => {
      const app = createTestApp(t);
      const user = await createUser(app, { email: ' \n Ada.Lovelace@Example.COM \u00a0' });
      assert.equal(user.email, 'Ada.Lovelace@Example.COM');
    });

    it('accepts an email of exactly 254 characters and refuses 255', async (t) => {
      const app = createTestApp(t);
      const at254 = `${'a'.repeat(64)}@${'b'.repeat(185)}.com`;
      assert.equal(at254.length, 254);
      assert.equal((await createUser(app, { email: at254 })).email, at254);
      assertInvalidFields(await app.request('POST', '/users', { body: { ...valid, email: `x${at254}` } }), ['email']);
    });

    it('counts the 254 characters after trimming', async (t) => {
      const app = createTestApp(t);
      const at254 = `${'a'.repeat(64)}@${'b'.repeat(185)}.com`;
      assert.equal((await createUser(app, { email: `   ${at254}   ` })).email, at254);
    });

    it('counts characters, not UTF-16 units: 254 astral characters pass', async (t) => {
      const app = createTestApp(t);
      const email = `${'😀'.repeat(126)}@${'😀'.repeat(127)}`;
      assert.equal([...email].length, 254);
      assert.equal((await createUser(app, { email })).email, email);
    });

    it('accepts the shortest address the rule allows, a@b', async (t) => {
      const app = createTestApp(t);
      assert.equal((await createUser(app, { email: 'a@b' })).email, 'a@b');
    });

    it('accepts a + and other punctuation in the local part', async (t) => {
      const app = createTestApp(t);
      assert.equal((await createUser(app, { email: "o'brien+tag@example.co.uk" })).email, "o'brien+tag@example.co.uk");
    });

    for (const [label, email] of [
      ['has no @', 'ada.example.com'],
      ['has two @', 'ada@lovelace@example.com'],
      ['has nothing before the @', '@example.com'],
      ['has nothing after the @', 'ada@'],
      ['is only an @', '@'],
      ['is empty', ''],
      ['is only whitespace', ' \t '],
      ['has a space inside', 'ada lovelace@example.com'],
      ['has a tab inside', 'ada\t@example.com'],
      ['has a non-breaking space inside', 'ada\u00a0@example.com'],
      ['has a newline inside', 'ada@exa\nmple.com'],
      ['has a NUL inside', 'ada\u0000@example.com'],
      ['has a lone high surrogate', 'ada\ud800@example.com'],
      ['has a lone low surrogate', 'ada@example.com\udc00x'],
    ] as const) {
      it(`answers 400 naming email when it ${label}`, async (t) => {
        const app = createTestApp(t);
        assertInvalidFields(await app.request('POST', '/users', { body: { ...valid, email } }), ['email']);
        assert.deepEqual(readUsersTable(app), []);
      });
    }

    for (const [label, email] of [
      ['a number', 42],
      ['null', null],
      ['true', true],
      ['an array', ['ada@example.com']],
      ['an object', { address: 'ada@example.com' }],
    ] as const) {
      it(`answers 400 naming email when it is ${label}`, async (t) => {
        const app = createTestApp(t);
        assertInvalidFields(await app.request('POST', '/users', { body: { ...valid, email } }), ['email']);
      });
    }

    it('answers 400 naming email when it is missing', async (t) => {
      const app = createTestApp(t);
      assertInvalidFields(await app.request('POST', '/users', { body: { name: 'Ada' } }), ['email']);
    });
  });

  describe('name', () => {
    it('is trimmed', async (t) => {
      const app = createTestApp(t);
      assert.equal((await createUser(app, { name: '  Ada Lovelace \n' })).name, 'Ada Lovelace');
    });

    it('accepts 1 character and 200 characters after trimming', async (t) => {
      const app = createTestApp(t);
      assert.equal((await createUser(app, { email: 'a@example.com', name: 'A' })).name, 'A');
      assert.equal((await createUser(app, { email: 'b@example.com', name: ` ${'n'.repeat(200)} ` })).name, 'n'.repeat(200));
    });

    it('counts characters, not UTF-16 units: 200 astral characters pass, 201 do not', async (t) => {
      const app = createTestApp(t);
      assert.equal((await createUser(app, { name: '𝒜'.repeat(200) })).name, '𝒜'.repeat(200));
      assertInvalidFields(await app.request('POST', '/users', { body: { email: 'b@example.com', name: '𝒜'.repeat(201) } }), ['name']);
    });

    it('keeps inner spaces and non-Latin letters as given', async (t) => {
      const app = createTestApp(t);
      assert.equal((await createUser(app, { name: 'Ада  Лавлейс 李' })).name, 'Ада  Лавлейс 李');
    });

    for (const [label, name] of [
      ['is empty', ''],
      ['is only whitespace', '   \t\n '],
      ['is 201 characters', 'n'.repeat(201)],
      ['has a NUL inside', 'Ada\u0000Lovelace'],
      ['has a newline inside', 'Ada\nLovelace'],
      ['has a lone surrogate', 'Ada \ud83d'],
      ['is a number', 7],
      ['is null', null],
      ['is false', false],
      ['is an array', ['Ada']],
      ['is an object', { first: 'Ada' }],
    ] as const) {
      it(`answers 400 naming name when it ${label}`, async (t) => {
        const app = createTestApp(t);
        assertInvalidFields(await app.request('POST', '/users', { body: { ...valid, name } }), ['name']);
      });
    }

    it('answers 400 naming name when it is missing', async (t) => {
      const app = createTestApp(t);
      assertInvalidFields(await app.request('POST', '/users', { body: { email: 'ada@example.com' } }), ['name']);
    });
  });

  describe('is_active', () => {
    for (const [label, value] of [
      ['the string "true"', 'true'],
      ['1', 1],
      ['0', 0],
      ['null', null],
      ['an array', [true]],
    ] as const) {
      it(`answers 400 naming is_active when it is ${label}`, async (t) => {
        const app = createTestApp(t);
        assertInvalidFields(await app.request('POST', '/users', { body: { ...valid, is_active: value } }), ['is_active']);
      });
    }
  });

  describe('unknown and missing fields', () => {
    it('answers 400 naming an unknown field', async (t) => {
      const app = createTestApp(t);
      assertInvalidFields(await app.request('POST', '/users', { body: { ...valid, role: 'admin' } }), ['role']);
    });

    it('names every unknown field and every bad field in one answer', async (t) => {
      const app = createTestApp(t);
      assertInvalidFields(await app.request('POST', '/users', { body: { email: 'nope', name: '', is_active: 'yes', age: 3, Email: 'x@y' } }), ['age', 'Email', 'email', 'is_active', 'name']);
    });

    it('answers 400 naming email and name when the object is empty', async (t) => {
      const app = createTestApp(t);
      assertInvalidFields(await app.request('POST', '/users', { body: {} }), ['email', 'name']);
    });

    for (const key of ['__proto__', 'constructor', 'prototype', 'hasOwnProperty']) {
      it(`answers 400 naming ${key} as an unknown field, and creates nothing`, async (t) => {
        const app = createTestApp(t);
        const body = `{"email":"ada@example.com","name":"Ada",${JSON.stringify(key)}:{"is_active":false}}`;
        assertInvalidFields(await app.request('POST', '/users', { headers: { 'content-type': 'application/json' }, body }), [key]);
        assert.deepEqual(readUsersTable(app), []);
      });
    }

    it('takes the last value when the JSON object repeats a key', async (t) => {
      const app = createTestApp(t);
      const body = '{"email":"first@example.com","email":"last@example.com","name":"Ada"}';
      const response = await app.request('POST', '/users', { headers: { 'content-type': 'application/json' }, body });
      assert.equal(response.status, 201);
      assert.equal(response.body.email, 'last@example.com');
    });

    it('does not let __proto__ supply a missing field', async (t) => {
      const app = createTestApp(t);
      const body = '{"email":"ada@example.com","__proto__":{"name":"Ada"}}';
      assertInvalidFields(await app.request('POST', '/users', { headers: { 'content-type': 'application/json' }, body }), ['__proto__', 'name']);
    });
  });

  describe('the body', () => {
    for (const [label, body] of [
      ['malformed JSON', '{"email": "ada@example.com", '],
      ['JSON with a trailing comma', '{"email":"ada@example.com","name":"Ada",}'],
      ['single-quoted pseudo-JSON', "{'email':'ada@example.com'}"],
      ['a JSON array', '[{"email":"ada@example.com","name":"Ada"}]'],
      ['a JSON string', '"ada@example.com"'],
      ['a JSON number', '42'],
      ['JSON null', 'null'],
      ['JSON true', 'true'],
      ['empty', ''],
      ['only whitespace', '  \n'],
    ] as const) {
      it(`answers 400 when it is ${label}`, async (t) => {
        const app = createTestApp(t);
        const problem = assertProblem(await app.request('POST', '/users', { headers: { 'content-type': 'application/json' }, body }), 400);
        assert.equal(problem.errors, undefined);
      });
    }

    it('answers 400 when it is not valid UTF-8', async (t) => {
      const app = createTestApp(t);
      const bytes = Buffer.concat([Buffer.from('{"email":"ada@example.com","name":"Ad'), Buffer.from([0xc3, 0x28]), Buffer.from('"}')]);
      const response = await app.app.dispatch({
        method: 'POST',
        url: '/users',
        httpVersion: '1.1',
        headers: { host: 'test', 'content-type': 'application/json', 'content-length': String(bytes.length) },
        readBody: async () => bytes,
      });
      assert.equal(response.status, 400);
      assert.equal(response.headers['content-type'], 'application/problem+json');
    });

    it('does not echo a malformed body back in the problem', async (t) => {
      const app = createTestApp(t);
      const response = await app.request('POST', '/users', { headers: { 'content-type': 'application/json' }, body: '{"email": /etc/passwd SELECT' });
      assertProblem(response, 400);
      assert.doesNotMatch(response.text, /passwd|SELECT/);
    });

    for (const [label, headers] of [
      ['no Content-Type', {}],
      ['Content-Type text/plain', { 'content-type': 'text/plain' }],
      ['Content-Type application/x-www-form-urlencoded', { 'content-type': 'application/x-www-form-urlencoded' }],
      ['Content-Type application/merge-patch+json (PATCH only)', { 'content-type': 'application/merge-patch+json' }],
      ['Content-Type application/jsonx', { 'content-type': 'application/jsonx' }],
      ['an empty Content-Type', { 'content-type': '' }],
    ] as const) {
      it(`answers 415 for ${label}, and creates nothing`, async (t) => {
        const app = createTestApp(t);
        assertProblem(await app.request('POST', '/users', { headers, body: JSON.stringify(valid) }), 415);
        assert.deepEqual(readUsersTable(app), []);
      });
    }

    it('answers 415 before looking at the body, even an invalid one', async (t) => {
      const app = createTestApp(t);
      assertProblem(await app.request('POST', '/users', { headers: { 'content-type': 'text/plain' }, body: 'not json' }), 415);
    });

    it('answers 413 when the body is one byte over BODY_LIMIT_BYTES, and accepts one at the limit', async (t) => {
      const app = createTestApp(t, { bodyLimitBytes: 100 });
      const fill = (size: number) => {
        const base = JSON.stringify({ ...valid, name: '' });
        return JSON.stringify({ ...valid, name: 'n'.repeat(size - base.length) });
      };
      assert.equal(fill(100).length, 100);
      assertProblem(await app.request('POST', '/users', { headers: { 'content-type': 'application/json' }, body: fill(101) }), 413);
      assert.equal((await app.request('POST', '/users', { headers: { 'content-type': 'application/json' }, body: fill(100) })).status, 201);
    });

    it('answers 413 from a declared Content-Length alone, without reading the body', async (t) => {
      const app = createTestApp(t, { bodyLimitBytes: 100 });
      const response = await app.app.dispatch({
        method: 'POST',
        url: '/users',
        httpVersion: '1.1',
        headers: { host: 'test', 'content-type': 'application/json', 'content-length': '101' },
        readBody: () => assert.fail('the body must not be read'),
      });
      assert.equal(response.status, 413);
      assert.equal(response.headers.connection, 'close');
    });
  });

  it('refuses query parameters, which it does not take', async (t) => {
    const app = createTestApp(t);
    assertInvalidFields(await app.request('POST', '/users?notify=true', { body: valid }), ['notify']);
    assert.deepEqual(readUsersTable(app), []);
  });
});
