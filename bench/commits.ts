// Group commit, seen from outside: the service's own counters of commits and of the writes they
// carried (GET /metrics), read before and after a run. Writes per commit is what group commit buys:
// with synchronous=FULL each commit is one fsync, shared by that many requests.
export interface CommitCounts {
  commits: number;
  writes: number;
}

function readCounter(text: string, name: string): number {
  const line = text.split('\n').find((candidate) => candidate.startsWith(`${name} `));
  if (line === undefined) throw new Error(`GET /metrics has no ${name} line; bench/commits.ts reads it to report group commit.`);
  return Number(line.slice(name.length + 1));
}

export async function readCommitCounts(baseUrl: string): Promise<CommitCounts> {
  const response = await fetch(`${baseUrl}/metrics`, { signal: AbortSignal.timeout(5_000) });
  if (!response.ok) throw new Error(`GET /metrics answered ${response.status}; bench/commits.ts reads it to report group commit.`);
  const text = await response.text();
  return { commits: readCounter(text, 'sqlite_commits_total'), writes: readCounter(text, 'sqlite_committed_writes_total') };
}

export const countsBetween = (before: CommitCounts, after: CommitCounts): CommitCounts => ({
  commits: after.commits - before.commits,
  writes: after.writes - before.writes,
});
