// The README's own commands, run as a reader would run them: `npm start` and the curl that checks
// it, `npm run dev`, `npm run migrate`, one test file, and the sqlite3 shell. Each is first looked
// up in the README, so a command that changes there without changing here fails the test.
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it, type TestContext } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { makeTempDir } from './support/server.ts';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('..', import.meta.url));
const README = readFileSync(join(ROOT, 'README.md'), 'utf8');

function documented(command: string): string {
  assert.ok(README.includes(command), `the README shows \`${command}\``);
  return command;
}

// node --test marks the processes it runs with NODE_TEST_CONTEXT; a test runner started with it
// reports to its parent in a binary protocol instead of printing for a reader.
const { NODE_TEST_CONTEXT: _runnerProtocol, ...readerEnvironment } = process.env;

/** Runs a README line through the shell, from the project folder, with the service's variables. */
function shell(command: string, env: Record<string, string> = {}, cwd = ROOT): Promise<{ stdout: string; stderr: string }> {
  return run('sh', ['-c', command], { cwd, env: { ...readerEnvironment, ...env }, timeout: 20_000 });
}

/** Starts an npm script in its own process group and waits for the service's `listening` line. */
async function startScript(t: TestContext, script: string, env: Record<string, string>): Promise<number> {
  const child = spawn('sh', ['-c', script], { cwd: ROOT, env: { ...readerEnvironment, PORT: '0', HOST: '127.0.0.1', ...env }, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  // npm and sh stand between us and node: signal the whole group so nothing outlives the test.
  t.after(() => {
    try {
      process.kill(-child.pid!, 'SIGKILL');
    } catch {
      // already gone
    }
  });
  let stdout = '';
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`\`${script}\` did not print its listening line; stderr: ${stderr}`)), 20_000);
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
      const line = stdout.split('\n').find((each) => each.includes('"msg":"listening"'));
      if (line === undefined) return;
      clearTimeout(timer);
      resolve(JSON.parse(line).port);
    });
    child.once('exit', (code) => reject(new Error(`\`${script}\` exited with ${code}; stderr: ${stderr}`)));
  });
}

const onPort = (command: string, port: number): string => command.replace('localhost:8000', `127.0.0.1:${port}`);

// Independent of one another, and mostly waiting on child processes: run them side by side.
describe('README commands', { concurrency: true }, () => {
  it('npm start serves /health, as curl shows', async (t) => {
    documented('npm install && npm start');
    const port = await startScript(t, 'npm start', { DB_PATH: join(makeTempDir(t), 'app.db') });
    const { stdout } = await shell(onPort(documented('curl localhost:8000/health'), port));
    assert.equal(JSON.parse(stdout).status, 'healthy');
  });

  it('npm run dev starts the service under node --watch', async (t) => {
    documented('npm run dev');
    const port = await startScript(t, 'npm run dev', { DB_PATH: join(makeTempDir(t), 'app.db') });
    const { stdout } = await shell(onPort('curl -s localhost:8000/health/live', port));
    assert.equal(JSON.parse(stdout).status, 'alive');
  });

  it('npm run migrate applies the migrations, and --status lists them as applied', async (t) => {
    const env = { DB_PATH: join(makeTempDir(t), 'app.db') };
    await shell(documented('npm run migrate'), env);
    const { stdout } = await shell(documented('npm run migrate -- --status'), env);
    assert.match(stdout, /001_create_users\.sql\s+applied \d{4}-/);
    assert.match(stdout, /, 0 pending/);
  });

  it('npx node --test runs one test file, or the tests matching a name pattern', async () => {
    const file = await shell(documented('npx node --test test/http/router.test.ts'));
    assert.match(file.stdout, /ℹ fail 0/);
    const pattern = await shell(documented('npx node --test --test-name-pattern="409" test/users/post-users.test.ts'));
    assert.match(pattern.stdout, /409/);
    assert.match(pattern.stdout, /ℹ fail 0/);
  });

  it('the sqlite3 shell reads the database the service wrote', { skip: !existsSync('/usr/bin/sqlite3') && 'the sqlite3 shell is not installed (apt-get install sqlite3)' }, async (t) => {
    const folder = makeTempDir(t);
    const port = await startScript(t, 'npm start', { DB_PATH: join(folder, 'data', 'app.db') });
    await shell(onPort(`curl -s -X POST localhost:8000/users -H 'Content-Type: application/json' -d '{"email":"ada@example.com","name":"Ada"}'`, port));
    const { stdout } = await shell(documented("sqlite3 ./data/app.db 'SELECT id, email, is_active FROM users ORDER BY id LIMIT 10'"), {}, folder);
    assert.equal(stdout.trim(), '1|ada@example.com|1');
  });
});
