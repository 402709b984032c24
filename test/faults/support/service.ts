// Helpers the fault tests share: reading every user back through the API, checking a database
// file from outside the service, problem+json checks, and polling.
import assert from 'node:assert/strict';
import { DatabaseSync } from 'node:sqlite';
import type { User } from '../../../src/users/user.ts';
import { call, type Answer, type CallOptions } from './http.ts';

export const PROBLEM_TYPE = 'application/problem+json';

/** Every user, following the `Link` of GET /users from the first page to the last. */
export async function readAllUsers(port: number, options: CallOptions = {}): Promise<User[]> {
  const users: User[] = [];
  let path: string | null = '/users?limit=1000';
  while (path !== null) {
    const page: Answer = await call(port, 'GET', path, options);
    assert.equal(page.status, 200, page.text);
    users.push(...(page.body as User[]));
    const link = page.headers.link as string | undefined;
    path = link === undefined ? null : /^<([^>]+)>; rel="next"$/.exec(link)![1]!;
  }
  return users;
}

/** `PRAGMA integrity_check` on a connection of our own (the service may be running: WAL lets us read). */
export function integrityOf(path: string): string {
  const db = new DatabaseSync(path, { readOnly: true });
  try {
    return db.prepare('PRAGMA integrity_check').all().map((row) => String(row.integrity_check)).join('; ');
  } finally {
    db.close();
  }
}

/** Asserts an RFC 9457 problem: the media type, the four members, and a status that matches the line's. */
export function assertProblem(answer: Answer, status?: number): void {
  const where = `${answer.status} ${answer.text.slice(0, 300)}`;
  if (status !== undefined) assert.equal(answer.status, status, where);
  assert.equal(answer.headers['content-type'], PROBLEM_TYPE, where);
  const problem = answer.body as Record<string, unknown> | undefined;
  assert.ok(problem !== undefined && typeof problem === 'object', `a JSON body: ${where}`);
  assert.equal(problem.type, 'about:blank', where);
  assert.equal(problem.status, answer.status, where);
  assert.equal(typeof problem.title, 'string', where);
  assert.ok(typeof problem.detail === 'string' && problem.detail !== '', where);
}

/** Polls `condition` every 10 ms; fails after `timeoutMs` naming `what`. */
export async function waitFor(condition: () => boolean | Promise<boolean>, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!(await condition())) {
    if (performance.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** The service's log lines at `level` or above (it logs JSON lines on stdout). */
export function logLines(stdout: readonly string[], levels: readonly string[]): Array<Record<string, unknown>> {
  return stdout
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, unknown>)
    .filter((entry) => levels.includes(entry.level as string));
}

/** Waits until the service has logged `count` lines at these levels (lines are flushed a turn late). */
export async function waitForLogLines(stdout: readonly string[], levels: readonly string[], count: number): Promise<Array<Record<string, unknown>>> {
  await waitFor(() => logLines(stdout, levels).length >= count, `${count} ${levels.join('/')} log lines`, 5_000);
  return logLines(stdout, levels);
}
