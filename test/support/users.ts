// Shared assertions for the users API tests: a problem is judged by its media type, `status` and
// field names, never by the wording of its sentences.
import assert from 'node:assert/strict';
import type { User } from '../../src/users/user.ts';
import type { TestApp, TestResponse } from './app.ts';

export const ISO_UTC_MILLIS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

/** Creates a user through POST /users and returns it; fails the test unless the answer is 201. */
export async function createUser(app: TestApp, fields: Record<string, unknown> = {}): Promise<User> {
  const response = await app.request('POST', '/users', { body: { email: 'ada@example.com', name: 'Ada Lovelace', ...fields } });
  assert.equal(response.status, 201, response.text);
  return response.body;
}

/** Creates `count` users named user1@example.com, user2@example.com, ... in id order. */
export async function createUsers(app: TestApp, count: number): Promise<User[]> {
  const users: User[] = [];
  for (let index = 1; index <= count; index++) users.push(await createUser(app, { email: `user${index}@example.com`, name: `User ${index}` }));
  return users;
}

/** Asserts an RFC 9457 problem with this status, and returns its body. */
export function assertProblem(response: TestResponse, status: number): { type: string; title: string; status: number; detail: string; errors?: Array<{ field: string; message: string }> } {
  assert.equal(response.status, status, response.text);
  assert.equal(response.headers['content-type'], 'application/problem+json');
  const problem = response.body;
  assert.equal(problem.type, 'about:blank');
  assert.equal(problem.status, status);
  assert.equal(typeof problem.title, 'string');
  assert.equal(typeof problem.detail, 'string');
  assert.ok(response.headers['x-request-id'], 'every problem carries X-Request-Id');
  return problem;
}

/** Asserts a 400 whose `errors` name exactly these fields (in any order). */
export function assertInvalidFields(response: TestResponse, fields: readonly string[]): void {
  const problem = assertProblem(response, 400);
  assert.ok(Array.isArray(problem.errors), `expected errors[] in ${response.text}`);
  for (const error of problem.errors) assert.equal(typeof error.message, 'string');
  assert.deepEqual([...new Set(problem.errors.map((error) => error.field))].sort(), [...fields].sort());
}

/** Asserts the shape of a user in a response body. */
export function assertUserShape(user: User): void {
  assert.deepEqual(Object.keys(user).sort(), ['created_at', 'email', 'id', 'is_active', 'name', 'updated_at']);
  assert.ok(Number.isSafeInteger(user.id) && user.id >= 1);
  assert.equal(typeof user.is_active, 'boolean');
  assert.match(user.created_at, ISO_UTC_MILLIS);
  assert.match(user.updated_at, ISO_UTC_MILLIS);
}

/** The users table as SQLite holds it, to prove that a refused write changed nothing. */
export function readUsersTable(app: TestApp): unknown[] {
  return app.db.prepare('SELECT * FROM users ORDER BY id').all().map((row) => ({ ...row }));
}
