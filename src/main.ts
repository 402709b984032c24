// The entry point: checks the runtime, reads the configuration, starts the service and stops it
// on SIGTERM or SIGINT. A second signal exits at once.
import { ConfigError, loadConfig, type Config } from './config.ts';
import { createLogger } from './log.ts';
import { findRuntimeProblem, readRuntimeFacts } from './runtime.ts';

function fail(sentence: string): never {
  process.stderr.write(`${sentence}\n`);
  process.exit(1);
}

const runtimeProblem = findRuntimeProblem(readRuntimeFacts());
if (runtimeProblem !== null) fail(runtimeProblem);

let config: Config;
try {
  config = loadConfig();
} catch (error) {
  if (error instanceof ConfigError) fail(error.message);
  throw error;
}

const log = createLogger({ level: config.logLevel });

function die(msg: string, error: unknown): never {
  log.error(msg, { error });
  log.flush();
  fail(error instanceof Error ? error.message : String(error));
}

process.on('uncaughtException', (error) => die('uncaught exception', error));
process.on('unhandledRejection', (error) => die('unhandled rejection', error));

// Imported only now: on a Node without node:sqlite the import itself would fail before the check.
const { startService } = await import('./start.ts');

let service: Awaited<ReturnType<typeof startService>>;
try {
  service = await startService(config, log);
} catch (error) {
  die('startup failed', error);
}

let stopping = false;
function onSignal(signal: NodeJS.Signals): void {
  if (stopping) {
    log.warn('second signal, exiting now', { signal });
    log.flush();
    process.exit(1);
  }
  stopping = true;
  log.info('stopping', { signal, shutdown_timeout_ms: config.shutdownTimeoutMs });
  service.stop().then(
    () => {
      log.info('stopped');
      log.flush();
      process.exit(0);
    },
    (error: unknown) => die('shutdown failed', error),
  );
}
process.on('SIGTERM', onSignal);
process.on('SIGINT', onSignal);
