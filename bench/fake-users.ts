// Made-up users for the benchmark. The seeder stores them and the baseline serves them, so both
// servers send bodies of the same, realistic size (about 190 bytes a user).
import type { User } from '../src/users/user.ts';

const FIRST_NAMES = ['Ada', 'Grace', 'Alan', 'Katherine', 'Edsger', 'Barbara', 'Donald', 'Frances'] as const;
const LAST_NAMES = ['Lovelace', 'Hopper', 'Turing', 'Johnson', 'Dijkstra', 'Liskov', 'Knuth', 'Allen'] as const;

// A fixed clock keeps seeded rows identical from run to run; one second apart like a real signup log.
const FIRST_SIGNUP_MS = Date.parse('2025-01-01T00:00:00.000Z');

// Shaped exactly as the service's own users, so the baseline's bodies match the service's.
export type FakeUser = User;

export function fakeUser(id: number): FakeUser {
  const first = FIRST_NAMES[id % FIRST_NAMES.length]!;
  const last = LAST_NAMES[Math.floor(id / FIRST_NAMES.length) % LAST_NAMES.length]!;
  const timestamp = new Date(FIRST_SIGNUP_MS + id * 1000).toISOString();
  return {
    id,
    // The id makes each address unique; the benchmark's POSTs use another domain, so never collide.
    email: `${first.toLowerCase()}.${last.toLowerCase()}.${id}@seed.example.com`,
    name: `${first} ${last}`,
    is_active: id % 10 !== 0,
    created_at: timestamp,
    updated_at: timestamp,
  };
}
