// Runs wrk, pinned to its own core, with one scenario's Lua script, and reads back the result line
// that bench/wrk/common.lua's done() prints.
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runPinned } from './processes.ts';
import { SCENARIOS, type ScenarioName } from './scenarios.ts';

export interface WrkSettings {
  cpu: number;
  threads: number;
  connections: number;
}

export interface WrkResult {
  requestsPerSecond: number;
  requests: number;
  p50Us: number;
  p99Us: number;
  maxUs: number;
  /** Responses with a status of 400 or more. */
  statusErrors: number;
  /** Connect, read and write errors and timeouts: requests that got no response at all. */
  socketErrors: number;
}

interface WrkReport {
  requests: number;
  duration_us: number;
  p50_us: number;
  p99_us: number;
  max_us: number;
  connect_errors: number;
  read_errors: number;
  write_errors: number;
  timeouts: number;
  status_errors: number;
}

const SCRIPTS = new URL('./wrk/', import.meta.url);
const RESULT_PREFIX = 'WRK_RESULT ';

/** Null when wrk can be run; otherwise the one line that says how to get it. */
export function findMissingWrk(): string | null {
  const probe = spawnSync('wrk', ['--version'], { stdio: 'ignore' });
  if ((probe.error as NodeJS.ErrnoException | undefined)?.code !== 'ENOENT') return null;
  return 'wrk is not installed; install it with `apt-get install wrk` (Debian/Ubuntu) or `brew install wrk` (macOS), then run the benchmark again.';
}

/**
 * wrk takes one script file, and LuaJIT's require would need a search path, so each scenario's
 * script is written out once, behind the shared helpers of common.lua.
 */
export function writeScenarioScript(directory: string, scenario: ScenarioName): string {
  const common = readFileSync(new URL('common.lua', SCRIPTS), 'utf8');
  const own = readFileSync(new URL(SCENARIOS[scenario].script, SCRIPTS), 'utf8');
  const path = join(directory, `${scenario}.lua`);
  writeFileSync(path, `${common}\n${own}`);
  return path;
}

let runs = 0;

export async function runWrk(settings: WrkSettings, script: string, baseUrl: string, users: number, durationSeconds: number): Promise<WrkResult> {
  // Unique per wrk run, so the addresses that create.lua makes never repeat within one database.
  const tag = `${Date.now().toString(36)}${(runs += 1)}`;
  const args = ['-t', String(settings.threads), '-c', String(settings.connections), '-d', `${durationSeconds}s`, '--timeout', '2s', '-s', script, baseUrl, '--', `users=${users}`, `tag=${tag}`];
  const { code, stdout, stderr } = await runPinned(settings.cpu, 'wrk', args, (durationSeconds + 30) * 1000);
  const line = stdout.split('\n').find((text) => text.startsWith(RESULT_PREFIX));
  if (code !== 0 || line === undefined) {
    throw new Error(`wrk ${args.join(' ')} exited with ${code} and no result line.\n${stdout}${stderr}`.trim());
  }
  const report = JSON.parse(line.slice(RESULT_PREFIX.length)) as WrkReport;
  return {
    requestsPerSecond: report.requests / (report.duration_us / 1e6),
    requests: report.requests,
    p50Us: report.p50_us,
    p99Us: report.p99_us,
    maxUs: report.max_us,
    statusErrors: report.status_errors,
    socketErrors: report.connect_errors + report.read_errors + report.write_errors + report.timeouts,
  };
}
