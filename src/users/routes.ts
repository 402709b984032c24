// The /users routes: HTTP in, the users service, HTTP out. Parsing and status codes live here;
// the rules about users live in validate.ts and service.ts.
import { JSON_MEDIA_TYPES, MERGE_PATCH_MEDIA_TYPES, readJsonObject } from '../http/body.ts';
import { ifMatchHolds, ifNoneMatchHits } from '../http/conditional.ts';
import { HttpError } from '../http/errors.ts';
import { parseInteger, readQuery } from '../http/params.ts';
import { empty, json, jsonText } from '../http/respond.ts';
import type { Router } from '../http/router.ts';
import type { AppRequest, Handler, Query } from '../http/types.ts';
import { UserChanged } from './errors.ts';
import type { Precondition, UserService } from './service.ts';
import type { User } from './user.ts';
import { parseUserFields, parseUserPatch } from './validate.ts';

export const MAX_USER_ID = Number.MAX_SAFE_INTEGER;
export const DEFAULT_PAGE_SIZE = 100;
export const MAX_PAGE_SIZE = 1000;

/** A strong ETag: updated_at changes, by at least a millisecond, on every change to the user. */
export function etagOf(user: User): string {
  return `"${user.id.toString(36)}-${Date.parse(user.updated_at).toString(36)}"`;
}

function parseUserId(params: Readonly<Record<string, string>>): number {
  return parseInteger(params.id!, 'id', 1, MAX_USER_ID);
}

// RFC 9110 section 13.1: a write goes ahead only if If-Match holds and If-None-Match does not
// (`If-None-Match: *` on a user that exists refuses the write). Checked in the write's transaction.
function preconditionFrom(request: AppRequest): Precondition | undefined {
  const { 'if-match': ifMatch, 'if-none-match': ifNoneMatch } = request.headers;
  if (ifMatch === undefined && ifNoneMatch === undefined) return undefined;
  return (current) => {
    const etag = etagOf(current);
    return ifMatchHolds(ifMatch, etag) && !ifNoneMatchHits(ifNoneMatch, etag);
  };
}

// Only GET /users takes query parameters; elsewhere one is a typo or a misunderstanding, and
// silently ignoring it would let `DELETE /users/1?dry_run=true` delete.
function refuseQuery(query: Query): void {
  readQuery(query, []);
}

const userResponse = (status: number, user: User, headers: Record<string, string> = {}) => json(status, user, { ...headers, etag: etagOf(user) });

export interface UserRoutesOptions {
  users: UserService;
  bodyLimitBytes: number;
}

export function addUserRoutes(router: Router<Handler>, { users, bodyLimitBytes }: UserRoutesOptions): void {
  router.add('POST', '/users', async ({ request, query }) => {
    refuseQuery(query);
    const fields = parseUserFields(await readJsonObject(request, bodyLimitBytes, JSON_MEDIA_TYPES));
    const user = await users.createUser(fields);
    return userResponse(201, user, { location: `/users/${user.id}` });
  });

  router.add('GET', '/users', ({ query }) => {
    const values = readQuery(query, ['limit', 'after', 'email']);
    const limit = values.has('limit') ? parseInteger(values.get('limit')!, 'limit', 1, MAX_PAGE_SIZE) : DEFAULT_PAGE_SIZE;
    const afterId = values.has('after') ? parseInteger(values.get('after')!, 'after', 0, MAX_USER_ID) : 0;
    const email = values.get('email')?.trim();
    if (email === '') {
      throw new HttpError(400, 'Expected `email` to be an address to look up, got an empty value.', { errors: [{ field: 'email', message: 'Must not be empty.' }] });
    }
    const page = users.listUsers({ afterId, limit, email });
    const headers: Record<string, string> = {};
    if (page.hasMore) headers.link = `</users?limit=${limit}&after=${page.lastId}>; rel="next"`;
    return jsonText(200, page.json, headers);
  });

  router.add('GET', '/users/:id', ({ request, params, query }) => {
    const id = parseUserId(params);
    refuseQuery(query);
    const user = users.getUser(id);
    const etag = etagOf(user);
    // RFC 9110 section 13.2.2 order: If-Match first (412), then If-None-Match (304 for a read).
    if (!ifMatchHolds(request.headers['if-match'], etag)) throw new UserChanged();
    if (ifNoneMatchHits(request.headers['if-none-match'], etag)) return empty(304, { etag });
    return userResponse(200, user);
  });

  router.add('PUT', '/users/:id', async ({ request, params, query }) => {
    const id = parseUserId(params);
    refuseQuery(query);
    const fields = parseUserFields(await readJsonObject(request, bodyLimitBytes, JSON_MEDIA_TYPES));
    return userResponse(200, await users.replaceUser(id, fields, preconditionFrom(request)));
  });

  router.add('PATCH', '/users/:id', async ({ request, params, query }) => {
    const id = parseUserId(params);
    refuseQuery(query);
    const patch = parseUserPatch(await readJsonObject(request, bodyLimitBytes, MERGE_PATCH_MEDIA_TYPES));
    return userResponse(200, await users.patchUser(id, patch, preconditionFrom(request)));
  });

  router.add('DELETE', '/users/:id', async ({ request, params, query }) => {
    const id = parseUserId(params);
    refuseQuery(query);
    await users.deleteUser(id, preconditionFrom(request));
    return empty(204);
  });
}
