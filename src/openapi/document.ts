// The OpenAPI 3.1 description of every route, written by hand as data. test/openapi.test.ts keeps
// it honest: every route in the router is documented, every documented route exists, and the
// examples pass the same validation as real requests.
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, MAX_USER_ID } from '../users/routes.ts';

const problem = (description: string, extraHeaders: Record<string, unknown> = {}) => ({
  description,
  headers: { 'X-Request-Id': { $ref: '#/components/headers/XRequestId' }, ...extraHeaders },
  content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } },
});

const ref = (name: string) => ({ $ref: `#/components/responses/${name}` });

const userBody = (status: string, headers: Record<string, unknown> = {}) => ({
  description: status,
  headers: { ETag: { $ref: '#/components/headers/ETag' }, 'X-Request-Id': { $ref: '#/components/headers/XRequestId' }, ...headers },
  content: { 'application/json': { schema: { $ref: '#/components/schemas/User' } } },
});

const jsonBody = (schema: string, example: unknown, mediaTypes: string[] = ['application/json']) => ({
  required: true,
  content: Object.fromEntries(mediaTypes.map((type) => [type, { schema: { $ref: `#/components/schemas/${schema}` }, example }])),
});

const security = [{ bearer: [] }];
const userId = { $ref: '#/components/parameters/UserId' };
const requestId = { $ref: '#/components/parameters/XRequestId' };
const ifMatch = { $ref: '#/components/parameters/IfMatch' };

export const EXAMPLES = {
  create: { email: 'ada@example.com', name: 'Ada Lovelace', is_active: true },
  patch: { name: 'Ada King' },
  user: { id: 1, email: 'ada@example.com', name: 'Ada Lovelace', is_active: true, created_at: '2026-11-27T18:00:00.000Z', updated_at: '2026-11-27T18:00:00.000Z' },
} as const;

