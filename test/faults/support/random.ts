// Seeded randomness for the fault tests: the same seed replays the same choices, so a failure
// prints its seed and can be run again with FAULT_SEED=<seed> FAULT_SEEDS=1.

export interface Random {
  readonly seed: number;
  /** A float in [0, 1). */
  next(): number;
  /** An integer from `minimum` to `maximum`, both included. */
  integer(minimum: number, maximum: number): number;
  pick<T>(items: readonly T[]): T;
  chance(probability: number): boolean;
}

// mulberry32: 32 bits of state, good enough to pick test cases, and small enough to read. Its first
// outputs for neighbouring seeds (1, 2, 3, ...) are alike, so the seed is scrambled first with
// MurmurHash3's finaliser.
function scramble(seed: number): number {
  let hash = seed >>> 0;
  hash = Math.imul(hash ^ (hash >>> 16), 0x85ebca6b);
  hash = Math.imul(hash ^ (hash >>> 13), 0xc2b2ae35);
  return (hash ^ (hash >>> 16)) >>> 0;
}

export function createRandom(seed: number): Random {
  let state = scramble(seed);
  function next(): number {
    state = (state + 0x6d2b79f5) >>> 0;
    let mixed = state;
    mixed = Math.imul(mixed ^ (mixed >>> 15), mixed | 1);
    mixed ^= mixed + Math.imul(mixed ^ (mixed >>> 7), mixed | 61);
    return ((mixed ^ (mixed >>> 14)) >>> 0) / 4_294_967_296;
  }
  return {
    seed,
    next,
    integer: (minimum, maximum) => minimum + Math.floor(next() * (maximum - minimum + 1)),
    pick: (items) => items[Math.floor(next() * items.length)]!,
    chance: (probability) => next() < probability,
  };
}

function readCount(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isSafeInteger(value) || value < 0) throw new Error(`${name} is ${JSON.stringify(raw)}; expected a whole number.`);
  return value;
}

/** True under `npm run test:faults`, which sets FAULT_SEEDS; the long sets scale with it. */
export const LONG_RUN = process.env.FAULT_SEEDS !== undefined && process.env.FAULT_SEEDS !== '';

/**
 * The seeds a fault test runs: FAULT_SEEDS of them (or `fastCount` in `npm test`), starting at
 * FAULT_SEED (default 1). `scale` divides the long count for tests whose rounds cost more.
 */
export function faultSeeds(fastCount: number, scale = 1): number[] {
  const first = readCount('FAULT_SEED', 1);
  const count = LONG_RUN ? Math.max(1, Math.ceil(readCount('FAULT_SEEDS', fastCount) / scale)) : fastCount;
  return Array.from({ length: count }, (_, index) => first + index);
}
