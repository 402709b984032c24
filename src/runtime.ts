// Checks that this Node can run the service, before anything imports node:sqlite: on an older
// Node that import fails with a missing-module error that does not say what to install.

export const MINIMUM_NODE_VERSION = '24.15.0';

// SQLite 3.7.0 through 3.51.2 can corrupt a WAL database when the WAL is reset while another
// connection writes (https://sqlite.org/wal.html#walresetbug); 3.51.3 fixed it.
const FIRST_WAL_RESET_BUG = '3.7.0';
const LAST_WAL_RESET_BUG = '3.51.2';

export function compareVersions(left: string, right: string): number {
  // parseInt, not Number: a pre-release such as 25.0.0-nightly2025 would otherwise compare as NaN.
  const a = left.split('.').map((part) => Number.parseInt(part, 10) || 0);
  const b = right.split('.').map((part) => Number.parseInt(part, 10) || 0);
  for (let index = 0; index < Math.max(a.length, b.length); index++) {
    const difference = (a[index] ?? 0) - (b[index] ?? 0);
    if (difference !== 0) return Math.sign(difference);
  }
  return 0;
}

export interface RuntimeFacts {
  node: string;
  sqlite: string | undefined;
  hasSqliteModule: boolean;
}

export function readRuntimeFacts(): RuntimeFacts {
  return {
    node: process.versions.node,
    sqlite: process.versions.sqlite,
    hasSqliteModule: process.getBuiltinModule?.('node:sqlite') !== undefined,
  };
}

/** Returns one sentence saying what is wrong with this runtime, or null when it can run the service. */
export function findRuntimeProblem(facts: RuntimeFacts): string | null {
  if (compareVersions(facts.node, MINIMUM_NODE_VERSION) < 0) {
    return `users-service needs Node.js ${MINIMUM_NODE_VERSION} or newer (with node:sqlite), but this is Node.js ${facts.node}; run it through npm (npm start), which uses the Node.js pinned in package.json.`;
  }
  if (!facts.hasSqliteModule || facts.sqlite === undefined) {
    return `users-service needs the node:sqlite module, which this Node.js ${facts.node} does not provide (was it started with --no-experimental-sqlite?).`;
  }
  if (compareVersions(facts.sqlite, FIRST_WAL_RESET_BUG) >= 0 && compareVersions(facts.sqlite, LAST_WAL_RESET_BUG) <= 0) {
    return `users-service refuses to run on SQLite ${facts.sqlite}, which has the WAL-reset corruption bug fixed in SQLite 3.51.3; use a Node.js that bundles SQLite 3.51.3 or newer.`;
  }
  return null;
}
