// `--scale`: does the service cost the same on a big table? GET one user and a page near the end,
// on --users and on --scale-users users, plus startup time to `listening` with nothing to migrate.
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Measurement } from './measure.ts';
import type { BenchOptions } from './options.ts';
import { formatCount, formatLatency, formatMegabytes, formatRate, formatRatio, formatTable } from './report.ts';
import { SCENARIOS, type ScenarioName } from './scenarios.ts';
import { prepareDatabase, startService } from './servers.ts';
import { describeLogSummary, summarizeServiceLog } from './service-log.ts';
import { measureOptions, measureServer, progress } from './suite.ts';

const SCALE_SCENARIOS: ScenarioName[] = ['get', 'deep-list'];
const STARTUP_SAMPLES = 5;

interface SizeResult {
  users: number;
  startupsMs: number[];
  measurements: Measurement[];
}

const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

async function measureSize(options: BenchOptions, workspace: string, users: number, problems: string[]): Promise<SizeResult> {
  const directory = join(workspace, `db-${users}`);
  const dbPath = join(directory, 'app.db');
  const log = join(workspace, `service-${users}.log`);
  progress(`seeding ${formatCount(users)} users into ${dbPath}…`);
  const seedMs = await prepareDatabase(dbPath, log, users, options.serverCpu);
  progress(`seeded in ${Math.round(seedMs)} ms`);

  // Every start after the first finds all migrations applied: this is the restart a deploy does.
  const startupsMs: number[] = [];
  for (let sample = 0; sample < STARTUP_SAMPLES; sample += 1) {
    const service = await startService(dbPath, log, options.serverCpu);
    startupsMs.push(service.startupMs);
    await service.stop();
  }
  progress(`startup to listening on ${formatCount(users)} users: ${startupsMs.join(', ')} ms`);

  const measuring = measureOptions(options, users, workspace, SCALE_SCENARIOS);
  const measurements = await measureServer(await startService(dbPath, log, options.serverCpu), SCALE_SCENARIOS, measuring, problems);
  for (const line of describeLogSummary(await summarizeServiceLog(log))) progress(line);
  // A million users take a few hundred MB; they are not needed once measured.
  rmSync(directory, { recursive: true, force: true });
  return { users, startupsMs, measurements };
}

export async function runScaleSuite(options: BenchOptions, workspace: string): Promise<void> {
  const problems: string[] = [];
  const small = await measureSize(options, workspace, options.users, problems);
  const large = await measureSize(options, workspace, options.scaleUsers, problems);

  const rows: string[][] = [];
  for (const scenario of SCALE_SCENARIOS) {
    const reference = small.measurements.find((result) => result.scenario === scenario)!;
    for (const size of [small, large]) {
      const result = size.measurements.find((measurement) => measurement.scenario === scenario)!;
      rows.push([
        SCENARIOS[scenario].label,
        formatCount(size.users),
        formatRate(result.requestsPerSecond),
        formatLatency(result.p50Us),
        formatLatency(result.p99Us),
        formatCount(result.statusErrors),
        formatCount(result.socketErrors),
        formatMegabytes(result.peakRssKb),
        formatRatio(result.requestsPerSecond / reference.requestsPerSecond),
        formatRatio(result.p50Us / reference.p50Us),
      ]);
    }
  }
  const header = ['scenario', 'users', 'req/s', 'p50', 'p99', 'non-2xx', 'socket errors', 'peak RSS', `req/s ÷ ${formatCount(small.users)}`, `p50 ÷ ${formatCount(small.users)}`];
  console.log(`\nwrk -t${options.threads} -c${options.connections} -d${options.durationSeconds}s on core ${options.wrkCpu}, service on core ${options.serverCpu}\n`);
  console.log(formatTable(header, rows, 1));
  console.log('');
  for (const size of [small, large]) {
    console.log(`startup to listening, ${formatCount(size.users)} users, nothing to migrate: median ${median(size.startupsMs)} ms of ${size.startupsMs.join(', ')} ms`);
  }
  console.log(problems.length === 0 ? 'problems: none seen' : `problems:\n${problems.map((problem) => `  ${problem}`).join('\n')}`);
}
