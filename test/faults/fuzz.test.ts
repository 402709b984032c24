// A seeded, bounded property test against a real service: random methods, paths, query strings,
// headers and bodies (deep nesting, huge numbers, lone surrogates, NUL bytes, duplicate keys,
// __proto__, invalid UTF-8, bodies past the limit), and random corruptions of raw request bytes.
// The properties: never a 5xx, never a hang, every error a well-formed problem+json whose status
// matches the status line, every response with a request id, nothing internal leaked, and the
// service healthy and its database intact afterwards.
//
// `npm test` runs a few seeds; `npm run test:faults` runs FAULT_SEEDS of them. A failure names its
// seed and request: rerun it with FAULT_SEED=<seed> FAULT_SEEDS=1, and add the seed to
// REGRESSION_SEEDS so it runs every time from then on.
import assert from 'node:assert/strict';
import { Agent, STATUS_CODES } from 'node:http';
import { connect } from 'node:net';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { makeTempDir, startServer, type ServerProcess } from '../support/server.ts';
import { parseResponses } from '../support/socket.ts';
import { call, type Answer } from './support/http.ts';
import { createRandom, faultSeeds, type Random } from './support/random.ts';
import { integrityOf, logLines, PROBLEM_TYPE } from './support/service.ts';

/** Seeds that once failed; they run in every `npm test`, whatever FAULT_SEEDS says. */
const REGRESSION_SEEDS: number[] = [];

const REQUESTS_PER_SEED = 120;
const RAW_REQUESTS_PER_SEED = 15;
const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;
// What no error may show a client: our file paths, SQL, SQLite's words, stack frames.
const LEAKS = /\/work\/|\/src\/|\.ts\b|SELECT |INSERT |UPDATE users|DELETE FROM|sqlite|SQLITE_|\bat [\w.<>]+ \(|node:internal/i;

interface FuzzRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: Buffer;
}

// Weighted towards the routes and ids that exist, so most requests get past routing into the
// handlers, the validation and the database; the rest probe the edges.
const METHODS = ['GET', 'GET', 'GET', 'HEAD', 'POST', 'POST', 'POST', 'POST', 'PUT', 'PUT', 'PATCH', 'PATCH', 'PATCH', 'DELETE', 'DELETE', 'OPTIONS', 'TRACE', 'PROPFIND'];
const ROUTES = ['/users', '/users', '/users', '/users/{id}', '/users/{id}', '/users/{id}', '/users/{id}', '/users/{id}', '/health', '/health/live', '/metrics', '/openapi.json', '/', '/users/{id}/x', '/{junk}', '/users/{junk}'];
const ODD_IDS = ['0', '-1', '01', '1.5', '1e3', '0x10', '%31', '+1', '9007199254740991', '9007199254740992', '99999999999999999999999', 'abc', '', '%00', '%ZZ', '..', '٣'];
const JUNK = ['%', '%%', '%zz', '%C0%80', '%ED%A0%80', '%FF', '%00', '..', '.', '~', 'é', '%E2%80%AE', '😀', ';', ',', '*', '$', '(', "'", '[]'];
const QUERY_NAMES = ['limit', 'after', 'email', 'Limit', 'offset', 'id', '', 'limit[]', '__proto__', 'constructor', '%zz', '%E2%80', 'a b'];
const QUERY_VALUES = ['1', '0', '1000', '1001', '-5', '1e2', '010', 'abc', '', ' ', '%20', '%zz', '%00', '%F0%9F%98%80', 'ada@example.com', 'ADA@EXAMPLE.COM', '%25', '_', '9007199254740992', 'x'.repeat(3000)];
const CONTENT_TYPES = ['application/json', 'application/json; charset=utf-8', 'application/merge-patch+json', 'APPLICATION/JSON', 'application/json;charset=latin1', 'text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/json, text/plain', ';', ''];
const ETAGS = ['*', '"x"', 'W/"x"', '"1-abc"', 'W/*', '"', '"a", "b"', '', ' , ', 'x'.repeat(300)];

function randomString(rng: Random, maxLength: number): string {
  const pieces = ['a', 'Z', '0', ' ', '@', '.', '\u0000', '\u001f', '\u007f', '\u0085', '\u00a0', 'é', '日', '😀', '\ud800', '\udfff', '\u2028', '"', '\\', '%', '\n', '\t', '<', '\ufeff'];
  let text = '';
  const length = rng.integer(0, maxLength);
  for (let index = 0; index < length; index++) text += rng.pick(pieces);
  return text;
}

