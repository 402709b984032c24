// What every command-line tool here does around its own work: refuse an unsuitable Node first,
// with one sentence, and turn a failure into its message on stderr and exit code 1, never a stack.
import { findRuntimeProblem, readRuntimeFacts } from '../runtime.ts';

export async function runCommand(main: (args: string[]) => Promise<void>): Promise<void> {
  try {
    const runtimeProblem = findRuntimeProblem(readRuntimeFacts());
    if (runtimeProblem !== null) throw new Error(runtimeProblem);
    await main(process.argv.slice(2));
  } catch (error) {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  }
}
