// Runs the README's "Using the API" walk-through with the real curl against a real server, and
// checks each command's response against the example printed under it, so the README cannot rot.
// Timestamps, ETag values and problem sentences vary or are free to change; everything else in an
// example (status line, headers shown, ids, fields) must be what the service answers.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { pointAt, readFencedBlocks, readSection, runShell } from './support/markdown.ts';
import { startServer } from './support/server.ts';
import { parseResponses, type RawResponse } from './support/socket.ts';

const README = new URL('../README.md', import.meta.url);
const ISO_UTC_MILLIS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const MARKER = '@@readme-step@@';

interface Step {
  commands: string;
  expected: RawResponse;
}

/** Each ```sh block, paired with the ```http block that shows its (last) response. */
function readSteps(section: string): Step[] {
  const blocks = readFencedBlocks(section);
  const steps: Step[] = [];
  for (let index = 0; index < blocks.length; index++) {
    const block = blocks[index]!;
    assert.equal(block.language, 'sh', `block ${index} of the walk-through is a command block`);
    const example = blocks[++index];
    assert.equal(example?.language, 'http', `the command block "${block.text.trim()}" is followed by its response`);
    steps.push({ commands: block.text, expected: parseExample(example!.text) });
  }
  return steps;
}

/** An example as the README prints it: a status line, some headers, a blank line, the body. */
function parseExample(text: string): RawResponse {
  const [head, ...body] = text.trim().split('\n\n');
  const [statusLine, ...lines] = head!.split('\n');
  const headers = Object.fromEntries(lines.map((line) => [line.slice(0, line.indexOf(':')).toLowerCase(), line.slice(line.indexOf(':') + 1).trim()]));
  return { statusLine: statusLine!, status: Number(statusLine!.split(' ')[1]), headers, body: body.join('\n\n') };
}

/** Replaces what differs from run to run (timestamps) and sentences free to change (problem wording). */
function comparable(body: string, problem: boolean): unknown {
  if (body === '') return '';
  return JSON.parse(body, (key, value) => {
    if ((key === 'created_at' || key === 'updated_at') && typeof value === 'string' && ISO_UTC_MILLIS.test(value)) return '<timestamp>';
    if (problem && (key === 'detail' || key === 'message') && typeof value === 'string') return '<sentence>';
    return value;
  });
}

describe('README: Using the API', () => {
  it('every curl command answers what the README shows', async (t) => {
    const steps = readSteps(readSection(readFileSync(README, 'utf8'), '## Using the API'));
    assert.ok(steps.length >= 8, 'the walk-through covers create, get, list, Link, If-Match and delete');
    for (const step of steps) {
      for (const line of step.commands.trim().split('\n')) assert.match(line, /(^|\$\()curl /, `every command is curl: ${line}`);
    }

    const server = await startServer(t);
    // One shell for the whole walk-through, so a variable set in one step (the ETag) is there in the next.
    const script = steps.map((step) => `printf '\\n${MARKER}\\n'\n${pointAt(step.commands, server.port)}`).join('\n');
    const stdout = await runShell(script);
    const outputs = stdout.split(`\n${MARKER}\n`).slice(1);
    assert.equal(outputs.length, steps.length);

    steps.forEach((step, index) => {
      const output = outputs[index]!;
      const last = output.lastIndexOf('HTTP/1.1 ');
      assert.notEqual(last, -1, `step ${index + 1} printed a response: ${output}`);
      const [actual] = parseResponses(output.slice(last));
      const label = `step ${index + 1} (${step.commands.trim().split('\n').at(-1)})`;
      assert.equal(actual!.statusLine, step.expected.statusLine, label);
      for (const [name, value] of Object.entries(step.expected.headers)) {
        if (name === 'etag') assert.match(actual!.headers.etag ?? '', /^"[^"]+"$/, label);
        else assert.equal(actual!.headers[name], value, `${label}: ${name}`);
      }
      const problem = actual!.headers['content-type'] === 'application/problem+json';
      assert.deepEqual(comparable(actual!.body, problem), comparable(step.expected.body, problem), label);
    });
  });
});