function randomEmail(rng: Random): unknown {
  return rng.pick([
    () => `fuzz${rng.integer(1, 50)}@example.com`,
    () => `FUZZ${rng.integer(1, 50)}@Example.COM`,
    () => `  spaced${rng.integer(1, 50)}@example.com  `,
    () => `${randomString(rng, 10)}@${randomString(rng, 10)}`,
    () => `${'a'.repeat(rng.integer(240, 260))}@example.com`,
    () => 'no-at-sign',
    () => 'two@@example.com',
    () => randomValue(rng, 2),
  ])();
}

function randomValue(rng: Random, depth: number): unknown {
  const kind = rng.integer(0, depth > 0 ? 9 : 6);
  switch (kind) {
    case 0:
      return null;
    case 1:
      return rng.chance(0.5);
    case 2:
      return rng.pick([0, -0, 1, -1, 1.5, 2 ** 53 + 1, Number.MAX_VALUE, Number.MIN_VALUE, 1e308]);
    case 3:
    case 4:
      return randomString(rng, 20);
    case 5:
      return rng.pick(['true', 'false', '1', '0', 'null', '']);
    case 6:
      return `${rng.integer(0, 10)}`;
    case 7:
      return Array.from({ length: rng.integer(0, 3) }, () => randomValue(rng, depth - 1));
    default:
      return Object.fromEntries(Array.from({ length: rng.integer(0, 3) }, () => [rng.pick(['email', 'name', 'is_active', 'x', '']), randomValue(rng, depth - 1)]));
  }
}

function randomUserObject(rng: Random): Record<string, unknown> {
  // Half are valid users (creates and updates that succeed, or meet a taken email); the rest break
  // a rule or two.
  if (rng.chance(0.5)) return { email: `fuzz${rng.integer(1, 60)}@example.com`, name: `Fuzz ${rng.integer(1, 1000)}`, ...(rng.chance(0.5) ? { is_active: rng.chance(0.5) } : {}) };
  const user: Record<string, unknown> = {};
  if (rng.chance(0.8)) user.email = rng.chance(0.6) ? `fuzz${rng.integer(1, 50)}@example.com` : randomEmail(rng);
  if (rng.chance(0.8)) user.name = rng.chance(0.6) ? `Fuzz ${rng.integer(1, 1000)}` : rng.chance(0.5) ? randomString(rng, 30) : rng.pick(['', ' ', 'n'.repeat(201), randomValue(rng, 2)]);
  if (rng.chance(0.5)) user.is_active = rng.chance(0.7) ? rng.chance(0.5) : randomValue(rng, 1);
  if (rng.chance(0.2)) user[rng.pick(['id', 'created_at', 'updated_at', 'role', 'Email', 'constructor', 'prototype', 'toString'])] = randomValue(rng, 1);
  return user;
}

/** A body as bytes: mostly JSON with a twist, sometimes something that only looks like it. */
function randomBody(rng: Random): Buffer {
  const json = (value: unknown): string => JSON.stringify(value);
  if (rng.chance(0.4)) return Buffer.from(json(randomUserObject(rng)));
  const text = rng.pick([
    () => json(randomUserObject(rng)),
    () => json(randomValue(rng, 3)),
    // Deep nesting, inside and outside a field.
    () => `${'['.repeat(rng.integer(100, 20_000))}${']'.repeat(rng.integer(0, 20_000))}`,
    () => `{"email":"deep@example.com","name":${'{"a":'.repeat(5_000)}1${'}'.repeat(5_000)}}`,
    // Huge and odd numbers, which JSON.parse turns into Infinity, 0 or lossy doubles.
    () => `{"email":"n@example.com","name":"N","is_active":${rng.pick(['1e400', '-1e400', '1e-400', '123456789012345678901234567890', '-0', '0.0', '1E2'])}}`,
    // Lone surrogates and NULs as JSON escapes, and raw bytes that are not UTF-8.
    () => `{"email":"a\\ud800@example.com","name":"x\\udc00"}`,
    () => `{"email":"nul@example.com","name":"a\\u0000b"}`,
    () => `{"email":"nul\u0000raw@example.com","name":"Raw"}`,
    () => '{"email":"\xff\xfe@example.com","name":"latin1"}',
    // Duplicate keys (the last wins) and prototype names (plain fields, never object machinery).
    () => `{"email":"dup@example.com","email":${json(randomEmail(rng))},"name":"Dup","name":"Dup 2"}`,
    () => `{"__proto__":{"is_active":false,"email":"proto@example.com"},"email":"proto${rng.integer(1, 9)}@example.com","name":"Proto"}`,
    () => `{"constructor":{"prototype":{"polluted":true}},"email":"ctor@example.com","name":"Ctor"}`,
    // Broken JSON.
    () => rng.pick(['', ' ', '{', '{"email":', '{"email":"a@b.c",}', "{'email':'a@b.c'}", '{"email":"a@b.c"} trailing', '\ufeff{"email":"bom@example.com","name":"Bom"}', '/*c*/{}', 'NaN', 'undefined', '\u0000']),
    // Past the 64 KiB limit.
    () => json({ email: 'big@example.com', name: 'x'.repeat(70_000) }),
  ])();
  return Buffer.from(text, rng.chance(0.1) ? 'latin1' : 'utf8');
}

