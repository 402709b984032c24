// Child processes for the benchmark: servers pinned to one core, commands run to completion, and
// one registry so that every child is killed however the benchmark ends (error, ctrl-c, exit).
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, fstatSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

const children = new Set<ChildProcess>();

function track(child: ChildProcess): ChildProcess {
  children.add(child);
  child.once('exit', () => children.delete(child));
  return child;
}

/** Kills every child still running. Synchronous, so it can run in a process 'exit' handler. */
export function killAllChildren(): void {
  for (const child of children) child.kill('SIGKILL');
}

function exited(child: ChildProcess): Promise<number | string> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode ?? child.signalCode ?? 'unknown');
  return new Promise((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal ?? 'unknown')));
}

export interface ServerSpec {
  name: string;
  /** The script node runs: src/main.ts or bench/baseline.ts. */
  script: string;
  cwd: string;
  cpu: number;
  env: Record<string, string>;
  /** Where the server's stdout goes: its log lines, the `listening` one among them. */
  logPath: string;
}

export interface RunningServer {
  name: string;
  pid: number;
  port: number;
  /** From spawn to the time stamp on the `listening` line. */
  startupMs: number;
  stderr: string[];
  /** SIGTERM, then SIGKILL if it has not exited after `graceMs`; resolves with the exit code or signal. */
  stop(graceMs?: number): Promise<number | string>;
}

const STARTUP_TIMEOUT_MS = 60_000;

// Node on a pipe writes stdout synchronously, so a parent reading the access log line by line
// would compete with the benchmark for CPU; the server writes to a file, as in production, and
// the parent only polls that file until the `listening` line appears. The file may already hold
// an earlier start's lines, so only what follows `offset` counts.
async function waitForListening(spec: ServerSpec, child: ChildProcess, stderr: string[], offset: number): Promise<{ port: number; time: number }> {
  const deadline = Date.now() + STARTUP_TIMEOUT_MS;
  while (Date.now() < deadline) {
    const line = readFileSync(spec.logPath).subarray(offset).toString('utf8').split('\n').find((text) => text.includes('"msg":"listening"'));
    if (line !== undefined) {
      const { port, time } = JSON.parse(line) as { port: number; time: string };
      return { port, time: Date.parse(time) };
    }
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`${spec.name} exited with ${child.exitCode ?? child.signalCode} before listening: ${stderr.join('').trim()}`);
    }
    await sleep(5);
  }
  throw new Error(`${spec.name} printed no listening line within ${STARTUP_TIMEOUT_MS} ms; see ${spec.logPath}.`);
}

export async function startServer(spec: ServerSpec): Promise<RunningServer> {
  const log = openSync(spec.logPath, 'a');
  const offset = fstatSync(log).size;
  const spawnedAt = Date.now();
  // taskset execs node in place, so child.pid is the server's own pid (for /proc/<pid>/status).
  const child = track(spawn('taskset', ['-c', String(spec.cpu), process.execPath, spec.script], { cwd: spec.cwd, env: spec.env, stdio: ['ignore', log, 'pipe'] }));
  closeSync(log);
  const stderr: string[] = [];
  child.stderr!.setEncoding('utf8').on('data', (text: string) => stderr.push(text));
  const { port, time } = await waitForListening(spec, child, stderr, offset);
  return {
    name: spec.name,
    pid: child.pid!,
    port,
    startupMs: time - spawnedAt,
    stderr,
    async stop(graceMs = 15_000) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      const code = await exited(child);
      clearTimeout(timer);
      return code;
    },
  };
}

export interface CommandResult {
  code: number | string;
  stdout: string;
  stderr: string;
}

/** Runs a command pinned to `cpu`, killing it if it is still running after `timeoutMs`. */
export async function runPinned(cpu: number, command: string, args: string[], timeoutMs: number): Promise<CommandResult> {
  const child = track(spawn('taskset', ['-c', String(cpu), command, ...args], { stdio: ['ignore', 'pipe', 'pipe'] }));
  let stdout = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (text: string) => (stdout += text));
  child.stderr!.setEncoding('utf8').on('data', (text: string) => (stderr += text));
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  const code = await exited(child);
  clearTimeout(timer);
  return { code, stdout, stderr };
}

function readStatusKb(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  const match = new RegExp(`^${field}:\\s+(\\d+) kB$`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (match === null) throw new Error(`/proc/${pid}/status has no ${field} line.`);
  return Number(match[1]);
}

/**
 * Starts a new peak-RSS window for `pid` (Linux: writing 5 to clear_refs resets VmHWM to the
 * current RSS). Returns false where that is not allowed; VmHWM is then the lifetime peak.
 */
export function resetPeakMemory(pid: number): boolean {
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, '5');
    return true;
  } catch {
    return false;
  }
}

/**
 * Bytes `pid` has had read from storage (not from the page cache) so far, or null where /proc does
 * not say: at scale a page the kernel has dropped from its cache costs a disk read, not a copy.
 */
export function readStorageReadBytes(pid: number): number | null {
  try {
    const match = /^read_bytes:\s+(\d+)$/m.exec(readFileSync(`/proc/${pid}/io`, 'utf8'));
    return match === null ? null : Number(match[1]);
  } catch {
    return null;
  }
}

/** The largest resident set of `pid` since it started or since the last resetPeakMemory, in kB. */
export function readPeakMemoryKb(pid: number): number {
  return readStatusKb(pid, 'VmHWM');
}
