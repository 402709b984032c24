// How the benchmark starts the two servers, and how it gets a seeded database for the service.
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startServer, type RunningServer } from './processes.ts';
import { seedUsers } from './seed.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const SERVICE_MAIN = fileURLToPath(new URL('../src/main.ts', import.meta.url));
const BASELINE_MAIN = fileURLToPath(new URL('./baseline.ts', import.meta.url));

// Only what the benchmark chooses is set: nothing leaks in from the caller's shell (an API_TOKEN,
// a LOG_LEVEL), so the service runs with its documented defaults. Loopback only, a free port.
function environment(dbPath?: string): Record<string, string> {
  const env: Record<string, string> = { PATH: process.env.PATH ?? '/usr/bin:/bin', PORT: '0', HOST: '127.0.0.1' };
  if (dbPath !== undefined) env.DB_PATH = dbPath;
  return env;
}

/**
 * The service's temporary folder, beside its log in the benchmark's workspace. Node's compile cache
 * lives there (src/main.ts), so each benchmark starts with it empty, like a fresh install, and
 * every later start finds it filled, like a restart.
 */
export const serviceTmpDir = (logPath: string): string => join(dirname(logPath), 'service-tmp');

export function startService(dbPath: string, logPath: string, cpu: number, name = 'service'): Promise<RunningServer> {
  const env = { ...environment(dbPath), TMPDIR: serviceTmpDir(logPath) };
  return startServer({ name, script: SERVICE_MAIN, cwd: ROOT, cpu, env, logPath });
}

export function startBaseline(logPath: string, cpu: number): Promise<RunningServer> {
  return startServer({ name: 'baseline', script: BASELINE_MAIN, cwd: ROOT, cpu, env: environment(), logPath });
}

/**
 * Creates the database at `dbPath` the way production does, by starting the service once so its
 * own migrations run, then seeds `users` users while nothing else has it open. Returns the seed ms.
 */
export async function prepareDatabase(dbPath: string, logPath: string, users: number, cpu: number): Promise<number> {
  const service = await startService(dbPath, logPath, cpu, 'service (migrating)');
  const code = await service.stop();
  if (code !== 0) throw new Error(`The service exited with ${code} after migrating ${dbPath}: ${service.stderr.join('').trim()}`);
  return seedUsers(dbPath, users);
}