function randomPath(rng: Random): string {
  // Small ids mostly exist (each seed creates a few dozen users); the rest are odd spellings.
  const id = rng.chance(0.5) ? String(rng.integer(1, 60)) : rng.chance(0.4) ? String(rng.integer(1, 3000)) : rng.pick(ODD_IDS);
  let path = rng.pick(ROUTES).replace('{id}', id).replace('{junk}', () => rng.pick(JUNK));
  if (rng.chance(0.05)) path = path.replace('/users', rng.pick(['/USERS', '/users/', '//users', '/users/.', '/./users', '/users%2F1']));
  if (rng.chance(0.03)) path = `/${'a'.repeat(rng.integer(1_000, 8_000))}`;
  if (rng.chance(0.4)) {
    const pairs = Array.from({ length: rng.integer(0, 4) }, () => (rng.chance(0.1) ? rng.pick(QUERY_NAMES) : `${rng.pick(QUERY_NAMES)}=${rng.pick(QUERY_VALUES)}`));
    path += `?${pairs.join(rng.chance(0.9) ? '&' : '&&')}`;
  }
  // node's client refuses a path with raw spaces, control or non-ASCII characters (those are for
  // the raw-socket part below), so they travel percent-encoded.
  return path.replace(/[\s\u0000-\u001f\u007f]/g, '%20').replace(/[^\x21-\x7e]+/gu, (text) => encodeURIComponent(text));
}

function randomRequest(rng: Random): FuzzRequest {
  const method = rng.pick(METHODS);
  const headers: Record<string, string> = {};
  const carriesBody = method === 'POST' || method === 'PUT' || method === 'PATCH' ? rng.chance(0.95) : rng.chance(0.05);
  // POST goes to /users most of the time, so users exist for the other requests to find.
  const path = method === 'POST' && rng.chance(0.7) ? '/users' : randomPath(rng);
  if (carriesBody && rng.chance(0.9)) headers['content-type'] = rng.chance(0.7) ? 'application/json' : rng.pick(CONTENT_TYPES);
  if (rng.chance(0.15)) headers['if-match'] = rng.pick(ETAGS);
  if (rng.chance(0.15)) headers['if-none-match'] = rng.pick(ETAGS);
  if (rng.chance(0.3)) headers['x-request-id'] = rng.pick(['fuzz-1', 'a:b.c_d-e', 'x'.repeat(128), 'x'.repeat(129), 'has space', 'é', '', '<script>']);
  if (rng.chance(0.1)) headers.authorization = rng.pick(['Bearer x', 'Basic YTpi', 'Bearer', '']);
  if (rng.chance(0.1)) headers.accept = rng.pick(['text/html', '*/*', 'application/xml', '']);
  if (rng.chance(0.05)) headers['x-forwarded-for'] = '1.2.3.4';
  if (rng.chance(0.05)) headers.expect = rng.pick(['100-continue', 'something-else']);
  return { method, path, headers, body: carriesBody ? randomBody(rng) : undefined };
}

function describeRequest(request: FuzzRequest): string {
  const body = request.body === undefined ? '' : ` body ${JSON.stringify(request.body.toString('latin1').slice(0, 200))}${request.body.length > 200 ? `... (${request.body.length} bytes)` : ''}`;
  return `${request.method} ${request.path.slice(0, 300)} headers ${JSON.stringify(request.headers)}${body}`;
}

