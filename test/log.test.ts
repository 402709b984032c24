import assert from 'node:assert/strict';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { describe, it } from 'node:test';
import type { LogLevel } from '../src/config.ts';
import { createLogger } from '../src/log.ts';

function capture(level: LogLevel) {
  const writes: string[] = [];
  const log = createLogger({ level, write: (text) => writes.push(text) });
  const lines = () => writes.join('').split('\n').filter((line) => line !== '').map((line) => JSON.parse(line) as Record<string, unknown>);
  return { log, writes, lines };
}

describe('logger', () => {
  it('writes one JSON object per line with time, level and msg first', () => {
    const { log, writes, lines } = capture('debug');
    log.info('listening', { port: 8000 });
    log.flush();
    assert.equal(writes.length, 1);
    assert.ok(writes[0]!.endsWith('}\n'));
    const [line] = lines();
    assert.deepEqual(Object.keys(line!), ['time', 'level', 'msg', 'port']);
    assert.equal(line!.level, 'info');
    assert.equal(line!.msg, 'listening');
    assert.equal(line!.port, 8000);
    assert.match(String(line!.time), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  });

  it('escapes messages and fields so each line stays one JSON object', () => {
    const { log, lines } = capture('debug');
    log.warn('two\nlines "quoted"', { path: 'a\nb' });
    log.flush();
    assert.deepEqual(lines().map((line) => [line.msg, line.path]), [['two\nlines "quoted"', 'a\nb']]);
  });

  const levels: [LogLevel, string[]][] = [
    ['debug', ['debug', 'info', 'warn', 'error']],
    ['info', ['info', 'warn', 'error']],
    ['warn', ['warn', 'error']],
    ['error', ['error']],
    ['silent', []],
  ];
  for (const [level, written] of levels) {
    it(`at LOG_LEVEL=${level} writes ${written.length === 0 ? 'nothing' : written.join(', ')}`, () => {
      const { log, lines } = capture(level);
      log.debug('d');
      log.info('i');
      log.warn('w');
      log.error('e');
      log.flush();
      assert.deepEqual(lines().map((line) => line.level), written);
      assert.equal(log.isEnabled('debug'), written.includes('debug'));
      assert.equal(log.isEnabled('error'), written.includes('error'));
    });
  }

  it('serialises an error with its name, message, code, errcode, stack and cause', () => {
    const { log, lines } = capture('info');
    const sqliteError = Object.assign(new Error('no such table: nope'), { code: 'ERR_SQLITE_ERROR', errcode: 1 });
    log.error('startup failed', { error: new Error('Migration 002_x.sql failed', { cause: sqliteError }) });
    log.flush();
    const error = lines()[0]!.error as Record<string, unknown>;
    assert.equal(error.name, 'Error');
    assert.equal(error.message, 'Migration 002_x.sql failed');
    assert.match(String(error.stack), /log\.test\.ts/);
    const cause = error.cause as Record<string, unknown>;
    assert.equal(cause.code, 'ERR_SQLITE_ERROR');
    assert.equal(cause.errcode, 1);
  });

  it('writes a BigInt as a string instead of throwing', () => {
    const { log, lines } = capture('info');
    log.info('row', { id: 9007199254740993n });
    log.flush();
    assert.equal(lines()[0]!.id, '9007199254740993');
  });

  it('collects the lines of one event-loop turn into one write', async () => {
    const { log, writes, lines } = capture('info');
    log.info('one');
    log.info('two');
    log.warn('three');
    assert.equal(writes.length, 0, 'nothing is written synchronously');
    await nextTurn();
    assert.equal(writes.length, 1);
    assert.deepEqual(lines().map((line) => line.msg), ['one', 'two', 'three']);
    log.info('four');
    await nextTurn();
    assert.equal(writes.length, 2);
  });

  it('writes an `always` line at once, whatever the level, after the lines before it', () => {
    const { log, writes, lines } = capture('silent');
    log.always('listening', { port: 1234 });
    assert.equal(writes.length, 1);
    assert.equal(lines()[0]!.msg, 'listening');

    const ordered = capture('info');
    ordered.log.info('starting');
    ordered.log.always('listening');
    assert.deepEqual(ordered.lines().map((line) => line.msg), ['starting', 'listening']);
  });

  it('writes an infoSerialized line with the caller\'s fields as they are, at info and below only', () => {
    const { log, lines } = capture('info');
    log.infoSerialized('request', '"status":200,"route":"/users/:id"');
    log.flush();
    const [line] = lines();
    assert.deepEqual(Object.keys(line!), ['time', 'level', 'msg', 'status', 'route']);
    assert.deepEqual([line!.level, line!.status, line!.route], ['info', 200, '/users/:id']);

    const quiet = capture('warn');
    quiet.log.infoSerialized('request', '"status":200');
    quiet.log.flush();
    assert.equal(quiet.writes.length, 0);
  });

  it('writes nothing on flush when nothing is pending', () => {
    const { log, writes } = capture('info');
    log.flush();
    log.debug('below the level');
    log.flush();
    assert.equal(writes.length, 0);
  });
});
