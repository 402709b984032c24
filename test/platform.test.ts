// Keeps the container and platform files honest without a container engine: the Dockerfile,
// compose.yaml and the fsd manifest must agree with src/config.ts and package.json, the image's
// health-check command must really work, DB_LOCKING_MODE=exclusive must really drop the -shm file,
// and nothing under src/ may import a package (the image has no node_modules).
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { describe, it, type TestContext } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { DEFAULTS, loadConfig } from '../src/config.ts';
import { openDatabase, readPragma } from '../src/db/open.ts';

const root = fileURLToPath(new URL('..', import.meta.url));
const readText = (path: string) => readFileSync(join(root, path), 'utf8');
const packageJson = JSON.parse(readText('package.json')) as Record<string, any>;

// ---- Dockerfile: one instruction per entry, continuation lines joined, comments dropped.
interface Instruction { keyword: string; args: string }
const dockerfileText = readText('Dockerfile');
const instructions: Instruction[] = dockerfileText
  .replace(/\\\r?\n/g, ' ')
  .split(/\r?\n/)
  .filter((line) => line.trim() !== '' && !line.trimStart().startsWith('#'))
  .map((line) => {
    const [, keyword = '', args = ''] = /^\s*(\S+)\s*(.*)$/.exec(line) ?? [];
    return { keyword: keyword.toUpperCase(), args: args.trim() };
  });
const argsOf = (keyword: string) => instructions.filter((instruction) => instruction.keyword === keyword).map((instruction) => instruction.args);
const lastArgs = (keyword: string) => argsOf(keyword).at(-1) ?? assert.fail(`the Dockerfile has no ${keyword}`);
const dockerEnv: Record<string, string> = Object.fromEntries(argsOf('ENV').flatMap((args) => args.split(/\s+/).map((pair) => [pair.slice(0, pair.indexOf('=')), pair.slice(pair.indexOf('=') + 1)])));
const healthcheck = /^((?:--[a-z-]+=\S+\s+)*)CMD\s+(\[.*\])$/.exec(lastArgs('HEALTHCHECK')) ?? assert.fail('HEALTHCHECK must be options then an exec-form CMD');
const healthcheckOptions = Object.fromEntries([...healthcheck[1]!.matchAll(/--([a-z-]+)=(\S+)/g)].map((match) => [match[1], match[2]]));
const healthcheckCommand = JSON.parse(healthcheck[2]!) as string[];

// ---- YAML: only the subset these files use (block maps, block lists, one-line JSON arrays). A
// list item's dash counts as indentation, so the keys of "- name: x" sit with the keys under it.
interface YamlLine { indent: number; text: string; item: boolean }
function stripComment(line: string): string {
  let quote = '';
  for (let index = 0; index < line.length; index++) {
    const char = line[index]!;
    if (quote !== '') { if (char === quote) quote = ''; }
    else if (char === '"' || char === "'") quote = char;
    else if (char === '#' && (index === 0 || /\s/.test(line[index - 1]!))) return line.slice(0, index);
  }
  return line;
}
function parseYaml(source: string): YamlLine[] {
  return source.split(/\r?\n/).map(stripComment).filter((line) => line.trim() !== '').map((line) => {
    const indent = line.length - line.trimStart().length;
    const item = /^\s*- /.test(line);
    return { indent: item ? indent + 2 : indent, text: line.trim().replace(/^- /, ''), item };
  });
}
const keyOf = (text: string) => /^([A-Za-z0-9_.-]+):(?:\s|$)/.exec(text)?.[1];
function unquote(raw: string): string {
  return /^(["']).*\1$/.test(raw) ? raw.slice(1, -1) : raw;
}
function locate(lines: YamlLine[], path: string[]): { value: string; children: YamlLine[] } {
  let scope = lines;
  let value = '';
  for (const key of path) {
    const indent = Math.min(...scope.map((line) => line.indent));
    const index = scope.findIndex((line) => line.indent === indent && keyOf(line.text) === key);
    if (index === -1) assert.fail(`no ${path.join('.')} (missing "${key}")`);
    const found = scope[index]!;
    value = found.text.slice(key.length + 1).trim();
    const end = scope.findIndex((line, position) => position > index && line.indent <= found.indent);
    scope = scope.slice(index + 1, end === -1 ? undefined : end);
  }
  return { value, children: scope };
}
const scalar = (lines: YamlLine[], path: string[]) => unquote(locate(lines, path).value);
const items = (lines: YamlLine[], path: string[]) => locate(lines, path).children.filter((line) => line.item).map((line) => unquote(line.text));
function mapAt(lines: YamlLine[], path: string[]): Record<string, string> {
  const { children } = locate(lines, path);
  const indent = Math.min(...children.map((line) => line.indent));
  return Object.fromEntries(children.filter((line) => line.indent === indent).map((line) => {
    const key = keyOf(line.text) ?? assert.fail(`${path.join('.')} holds "${line.text}", expected KEY: value`);
    return [key, unquote(line.text.slice(key.length + 1).trim())];
  }));
}

function seconds(duration: string): number {
  const parts = [...duration.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h)/g)];
  assert.ok(parts.length > 0 && parts.map((part) => part[0]).join('') === duration, `"${duration}" is not a duration like 20s or 1m30s`);
  const unit = { ms: 0.001, s: 1, m: 60, h: 3600 } as const;
  return parts.reduce((sum, part) => sum + Number(part[1]) * unit[part[2] as keyof typeof unit], 0);
}