export const openApiDocument = {
  openapi: '3.1.0',
  info: {
    title: 'users-service',
    version: '1.0.0',
    description:
      'A users CRUD API on node:http and node:sqlite. Every error is RFC 9457 problem details. HEAD works wherever GET does. When API_TOKEN is set, every route except /health and /health/live needs `Authorization: Bearer <token>`.',
  },
  security,
  paths: {
    '/health': {
      get: {
        summary: 'Readiness: can this process serve requests now?',
        security: [],
        parameters: [requestId],
        responses: {
          '200': { description: 'Healthy', content: { 'application/json': { schema: { $ref: '#/components/schemas/Health' } } } },
          '503': { description: 'The database does not answer, or the process is shutting down', content: { 'application/json': { schema: { $ref: '#/components/schemas/Health' } } } },
        },
      },
    },
    '/health/live': {
      get: {
        summary: 'Liveness: is the process answering? Never touches the database.',
        security: [],
        parameters: [requestId],
        responses: { '200': { description: 'Alive', content: { 'application/json': { schema: { type: 'object', properties: { status: { const: 'alive' } }, required: ['status'] } } } } },
      },
    },
    '/users': {
      post: {
        summary: 'Create a user',
        parameters: [requestId],
        requestBody: jsonBody('UserInput', EXAMPLES.create),
        responses: {
          '201': userBody('Created', { Location: { description: 'The new user: /users/{id}', schema: { type: 'string' } } }),
          '400': ref('BadRequest'),
          '401': ref('Unauthorized'),
          '409': ref('Conflict'),
          '413': ref('PayloadTooLarge'),
          '415': ref('UnsupportedMediaType'),
          '503': ref('Unavailable'),
        },
      },
      get: {
        summary: 'List users by ascending id, one page at a time (keyset pagination)',
        parameters: [
          requestId,
          { name: 'limit', in: 'query', schema: { type: 'integer', minimum: 1, maximum: MAX_PAGE_SIZE, default: DEFAULT_PAGE_SIZE } },
          { name: 'after', in: 'query', description: 'Return users whose id is larger than this one.', schema: { type: 'integer', minimum: 0, maximum: MAX_USER_ID, default: 0 } },
          { name: 'email', in: 'query', description: 'Only the user with this email, ignoring ASCII case ("+" is a plus sign, not a space).', schema: { type: 'string' } },
        ],
        responses: {
          '200': {
            description: 'A page of users',
            headers: {
              Link: { description: 'Present when more users follow: `</users?limit=N&after=LAST>; rel="next"`', schema: { type: 'string' } },
              'X-Request-Id': { $ref: '#/components/headers/XRequestId' },
            },
            content: { 'application/json': { schema: { type: 'array', items: { $ref: '#/components/schemas/User' } }, example: [EXAMPLES.user] } },
          },
          '400': ref('BadRequest'),
          '401': ref('Unauthorized'),
        },
      },
    },
    '/users/{id}': {
      get: {
        summary: 'Get one user',
        parameters: [userId, requestId, { name: 'If-None-Match', in: 'header', description: 'ETags the client holds; a match answers 304.', schema: { type: 'string' } }],
        responses: {
          '200': userBody('The user'),
          '304': { description: 'Not modified: the ETag in If-None-Match is current', headers: { ETag: { $ref: '#/components/headers/ETag' } } },
          '400': ref('BadRequest'),
          '401': ref('Unauthorized'),
          '404': ref('NotFound'),
        },
      },
      put: {
        summary: 'Replace a user (email, name, is_active; is_active omitted means true). No upsert.',
        parameters: [userId, requestId, ifMatch],
        requestBody: jsonBody('UserInput', EXAMPLES.create),
        responses: {
          '200': userBody('The replaced user'),
          '400': ref('BadRequest'),
          '401': ref('Unauthorized'),
          '404': ref('NotFound'),
          '409': ref('Conflict'),
          '412': ref('PreconditionFailed'),
          '413': ref('PayloadTooLarge'),
          '415': ref('UnsupportedMediaType'),
          '503': ref('Unavailable'),
        },
      },
      patch: {
        summary: 'Change some fields of a user (JSON merge patch)',
        parameters: [userId, requestId, ifMatch],
        requestBody: jsonBody('UserPatch', EXAMPLES.patch, ['application/merge-patch+json', 'application/json']),
        responses: {
          '200': userBody('The changed user'),
          '400': ref('BadRequest'),
          '401': ref('Unauthorized'),
          '404': ref('NotFound'),
          '409': ref('Conflict'),
          '412': ref('PreconditionFailed'),
          '413': ref('PayloadTooLarge'),
          '415': ref('UnsupportedMediaType'),
          '503': ref('Unavailable'),
        },
      },
      delete: {
        summary: 'Delete a user; its id is never used again',
        parameters: [userId, requestId, ifMatch],
        responses: {
          '204': { description: 'Deleted', headers: { 'X-Request-Id': { $ref: '#/components/headers/XRequestId' } } },
          '400': ref('BadRequest'),
          '401': ref('Unauthorized'),
          '404': ref('NotFound'),
          '412': ref('PreconditionFailed'),
          '503': ref('Unavailable'),
        },
      },
    },
    '/metrics': {
      get: {
        summary: 'Prometheus metrics (text exposition format 0.0.4)',
        parameters: [requestId],
        responses: { '200': { description: 'Metrics', content: { 'text/plain; version=0.0.4': { schema: { type: 'string' } } } }, '401': ref('Unauthorized') },
      },
    },
    '/openapi.json': {
      get: {
        summary: 'This document',
        parameters: [requestId],
        responses: { '200': { description: 'The OpenAPI 3.1 document', content: { 'application/json': { schema: { type: 'object' } } } }, '401': ref('Unauthorized') },
      },
    },
    '/admin/backup': {
      post: {
        summary: 'Write an online, consistent snapshot of the database to the backup folder (BACKUP_DIR)',
        parameters: [requestId],
        responses: {
          '201': {
            description: 'The backup was written, integrity-checked and synced',
            content: { 'application/json': { schema: { $ref: '#/components/schemas/Backup' } } },
          },
          '401': ref('Unauthorized'),
          '409': ref('Conflict'),
          '503': ref('Unavailable'),
        },
      },
    },
  },
  components: {
    securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'The value of API_TOKEN' } },
    parameters: {
      UserId: { name: 'id', in: 'path', required: true, schema: { type: 'integer', minimum: 1, maximum: MAX_USER_ID }, description: 'Decimal digits, no sign, no leading zeros.' },
      XRequestId: { name: 'X-Request-Id', in: 'header', description: 'Echoed back when it is 1-128 characters of [A-Za-z0-9._:-]; otherwise a new id is made.', schema: { type: 'string', pattern: '^[A-Za-z0-9._:-]{1,128}$' } },
      IfMatch: { name: 'If-Match', in: 'header', description: 'Write only if the user still has one of these ETags (or `*`); otherwise 412 and nothing changes.', schema: { type: 'string' } },
    },
    headers: {
      ETag: { description: 'A strong entity tag for the user; it changes whenever the user does.', schema: { type: 'string' } },
      XRequestId: { description: 'The request id, also in the access log.', schema: { type: 'string' } },
      RetryAfter: { description: 'Seconds to wait before retrying.', schema: { type: 'integer' } },
    },
    responses: {
      BadRequest: problem('Malformed JSON, a body that is not an object, an invalid, missing or unknown field, or a bad id or query parameter'),
      Unauthorized: problem('API_TOKEN is set and the bearer token is missing or wrong', { 'WWW-Authenticate': { schema: { type: 'string' } } }),
      NotFound: problem('No such user'),
      Conflict: problem('The email is already used by another user (or, for /admin/backup, a backup is already running)'),
      PreconditionFailed: problem('If-Match does not match the current ETag; nothing was changed'),
      PayloadTooLarge: problem('The body is larger than BODY_LIMIT_BYTES'),
      UnsupportedMediaType: problem('The body is not application/json (or application/merge-patch+json for PATCH)'),
      Unavailable: problem('The database is busy past its busy timeout, full or read-only; retry later', { 'Retry-After': { $ref: '#/components/headers/RetryAfter' } }),
    },
    schemas: {
      User: {
        type: 'object',
        required: ['id', 'email', 'name', 'is_active', 'created_at', 'updated_at'],
        properties: {
          id: { type: 'integer', minimum: 1, readOnly: true },
          email: { type: 'string', maxLength: 254 },
          name: { type: 'string', minLength: 1, maxLength: 200 },
          is_active: { type: 'boolean' },
          created_at: { type: 'string', format: 'date-time', readOnly: true },
          updated_at: { type: 'string', format: 'date-time', readOnly: true },
        },
        example: EXAMPLES.user,
      },
      UserInput: {
        type: 'object',
        description: 'id, created_at and updated_at are ignored if sent; any other unknown field is a 400.',
        required: ['email', 'name'],
        properties: {
          email: { type: 'string', maxLength: 254, description: 'Trimmed; exactly one @ with text on both sides, no whitespace; unique ignoring ASCII case.' },
          name: { type: 'string', minLength: 1, maxLength: 200, description: 'Trimmed; 1 to 200 characters.' },
          is_active: { type: 'boolean', default: true },
        },
      },
      UserPatch: {
        type: 'object',
        description: 'At least one field. null cannot remove a field: every user has all three.',
        minProperties: 1,
        properties: { email: { type: 'string', maxLength: 254 }, name: { type: 'string', minLength: 1, maxLength: 200 }, is_active: { type: 'boolean' } },
      },
      Problem: {
        type: 'object',
        required: ['type', 'title', 'status', 'detail'],
        properties: {
          type: { type: 'string', const: 'about:blank' },
          title: { type: 'string' },
          status: { type: 'integer' },
          detail: { type: 'string' },
          errors: { type: 'array', items: { type: 'object', required: ['field', 'message'], properties: { field: { type: 'string' }, message: { type: 'string' } } } },
        },
        example: { type: 'about:blank', title: 'Conflict', status: 409, detail: 'Email already exists' },
      },
      Health: {
        type: 'object',
        required: ['status', 'database'],
        properties: {
          status: { enum: ['healthy', 'unhealthy'] },
          database: { enum: ['connected', 'disconnected'] },
          schema_version: { type: 'integer' },
          pending_migrations: { type: 'array', items: { type: 'string' } },
          reason: { type: 'string' },
        },
      },
      Backup: {
        type: 'object',
        required: ['file', 'bytes', 'created_at'],
        properties: { file: { type: 'string' }, bytes: { type: 'integer' }, created_at: { type: 'string', format: 'date-time' }, duration_ms: { type: 'integer' } },
      },
    },
  },
} as const;
