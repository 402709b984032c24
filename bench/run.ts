// `npm run bench`: the benchmark of issue 5. Seeds a temporary file database, runs wrk scenarios
// against the service and against the bare node:http baseline, and prints one table. A benchmark,
// not a test: `npm test` does not run it, and neither does CI. See bench/README.md.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { describeMachine } from './machine.ts';
import { parseOptions, UsageError, USAGE, type BenchOptions } from './options.ts';
import { killAllChildren } from './processes.ts';
import { runScaleSuite } from './scale.ts';
import { runStandardSuite } from './suite.ts';
import { findMissingWrk } from './wrk.ts';

function readOptions(): BenchOptions {
  try {
    const options = parseOptions(process.argv.slice(2));
    if (options !== null) return options;
    console.log(USAGE);
    process.exit(0);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    console.error(error.message);
    process.exit(2);
  }
}

const options = readOptions();

const missingWrk = findMissingWrk();
if (missingWrk !== null) {
  console.error(missingWrk);
  process.exit(1);
}
if ((spawnSync('taskset', ['-V'], { stdio: 'ignore' }).error as NodeJS.ErrnoException | undefined)?.code === 'ENOENT') {
  console.error('taskset is not installed; install it with `apt-get install util-linux`, then run the benchmark again.');
  process.exit(1);
}

const workspace = mkdtempSync(join(options.tmpDir, 'users-bench-'));
// However the run ends, no server or wrk outlives it and no database is left behind.
process.on('exit', () => {
  killAllChildren();
  rmSync(workspace, { recursive: true, force: true });
});
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    console.error(`\n${signal}: stopping the servers and wrk, removing ${workspace}.`);
    process.exit(130);
  });
}

for (const line of describeMachine(workspace)) console.log(line);
try {
  await (options.scale ? runScaleSuite(options, workspace) : runStandardSuite(options, workspace));
} catch (error) {
  console.error(`benchmark failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
}
// fetch's keep-alive pool would hold the event loop open for a few seconds more.
process.exit();
