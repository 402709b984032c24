// Builds responses. Bodies are serialised here, once, before anything is written, so a value
// that cannot be serialised becomes a 500 instead of a half-sent response.
import type { AppResponse } from './types.ts';

export const JSON_TYPE = 'application/json; charset=utf-8';
export const PROBLEM_TYPE = 'application/problem+json';

export function json(status: number, value: unknown, headers: Record<string, string> = {}): AppResponse {
  headers['content-type'] = JSON_TYPE;
  return { status, headers, body: JSON.stringify(value) };
}

/** For a body already serialised as JSON (a page of users, which SQLite writes). */
export function jsonText(status: number, text: string, headers: Record<string, string> = {}): AppResponse {
  headers['content-type'] = JSON_TYPE;
  return { status, headers, body: text };
}

export function empty(status: number, headers: Record<string, string> = {}): AppResponse {
  return { status, headers };
}