const compose = parseYaml(readText('compose.yaml'));
const composeServices = locate(compose, ['services']).children;
const serviceName = keyOf(composeServices[0]?.text ?? '') ?? assert.fail('compose.yaml defines no service');
const composeAt = (...path: string[]) => [`services`, serviceName, ...path];
const manifest = parseYaml(readText('fsd/users-service.yml'));
const entrypointScript = readText('docker/entrypoint.sh');

const dataPath = dockerEnv['DB_PATH'] ?? assert.fail('the Dockerfile sets no DB_PATH');
const dataDirectory = dirname(dataPath);
const healthPath = (/'(\/health[^']*)'/.exec(healthcheckCommand.join(' ')) ?? assert.fail('the health check names no /health path'))[1]!;

describe('Dockerfile', () => {
  it('starts from the slim image of exactly the Node that package.json pins, in one stage', () => {
    assert.deepEqual(argsOf('FROM'), [`node:${packageJson['devDependencies'].node}-slim`]);
    assert.doesNotMatch(dockerfileText, /^#\s*syntax=/im, 'a # syntax= line pulls a frontend image from a registry');
  });

  it('copies only package.json, src, migrations and the entrypoint, and installs nothing', () => {
    const sources = argsOf('COPY').map((args) => args.split(/\s+/).filter((word) => !word.startsWith('--')).slice(0, -1).join(' '));
    assert.deepEqual(sources.sort(), ['docker/entrypoint.sh', 'migrations', 'package.json', 'src']);
    for (const run of argsOf('RUN')) assert.doesNotMatch(run, /\b(npm|npx|yarn|pnpm|corepack)\b/);
  });

  it('runs as node with the database on the /app/data volume, which node owns before VOLUME', () => {
    assert.equal(lastArgs('USER'), 'node');
    assert.equal(dataPath, '/app/data/app.db');
    assert.deepEqual(argsOf('VOLUME'), [dataDirectory]);
    const chown = instructions.findIndex((instruction) => instruction.keyword === 'RUN' && instruction.args.includes(`chown node:node ${dataDirectory}`));
    assert.ok(chown !== -1 && chown < instructions.findIndex((instruction) => instruction.keyword === 'VOLUME'), 'changes to a folder after VOLUME are discarded');
  });

  it('exposes the port the service listens on', () => {
    assert.equal(dockerEnv['PORT'], String(DEFAULTS.PORT));
    assert.deepEqual(argsOf('EXPOSE'), [String(DEFAULTS.PORT)]);
    assert.equal(loadConfig(dockerEnv).port, DEFAULTS.PORT);
  });

  it('makes node PID 1: exec-form CMD equal to npm start, through an entrypoint that execs', () => {
    assert.deepEqual(JSON.parse(lastArgs('CMD')), packageJson['scripts'].start.split(' '));
    assert.deepEqual(JSON.parse(lastArgs('ENTRYPOINT')), ['users-service-entrypoint']);
    const handOvers = entrypointScript.split('\n').filter((line) => line.includes('"$@"'));
    assert.ok(handOvers.length > 0);
    for (const line of handOvers) assert.match(line, /^\s*exec /, `the entrypoint must exec the command: ${line.trim()}`);
    assert.match(entrypointScript, /exec setpriv --reuid="\$app_user" --regid="\$app_user" --init-groups/);
  });

  it('checks the readiness route with node\'s fetch, within the check\'s own timeout', () => {
    assert.equal(healthcheckCommand[0], 'node');
    assert.doesNotMatch(healthcheck[0], /\b(curl|wget)\b/);
    assert.equal(healthPath, '/health');
    assert.match(readText('src/health/routes.ts'), new RegExp(`router\\.add\\('GET', '${healthPath}'`));
    const fetchTimeout = Number((/AbortSignal\.timeout\((\d+)\)/.exec(healthcheckCommand.join(' ')) ?? [])[1]) / 1000;
    assert.ok(fetchTimeout < seconds(healthcheckOptions['timeout'] ?? '30s'));
    assert.ok(seconds(healthcheckOptions['start-period'] ?? '0s') >= 10);
  });
});

describe('.dockerignore', () => {
  const rules = readText('.dockerignore').split(/\r?\n/).map((line) => line.trim()).filter((line) => line !== '' && !line.startsWith('#'));
  // Docker's rule: the last pattern matching the path or one of its parents decides.
  function ignored(path: string): boolean {
    let result = false;
    for (const rule of rules) {
      const pattern = rule.replace(/^!/, '');
      const matches = pattern === '*' || path === pattern || path.startsWith(`${pattern}/`);
      if (matches) result = !rule.startsWith('!');
    }
    return result;
  }

  it('keeps node_modules, the database, .git, tests and benchmarks out of the build context', () => {
    for (const path of ['node_modules', 'data', 'data/app.db', '.git', 'test', 'bench', '.env']) assert.ok(ignored(path), path);
  });

  it('lets in everything the Dockerfile copies', () => {
    for (const path of ['package.json', 'src/main.ts', 'migrations/001_create_users.sql', 'docker/entrypoint.sh']) assert.ok(!ignored(path), path);
  });
});

describe('compose.yaml', () => {
  it('builds this folder and publishes the service port on loopback only', () => {
    assert.equal(scalar(compose, composeAt('build')), '.');
    assert.deepEqual(items(compose, composeAt('ports')), [`127.0.0.1:${DEFAULTS.PORT}:${DEFAULTS.PORT}`]);
  });

  it('keeps the database in ./data on the host, mounted at the image\'s data folder', () => {
    assert.deepEqual(items(compose, composeAt('volumes')), [`./data:${dataDirectory}`]);
  });

  it('runs the image\'s health check and restarts the service', () => {
    assert.deepEqual(JSON.parse(scalar(compose, composeAt('healthcheck', 'test'))), ['CMD', ...healthcheckCommand]);
    assert.match(scalar(compose, composeAt('restart')), /^(always|unless-stopped|on-failure)$/);
  });

  it('waits longer than SHUTDOWN_TIMEOUT_MS before SIGKILL', () => {
    const config = loadConfig(mapAt(compose, composeAt('environment')));
    assert.ok(seconds(scalar(compose, composeAt('stop_grace_period'))) * 1000 > config.shutdownTimeoutMs);
  });

  it('starts as root only for the entrypoint, which hands ./data to node and drops to node', () => {
    assert.equal(scalar(compose, composeAt('user')), '0:0');
    assert.match(entrypointScript, /if \[ "\$\(id -u\)" = 0 \]; then[\s\S]*chown -h "\$app_user:\$app_user"[\s\S]*exec setpriv/);
  });
});

describe('fsd/users-service.yml', () => {
  it('describes an ECS service on the service port with the readiness health check', () => {
    assert.equal(scalar(manifest, ['apiVersion']), 'fsd/v1');
    assert.equal(scalar(manifest, ['kind']), 'Service');
    assert.equal(scalar(manifest, ['metadata', 'name']), packageJson['name']);
    assert.equal(scalar(manifest, ['service', 'type']), 'ecs');
    assert.equal(Number(scalar(manifest, ['service', 'port'])), DEFAULTS.PORT);
    assert.equal(scalar(manifest, ['service', 'healthCheck', 'path']), healthPath);
  });

  it('mounts encrypted EFS at the data folder', () => {
    assert.equal(scalar(manifest, ['service', 'volumes', 'mountPath']), dataDirectory);
    assert.equal(scalar(manifest, ['service', 'volumes', 'efs', 'transitEncryption']), 'true');
    assert.equal(scalar(manifest, ['service', 'volumes', 'efs', 'accessPoint', 'posixUser', 'uid']), '1000');
    assert.equal(scalar(manifest, ['dependencies', 'type']), 'aws_efs_file_system');
    assert.equal(scalar(manifest, ['dependencies', 'encrypted']), 'true');
  });

  it('runs exactly one task, never two at once, not even during a deploy', () => {
    assert.equal(scalar(manifest, ['service', 'desiredCount']), '1');
    assert.equal(scalar(manifest, ['service', 'autoscaling', 'enabled']), 'false');
    assert.equal(scalar(manifest, ['service', 'deployment', 'minimumHealthyPercent']), '0');
    assert.equal(scalar(manifest, ['service', 'deployment', 'maximumPercent']), '100');
  });

  it('waits longer than SHUTDOWN_TIMEOUT_MS before SIGKILL, and gives migrations a grace period', () => {
    const config = loadConfig(mapAt(manifest, ['service', 'environment']));
    assert.ok(Number(scalar(manifest, ['service', 'stopTimeout'])) * 1000 > config.shutdownTimeoutMs);
    assert.ok(Number(scalar(manifest, ['service', 'healthCheck', 'gracePeriodSeconds'])) >= seconds(healthcheckOptions['start-period'] ?? '0s'));
  });

  it('sets exclusive locking for EFS and the image\'s database path, with values the service accepts', () => {
    const config = loadConfig(mapAt(manifest, ['service', 'environment']));
    assert.equal(config.lockingMode, 'exclusive');
    assert.equal(config.dbPath, dataPath);
  });
});

describe('the health-check command', () => {
  async function runCheck(port: number): Promise<number> {
    try {
      await promisify(execFile)(process.execPath, healthcheckCommand.slice(1), { env: { ...process.env, PORT: String(port) }, timeout: 5000 });
      return 0;
    } catch (error) {
      return (error as { code?: number }).code ?? -1;
    }
  }

  it('exits 0 when /health answers 200, and 1 on a 503 or when nothing listens', async (t: TestContext) => {
    const server = createServer((request, response) => {
      response.statusCode = request.url === healthPath ? 200 : 404;
      response.end();
    });
    const failing = createServer((_request, response) => { response.statusCode = 503; response.end(); });
    await Promise.all([server, failing].map((s) => new Promise<void>((done) => s.listen(0, '127.0.0.1', done))));
    t.after(() => { server.close(); failing.close(); });
    const closed = createServer();
    await new Promise<void>((done) => closed.listen(0, '127.0.0.1', done));
    const closedPort = (closed.address() as AddressInfo).port;
    await new Promise<void>((done) => closed.close(() => done()));
    const codes = await Promise.all([server, failing].map((s) => runCheck((s.address() as AddressInfo).port)).concat(runCheck(closedPort)));
    assert.deepEqual(codes, [0, 1, 1]);
  });
});

describe('DB_LOCKING_MODE', () => {
  function openFileDatabase(t: TestContext, lockingMode: string) {
    const folder = mkdtempSync(join(tmpdir(), 'users-service-locking-'));
    t.after(() => rmSync(folder, { recursive: true, force: true }));
    const config = loadConfig({ DB_PATH: join(folder, 'app.db'), DB_LOCKING_MODE: lockingMode, DB_BUSY_TIMEOUT_MS: '0' });
    const db = openDatabase({ path: config.dbPath, busyTimeoutMs: config.busyTimeoutMs, lockingMode: config.lockingMode });
    t.after(() => { if (db.isOpen) db.close(); });
    db.exec('CREATE TABLE probe (value INTEGER); INSERT INTO probe VALUES (1)');
    return { db, folder, path: config.dbPath };
  }

  it('exclusive keeps WAL without a -shm file and locks every other connection out', (t: TestContext) => {
    const { db, folder, path } = openFileDatabase(t, 'exclusive');
    assert.equal(readPragma(db, 'journal_mode'), 'wal');
    assert.equal(readPragma(db, 'locking_mode'), 'exclusive');
    assert.deepEqual(readdirSync(folder).sort(), ['app.db', 'app.db-wal']);
    const other = new DatabaseSync(path, { timeout: 0 });
    t.after(() => other.close());
    assert.throws(() => other.prepare('SELECT value FROM probe').get(), { code: 'ERR_SQLITE_ERROR', errcode: 5 });
  });

  it('normal shares the database with other processes through the -shm file', (t: TestContext) => {
    const { db, folder, path } = openFileDatabase(t, 'normal');
    assert.equal(readPragma(db, 'locking_mode'), 'normal');
    assert.ok(existsSync(join(folder, 'app.db-shm')));
    const other = new DatabaseSync(path, { timeout: 0 });
    t.after(() => other.close());
    assert.equal(other.prepare('SELECT value FROM probe').get()?.['value'], 1);
  });
});

describe('src/', () => {
  const sourceRoot = join(root, 'src');
  const files = (readdirSync(sourceRoot, { recursive: true }) as string[])
    .filter((file) => /\.[cm]?[jt]s$/.test(file))
    .map((file) => join(sourceRoot, file));

  // Line-anchored patterns for each import form; a count of the lines that open an import makes
  // sure none was written in a shape these patterns miss.
  const staticImport = /^\s*(?:import|export)\s+(?:type\s+)?(?:[\w$*{},\s]+?\s+from\s*)?(['"])([^'"]+)\1/gm;
  const importOpenings = /^\s*import\b(?!\s*[.(])|^\s*export\s+(?:type\s+)?(?:\*|\{[^}]*\})\s*(?:as\s+\w+\s+)?from\b/gm;
  const dynamicImport = /\b(?:import|require)\s*\(\s*([^)]*)\)/g;

  it('imports nothing but node: built-ins and its own files', () => {
    assert.ok(files.length > 10, 'found too few source files to be the service');
    const problems: string[] = [];
    for (const file of files) {
      const source = readFileSync(file, 'utf8');
      const name = relative(root, file);
      const specifiers = [...source.matchAll(staticImport)].map((match) => match[2]!);
      const openings = source.match(importOpenings)?.length ?? 0;
      if (openings !== specifiers.length) problems.push(`${name}: ${openings} import statements but ${specifiers.length} understood`);
      for (const match of source.matchAll(dynamicImport)) {
        const literal = /^(['"])([^'"]+)\1$/.exec(match[1]!.trim());
        if (literal === null || match[0].startsWith('require')) problems.push(`${name}: ${match[0]} (use a static or literal import)`);
        else specifiers.push(literal[2]!);
      }
      for (const specifier of specifiers) {
        if (specifier.startsWith('node:')) continue;
        if (!specifier.startsWith('./') && !specifier.startsWith('../')) { problems.push(`${name}: imports the package "${specifier}"`); continue; }
        const target = resolve(dirname(file), specifier);
        if (!target.startsWith(sourceRoot + sep) || !existsSync(target)) problems.push(`${name}: "${specifier}" is not a file under src/`);
      }
    }
    assert.deepEqual(problems, []);
  });

  it('has no runtime dependency in package.json', () => {
    for (const key of ['dependencies', 'optionalDependencies', 'peerDependencies', 'bundleDependencies']) assert.equal(packageJson[key], undefined, key);
  });
});