/** The properties every answer must have; returns what is wrong with this one, if anything. */
function violations(request: FuzzRequest, answer: Answer): string[] {
  const problems: string[] = [];
  const { status, headers, text } = answer;
  if (status >= 500) problems.push(`status ${status}`);
  const requestId = headers['x-request-id'];
  if (typeof requestId !== 'string' || !REQUEST_ID.test(requestId)) problems.push(`X-Request-Id ${String(requestId)}`);
  const sentId = request.headers['x-request-id'];
  if (sentId !== undefined && REQUEST_ID.test(sentId) && requestId !== sentId) problems.push(`X-Request-Id ${String(requestId)} instead of the valid ${sentId} sent`);
  if (status >= 400) {
    if (LEAKS.test(text)) problems.push(`leaks internals: ${text.slice(0, 300)}`);
    if (headers['content-type'] !== PROBLEM_TYPE) problems.push(`Content-Type ${String(headers['content-type'])} on a ${status}`);
    if (request.method !== 'HEAD') {
      const problem = answer.body as Record<string, unknown> | undefined;
      if (problem === undefined || typeof problem !== 'object' || Array.isArray(problem)) problems.push(`body is not a JSON object: ${text.slice(0, 200)}`);
      else {
        if (problem.type !== 'about:blank') problems.push(`type ${String(problem.type)}`);
        if (problem.title !== STATUS_CODES[status]) problems.push(`title ${String(problem.title)} for ${status}`);
        if (problem.status !== status) problems.push(`problem status ${String(problem.status)} on a ${status}`);
        if (typeof problem.detail !== 'string' || problem.detail === '') problems.push(`detail ${String(problem.detail)}`);
        if (problem.errors !== undefined && !(Array.isArray(problem.errors) && problem.errors.every((error) => typeof error?.field === 'string' && typeof error?.message === 'string'))) {
          problems.push(`errors ${JSON.stringify(problem.errors)}`);
        }
      }
    }
  } else if (status >= 200 && status !== 204 && status !== 304 && request.method !== 'HEAD') {
    const type = String(headers['content-type']);
    if (!type.startsWith('application/json') && !type.startsWith('text/plain')) problems.push(`Content-Type ${type} on a ${status}`);
    if (type.startsWith('application/json') && answer.body === undefined) problems.push(`a ${status} whose body is not JSON: ${text.slice(0, 200)}`);
  }
  return problems;
}

async function fuzzSeed(server: ServerProcess, seed: number): Promise<Map<number, number>> {
  const rng = createRandom(seed);
  const requests = Array.from({ length: REQUESTS_PER_SEED }, () => randomRequest(rng));
  const statuses = new Map<number, number>();
  const agent = new Agent({ keepAlive: true, maxSockets: 6 });
  try {
    let next = 0;
    await Promise.all(
      Array.from({ length: 6 }, async () => {
        while (next < requests.length) {
          const request = requests[next++]!;
          let answer: Answer;
          try {
            // 5 s: far more than any answer takes; a request that hangs fails here, not by stalling the run.
            answer = await call(server.port, request.method, request.path, { headers: request.headers, body: request.body, agent, timeoutMs: 5_000 });
          } catch (error) {
            // A 413 closes the connection, and node's client may see the close before the answer.
            if ((error as { code?: string }).code === 'ECONNRESET' || (error as { code?: string }).code === 'EPIPE') {
              if (request.body !== undefined && request.body.length > 65_536) continue;
            }
            assert.fail(`seed ${seed}: ${describeRequest(request)} failed: ${String(error)}`);
          }
          statuses.set(answer.status, (statuses.get(answer.status) ?? 0) + 1);
          const wrong = violations(request, answer);
          assert.deepEqual(wrong, [], `seed ${seed}: ${describeRequest(request)} answered ${answer.status} ${answer.text.slice(0, 300)}`);
        }
      }),
    );
  } finally {
    agent.destroy();
  }
  return statuses;
}

const VALID_REQUEST = 'POST /users HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\nContent-Length: 39\r\nConnection: close\r\n\r\n{"email":"raw@example.com","name":"Raw"}';

