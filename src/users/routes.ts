// The /users routes: HTTP in, the users service, HTTP out. Parsing and status codes live here;
// the rules about users live in validate.ts and service.ts.
import { JSON_MEDIA_TYPES, MERGE_PATCH_MEDIA_TYPES, readJsonObject } from '../http/body.ts';
import { ifMatchHolds, ifNoneMatchHits } from '../http/conditional.ts';
import { HttpError } from '../http/errors.ts';
import { parseInteger, readQuery } from '../http/params.ts';
import { empty, json } from '../http/respond.ts';
import type { Router } from '../http/router.ts';
import type { AppRequest, Handler } from '../http/types.ts';
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

function preconditionFrom(request: AppRequest): Precondition | undefined {
  const header = request.headers['if-match'];
  return header === undefined ? undefined : (current) => ifMatchHolds(header, etagOf(current));
}

const userResponse = (status: number, user: User, headers: Record<string, string> = {}) => json(status, user, { ...headers, etag: etagOf(user) });

export interface UserRoutesOptions {
  users: UserService;
  bodyLimitBytes: number;
}

export function addUserRoutes(router: Router<Handler>, { users, bodyLimitBytes }: UserRoutesOptions): void {
  router.add('POST', '/users', async ({ request }) => {
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
    if (page.hasMore) headers.link = `</users?limit=${limit}&after=${page.users.at(-1)!.id}>; rel="next"`;
    return json(200, page.users, headers);
  });

  router.add('GET', '/users/:id', ({ request, params }) => {
    const user = users.getUser(parseUserId(params));
    const etag = etagOf(user);
    if (ifNoneMatchHits(request.headers['if-none-match'], etag)) return empty(304, { etag });
    return userResponse(200, user);
  });

  router.add('PUT', '/users/:id', async ({ request, params }) => {
    const id = parseUserId(params);
    const fields = parseUserFields(await readJsonObject(request, bodyLimitBytes, JSON_MEDIA_TYPES));
    return userResponse(200, await users.replaceUser(id, fields, preconditionFrom(request)));
  });

  router.add('PATCH', '/users/:id', async ({ request, params }) => {
    const id = parseUserId(params);
    const patch = parseUserPatch(await readJsonObject(request, bodyLimitBytes, MERGE_PATCH_MEDIA_TYPES));
    return userResponse(200, await users.patchUser(id, patch, preconditionFrom(request)));
  });

  router.add('DELETE', '/users/:id', async ({ request, params }) => {
    await users.deleteUser(parseUserId(params), preconditionFrom(request));
    return empty(204);
  });
}
