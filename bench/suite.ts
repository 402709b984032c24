// The default run: the service on a seeded file database, then the bare baseline, through the same
// scenarios in one invocation, and one table with each service result as a fraction of the baseline's.
import { join } from 'node:path';
import { measure, type Measurement, type MeasureOptions } from './measure.ts';
import type { BenchOptions } from './options.ts';
import { preflight } from './preflight.ts';
import type { RunningServer } from './processes.ts';
import { formatCount, formatLatency, formatMegabytes, formatRate, formatRatio, formatTable } from './report.ts';
import { SCENARIOS, type ScenarioName } from './scenarios.ts';
import { prepareDatabase, startBaseline, startService } from './servers.ts';
import { describeLogSummary, summarizeServiceLog } from './service-log.ts';
import { writeScenarioScript } from './wrk.ts';

export const progress = (line: string): void => void process.stderr.write(`${line}\n`);

export function measureOptions(options: BenchOptions, users: number, workspace: string, scenarios: ScenarioName[]): MeasureOptions {
  return {
    wrk: { cpu: options.wrkCpu, threads: options.threads, connections: options.connections },
    durationSeconds: options.durationSeconds,
    warmupSeconds: options.warmupSeconds,
    users,
    scripts: new Map(scenarios.map((scenario) => [scenario, writeScenarioScript(workspace, scenario)])),
  };
}

export interface Contender {
  server: RunningServer;
  options: MeasureOptions;
}

/**
 * Runs each scenario against every server in turn, then stops them; problems seen on the way go
 * into `problems`. In turn, not one server after the other: on a shared machine the speed of the
 * machine itself drifts by tens of percent within minutes, and what is compared should be measured
 * seconds apart. The servers share a core, but only the one under load uses it.
 */
export async function measureInTurn(contenders: Contender[], scenarios: ScenarioName[], problems: string[]): Promise<Measurement[][]> {
  for (const { server, options } of contenders) {
    progress(`${server.name}: pid ${server.pid}, listening on 127.0.0.1:${server.port} ${server.startupMs} ms after spawn`);
    await preflight(`http://127.0.0.1:${server.port}`, options.users);
  }
  const results: Measurement[][] = contenders.map(() => []);
  for (const scenario of scenarios) {
    for (const [index, { server, options }] of contenders.entries()) {
      progress(`${server.name}: ${SCENARIOS[scenario].label} for ${options.durationSeconds} s…`);
      const result = await measure(server, scenario, options);
      if (result.statusErrors > 0) problems.push(`${server.name}, ${scenario}: ${formatCount(result.statusErrors)} responses with a status of 400 or more`);
      if (result.socketErrors > 0) problems.push(`${server.name}, ${scenario}: ${formatCount(result.socketErrors)} requests without a response (socket errors or timeouts)`);
      results[index]!.push(result);
    }
  }
  for (const { server } of contenders) {
    const code = await server.stop();
    if (code !== 0) problems.push(`${server.name} exited with ${code} when stopped`);
    const stderr = server.stderr.join('').trim();
    if (stderr !== '') problems.push(`${server.name} wrote to stderr: ${stderr.slice(0, 500)}`);
  }
  return results;
}

function tableRows(service: Measurement[], baseline: Measurement[]): string[][] {
  const baselineOf = new Map(baseline.map((result) => [result.scenario, result]));
  return [...service, ...baseline].map((result) => {
    const ceiling = result.server === 'service' ? baselineOf.get(result.scenario) : undefined;
    return [
      result.server,
      SCENARIOS[result.scenario].label,
      formatRate(result.requestsPerSecond),
      formatLatency(result.p50Us),
      formatLatency(result.p99Us),
      formatCount(result.statusErrors),
      formatCount(result.socketErrors),
      formatMegabytes(result.peakRssKb) + (result.peakIsPerRun ? '' : '*'),
      formatRatio(ceiling && result.requestsPerSecond / ceiling.requestsPerSecond),
      formatRatio(ceiling && result.p99Us / ceiling.p99Us),
    ];
  });
}

function describeGroupCommit(results: Measurement[]): string[] {
  return results
    .filter((result) => result.commits !== null && result.commits.writes > 0)
    .map(({ scenario, commits }) => {
      const perCommit = commits!.writes / Math.max(1, commits!.commits);
      return `group commit, ${SCENARIOS[scenario].label}: ${formatCount(commits!.writes)} writes in ${formatCount(commits!.commits)} commits, ${perCommit.toFixed(1)} writes per commit (fsync)`;
    });
}

export async function runStandardSuite(options: BenchOptions, workspace: string): Promise<void> {
  const dbPath = join(workspace, 'db', 'app.db');
  const serviceLog = join(workspace, 'service.log');
  const problems: string[] = [];

  progress(`seeding ${formatCount(options.users)} users into ${dbPath}…`);
  const seedMs = await prepareDatabase(dbPath, serviceLog, options.users, options.serverCpu);
  progress(`seeded in ${Math.round(seedMs)} ms`);
  const measuring = measureOptions(options, options.users, workspace, options.scenarios);

  const contenders: Contender[] = [{ server: await startService(dbPath, serviceLog, options.serverCpu), options: measuring }];
  if (options.baseline) contenders.push({ server: await startBaseline(join(workspace, 'baseline.log'), options.serverCpu), options: measuring });
  const [service = [], baseline = []] = await measureInTurn(contenders, options.scenarios, problems);

  const header = ['server', 'scenario', 'req/s', 'p50', 'p99', 'non-2xx', 'socket errors', 'peak RSS', 'req/s ÷ baseline', 'p99 ÷ baseline'];
  console.log(`\nwrk -t${options.threads} -c${options.connections} -d${options.durationSeconds}s on core ${options.wrkCpu}, server on core ${options.serverCpu}, ${formatCount(options.users)} users seeded, ${options.warmupSeconds} s warm-up per scenario\n`);
  console.log(formatTable(header, tableRows(service, baseline), 2));
  if ([...service, ...baseline].some((result) => !result.peakIsPerRun)) console.log('* peak since the server started: this kernel does not allow resetting it per run');
  console.log('');
  for (const line of describeGroupCommit(service)) console.log(line);
  for (const line of describeLogSummary(await summarizeServiceLog(serviceLog))) console.log(line);
  console.log(problems.length === 0 ? 'problems: none seen' : `problems:\n${problems.map((problem) => `  ${problem}`).join('\n')}`);
}
