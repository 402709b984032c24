import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compareVersions, findRuntimeProblem, MINIMUM_NODE_VERSION, readRuntimeFacts, type RuntimeFacts } from '../src/runtime.ts';
import { MAIN, runToExit } from './support/server.ts';

const CLI = new URL('../src/cli/migrate.ts', import.meta.url).pathname;

function facts(overrides: Partial<RuntimeFacts> = {}): RuntimeFacts {
  return { node: '24.21.0', sqlite: '3.53.4', hasSqliteModule: true, ...overrides };
}

describe('runtime guard', { concurrency: true }, () => {
  it('accepts the Node.js running these tests', () => {
    assert.equal(findRuntimeProblem(readRuntimeFacts()), null);
  });

  it('accepts the minimum Node.js with a fixed SQLite', () => {
    assert.equal(findRuntimeProblem(facts({ node: MINIMUM_NODE_VERSION })), null);
  });

  for (const node of ['20.19.5', '22.18.0', '24.14.1', '24.0.0']) {
    it(`refuses Node.js ${node}, naming the version it needs`, () => {
      const problem = String(findRuntimeProblem(facts({ node })));
      assert.ok(problem.includes(MINIMUM_NODE_VERSION), problem);
      assert.ok(problem.includes(node), problem);
    });
  }

  it('refuses a Node.js without node:sqlite', () => {
    assert.ok(findRuntimeProblem(facts({ hasSqliteModule: false }))?.includes('node:sqlite'));
    assert.ok(findRuntimeProblem(facts({ sqlite: undefined }))?.includes('node:sqlite'));
  });

  for (const sqlite of ['3.7.0', '3.8.11', '3.45.1', '3.50.4', '3.51.0', '3.51.2']) {
    it(`refuses SQLite ${sqlite}, which has the WAL-reset bug`, () => {
      assert.ok(findRuntimeProblem(facts({ sqlite }))?.includes(sqlite));
    });
  }

  for (const sqlite of ['3.51.3', '3.52.0', '3.53.4', '4.0.0']) {
    it(`accepts SQLite ${sqlite}`, () => {
      assert.equal(findRuntimeProblem(facts({ sqlite })), null);
    });
  }

  it('compares versions part by part, as numbers', () => {
    assert.equal(compareVersions('24.15.0', '24.9.0'), 1);
    assert.equal(compareVersions('3.51.2', '3.51.3'), -1);
    assert.equal(compareVersions('3.51', '3.51.0'), 0);
    assert.equal(compareVersions('25.0.0-nightly20260101', '24.15.0'), 1);
  });

  it('stops node src/main.ts on a Node.js without node:sqlite: exit 1, one sentence', async () => {
    const result = await runToExit({ DB_PATH: ':memory:' }, ['--no-experimental-sqlite', MAIN]);
    assert.equal(result.code, 1);
    const lines = result.stderr.split('\n').filter((line) => line !== '');
    assert.equal(lines.length, 1, result.stderr);
    assert.ok(lines[0]!.includes('node:sqlite'));
    assert.equal(result.stdout, '');
  });

  it('stops npm run migrate the same way', async () => {
    const result = await runToExit({ DB_PATH: ':memory:' }, ['--no-experimental-sqlite', CLI]);
    assert.equal(result.code, 1);
    const lines = result.stderr.split('\n').filter((line) => line !== '');
    assert.equal(lines.length, 1, result.stderr);
    assert.ok(lines[0]!.includes('node:sqlite'));
  });
});
