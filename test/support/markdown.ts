// Reading the shell commands out of our Markdown documents and running them for real, so the
// README's walk-through (test/readme.test.ts) and the runbook (test/runbook.test.ts) cannot rot.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';

/** Where the documents say the service answers; tests point the commands at their own server. */
export const DOCUMENTED_HOST = 'localhost:8000';

export interface FencedBlock {
  /** The first word of the info string: sh, http, json, ... */
  language: string;
  /** The rest of the info string, `key=value` words: ```sh test=health stopped */
  attributes: Record<string, string>;
  text: string;
}

/** The part of `markdown` under `heading` (a line such as `## Using the API`), up to the next `## `. */
export function readSection(markdown: string, heading: string): string {
  const start = markdown.indexOf(`\n${heading}\n`);
  assert.notEqual(start, -1, `the document has a "${heading}" section`);
  const end = markdown.indexOf('\n## ', start + heading.length + 2);
  return markdown.slice(start, end === -1 ? undefined : end);
}

/** Every fenced block with a language, in order; a block indented inside a list item comes out dedented. */
export function readFencedBlocks(markdown: string): FencedBlock[] {
  return [...markdown.matchAll(/^( *)```(\w+)([^\n]*)\n([\s\S]*?)^\1```$/gm)].map(([, indent, language, info, text]) => ({
    language: language!,
    attributes: Object.fromEntries(
      info!
        .trim()
        .split(/\s+/)
        .filter((word) => word !== '')
        .map((word) => (word.includes('=') ? [word.slice(0, word.indexOf('=')), word.slice(word.indexOf('=') + 1)] : [word, 'true'])),
    ),
    text: text!.replace(new RegExp(`^${indent}`, 'gm'), ''),
  }));
}

/** The commands, pointed at a server on 127.0.0.1:`port` instead of the documented host. */
export function pointAt(commands: string, port: number): string {
  return commands.replaceAll(DOCUMENTED_HOST, `127.0.0.1:${port}`);
}

/** Runs a script with bash -e (the system's /usr/bin/curl, npm and coreutils); rejects on a non-zero exit. */
export async function runShell(script: string, options: { cwd?: string; env?: Record<string, string>; timeoutMs?: number } = {}): Promise<string> {
  const { stdout } = await new Promise<{ stdout: string }>((resolve, reject) => {
    execFile('/bin/bash', ['-e', '-o', 'pipefail', '-c', script], { cwd: options.cwd, env: { PATH: '/usr/bin:/bin', ...options.env }, timeout: options.timeoutMs ?? 10_000 }, (error, stdout, stderr) => {
      if (error !== null) reject(Object.assign(error, { message: `${error.message}\nstdout: ${stdout}\nstderr: ${stderr}` }));
      else resolve({ stdout });
    });
  });
  return stdout;
}
