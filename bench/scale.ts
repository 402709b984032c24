// `--scale`: does the service cost the same on a big table? GET one user and a page near the end,
// on --users and on --scale-users users, plus startup time to `listening` with nothing to migrate.
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Measurement } from './measure.ts';
import type { BenchOptions } from './options.ts';
import { formatCount, formatLatency, formatMegabytes, formatRate, formatRatio, formatTable } from './report.ts';
import { SCENARIOS, type ScenarioName } from './scenarios.ts';
import { prepareDatabase, serviceTmpDir, startService } from './servers.ts';
import { describeLogSummary, summarizeServiceLog } from './service-log.ts';
import { measureInTurn, measureOptions, progress } from './suite.ts';

const SCALE_SCENARIOS: ScenarioName[] = ['get', 'deep-list'];
const STARTUP_SAMPLES = 5;

interface SizeResult {
  users: number;
  directory: string;
  dbPath: string;
  log: string;
  /** The first start, with Node's compile cache emptied: a fresh install or a new container. */
  coldStartupMs: number;
  /** The starts after it: a restart, the case the issue's 300 ms target is about. */
  startupsMs: number[];
}

const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

/** Seeds a database of `users` users and times the service's startup on it. */
async function prepareSize(options: BenchOptions, workspace: string, users: number): Promise<SizeResult> {
  const directory = join(workspace, `db-${users}`);
  const dbPath = join(directory, 'app.db');
  const log = join(workspace, `service-${users}.log`);
  progress(`seeding ${formatCount(users)} users into ${dbPath}…`);
  const seedMs = await prepareDatabase(dbPath, log, users, options.serverCpu);
  progress(`seeded in ${Math.round(seedMs)} ms`);

  // Every start here finds all migrations applied. The first one also finds Node's compile cache
  // empty (src/main.ts), so it strips and compiles every module; the others read them back.
  rmSync(join(serviceTmpDir(log), 'node-compile-cache'), { recursive: true, force: true });
  const startupsMs: number[] = [];
  for (let sample = 0; sample <= STARTUP_SAMPLES; sample += 1) {
    const service = await startService(dbPath, log, options.serverCpu);
    startupsMs.push(service.startupMs);
    await service.stop();
  }
  const coldStartupMs = startupsMs.shift()!;
  progress(`startup to listening on ${formatCount(users)} users: ${coldStartupMs} ms with an empty compile cache, then ${startupsMs.join(', ')} ms`);

  return { users, directory, dbPath, log, coldStartupMs, startupsMs };
}

export async function runScaleSuite(options: BenchOptions, workspace: string): Promise<void> {
  const problems: string[] = [];
  const small = await prepareSize(options, workspace, options.users);
  const large = await prepareSize(options, workspace, options.scaleUsers);
  const contenders = [];
  for (const size of [small, large]) {
    const server = await startService(size.dbPath, size.log, options.serverCpu, `service, ${formatCount(size.users)} users`);
    contenders.push({ server, options: measureOptions(options, size.users, workspace, SCALE_SCENARIOS) });
  }
  const results = await measureInTurn(contenders, SCALE_SCENARIOS, problems);
  for (const size of [small, large]) {
    for (const line of describeLogSummary(await summarizeServiceLog(size.log))) progress(`${formatCount(size.users)} users, ${line}`);
    // A million users take a few hundred MB; they are not needed once measured.
    rmSync(size.directory, { recursive: true, force: true });
  }

  const rows: string[][] = [];
  for (const scenario of SCALE_SCENARIOS) {
    const [reference, largeResult] = results.map((measurements) => measurements.find((result) => result.scenario === scenario)!) as [Measurement, Measurement];
    for (const [size, result] of [[small, reference], [large, largeResult]] as const) {
      rows.push([
        SCENARIOS[scenario].label,
        formatCount(size.users),
        formatRate(result.requestsPerSecond),
        formatLatency(result.p50Us),
        formatLatency(result.p99Us),
        formatCount(result.statusErrors),
        formatCount(result.socketErrors),
        formatMegabytes(result.peakRssKb),
        result.storageReadBytes === null ? '—' : formatMegabytes(result.storageReadBytes / 1024),
        formatRatio(result.requestsPerSecond / reference.requestsPerSecond),
        formatRatio(result.p50Us / reference.p50Us),
      ]);
    }
  }
  const header = ['scenario', 'users', 'req/s', 'p50', 'p99', 'non-2xx', 'socket errors', 'peak RSS', 'disk reads', `req/s ÷ ${formatCount(small.users)}`, `p50 ÷ ${formatCount(small.users)}`];
  console.log(`\nwrk -t${options.threads} -c${options.connections} -d${options.durationSeconds}s on core ${options.wrkCpu}, service on core ${options.serverCpu}\n`);
  console.log(formatTable(header, rows, 1));
  console.log('');
  for (const size of [small, large]) {
    console.log(`startup to listening, ${formatCount(size.users)} users, nothing to migrate: median ${median(size.startupsMs)} ms of ${size.startupsMs.join(', ')} ms; ${size.coldStartupMs} ms with an empty compile cache`);
  }
  console.log(problems.length === 0 ? 'problems: none seen' : `problems:\n${problems.map((problem) => `  ${problem}`).join('\n')}`);
}
