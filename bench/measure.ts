// Measures one scenario against one running server: an unmeasured warm-up, then the wrk run, with
// the server's peak resident memory over exactly that run, and for the service the commits it made.
import { countsBetween, readCommitCounts, type CommitCounts } from './commits.ts';
import { readPeakMemoryKb, readStorageReadBytes, resetPeakMemory, type RunningServer } from './processes.ts';
import type { ScenarioName } from './scenarios.ts';
import { runWrk, type WrkResult, type WrkSettings } from './wrk.ts';

export interface Measurement extends WrkResult {
  server: string;
  scenario: ScenarioName;
  peakRssKb: number;
  /** False when the kernel refused to reset the peak: then it is the peak since the server started. */
  peakIsPerRun: boolean;
  /** The service's commits during the measured run (the baseline has none to report). */
  commits: CommitCounts | null;
  /** Bytes read from storage during the measured run; null where the kernel does not say. */
  storageReadBytes: number | null;
}

export interface MeasureOptions {
  wrk: WrkSettings;
  durationSeconds: number;
  warmupSeconds: number;
  users: number;
  scripts: ReadonlyMap<ScenarioName, string>;
}

export async function measure(server: RunningServer, scenario: ScenarioName, options: MeasureOptions): Promise<Measurement> {
  const script = options.scripts.get(scenario)!;
  const baseUrl = `http://127.0.0.1:${server.port}`;
  // The first seconds run cold code through V8's interpreter; a server in production is warm.
  if (options.warmupSeconds > 0) await runWrk(options.wrk, script, baseUrl, options.users, options.warmupSeconds);
  const hasMetrics = server.name !== 'baseline';
  const before = hasMetrics ? await readCommitCounts(baseUrl) : null;
  const peakIsPerRun = resetPeakMemory(server.pid);
  const readBefore = readStorageReadBytes(server.pid);
  const result = await runWrk(options.wrk, script, baseUrl, options.users, options.durationSeconds);
  const readAfter = readStorageReadBytes(server.pid);
  const peakRssKb = readPeakMemoryKb(server.pid);
  const commits = before === null ? null : countsBetween(before, await readCommitCounts(baseUrl));
  const storageReadBytes = readBefore === null || readAfter === null ? null : readAfter - readBefore;
  return { ...result, server: server.name, scenario, peakRssKb, peakIsPerRun, commits, storageReadBytes };
}
