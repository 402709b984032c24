// The users use cases. Reads answer at once; every write goes through the write queue, so it
// commits (durably) before its promise settles, and checks its preconditions inside the same
// transaction as the write, so two racing writers cannot both pass the same If-Match.
import type { WriteQueue } from '../db/write-queue.ts';
import { UserChanged, UserNotFound } from './errors.ts';
import type { UserPage, UserStore } from './store.ts';
import type { User, UserFields, UserPatch } from './user.ts';

/** A check on the user as it is now, inside the write's transaction: false means "do not write". */
export type Precondition = (current: User) => boolean;

/** A page of users, already serialised: the list is the one answer large enough for that to matter. */
export type Page = UserPage;

export interface ListQuery {
  afterId: number;
  limit: number;
  email?: string | undefined;
}

export interface UserService {
  getUser(id: number): User;
  listUsers(query: ListQuery): Page;
  createUser(fields: UserFields): Promise<User>;
  replaceUser(id: number, fields: UserFields, precondition?: Precondition): Promise<User>;
  patchUser(id: number, patch: UserPatch, precondition?: Precondition): Promise<User>;
  deleteUser(id: number, precondition?: Precondition): Promise<void>;
}

const unchanged = (current: User, next: UserFields): boolean =>
  current.email === next.email && current.name === next.name && current.is_active === next.is_active;

export function createUserService(store: UserStore, writes: WriteQueue, now: () => number = Date.now): UserService {
  function findOrThrow(id: number): User {
    const user = store.findUserById(id);
    if (user === undefined) throw new UserNotFound(id);
    return user;
  }

  function checkedCurrent(id: number, precondition: Precondition | undefined): User {
    const current = findOrThrow(id);
    if (precondition !== undefined && !precondition(current)) throw new UserChanged();
    return current;
  }

  // updated_at moves forward by at least a millisecond on every change, even when two changes
  // land in the same millisecond or the clock steps back, so it is a usable version for ETags.
  function nextUpdatedAt(current: User): string {
    return new Date(Math.max(now(), Date.parse(current.updated_at) + 1)).toISOString();
  }

  function change(id: number, precondition: Precondition | undefined, fieldsFor: (current: User) => UserFields): User {
    const current = checkedCurrent(id, precondition);
    const fields = fieldsFor(current);
    // A write that changes nothing is not a change: the user, its updated_at and ETag stay as they are.
    if (unchanged(current, fields)) return current;
    const updatedAt = nextUpdatedAt(current);
    store.updateUser(id, fields, updatedAt);
    return { ...current, ...fields, updated_at: updatedAt };
  }

  return {
    getUser: findOrThrow,

    listUsers: (query) => store.listUsers(query),

    createUser(fields) {
      return writes.run(() => store.insertUser(fields, new Date(now()).toISOString()));
    },

    replaceUser(id, fields, precondition) {
      return writes.run(() => change(id, precondition, () => fields));
    },

    patchUser(id, patch, precondition) {
      return writes.run(() =>
        change(id, precondition, (current) => ({ email: current.email, name: current.name, is_active: current.is_active, ...patch })),
      );
    },

    deleteUser(id, precondition) {
      return writes.run(() => {
        checkedCurrent(id, precondition);
        store.deleteUser(id);
      });
    },
  };
}
