// The OpenAPI 3.1 description of every route, written by hand as data. test/openapi.test.ts keeps
// it honest: every route in the router is documented and every documented route exists, every
// status a probe gets from the app is documented for its operation, and the examples pass the
// same validation as real requests.
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, MAX_USER_ID } from '../users/routes.ts';

const header = (name: string) => ({ $ref: `#/components/headers/${name}` });
const parameter = (name: string) => ({ $ref: `#/components/parameters/${name}` });
const ref = (name: string) => ({ $ref: `#/components/responses/${name}` });
const schema = (name: string) => ({ $ref: `#/components/schemas/${name}` });

const problem = (description: string, extraHeaders: Record<string, unknown> = {}) => ({
  description,
  headers: { 'X-Request-Id': header('XRequestId'), ...extraHeaders },
  content: { 'application/problem+json': { schema: schema('Problem') } },
});

const jsonResponse = (description: string, body: unknown, headers: Record<string, unknown> = {}, example?: unknown) => ({
  description,
  headers: { 'X-Request-Id': header('XRequestId'), ...headers },
  content: { 'application/json': example === undefined ? { schema: body } : { schema: body, example } },
});

const userResponse = (description: string, headers: Record<string, unknown> = {}) => jsonResponse(description, schema('User'), { ETag: header('ETag'), ...headers });

const jsonBody = (name: string, example: unknown, mediaTypes: string[] = ['application/json']) => ({
  required: true,
  content: Object.fromEntries(mediaTypes.map((type) => [type, { schema: schema(name), example }])),
});

// Every operation can meet these before its handler runs (docs/api.md, "Order of checks"): a
// request without Host or with a malformed query (400), an Expect other than 100-continue (417),
// and a bug (500).
const anyRequest = { '400': ref('BadRequest'), '417': ref('ExpectationFailed'), '500': ref('InternalError') };
const withToken = { ...anyRequest, '401': ref('Unauthorized') };

const healthResponse = (description: string) => jsonResponse(description, schema('Health'), { 'Cache-Control': header('CacheControlNoStore') });

export const EXAMPLES = {
  create: { email: 'ada@example.com', name: 'Ada Lovelace', is_active: true },
  replace: { email: 'ada@example.com', name: 'Ada King', is_active: false },
  patch: { name: 'Ada King' },
  user: { id: 1, email: 'ada@example.com', name: 'Ada Lovelace', is_active: true, created_at: '2026-11-27T18:00:00.000Z', updated_at: '2026-11-27T18:00:00.000Z' },
  health: { status: 'healthy', database: 'connected', schema_version: 4, pending_migrations: [] },
  backup: { file: 'users-2026-11-27T18-00-00-000Z.db', bytes: 24576, created_at: '2026-11-27T18:00:00.000Z', duration_ms: 12 },
} as const;

