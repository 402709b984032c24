// Bearer-token check for API_TOKEN. Both sides are hashed first so timingSafeEqual compares equal
// lengths and the time taken says nothing about the token's length or its first wrong byte.
import { createHash, timingSafeEqual } from 'node:crypto';
import { HttpError } from './errors.ts';

const BEARER = /^Bearer +([\x21-\x7e]+) *$/i;

const digest = (text: string): Buffer => createHash('sha256').update(text).digest();

export type Authorize = (authorization: string | undefined) => void;

/** Returns a check that throws 401 unless the header carries the token, or null when no token is configured. */
export function createBearerCheck(token: string | null): Authorize | null {
  if (token === null) return null;
  const expected = digest(token);
  return (authorization) => {
    const given = authorization === undefined ? null : BEARER.exec(authorization);
    if (given === null) {
      throw new HttpError(401, 'This route needs an Authorization: Bearer <token> header.', { headers: { 'www-authenticate': 'Bearer' } });
    }
    if (!timingSafeEqual(digest(given[1]!), expected)) {
      // Plain `Bearer`, as the contract words it, rather than RFC 6750's optional error="invalid_token":
      // a client tells a wrong token from a missing one by what it sent.
      throw new HttpError(401, 'The bearer token is not valid.', { headers: { 'www-authenticate': 'Bearer' } });
    }
  };
}

/** Health checks come from load balancers and orchestrators that hold no token. */
export function isPublicPath(path: string): boolean {
  return path === '/health' || path.startsWith('/health/');
}
