// The contract's field rules for a user, applied to a parsed JSON object. Every problem is
// collected, so one 400 names all the fields to fix, not only the first.
import { InvalidInput, type FieldError } from '../errors.ts';
import type { UserFields, UserPatch } from './user.ts';

const WRITABLE = ['email', 'name', 'is_active'] as const;
// Ignored when given, so a client can send back what it received.
const READ_ONLY = new Set(['id', 'created_at', 'updated_at']);
const EMAIL_MAX = 254;
const NAME_MAX = 200;

// C0 controls, DEL and C1 controls: never part of a name or an address, and a NUL would even cut
// the value short inside SQLite's own length() and CHECKs.
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;
const WHITESPACE = /\s/;

/** Length in Unicode code points, the way people (and SQLite's length()) count characters. */
function characterCount(text: string): number {
  let count = 0;
  for (let index = 0; index < text.length; index++) {
    const unit = text.charCodeAt(index);
    if (unit < 0xdc00 || unit > 0xdfff) count++;
  }
  return count;
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

function checkText(field: string, value: unknown, errors: FieldError[]): string | undefined {
  if (typeof value !== 'string') {
    errors.push({ field, message: `Expected \`${field}\` to be a string, got ${describe(value)}.` });
    return undefined;
  }
  const text = value.trim();
  // A lone surrogate would be stored as U+FFFD, so the user read back would differ from the one written.
  if (!text.isWellFormed()) {
    errors.push({ field, message: `\`${field}\` contains an unpaired UTF-16 surrogate; send valid Unicode text.` });
    return undefined;
  }
  if (CONTROL.test(text)) {
    errors.push({ field, message: `\`${field}\` contains a control character (such as a newline or NUL) inside it; remove it.` });
    return undefined;
  }
  return text;
}

function checkEmail(value: unknown, errors: FieldError[]): string | undefined {
  const email = checkText('email', value, errors);
  if (email === undefined) return undefined;
  const at = email.indexOf('@');
  let problem: string | null = null;
  if (email === '') problem = '`email` is empty; expected an address such as ada@example.com.';
  else if (characterCount(email) > EMAIL_MAX) problem = `\`email\` is longer than ${EMAIL_MAX} characters.`;
  else if (WHITESPACE.test(email)) problem = '`email` contains whitespace; an address has none.';
  else if (at <= 0 || at === email.length - 1 || email.indexOf('@', at + 1) !== -1) {
    problem = '`email` must contain exactly one @ with text on both sides, as in ada@example.com.';
  }
  if (problem !== null) {
    errors.push({ field: 'email', message: problem });
    return undefined;
  }
  return email;
}

function checkName(value: unknown, errors: FieldError[]): string | undefined {
  const name = checkText('name', value, errors);
  if (name === undefined) return undefined;
  const length = characterCount(name);
  if (length < 1 || length > NAME_MAX) {
    errors.push({ field: 'name', message: `\`name\` must be from 1 to ${NAME_MAX} characters after trimming, got ${length}.` });
    return undefined;
  }
  return name;
}

function checkActive(value: unknown, errors: FieldError[]): boolean | undefined {
  if (typeof value === 'boolean') return value;
  errors.push({ field: 'is_active', message: `Expected \`is_active\` to be true or false, got ${describe(value)}.` });
  return undefined;
}

function checkUnknownFields(body: Record<string, unknown>, errors: FieldError[]): void {
  for (const key of Object.keys(body)) {
    if (!(WRITABLE as readonly string[]).includes(key) && !READ_ONLY.has(key)) {
      errors.push({ field: key, message: `Unknown field \`${key}\`; a user has email, name and is_active.` });
    }
  }
}

function fail(errors: FieldError[]): never {
  const fields = [...new Set(errors.map((error) => error.field))].join(', ');
  throw new InvalidInput(`The user has invalid fields: ${fields}.`, errors);
}

/** For POST and PUT: email and name are required, is_active defaults to true. */
export function parseUserFields(body: Record<string, unknown>): UserFields {
  const errors: FieldError[] = [];
  checkUnknownFields(body, errors);
  const has = (key: string): boolean => Object.hasOwn(body, key);
  if (!has('email')) errors.push({ field: 'email', message: '`email` is required.' });
  if (!has('name')) errors.push({ field: 'name', message: '`name` is required.' });
  const email = has('email') ? checkEmail(body.email, errors) : undefined;
  const name = has('name') ? checkName(body.name, errors) : undefined;
  const isActive = has('is_active') ? checkActive(body.is_active, errors) : true;
  if (errors.length > 0) fail(errors);
  return { email: email!, name: name!, is_active: isActive! };
}

/** For PATCH (JSON merge patch): any of the fields, at least one; null cannot remove a required field. */
export function parseUserPatch(body: Record<string, unknown>): UserPatch {
  const errors: FieldError[] = [];
  checkUnknownFields(body, errors);
  const patch: UserPatch = {};
  for (const field of WRITABLE) {
    if (!Object.hasOwn(body, field)) continue;
    const value = body[field];
    if (value === null) {
      errors.push({ field, message: `\`${field}\` cannot be removed; every user has one. Send a value instead of null.` });
    } else if (field === 'email') patch.email = checkEmail(value, errors);
    else if (field === 'name') patch.name = checkName(value, errors);
    else patch.is_active = checkActive(value, errors);
  }
  if (errors.length > 0) fail(errors);
  if (Object.keys(patch).length === 0) {
    throw new InvalidInput('The patch changes nothing; send at least one of email, name and is_active.');
  }
  return patch;
}
