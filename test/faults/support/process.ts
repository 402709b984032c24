// Processes for the fault tests that test/support/server.ts does not cover: the service started
// from another tree (a copy with an extra migration), and other SQLite processes holding locks.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { collectLines, type Cleanup } from '../../support/server.ts';

const ROOT = new URL('../../../', import.meta.url).pathname;

export interface ServiceProcess {
  child: ChildProcess;
  stdout: string[];
  stderr: string[];
  exited: Promise<number | string>;
  /** Resolves with the port once the `listening` line is out; rejects if the process ends first. */
  listening: Promise<number>;
}

/** Spawns `node <main>` without waiting for it; killed with SIGKILL after the test if still running. */
export function spawnService(t: Cleanup, main: string, env: Record<string, string>): ServiceProcess {
  const child = spawn(process.execPath, [main], {
    env: { PATH: process.env.PATH, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  t.after(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  const stdout: string[] = [];
  const stderr: string[] = [];
  const exited = new Promise<number | string>((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal ?? 'unknown')));
  collectLines(child.stderr!, stderr);
  const listening = new Promise<number>((resolve, reject) => {
    collectLines(child.stdout!, stdout, (line) => {
      if (line.includes('"msg":"listening"')) resolve(JSON.parse(line).port);
    });
    exited.then((code) => reject(new Error(`exited with ${code} before listening; stderr: ${stderr.join('\n')}`)));
  });
  listening.catch(() => {}); // a caller that kills the process on purpose may never await it
  return { child, stdout, stderr, exited, listening };
}


/**
 * A copy of the service (src/, migrations/, package.json) in a temporary folder, with `extra`
 * migration files added: the migration engine reads the migrations/ beside its own src/, so this is
 * how a test runs a release with a migration the real tree does not have. Returns its main.ts.
 */
export function copyServiceTree(t: Cleanup, extra: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), 'service-copy-'));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  for (const entry of ['src', 'migrations', 'package.json']) cpSync(join(ROOT, entry), join(root, entry), { recursive: true });
  for (const [name, sql] of Object.entries(extra)) writeFileSync(join(root, 'migrations', name), sql);
  return join(root, 'src', 'main.ts');
}

export interface LockHolder {
  /** Ends the other process's transaction (ROLLBACK) and waits for it to exit. */
  release(): Promise<void>;
}

// Python's own SQLite library, in its own process: exactly what a second writer on the same host
// (a script, an operator's shell) looks like to the service. It only takes the lock and never
// writes, so its older SQLite cannot disturb the WAL.
const HOLD_LOCK = `
import sqlite3, sys
connection = sqlite3.connect(sys.argv[1], isolation_level=None, timeout=10)
connection.execute('BEGIN IMMEDIATE')
print('locked', flush=True)
sys.stdin.readline()
connection.execute('ROLLBACK')
connection.close()
`;

/** Has another process take the database's write lock (BEGIN IMMEDIATE) and hold it until released. */
export function holdWriteLock(t: Cleanup, path: string): Promise<LockHolder> {
  const child = spawn('python3', ['-c', HOLD_LOCK, path], { stdio: ['pipe', 'pipe', 'pipe'] });
  t.after(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      if (!chunk.includes('locked')) return;
      resolve({
        async release() {
          child.stdin.end('\n');
          const code = await exited;
          if (code !== 0) throw new Error(`the lock holder exited with ${code}: ${stderr}`);
        },
      });
    });
    exited.then((code) => reject(new Error(`the lock holder exited with ${code} before locking: ${stderr}`)));
  });
}

/** True when python3 with its sqlite3 module can run here; the contention tests skip otherwise. */
export function canHoldLocks(): boolean {
  return spawnSync('python3', ['-c', 'import sqlite3'], { stdio: 'ignore' }).status === 0;
}
