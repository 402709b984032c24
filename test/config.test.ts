import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError, loadConfig, type Config } from '../src/config.ts';
import { runToExit } from './support/server.ts';

describe('configuration', () => {
  it('uses the documented defaults when nothing is set', () => {
    assert.deepEqual(loadConfig({}), {
      port: 8000,
      host: '0.0.0.0',
      dbPath: './data/app.db',
      backupDirectory: 'data/backups',
      logLevel: 'info',
      bodyLimitBytes: 65_536,
      shutdownTimeoutMs: 10_000,
      keepAliveTimeoutMs: 65_000,
      headersTimeoutMs: 10_000,
      requestTimeoutMs: 30_000,
      busyTimeoutMs: 5_000,
      lockingMode: 'normal',
      apiToken: null,
    } satisfies Config);
  });

  it('keeps the idle keep-alive timeout above a load balancer\'s 60 s by default', () => {
    assert.ok(loadConfig({}).keepAliveTimeoutMs > 60_000);
  });

  it('puts backups in a backups folder beside the database unless BACKUP_DIR says otherwise', () => {
    assert.equal(loadConfig({ DB_PATH: '/app/data/app.db' }).backupDirectory, '/app/data/backups');
    assert.equal(loadConfig({ DB_PATH: ':memory:' }).backupDirectory, 'data/backups');
  });

  it('returns a frozen object', () => {
    assert.ok(Object.isFrozen(loadConfig({})));
  });

  it('treats an empty variable as unset', () => {
    assert.deepEqual(loadConfig({ PORT: '', LOG_LEVEL: '', API_TOKEN: '', DB_PATH: '' }), loadConfig({}));
  });

  const accepted: [variable: string, value: string, field: keyof Config, expected: unknown][] = [
    ['PORT', '0', 'port', 0],
    ['PORT', '3000', 'port', 3000],
    ['PORT', '65535', 'port', 65_535],
    ['HOST', '127.0.0.1', 'host', '127.0.0.1'],
    ['HOST', '::', 'host', '::'],
    ['HOST', '::1', 'host', '::1'],
    ['HOST', 'localhost', 'host', 'localhost'],
    ['HOST', 'api.internal-1.example', 'host', 'api.internal-1.example'],
    ['DB_PATH', ':memory:', 'dbPath', ':memory:'],
    ['DB_PATH', '/app/data/app.db', 'dbPath', '/app/data/app.db'],
    ['DB_PATH', 'relative/users db.sqlite', 'dbPath', 'relative/users db.sqlite'],
    ['BACKUP_DIR', '/backups', 'backupDirectory', '/backups'],
    ['LOG_LEVEL', 'debug', 'logLevel', 'debug'],
    ['LOG_LEVEL', 'info', 'logLevel', 'info'],
    ['LOG_LEVEL', 'warn', 'logLevel', 'warn'],
    ['LOG_LEVEL', 'error', 'logLevel', 'error'],
    ['LOG_LEVEL', 'silent', 'logLevel', 'silent'],
    ['LOG_LEVEL', 'WARN', 'logLevel', 'warn'],
    ['BODY_LIMIT_BYTES', '1', 'bodyLimitBytes', 1],
    ['BODY_LIMIT_BYTES', '104857600', 'bodyLimitBytes', 104_857_600],
    ['SHUTDOWN_TIMEOUT_MS', '0', 'shutdownTimeoutMs', 0],
    ['SHUTDOWN_TIMEOUT_MS', '30000', 'shutdownTimeoutMs', 30_000],
    ['KEEP_ALIVE_TIMEOUT_MS', '1', 'keepAliveTimeoutMs', 1],
    ['KEEP_ALIVE_TIMEOUT_MS', '120000', 'keepAliveTimeoutMs', 120_000],
    ['HEADERS_TIMEOUT_MS', '1', 'headersTimeoutMs', 1],
    ['HEADERS_TIMEOUT_MS', '30000', 'headersTimeoutMs', 30_000],
    ['REQUEST_TIMEOUT_MS', '10000', 'requestTimeoutMs', 10_000],
    ['REQUEST_TIMEOUT_MS', '3600000', 'requestTimeoutMs', 3_600_000],
    ['DB_BUSY_TIMEOUT_MS', '0', 'busyTimeoutMs', 0],
    ['DB_BUSY_TIMEOUT_MS', '600000', 'busyTimeoutMs', 600_000],
    ['DB_LOCKING_MODE', 'normal', 'lockingMode', 'normal'],
    ['DB_LOCKING_MODE', 'exclusive', 'lockingMode', 'exclusive'],
    ['DB_LOCKING_MODE', 'EXCLUSIVE', 'lockingMode', 'exclusive'],
    ['API_TOKEN', 's3cr3t-token_with.symbols~+/=', 'apiToken', 's3cr3t-token_with.symbols~+/='],
  ];
  for (const [variable, value, field, expected] of accepted) {
    it(`accepts ${variable}=${value}`, () => {
      assert.equal(loadConfig({ [variable]: value })[field], expected);
    });
  }

  const refused: [variable: string, value: string][] = [
    ['PORT', 'abc'],
    ['PORT', '-1'],
    ['PORT', '65536'],
    ['PORT', '80.5'],
    ['PORT', '1e3'],
    ['PORT', ' 80'],
    ['PORT', '0x50'],
    ['HOST', 'not a host'],
    ['HOST', 'http://example.com'],
    ['HOST', '-leading.example'],
    ['DB_PATH', 'data/app.db\0'],
    ['DB_PATH', ' data/app.db'],
    ['DB_PATH', 'data/app.db '],
    ['BACKUP_DIR', 'backups\0'],
    ['LOG_LEVEL', 'verbose'],
    ['LOG_LEVEL', 'trace'],
    ['BODY_LIMIT_BYTES', '0'],
    ['BODY_LIMIT_BYTES', '104857601'],
    ['BODY_LIMIT_BYTES', '64kb'],
    ['SHUTDOWN_TIMEOUT_MS', '-5'],
    ['SHUTDOWN_TIMEOUT_MS', '3600001'],
    ['SHUTDOWN_TIMEOUT_MS', '10s'],
    ['KEEP_ALIVE_TIMEOUT_MS', '0'],
    ['KEEP_ALIVE_TIMEOUT_MS', 'forever'],
    ['HEADERS_TIMEOUT_MS', '0'],
    ['HEADERS_TIMEOUT_MS', '40000'],
    ['REQUEST_TIMEOUT_MS', '0'],
    ['REQUEST_TIMEOUT_MS', '5000'],
    ['DB_BUSY_TIMEOUT_MS', '600001'],
    ['DB_BUSY_TIMEOUT_MS', 'none'],
    ['DB_LOCKING_MODE', 'shared'],
    ['API_TOKEN', 'two words'],
    ['API_TOKEN', 'tab\there'],
    ['API_TOKEN', 'café'],
  ];
  for (const [variable, value] of refused) {
    it(`refuses ${variable}=${JSON.stringify(value)} with an error naming ${variable}`, () => {
      assert.throws(
        () => loadConfig({ [variable]: value }),
        (error: unknown) => error instanceof ConfigError && error.variable === variable && error.message.startsWith(variable),
      );
    });
  }

  it('names the bad value and what is accepted', () => {
    assert.throws(() => loadConfig({ PORT: 'abc' }), (error: Error) => error.message.includes('"abc"') && error.message.includes('65535'));
    assert.throws(() => loadConfig({ LOG_LEVEL: 'verbose' }), (error: Error) => error.message.includes('"verbose"') && error.message.includes('silent'));
  });

  it('never prints a bad API_TOKEN, which is a secret', () => {
    assert.throws(() => loadConfig({ API_TOKEN: 'hunter2 hunter3' }), (error: Error) => !error.message.includes('hunter'));
  });

  it('refuses a headers timeout longer than the request timeout, naming the variable that was set', () => {
    assert.throws(() => loadConfig({ HEADERS_TIMEOUT_MS: '2000', REQUEST_TIMEOUT_MS: '1000' }), { variable: 'HEADERS_TIMEOUT_MS' });
    assert.throws(() => loadConfig({ REQUEST_TIMEOUT_MS: '1000' }), { variable: 'REQUEST_TIMEOUT_MS' });
    assert.equal(loadConfig({ HEADERS_TIMEOUT_MS: '1000', REQUEST_TIMEOUT_MS: '1000' }).headersTimeoutMs, 1000);
  });
});

describe('node src/main.ts with a bad configuration', { concurrency: true }, () => {
  const cases: [variable: string, value: string][] = [
    ['PORT', 'abc'],
    ['LOG_LEVEL', 'loud'],
    ['SHUTDOWN_TIMEOUT_MS', '-1'],
    ['API_TOKEN', 'not a token'],
  ];
  for (const [variable, value] of cases) {
    it(`exits 1 before listening, with one stderr line naming ${variable}`, async () => {
      // DB_PATH=:memory: so that, should the value wrongly pass, nothing is written to ./data.
      const result = await runToExit({ DB_PATH: ':memory:', [variable]: value });
      assert.equal(result.code, 1);
      const lines = result.stderr.split('\n').filter((line) => line !== '');
      assert.equal(lines.length, 1, result.stderr);
      assert.ok(lines[0]!.includes(variable), lines[0]);
      assert.ok(!result.stdout.includes('"msg":"listening"'));
    });
  }
});
