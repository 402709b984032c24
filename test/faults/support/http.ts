// An HTTP client for the fault tests: every request has a deadline (a hang is a failure, not a
// stuck test run), and callers choose their connection handling (a keep-alive agent, or none).
import { Agent, request as httpRequest, type IncomingHttpHeaders } from 'node:http';

export interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
  /** The body parsed as JSON; undefined when empty or not JSON. */
  body: any;
}

export interface CallOptions {
  headers?: Record<string, string>;
  /** An object is sent as JSON; a string or Buffer as is. */
  body?: unknown;
  agent?: Agent | false;
  timeoutMs?: number;
}

export class RequestTimeout extends Error {
  constructor(method: string, path: string, timeoutMs: number) {
    super(`${method} ${path} got no complete answer within ${timeoutMs} ms`);
    this.name = 'RequestTimeout';
  }
}

export function call(port: number, method: string, path: string, options: CallOptions = {}): Promise<Answer> {
  const headers: Record<string, string> = { ...options.headers };
  let payload: Buffer | undefined;
  if (typeof options.body === 'string') payload = Buffer.from(options.body);
  else if (Buffer.isBuffer(options.body)) payload = options.body;
  else if (options.body !== undefined) {
    payload = Buffer.from(JSON.stringify(options.body));
    headers['content-type'] ??= 'application/json';
  }
  if (payload !== undefined) headers['content-length'] ??= String(payload.length);
  const timeoutMs = options.timeoutMs ?? 10_000;
  return new Promise((resolve, reject) => {
    const request = httpRequest({ host: '127.0.0.1', port, method, path, headers, agent: options.agent ?? false }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('error', reject);
      response.on('end', () => {
        clearTimeout(timer);
        const text = Buffer.concat(chunks).toString('utf8');
        let body: unknown;
        try {
          body = text === '' ? undefined : JSON.parse(text);
        } catch {
          body = undefined;
        }
        resolve({ status: response.statusCode!, headers: response.headers, text, body });
      });
    });
    const timer = setTimeout(() => request.destroy(new RequestTimeout(method, path, timeoutMs)), timeoutMs);
    request.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    request.end(payload);
  });
}

/** Resolves with the value of one sample in Prometheus text, such as `process_resident_memory_bytes`. */
export function metricValue(text: string, sample: string): number {
  const line = text.split('\n').find((each) => each.startsWith(`${sample} `));
  if (line === undefined) throw new Error(`no ${sample} in /metrics`);
  return Number(line.slice(sample.length + 1));
}
