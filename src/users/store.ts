// Users in SQLite: functions over statements prepared once, returning plain User objects.
// node:sqlite rows have a null prototype and 0/1 for booleans; nothing past this file sees them.
import type { DatabaseSync } from 'node:sqlite';
import { isUniqueViolation } from '../db/sqlite-errors.ts';
import { EmailTaken } from './errors.ts';
import type { User, UserFields } from './user.ts';

interface UserRow {
  id: number;
  email: string;
  name: string;
  is_active: number;
  created_at: string;
  updated_at: string;
}

const COLUMNS = 'id, email, name, is_active, created_at, updated_at';

function toUser(row: UserRow): User {
  return { id: row.id, email: row.email, name: row.name, is_active: row.is_active === 1, created_at: row.created_at, updated_at: row.updated_at };
}

export interface ListOptions {
  afterId: number;
  limit: number;
  email?: string | undefined;
}

export interface UserStore {
  insertUser(fields: UserFields, now: string): User;
  findUserById(id: number): User | undefined;
  listUsers(options: ListOptions): User[];
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
  const selectPage = db.prepare(`SELECT ${COLUMNS} FROM users WHERE id > ? ORDER BY id LIMIT ?`);
  // email = ? compares with the column's NOCASE collation, so this uses the users_email index.
  const selectByEmail = db.prepare(`SELECT ${COLUMNS} FROM users WHERE email = ? AND id > ? ORDER BY id LIMIT ?`);
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
      const row = selectById.get(id) as UserRow | undefined;
      return row === undefined ? undefined : toUser(row);
    },

    listUsers({ afterId, limit, email }) {
      const rows = (email === undefined ? selectPage.all(afterId, limit) : selectByEmail.all(email, afterId, limit)) as unknown as UserRow[];
      return rows.map(toUser);
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
