// SQLite failures worth telling apart, by result code, never by message text. node:sqlite puts the
// extended code in `errcode`; its low byte is the primary code (2067 UNIQUE -> 19 CONSTRAINT).
export const SQLITE_BUSY = 5;
export const SQLITE_LOCKED = 6;
export const SQLITE_READONLY = 8;
export const SQLITE_IOERR = 10;
export const SQLITE_FULL = 13;
export const SQLITE_AUTH = 23;
export const SQLITE_CONSTRAINT_PRIMARYKEY = 1555;
export const SQLITE_CONSTRAINT_UNIQUE = 2067;

export function sqliteErrorCode(error: unknown): number | null {
  if (typeof error !== 'object' || error === null) return null;
  const { code, errcode } = error as { code?: unknown; errcode?: unknown };
  return code === 'ERR_SQLITE_ERROR' && typeof errcode === 'number' ? errcode : null;
}

export function primaryCode(errcode: number): number {
  return errcode & 0xff;
}

export function isUniqueViolation(error: unknown): boolean {
  const errcode = sqliteErrorCode(error);
  return errcode === SQLITE_CONSTRAINT_UNIQUE || errcode === SQLITE_CONSTRAINT_PRIMARYKEY;
}