export const openApiDocument = {
  openapi: '3.1.0',
  info: {
    title: 'users-service',
    version: '1.0.0',
    description: [
      'A users CRUD API on node:http and node:sqlite. Every error is an RFC 9457 problem (application/problem+json); every response carries X-Request-Id.',
      'HEAD works wherever GET does. A method a path does not have answers 405 with an Allow header; a path no route has answers 404.',
      'When API_TOKEN is set, every route except /health and /health/live needs `Authorization: Bearer <token>`, checked before routing (so without it an unknown path is a 401 too).',
      'Malformed HTTP is answered on the raw connection: 400, 431 for headers too large, 408 for a request too slow to arrive. docs/api.md and docs/operations.md have the details.',
    ].join(' '),
  },
  security: [{ bearer: [] }],
  paths: {
    '/health': {
      get: {
        summary: 'Readiness: can this process serve requests now? Also reports the schema version and pending migrations.',
        security: [],
        parameters: [parameter('XRequestId')],
        responses: {
          '200': { ...healthResponse('Healthy'), content: { 'application/json': { schema: schema('Health'), example: EXAMPLES.health } } },
          '503': healthResponse('Unhealthy: the database does not answer, or the process is shutting down (with `reason`)'),
          ...anyRequest,
        },
      },
    },
    '/health/live': {
      get: {
        summary: 'Liveness: is the process answering? Never touches the database.',
        security: [],
        parameters: [parameter('XRequestId')],
        responses: {
          '200': jsonResponse('Alive', { type: 'object', properties: { status: { const: 'alive' } }, required: ['status'] }, { 'Cache-Control': header('CacheControlNoStore') }),
          ...anyRequest,
        },
      },
    },
    '/users': {
      post: {
        summary: 'Create a user. Takes no query parameter.',
        parameters: [parameter('XRequestId')],
        requestBody: jsonBody('UserInput', EXAMPLES.create),
        responses: {
          '201': userResponse('Created', { Location: header('Location') }),
          '409': ref('Conflict'),
          '413': ref('PayloadTooLarge'),
          '415': ref('UnsupportedMediaType'),
          '503': ref('Unavailable'),
          ...withToken,
        },
      },
      get: {
        summary: 'List users by ascending id, one page at a time (keyset pagination)',
        parameters: [
          parameter('XRequestId'),
          { name: 'limit', in: 'query', description: 'Page size.', schema: { type: 'integer', minimum: 1, maximum: MAX_PAGE_SIZE, default: DEFAULT_PAGE_SIZE } },
          { name: 'after', in: 'query', description: 'Only users whose id is larger than this one.', schema: { type: 'integer', minimum: 0, maximum: MAX_USER_ID, default: 0 } },
          { name: 'email', in: 'query', description: 'Only the user with this email, ignoring ASCII case ("+" is a plus sign, not a space): an array of zero or one user.', schema: { type: 'string', minLength: 1 } },
        ],
        responses: {
          '200': jsonResponse('A page of users', { type: 'array', items: schema('User') }, { Link: header('Link') }, [EXAMPLES.user]),
          ...withToken,
        },
      },
    },
    '/users/{id}': {
      parameters: [parameter('UserId')],
      get: {
        summary: 'Get one user. Takes no query parameter.',
        parameters: [parameter('XRequestId'), parameter('IfNoneMatchRead'), parameter('IfMatch')],
        responses: {
          '200': userResponse('The user'),
          '304': { description: 'Not modified: an ETag in If-None-Match is current', headers: { ETag: header('ETag'), 'X-Request-Id': header('XRequestId') } },
          '404': ref('NotFound'),
          '412': ref('PreconditionFailed'),
          ...withToken,
        },
      },
      put: {
        summary: 'Replace a user (email, name, is_active; is_active omitted means true). No upsert. Takes no query parameter.',
        parameters: [parameter('XRequestId'), parameter('IfMatch'), parameter('IfNoneMatchWrite')],
        requestBody: jsonBody('UserInput', EXAMPLES.replace),
        responses: {
          '200': userResponse('The replaced user'),
          '404': ref('NotFound'),
          '409': ref('Conflict'),
          '412': ref('PreconditionFailed'),
          '413': ref('PayloadTooLarge'),
          '415': ref('UnsupportedMediaType'),
          '503': ref('Unavailable'),
          ...withToken,
        },
      },
      patch: {
        summary: 'Change some fields of a user (JSON merge patch). Takes no query parameter.',
        parameters: [parameter('XRequestId'), parameter('IfMatch'), parameter('IfNoneMatchWrite')],
        requestBody: jsonBody('UserPatch', EXAMPLES.patch, ['application/merge-patch+json', 'application/json']),
        responses: {
          '200': userResponse('The changed user'),
          '404': ref('NotFound'),
          '409': ref('Conflict'),
          '412': ref('PreconditionFailed'),
          '413': ref('PayloadTooLarge'),
          '415': problem('The body is neither application/merge-patch+json nor application/json', { 'Accept-Patch': header('AcceptPatch') }),
          '503': ref('Unavailable'),
          ...withToken,
        },
      },
      delete: {
        summary: 'Delete a user; its id is never used again. Takes no query parameter.',
        parameters: [parameter('XRequestId'), parameter('IfMatch'), parameter('IfNoneMatchWrite')],
        responses: {
          '204': { description: 'Deleted', headers: { 'X-Request-Id': header('XRequestId') } },
          '404': ref('NotFound'),
          '412': ref('PreconditionFailed'),
          '503': ref('Unavailable'),
          ...withToken,
        },
      },
    },
    '/metrics': {
      get: {
        summary: 'Prometheus metrics (text exposition format 0.0.4); docs/operations.md explains each one',
        parameters: [parameter('XRequestId')],
        responses: {
          '200': {
            description: 'Metrics',
            headers: { 'X-Request-Id': header('XRequestId'), 'Cache-Control': header('CacheControlNoStore') },
            content: { 'text/plain; version=0.0.4': { schema: { type: 'string' } } },
          },
          ...withToken,
        },
      },
    },
    '/openapi.json': {
      get: {
        summary: 'This document',
        parameters: [parameter('XRequestId')],
        responses: { '200': jsonResponse('The OpenAPI 3.1 document', { type: 'object' }), ...withToken },
      },
    },
    '/admin/backup': {
      post: {
        summary: 'Write an online, consistent, integrity-checked snapshot of the database into BACKUP_DIR. Takes no body.',
        parameters: [parameter('XRequestId')],
        responses: {
          '201': jsonResponse('The backup was written, checked and synced; `file` is its name inside BACKUP_DIR', schema('Backup'), {}, EXAMPLES.backup),
          '409': problem('A backup is already running; try again when it has finished'),
          '503': ref('Unavailable'),
          ...withToken,
        },
      },
    },
  },
  components: {
    securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'The value of API_TOKEN' } },
    parameters: {
      UserId: { name: 'id', in: 'path', required: true, schema: { type: 'integer', minimum: 1, maximum: MAX_USER_ID }, description: 'Decimal digits, no sign, no leading zeros.' },
      XRequestId: { name: 'X-Request-Id', in: 'header', description: 'Echoed back when it is 1-128 characters of [A-Za-z0-9._:-]; otherwise a new id is made.', schema: { type: 'string', pattern: '^[A-Za-z0-9._:-]{1,128}$' } },
      IfMatch: { name: 'If-Match', in: 'header', description: 'Go ahead only if the user still has one of these ETags (strong comparison) or the value is `*`; otherwise 412, and nothing changes.', schema: { type: 'string' } },
      IfNoneMatchRead: { name: 'If-None-Match', in: 'header', description: 'ETags the client holds (weak comparison) or `*`; a match answers 304.', schema: { type: 'string' } },
      IfNoneMatchWrite: { name: 'If-None-Match', in: 'header', description: 'Write only if the user has none of these ETags; a match (or `*`, since the user exists) answers 412, and nothing changes.', schema: { type: 'string' } },
    },
    headers: {
      ETag: { description: 'A strong entity tag for the user; it changes whenever the user does.', schema: { type: 'string' } },
      Location: { description: 'The new user: /users/{id}', schema: { type: 'string' } },
      Link: { description: 'Present when more users follow: `</users?limit=N&after=LAST>; rel="next"`', schema: { type: 'string' } },
      XRequestId: { description: 'The request id, also in the access log.', schema: { type: 'string' } },
      RetryAfter: { description: 'Seconds to wait before retrying.', schema: { type: 'integer' } },
      WWWAuthenticate: { description: 'Always `Bearer`.', schema: { type: 'string', const: 'Bearer' } },
      AcceptPatch: { description: 'The patch formats PATCH takes.', schema: { type: 'string', example: 'application/json, application/merge-patch+json' } },
      CacheControlNoStore: { description: 'Never cached.', schema: { type: 'string', const: 'no-store' } },
    },
    responses: {
      BadRequest: problem(
        'Malformed JSON; a body that is not an object; an invalid, missing or unknown field; a bad id; a bad, repeated or unknown query parameter (routes other than GET /users take none); a request without Host or with a malformed query',
      ),
      Unauthorized: problem('API_TOKEN is set and the bearer token is missing or wrong', { 'WWW-Authenticate': header('WWWAuthenticate') }),
      NotFound: problem('No such user'),
      Conflict: problem('The email is already used by another user (ignoring ASCII case)'),
      PreconditionFailed: problem('If-Match does not hold, or (on a write) If-None-Match matches; nothing was changed'),
      PayloadTooLarge: problem('The body is larger than BODY_LIMIT_BYTES; the connection is closed'),
      UnsupportedMediaType: problem('The body is not application/json'),
      ExpectationFailed: problem('An Expect header other than 100-continue'),
      InternalError: problem('A bug: logged with the request id; the detail is only "Internal Server Error"'),
      Unavailable: problem('The database is busy past DB_BUSY_TIMEOUT_MS, its disk is full, or it is read-only; nothing was written. Retry later.', { 'Retry-After': header('RetryAfter') }),
    },
    schemas: {
      User: {
        type: 'object',
        required: ['id', 'email', 'name', 'is_active', 'created_at', 'updated_at'],
        additionalProperties: false,
        properties: {
          id: { type: 'integer', minimum: 1, maximum: MAX_USER_ID, readOnly: true },
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
          email: { type: 'string', maxLength: 254, description: 'Trimmed; exactly one @ with text on both sides, no whitespace or control character; unique ignoring ASCII case.' },
          name: { type: 'string', minLength: 1, maxLength: 200, description: 'Trimmed; 1 to 200 characters, no control character.' },
          is_active: { type: 'boolean', default: true },
        },
      },
      UserPatch: {
        type: 'object',
        description: 'At least one of the three fields. null cannot remove a field: every user has all three.',
        minProperties: 1,
        properties: { email: { type: 'string', maxLength: 254 }, name: { type: 'string', minLength: 1, maxLength: 200 }, is_active: { type: 'boolean' } },
      },
      Problem: {
        type: 'object',
        required: ['type', 'title', 'status', 'detail'],
        properties: {
          type: { type: 'string', const: 'about:blank' },
          title: { type: 'string', description: 'The HTTP reason phrase' },
          status: { type: 'integer' },
          detail: { type: 'string', description: 'A sentence for a person; its wording may change' },
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
          schema_version: { type: 'integer', description: 'How many migrations are applied' },
          pending_migrations: { type: 'array', items: { type: 'string' }, description: 'Files in migrations/ not applied yet' },
          reason: { type: 'string', description: 'Why it is unhealthy' },
        },
      },
      Backup: {
        type: 'object',
        required: ['file', 'bytes', 'created_at', 'duration_ms'],
        properties: {
          file: { type: 'string', description: 'The file name inside BACKUP_DIR (never a path)' },
          bytes: { type: 'integer' },
          created_at: { type: 'string', format: 'date-time' },
          duration_ms: { type: 'integer' },
        },
      },
    },
  },
} as const;
