// The command line of `npm run bench`. Every knob has a default that reproduces issue 5's setup:
// server on core 0, `wrk -t1 -c50 -d10s` on core 1, 10,000 users in a file database.
import { availableParallelism, tmpdir } from 'node:os';
import { parseArgs } from 'node:util';
import { isScenarioName, SCENARIO_NAMES, type ScenarioName } from './scenarios.ts';

export interface BenchOptions {
  durationSeconds: number;
  warmupSeconds: number;
  connections: number;
  threads: number;
  users: number;
  scenarios: ScenarioName[];
  baseline: boolean;
  scale: boolean;
  scaleUsers: number;
  serverCpu: number;
  wrkCpu: number;
  tmpDir: string;
}

export const USAGE = `Usage: npm run bench -- [options]

  --duration <10s>        length of each measured wrk run (s or m suffix)
  --warmup <1s>           unmeasured wrk run before each scenario, so the JIT has warmed up (0 for none)
  --connections <50>      wrk -c
  --threads <1>           wrk -t
  --users <10000>         users seeded before the run
  --scenarios <list>      comma-separated, from ${SCENARIO_NAMES.join(', ')} (default get,create,list,mix)
  --no-baseline           skip the bare node:http baseline (no ratios then)
  --scale                 instead: GET one user and a deep page at --users vs --scale-users, and startup time
  --scale-users <1000000> the large database of --scale
  --server-cpu <0>        core the server is pinned to (taskset -c)
  --wrk-cpu <1>           core wrk is pinned to
  --tmp-dir <dir>         where the temporary databases and logs go (default ${tmpdir()}); removed afterwards
  --help`;

export class UsageError extends Error {
  override name = 'UsageError';
}

function parseSeconds(flag: string, raw: string, minimum: number): number {
  const match = /^(\d+)(s|m)?$/.exec(raw);
  const seconds = match === null ? Number.NaN : Number(match[1]) * (match[2] === 'm' ? 60 : 1);
  if (!(seconds >= minimum && seconds <= 3600)) throw new UsageError(`Expected --${flag} to be a whole number of seconds from ${minimum} to 3600, like 10s or 1m, got \`${raw}\`.`);
  return seconds;
}

function parseCount(flag: string, raw: string, minimum: number, maximum: number): number {
  const value = /^\d+$/.test(raw.replaceAll('_', '')) ? Number(raw.replaceAll('_', '')) : Number.NaN;
  if (!(value >= minimum && value <= maximum)) throw new UsageError(`Expected --${flag} to be an integer from ${minimum} to ${maximum}, got \`${raw}\`.`);
  return value;
}

function parseScenarios(raw: string): ScenarioName[] {
  const names = raw.split(',').map((name) => name.trim()).filter((name) => name !== '');
  const unknown = names.filter((name) => !isScenarioName(name));
  if (names.length === 0 || unknown.length > 0) throw new UsageError(`Expected --scenarios to list some of ${SCENARIO_NAMES.join(', ')}, got \`${raw}\`.`);
  return names as ScenarioName[];
}

/** Returns null when --help was asked for. */
export function parseOptions(args: string[]): BenchOptions | null {
  let values;
  try {
    ({ values } = parseArgs({
      args,
      strict: true,
      allowPositionals: false,
      allowNegative: true,
      options: {
        duration: { type: 'string', default: '10s' },
        warmup: { type: 'string', default: '1s' },
        connections: { type: 'string', default: '50' },
        threads: { type: 'string', default: '1' },
        users: { type: 'string', default: '10000' },
        scenarios: { type: 'string', default: 'get,create,list,mix' },
        baseline: { type: 'boolean', default: true },
        scale: { type: 'boolean', default: false },
        'scale-users': { type: 'string', default: '1000000' },
        'server-cpu': { type: 'string', default: '0' },
        'wrk-cpu': { type: 'string', default: '1' },
        'tmp-dir': { type: 'string', default: tmpdir() },
        help: { type: 'boolean', default: false },
      },
    }));
  } catch (error) {
    throw new UsageError(`${(error as Error).message}\n\n${USAGE}`);
  }
  if (values.help) return null;

  const cpus = availableParallelism();
  const options: BenchOptions = {
    durationSeconds: parseSeconds('duration', values.duration, 1),
    warmupSeconds: parseSeconds('warmup', values.warmup, 0),
    connections: parseCount('connections', values.connections, 1, 10_000),
    threads: parseCount('threads', values.threads, 1, 64),
    // The deep-page scenario reads 100 users from about 1,100 before the end.
    users: parseCount('users', values.users, 1_100, 100_000_000),
    scenarios: parseScenarios(values.scenarios),
    baseline: values.baseline,
    scale: values.scale,
    scaleUsers: parseCount('scale-users', values['scale-users'], 1_100, 100_000_000),
    serverCpu: parseCount('server-cpu', values['server-cpu'], 0, cpus - 1),
    wrkCpu: parseCount('wrk-cpu', values['wrk-cpu'], 0, cpus - 1),
    tmpDir: values['tmp-dir'],
  };
  if (options.connections < options.threads) throw new UsageError(`Expected --connections (${options.connections}) to be at least --threads (${options.threads}): wrk gives each thread its share of the connections.`);
  if (options.serverCpu === options.wrkCpu) throw new UsageError(`Expected --server-cpu and --wrk-cpu to differ (both are ${options.serverCpu}): wrk on the server's core measures how they share it, not the server.`);
  return options;
}
