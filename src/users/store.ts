// Users in SQLite: functions over statements prepared once, returning plain User objects, and
// pages of users as JSON text that SQLite writes. node:sqlite rows (arrays here) and 0/1 for
// booleans stay in this file.
import type { DatabaseSync } from 'node:sqlite';
import { isUniqueViolation } from '../db/sqlite-errors.ts';
import { EmailTaken } from './errors.ts';
import type { User, UserFields } from './user.ts';

// Rows are read as arrays in this column order (setReturnArrays): node:sqlite builds an object row
// as a dictionary, slow to build and to read. Reading one user and serialising it went from 11.0
// to 7.8 µs.
const COLUMNS = 'id, email, name, is_active, created_at, updated_at';
type UserRow = [id: number, email: string, name: string, is_active: number, created_at: string, updated_at: string];

function toUser(row: UserRow): User {
  return { id: row[0], email: row[1], name: row[2], is_active: row[3] === 1, created_at: row[4], updated_at: row[5] };
}

// One user as JSON, as JSON.stringify(toUser(row)) writes it: same keys, order and types.
const USER_JSON = `json_object('id', id, 'email', email, 'name', name, 'is_active', json(iif(is_active = 1, 'true', 'false')), 'created_at', created_at, 'updated_at', updated_at)`;

// A page is its users' JSON, written by SQLite row by row in id order and joined here. Against
// reading object rows and JSON.stringify-ing User objects, a page of 100 went from 206 to 78 µs
// and from 95 to 65 KB of garbage (measured; docs/performance.md). Not json_group_array: only an
// ORDER BY inside the aggregate guarantees the array's order, and that second sort made it 118 µs.
// `LIMIT +?2`: SQLite reads a bare bound LIMIT while planning, then re-prepares the statement
// whenever that parameter is bound again, as node:sqlite does on every call; the unary plus
// (SQLite's idiom for keeping a term from the planner) stops that, 15 µs a page.
// Parameters: ?1 after id, ?2 limit, then the filter's.
function pageQuery(filter = ''): string {
  return `SELECT ${USER_JSON}, id FROM users WHERE ${filter}id > ?1 ORDER BY id LIMIT +?2`;
}

type PageRow = [json: string, id: number];

export interface ListOptions {
  afterId: number;
  limit: number;
  email?: string | undefined;
}

export interface UserPage {
  /** The users as a JSON array, ordered by id. */
  json: string;
  /** The last user's id, or null when the page is empty. */
  lastId: number | null;
  /** Whether users with larger ids follow this page. */
  hasMore: boolean;
}

export interface UserStore {
  insertUser(fields: UserFields, now: string): User;
  findUserById(id: number): User | undefined;
  listUsers(options: ListOptions): UserPage;
  updateUser(id: number, fields: UserFields, updatedAt: string): void;
  deleteUser(id: number): boolean;
}

// The unique index users_email (migration 002) is the only unique constraint a write can break;
// reading it from the error code keeps "is this email taken?" and "take it" one atomic step.
function rethrowUniqueAsEmailTaken(error: unknown): never {
  if (isUniqueViolation(error)) throw new EmailTaken(error);
  throw error;
}

export function createUserStore(db: DatabaseSync): UserStore {
  const insert = db.prepare('INSERT INTO users (email, name, is_active, created_at, updated_at) VALUES (?, ?, ?, ?, ?) RETURNING id');
  const selectById = db.prepare(`SELECT ${COLUMNS} FROM users WHERE id = ?`);
  const selectPage = db.prepare(pageQuery());
  // email = ? compares with the column's NOCASE collation, so this uses the users_email index.
  const selectByEmail = db.prepare(pageQuery('email = ?3 AND '));
  for (const statement of [selectById, selectPage, selectByEmail]) statement.setReturnArrays(true);
  const update = db.prepare('UPDATE users SET email = ?, name = ?, is_active = ?, updated_at = ? WHERE id = ?');
  const remove = db.prepare('DELETE FROM users WHERE id = ?');

  return {
    insertUser(fields, now) {
      try {
        const row = insert.get(fields.email, fields.name, fields.is_active ? 1 : 0, now, now) as { id: number };
        return { id: row.id, ...fields, created_at: now, updated_at: now };
      } catch (error) {
        rethrowUniqueAsEmailTaken(error);
      }
    },

    findUserById(id) {
      const row = selectById.get(id) as unknown as UserRow | undefined;
      return row === undefined ? undefined : toUser(row);
    },

    listUsers({ afterId, limit, email }) {
      // One row more than asked tells whether another page follows, without a COUNT.
      const rows = (email === undefined ? selectPage.all(afterId, limit + 1) : selectByEmail.all(afterId, limit + 1, email)) as unknown as PageRow[];
      const hasMore = rows.length > limit;
      if (hasMore) rows.pop();
      return { json: `[${rows.map(([json]) => json).join(',')}]`, lastId: rows.at(-1)?.[1] ?? null, hasMore };
    },

    updateUser(id, fields, updatedAt) {
      try {
        update.run(fields.email, fields.name, fields.is_active ? 1 : 0, updatedAt, id);
      } catch (error) {
        rethrowUniqueAsEmailTaken(error);
      }
    },

    deleteUser(id) {
      return remove.run(id).changes > 0;
    },
  };
}
