// Splits a request target into its path and query. The query is decoded by RFC 3986 rules, not as
// an HTML form: "+" stays "+", because `?email=ada+tag@example.com` is how people type it in curl.
import { HttpError } from './errors.ts';
import type { Query } from './types.ts';

export interface Target {
  path: string;
  query: Query;
}

const NO_QUERY: Query = new Map();

function decode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch (error) {
    throw new HttpError(400, 'The query string has a malformed percent-encoding: a % must be followed by two hex digits that spell UTF-8.', { cause: error });
  }
}

export function parseTarget(url: string): Target {
  // Absolute-form (GET http://host/users) is what proxies send; origin-form is everyone else.
  const target = url.startsWith('/') ? url : absolutePathOf(url);
  const mark = target.indexOf('?');
  if (mark === -1) return { path: target, query: NO_QUERY };
  const query = new Map<string, string[]>();
  for (const pair of target.slice(mark + 1).split('&')) {
    if (pair === '') continue;
    const equals = pair.indexOf('=');
    const name = decode(equals === -1 ? pair : pair.slice(0, equals));
    const value = equals === -1 ? '' : decode(pair.slice(equals + 1));
    const values = query.get(name);
    if (values === undefined) query.set(name, [value]);
    else values.push(value);
  }
  return { path: target.slice(0, mark), query };
}

function absolutePathOf(url: string): string {
  if (!URL.canParse(url)) throw new HttpError(400, 'The request target must be a path such as /users.');
  const parsed = new URL(url);
  return parsed.pathname + parsed.search;
}
