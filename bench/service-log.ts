// Reads the service's log after a run: how many answers of each status it gave, and what it
// logged at warn or error. wrk only counts statuses of 400 or more; this says which ones, and why.
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';

export interface LogSummary {
  statuses: Map<number, number>;
  warnings: number;
  errors: number;
  /** The first few distinct warn/error messages, with the error's own message when there is one. */
  samples: string[];
  unparsable: number;
}

const MAX_SAMPLES = 5;

interface LogLine {
  level?: string;
  msg?: string;
  status?: number;
  error?: { message?: string };
}

export async function summarizeServiceLog(path: string): Promise<LogSummary> {
  const summary: LogSummary = { statuses: new Map(), warnings: 0, errors: 0, samples: [], unparsable: 0 };
  for await (const text of createInterface({ input: createReadStream(path), crlfDelay: Infinity })) {
    if (text === '') continue;
    let line: LogLine;
    try {
      line = JSON.parse(text) as LogLine;
    } catch {
      summary.unparsable += 1;
      continue;
    }
    if (line.msg === 'request' && typeof line.status === 'number') {
      summary.statuses.set(line.status, (summary.statuses.get(line.status) ?? 0) + 1);
    }
    if (line.level !== 'warn' && line.level !== 'error') continue;
    if (line.level === 'warn') summary.warnings += 1;
    else summary.errors += 1;
    const sample = `${line.level}: ${line.msg}${line.error?.message === undefined ? '' : ` (${line.error.message})`}`;
    if (summary.samples.length < MAX_SAMPLES && !summary.samples.includes(sample)) summary.samples.push(sample);
  }
  return summary;
}

export function describeLogSummary(summary: LogSummary): string[] {
  const statuses = [...summary.statuses].sort(([a], [b]) => a - b).map(([status, count]) => `${status} × ${count}`);
  const lines = [`service log: answers ${statuses.join(', ') || 'none'}; ${summary.warnings} warn and ${summary.errors} error lines`];
  if (summary.unparsable > 0) lines.push(`  ${summary.unparsable} lines were not JSON`);
  for (const sample of summary.samples) lines.push(`  ${sample}`);
  return lines;
}