/** A valid request with a few bytes replaced, inserted or removed. */
function mutateRequest(rng: Random): Buffer {
  const bytes = [...Buffer.from(VALID_REQUEST, 'latin1')];
  const specials = [0x00, 0x0d, 0x0a, 0x20, 0x09, 0x3a, 0x7f, 0xff, 0x80, 0x22, 0x7b, 0x2c];
  for (let count = rng.integer(1, 4); count > 0; count--) {
    const at = rng.integer(0, bytes.length - 1);
    const byte = rng.chance(0.6) ? rng.pick(specials) : rng.integer(0, 255);
    const edit = rng.integer(0, 2);
    if (edit === 0) bytes[at] = byte;
    else if (edit === 1) bytes.splice(at, 0, byte);
    else bytes.splice(at, 1);
  }
  return Buffer.from(bytes);
}

/** Sends `payload` on a new connection and resolves with what came back once one whole answer is in, or the connection closed, or `waitMs` passed. */
function exchangeOnce(port: number, payload: Buffer, waitMs: number): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    let text = '';
    const finish = (): void => {
      clearTimeout(timer);
      socket.destroy();
      resolve(text);
    };
    const timer = setTimeout(finish, waitMs);
    socket.setEncoding('latin1');
    socket.on('error', () => {});
    socket.on('close', finish);
    socket.on('data', (chunk: string) => {
      text += chunk;
      const end = text.indexOf('\r\n\r\n');
      const length = /\r\ncontent-length: *(\d+)/i.exec(text.slice(0, end));
      if (end !== -1 && length !== null && text.length >= end + 4 + Number(length[1])) finish();
    });
    socket.write(payload);
  });
}

async function fuzzRawSeed(server: ServerProcess, seed: number): Promise<number> {
  const rng = createRandom(seed ^ 0x5eed);
  let answered = 0;
  await Promise.all(
    Array.from({ length: RAW_REQUESTS_PER_SEED }, async () => {
      const payload = mutateRequest(rng);
      // A corruption can leave a request waiting for bytes that never come (a larger length, say):
      // then the service's request timeout (300 ms here) answers 408. Either way an answer comes.
      const text = await exchangeOnce(server.port, payload, 4_000);
      let responses;
      try {
        responses = parseResponses(text, () => false);
      } catch (error) {
        assert.fail(`seed ${seed}: ${JSON.stringify(payload.toString('latin1'))} got an unreadable answer ${JSON.stringify(text.slice(0, 300))}: ${String(error)}`);
      }
      assert.ok(responses.length >= 1, `seed ${seed}: ${JSON.stringify(payload.toString('latin1'))} got no answer`);
      for (const response of responses) {
        assert.ok(response.status < 500, `seed ${seed}: ${JSON.stringify(payload.toString('latin1'))} answered ${response.statusLine} ${response.body}`);
        if (response.status >= 400) {
          assert.equal(response.headers['content-type'], PROBLEM_TYPE, `seed ${seed}: ${JSON.stringify(payload.toString('latin1'))}`);
          assert.equal(JSON.parse(response.body).status, response.status);
        }
      }
      answered++;
    }),
  );
  return answered;
}

describe('fuzzing a real service', () => {
  const seeds = [...new Set([...REGRESSION_SEEDS, ...faultSeeds(3)])];

  it(`never answers 5xx, never hangs, and answers every error with a valid problem (seeds ${seeds[0]}–${seeds.at(-1)})`, { timeout: 60_000 + seeds.length * 10_000 }, async (t) => {
    const path = join(makeTempDir(t, 'fuzz-'), 'app.db');
    const server = await startServer(t, { DB_PATH: path, LOG_LEVEL: 'warn', REQUEST_TIMEOUT_MS: '300', HEADERS_TIMEOUT_MS: '300' });
    const totals = new Map<number, number>();
    let raw = 0;
    for (const seed of seeds) {
      // Side by side: the corrupted requests land while the well-formed ones are being served.
      const [statuses, answered] = await Promise.all([fuzzSeed(server, seed), fuzzRawSeed(server, seed)]);
      for (const [status, count] of statuses) totals.set(status, (totals.get(status) ?? 0) + count);
      raw += answered;
    }
    // Afterwards: ready, nothing logged as unexpected, the database intact.
    const health = await call(server.port, 'GET', '/health');
    assert.equal(health.status, 200, health.text);
    assert.deepEqual(logLines(server.stdout, ['error']), []);
    assert.equal(integrityOf(path), 'ok');
    const summary = [...totals].sort(([a], [b]) => a - b).map(([status, count]) => `${status}: ${count}`).join(', ');
    t.diagnostic(`${seeds.length} seeds, ${seeds.length * REQUESTS_PER_SEED} requests (${summary}) and ${raw} corrupted raw requests`);
  });
});
