// GET /openapi.json and the document behind it, kept true to the service: the same routes as the
// router, in both directions; every $ref resolves; every status and header the routes really
// answer is documented for its operation, and each answer's body fits the documented schema; the
// examples pass the real validation.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { before, describe, it, type TestContext } from 'node:test';
import { openApiDocument, EXAMPLES } from '../src/openapi/document.ts';
import { parseUserFields, parseUserPatch } from '../src/users/validate.ts';
import { createTestApp, type TestApp, type TestResponse } from './support/app.ts';
import { makeTempDir } from './support/server.ts';

type Json = any;
const document: Json = JSON.parse(JSON.stringify(openApiDocument));
const TOKEN = 'openapi-test-token';
const auth = { authorization: `Bearer ${TOKEN}` };
const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options'];

function resolve(node: Json): Json {
  if (node?.$ref === undefined) return node;
  assert.match(node.$ref, /^#\//, `${node.$ref} is a local reference`);
  const target = node.$ref
    .slice(2)
    .split('/')
    .reduce((parent: Json, key: string) => parent?.[key.replaceAll('~1', '/').replaceAll('~0', '~')], document);
  assert.ok(target !== undefined, `${node.$ref} resolves`);
  return resolve(target);
}

function operations(): Array<{ path: string; method: string; operation: Json; parameters: Json[] }> {
  return Object.entries<Json>(document.paths).flatMap(([path, item]) =>
    METHODS.filter((method) => item[method] !== undefined).map((method) => ({
      path,
      method,
      operation: item[method],
      parameters: [...(item.parameters ?? []), ...(item[method].parameters ?? [])].map(resolve),
    })),
  );
}

const ISO_DATE_TIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/;

/** The few JSON Schema keywords the document uses; returns what does not fit, or [] when it fits. */
function misfits(value: Json, schemaNode: Json, where = '$'): string[] {
  const schema = resolve(schemaNode);
  const problems: string[] = [];
  const fail = (what: string) => problems.push(`${where}: ${what} (got ${JSON.stringify(value)})`);
  if ('const' in schema && value !== schema.const) fail(`expected ${JSON.stringify(schema.const)}`);
  if (schema.enum !== undefined && !schema.enum.includes(value)) fail(`expected one of ${schema.enum.join(', ')}`);
  const type = schema.type;
  if (type === 'object') {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return [`${where}: expected an object`];
    for (const key of schema.required ?? []) if (!(key in value)) fail(`missing ${key}`);
    for (const [key, item] of Object.entries(value)) {
      if (schema.properties?.[key] !== undefined) problems.push(...misfits(item, schema.properties[key], `${where}.${key}`));
      else if (schema.additionalProperties === false) fail(`unexpected ${key}`);
    }
    if (schema.minProperties !== undefined && Object.keys(value).length < schema.minProperties) fail(`fewer than ${schema.minProperties} properties`);
  } else if (type === 'array') {
    if (!Array.isArray(value)) return [`${where}: expected an array`];
    value.forEach((item, index) => problems.push(...misfits(item, schema.items, `${where}[${index}]`)));
  } else if (type === 'string') {
    if (typeof value !== 'string') return [`${where}: expected a string`];
    if (schema.maxLength !== undefined && [...value].length > schema.maxLength) fail(`longer than ${schema.maxLength}`);
    if (schema.minLength !== undefined && [...value].length < schema.minLength) fail(`shorter than ${schema.minLength}`);
    if (schema.format === 'date-time' && !ISO_DATE_TIME.test(value)) fail('not a date-time');
  } else if (type === 'integer' || type === 'boolean') {
    if (type === 'integer' ? !Number.isSafeInteger(value) : typeof value !== 'boolean') return [`${where}: expected ${type}`];
    if (schema.minimum !== undefined && value < schema.minimum) fail(`below ${schema.minimum}`);
    if (schema.maximum !== undefined && value > schema.maximum) fail(`above ${schema.maximum}`);
  }
  return problems;
}

interface Probe {
  /** The documented operation, as `METHOD /path/{template}`. */
  operation: string;
  method: string;
  url: string;
  status: number;
  headers?: Record<string, string>;
  body?: unknown;
  /** Runs the request while another connection holds the write lock (for 503). */
  locked?: boolean;
  /** Runs the request while the process is shutting down. */
  shuttingDown?: boolean;
  /** Runs the request while a backup is running. */
  duringBackup?: boolean;
}

// Statuses no request can provoke from a healthy app in a test: a 500 is a bug; /admin/backup
// answers 503 when the backup disk is full or another process holds the database exclusively.
const NOT_PROBED: Record<string, number[]> = { 'POST /admin/backup': [503] };

function probes(): Probe[] {
  const json = (operation: string, method: string, url: string, status: number, body: unknown, headers: Record<string, string> = {}): Probe => ({
    operation,
    method,
    url,
    status,
    body,
    headers: { ...auth, ...headers },
  });
  const plain = (operation: string, method: string, url: string, status: number, headers: Record<string, string> = auth): Probe => ({ operation, method, url, status, headers });
  const list: Probe[] = [
    plain('GET /health', 'GET', '/health', 200, {}),
    { ...plain('GET /health', 'GET', '/health', 503, {}), shuttingDown: true },
    plain('GET /health/live', 'GET', '/health/live', 200, {}),
    plain('GET /metrics', 'GET', '/metrics', 200),
    plain('GET /openapi.json', 'GET', '/openapi.json', 200),

    json('POST /users', 'POST', '/users', 201, EXAMPLES.create),
    json('POST /users', 'POST', '/users', 201, { email: 'grace@example.com', name: 'Grace Hopper' }),
    json('POST /users', 'POST', '/users', 409, { email: 'ADA@example.com', name: 'Ada' }),
    json('POST /users', 'POST', '/users', 400, { email: 'not-an-email', name: 'Ada' }),
    json('POST /users', 'POST', '/users?dry_run=1', 400, EXAMPLES.create),
    json('POST /users', 'POST', '/users', 413, { email: 'big@example.com', name: 'x'.repeat(600) }),
    json('POST /users', 'POST', '/users', 415, 'email=ada@example.com', { 'content-type': 'application/x-www-form-urlencoded' }),
    { ...json('POST /users', 'POST', '/users', 503, { email: 'busy@example.com', name: 'Busy' }), locked: true },

    plain('GET /users', 'GET', '/users?limit=1', 200),
    plain('GET /users', 'GET', '/users?limit=0', 400),

    plain('GET /users/{id}', 'GET', '/users/1', 200),
    plain('GET /users/{id}', 'GET', '/users/1', 304, { ...auth, 'if-none-match': '*' }),
    plain('GET /users/{id}', 'GET', '/users/1', 412, { ...auth, 'if-match': '"stale"' }),
    plain('GET /users/{id}', 'GET', '/users/abc', 400),
    plain('GET /users/{id}', 'GET', '/users/1?fields=name', 400),
    plain('GET /users/{id}', 'GET', '/users/999', 404),

    json('PUT /users/{id}', 'PUT', '/users/1', 200, EXAMPLES.replace),
    json('PUT /users/{id}', 'PUT', '/users/1', 400, { email: 'ada@example.com' }),
    json('PUT /users/{id}', 'PUT', '/users/999', 404, EXAMPLES.replace),
    json('PUT /users/{id}', 'PUT', '/users/1', 409, { email: 'grace@example.com', name: 'Ada' }),
    json('PUT /users/{id}', 'PUT', '/users/1', 412, EXAMPLES.replace, { 'if-match': '"stale"' }),
    json('PUT /users/{id}', 'PUT', '/users/1', 412, EXAMPLES.replace, { 'if-none-match': '*' }),
    json('PUT /users/{id}', 'PUT', '/users/1', 413, { email: 'ada@example.com', name: 'x'.repeat(600) }),
    json('PUT /users/{id}', 'PUT', '/users/1', 415, JSON.stringify(EXAMPLES.replace), { 'content-type': 'application/merge-patch+json' }),
    { ...json('PUT /users/{id}', 'PUT', '/users/1', 503, EXAMPLES.replace), locked: true },

    json('PATCH /users/{id}', 'PATCH', '/users/1', 200, JSON.stringify(EXAMPLES.patch), { 'content-type': 'application/merge-patch+json' }),
    json('PATCH /users/{id}', 'PATCH', '/users/1', 200, EXAMPLES.patch),
    json('PATCH /users/{id}', 'PATCH', '/users/1', 400, {}),
    json('PATCH /users/{id}', 'PATCH', '/users/999', 404, EXAMPLES.patch),
    json('PATCH /users/{id}', 'PATCH', '/users/1', 409, { email: 'GRACE@example.com' }),
    json('PATCH /users/{id}', 'PATCH', '/users/1', 412, EXAMPLES.patch, { 'if-match': '"stale"' }),
    json('PATCH /users/{id}', 'PATCH', '/users/1', 413, { name: 'x'.repeat(600) }),
    json('PATCH /users/{id}', 'PATCH', '/users/1', 415, 'name=Ada', { 'content-type': 'text/plain' }),
    { ...json('PATCH /users/{id}', 'PATCH', '/users/1', 503, EXAMPLES.patch), locked: true },

    plain('DELETE /users/{id}', 'DELETE', '/users/1', 412, { ...auth, 'if-match': '"stale"' }),
    plain('DELETE /users/{id}', 'DELETE', '/users/1?dry_run=true', 400),
    { ...plain('DELETE /users/{id}', 'DELETE', '/users/1', 503), locked: true },
    plain('DELETE /users/{id}', 'DELETE', '/users/1', 204),
    plain('DELETE /users/{id}', 'DELETE', '/users/1', 404),

    plain('POST /admin/backup', 'POST', '/admin/backup', 201),
    { ...plain('POST /admin/backup', 'POST', '/admin/backup', 409), duringBackup: true },
  ];
  // What every operation can meet before its handler: a malformed query, an unmeetable Expect,
  // and (on every route but /health*) a missing token.
  for (const { path, method } of operations()) {
    const operation = `${method.toUpperCase()} ${path}`;
    const url = path.replace('{id}', '2');
    const isPublic = path.startsWith('/health');
    list.push(plain(operation, method.toUpperCase(), `${url}?%zz`, 400));
    list.push(plain(operation, method.toUpperCase(), url, 417, { ...auth, expect: 'something-else' }));
    if (!isPublic) list.push(plain(operation, method.toUpperCase(), url, 401, {}));
  }
  return list;
}

function documentedResponse(operation: string, status: number): Json {
  const [method, path] = operation.split(' ');
  return resolve(document.paths[path!]?.[method!.toLowerCase()]?.responses?.[String(status)]);
}

describe('GET /openapi.json', () => {
  it('answers the OpenAPI 3.1 document as JSON, behind the token', async (t) => {
    const app = createTestApp(t, { apiToken: TOKEN });
    assert.equal((await app.request('GET', '/openapi.json')).status, 401);
    const response = await app.request('GET', '/openapi.json', { headers: auth });
    assert.equal(response.status, 200);
    assert.equal(response.headers['content-type'], 'application/json; charset=utf-8');
    assert.deepEqual(response.body, document);
    assert.equal(response.body.openapi, '3.1.0');
  });

  it('documents every route and method of the router, and nothing else (HEAD comes with GET)', (t) => {
    const { app } = createTestApp(t);
    const routed = app.router
      .list()
      .flatMap(({ pattern, methods }) => methods.filter((method) => method !== 'HEAD' || !methods.includes('GET')).map((method) => `${method} ${pattern.replace(/:(\w+)/g, '{$1}')}`))
      .sort();
    const documented = operations()
      .map(({ path, method }) => `${method.toUpperCase()} ${path}`)
      .sort();
    assert.deepEqual(documented, routed);
  });

  it('resolves every $ref', () => {
    const refs: string[] = [];
    (function walk(node: Json): void {
      if (node === null || typeof node !== 'object') return;
      if (typeof node.$ref === 'string') refs.push(node.$ref);
      Object.values(node).forEach(walk);
    })(document);
    assert.ok(refs.length > 20);
    for (const $ref of refs) resolve({ $ref });
  });

  it('declares each path template parameter, and every operation takes X-Request-Id', () => {
    for (const { path, method, parameters } of operations()) {
      const inPath = [...path.matchAll(/\{(\w+)\}/g)].map((match) => match[1]).sort();
      const declared = parameters.filter((parameter) => parameter.in === 'path').map((parameter) => parameter.name).sort();
      assert.deepEqual(declared, inPath, `${method} ${path}`);
      for (const parameter of parameters.filter((each) => each.in === 'path')) assert.equal(parameter.required, true);
      assert.ok(parameters.some((parameter) => parameter.in === 'header' && parameter.name === 'X-Request-Id'), `${method} ${path}`);
    }
  });

  it('documents X-Request-Id on every response, and a problem body on every error but /health\'s 503', () => {
    for (const { path, method, operation } of operations()) {
      for (const [status, reference] of Object.entries<Json>(operation.responses)) {
        const response = resolve(reference);
        assert.ok(response.headers?.['X-Request-Id'] !== undefined, `${method} ${path} ${status} has X-Request-Id`);
        // /health answers load balancers in the shape of its 200, not as a problem (docs/api.md).
        const isHealthStatus = path === '/health' && status === '503';
        if (Number(status) >= 400 && !isHealthStatus) assert.ok(response.content?.['application/problem+json'] !== undefined, `${method} ${path} ${status} is a problem`);
      }
    }
  });

  describe('against the answers of the real routes', () => {
    const answers: Array<{ probe: Probe; response: TestResponse }> = [];

    before(async () => {
      // One world for every probe, in order: they share users 1 and 2, and DELETE comes last.
      const cleanups: Array<() => void> = [];
      const t = { after: (fn: () => void) => cleanups.push(fn) } as unknown as TestContext;
      try {
        const directory = makeTempDir(t);
        const dbPath = join(directory, 'app.db');
        const app: TestApp = createTestApp(t, { apiToken: TOKEN, dbPath, busyTimeoutMs: 10, bodyLimitBytes: 512, backupDirectory: join(directory, 'backups') });
        for (const probe of probes()) {
          let lock: DatabaseSync | undefined;
          if (probe.locked) {
            lock = new DatabaseSync(dbPath, { timeout: 0 });
            lock.exec('BEGIN IMMEDIATE');
          }
          app.app.lifecycle.shuttingDown = probe.shuttingDown === true;
          const backup = probe.duringBackup ? app.request('POST', '/admin/backup', { headers: auth }) : undefined;
          try {
            answers.push({ probe, response: await app.request(probe.method, probe.url, { headers: probe.headers, body: probe.body }) });
          } finally {
            await backup;
            lock?.close();
            app.app.lifecycle.shuttingDown = false;
          }
        }
      } finally {
        for (const cleanup of cleanups.reverse()) cleanup();
      }
    });

    it('gets from each probe the status it was written for', () => {
      const wrong = answers.filter(({ probe, response }) => response.status !== probe.status).map(({ probe, response }) => `${probe.method} ${probe.url}: ${response.status} ${response.text}`);
      assert.deepEqual(wrong, []);
    });

    it('documents every status an operation answers, and answers every status documented (but 500)', () => {
      for (const { path, method, operation } of operations()) {
        const name = `${method.toUpperCase()} ${path}`;
        const answered = new Set(answers.filter(({ probe }) => probe.operation === name).map(({ response }) => response.status));
        const documented = Object.keys(operation.responses).map(Number).sort();
        assert.deepEqual([...answered, 500, ...(NOT_PROBED[name] ?? [])].sort(), documented, name);
      }
    });

    it('documents the headers each answer carries: ETag, Location, Link, Retry-After, WWW-Authenticate, Accept-Patch, Cache-Control', () => {
      const tracked = ['etag', 'location', 'link', 'retry-after', 'www-authenticate', 'accept-patch', 'cache-control', 'x-request-id'];
      for (const { probe, response } of answers) {
        const documented = Object.keys(documentedResponse(probe.operation, response.status)?.headers ?? {}).map((name) => name.toLowerCase());
        for (const name of tracked.filter((each) => response.headers[each] !== undefined)) {
          assert.ok(documented.includes(name), `${probe.method} ${probe.url} ${response.status} documents ${name}`);
        }
      }
    });

    it('documents a media type and a schema that each answer body fits', () => {
      for (const { probe, response } of answers) {
        const documented = documentedResponse(probe.operation, response.status);
        const label = `${probe.method} ${probe.url} ${response.status}`;
        if (response.text === '') {
          assert.equal(documented.content, undefined, `${label} documents no body`);
          continue;
        }
        const mediaType = response.headers['content-type']!.split(';')[0]!;
        const entry = Object.entries<Json>(documented.content ?? {}).find(([type]) => type.split(';')[0] === mediaType);
        assert.ok(entry !== undefined, `${label} documents ${mediaType}`);
        if (mediaType !== 'text/plain') assert.deepEqual(misfits(response.body, entry[1].schema), [], label);
      }
    });
  });

  it('has request examples that pass the real validation', () => {
    for (const { path, method, operation } of operations()) {
      for (const [mediaType, content] of Object.entries<Json>(operation.requestBody?.content ?? {})) {
        const name = resolve(content.schema) === document.components.schemas.UserPatch ? 'UserPatch' : 'UserInput';
        const parse = name === 'UserPatch' ? parseUserPatch : parseUserFields;
        assert.doesNotThrow(() => parse(structuredClone(content.example)), `${method} ${path} ${mediaType}`);
        assert.deepEqual(misfits(content.example, content.schema), [], `${method} ${path} ${mediaType}`);
      }
    }
  });

  it('has response and schema examples that fit their schemas', () => {
    const examples: Array<[string, Json, Json]> = [];
    for (const [name, schema] of Object.entries<Json>(document.components.schemas)) if (schema.example !== undefined) examples.push([name, schema.example, schema]);
    for (const { path, method, operation } of operations()) {
      for (const [status, reference] of Object.entries<Json>(operation.responses)) {
        for (const content of Object.values<Json>(resolve(reference).content ?? {})) {
          if (content.example !== undefined) examples.push([`${method} ${path} ${status}`, content.example, content.schema]);
        }
      }
    }
    assert.ok(examples.length >= 5);
    for (const [label, example, schema] of examples) assert.deepEqual(misfits(example, schema), [], label);
    assert.doesNotThrow(() => parseUserFields(structuredClone(EXAMPLES.user) as unknown as Record<string, unknown>), 'a user read back can be sent as is');
  });
});
