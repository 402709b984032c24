// Starts the real service, `node src/main.ts`, as a child process on a free loopback port, for the
// tests about what only a process and a socket show: startup, signals, keep-alive, crashes.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before } from 'node:test';

export const MAIN = new URL('../../src/main.ts', import.meta.url).pathname;

export interface ServerProcess {
  child: ChildProcess;
  port: number;
  baseUrl: string;
  /** Every line the process wrote to stdout so far. */
  stdout: string[];
  stderr: string[];
  /** Resolves with the exit code (or the signal name) when the process ends. */
  exited: Promise<number | string>;
}

/** What these helpers need of a test: somewhere to register clean-up. A TestContext is one. */
export interface Cleanup {
  after(fn: () => void): void;
}

export function makeTempDir(t: Cleanup, prefix = 'users-service-'): string {
  const directory = mkdtempSync(join(tmpdir(), prefix));
  t.after(() => rmSync(directory, { recursive: true, force: true }));
  return directory;
}

/** Spawns the service and waits for its `listening` line. Killed after the test if still running. */
export async function startServer(t: Cleanup, env: Record<string, string> = {}, timeoutMs = 10_000): Promise<ServerProcess> {
  const dbPath = env.DB_PATH ?? join(makeTempDir(t), 'app.db');
  const child = spawn(process.execPath, [MAIN], {
    env: { PATH: process.env.PATH, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'info', ...env, DB_PATH: dbPath },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const stdout: string[] = [];
  const stderr: string[] = [];
  const exited = new Promise<number | string>((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal ?? 'unknown')));
  t.after(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  collectLines(child.stderr!, stderr);
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no listening line within ${timeoutMs} ms; stderr: ${stderr.join('\n')}`)), timeoutMs);
    collectLines(child.stdout!, stdout, (line) => {
      if (!line.includes('"msg":"listening"')) return;
      clearTimeout(timer);
      resolve(JSON.parse(line).port);
    });
    exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`exited with ${code} before listening; stderr: ${stderr.join('\n')}`));
    });
  });
  return { child, port, baseUrl: `http://127.0.0.1:${port}`, stdout, stderr, exited };
}

/**
 * One server for the tests of a describe block, started before the first and killed after the
 * last: for end-to-end tests that use data of their own and need no fresh process each.
 */
export function useServer(env: Record<string, string> = {}): () => ServerProcess {
  const cleanups: Array<() => void> = [];
  let server: ServerProcess | undefined;
  before(async () => {
    server = await startServer({ after: (fn) => cleanups.push(fn) }, env);
  });
  after(() => {
    for (const cleanup of cleanups.reverse()) cleanup();
  });
  return () => server ?? assert.fail('the shared server has not started');
}

/** Runs the service to completion (for configurations that must fail at startup). */
export function runToExit(env: Record<string, string>, args: string[] = [MAIN], timeoutMs = 10_000): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { env: { PATH: process.env.PATH, PORT: '0', HOST: '127.0.0.1', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`still running after ${timeoutMs} ms; stdout: ${stdout}`));
    }, timeoutMs);
    // 'close', not 'exit': only then has everything the child wrote been read from its pipes.
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** Splits a stream into lines as they arrive, appending each to `lines`. */
export function collectLines(stream: NodeJS.ReadableStream, lines: string[], onLine?: (line: string) => void): void {
  let partial = '';
  stream.setEncoding('utf8');
  stream.on('data', (chunk: string) => {
    const parts = (partial + chunk).split('\n');
    partial = parts.pop()!;
    for (const line of parts) {
      lines.push(line);
      onLine?.(line);
    }
  });
}

export interface HttpResult {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
  body: any;
}

/** One request over a fresh connection (no keep-alive), with full control of method, headers and body. */
export function send(baseUrl: string, method: string, path: string, options: { headers?: Record<string, string>; body?: unknown } = {}): Promise<HttpResult> {
  const headers: Record<string, string> = { connection: 'close', ...options.headers };
  let payload: Buffer | undefined;
  if (typeof options.body === 'string') payload = Buffer.from(options.body);
  else if (options.body !== undefined) {
    payload = Buffer.from(JSON.stringify(options.body));
    headers['content-type'] ??= 'application/json';
  }
  if (payload !== undefined) headers['content-length'] = String(payload.length);
  return new Promise((resolve, reject) => {
    const request = httpRequest(new URL(path, baseUrl), { method, headers, agent: false }, (response) => {
      let text = '';
      response.setEncoding('utf8');
      response.on('data', (chunk) => (text += chunk));
      response.on('end', () => {
        let body: unknown;
        try {
          body = text === '' ? undefined : JSON.parse(text);
        } catch {
          body = undefined;
        }
        resolve({ status: response.statusCode!, headers: response.headers, text, body });
      });
    });
    request.on('error', reject);
    request.end(payload);
  });
}
