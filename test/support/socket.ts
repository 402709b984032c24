// Raw TCP for the tests about what only bytes on a socket show: malformed HTTP, bodies cut off at
// the limit, 100-continue, HEAD without a body, connections closed or kept.
import { connect, type Socket } from 'node:net';

export interface RawResponse {
  statusLine: string;
  status: number;
  /** Lower-cased header names. */
  headers: Record<string, string>;
  body: string;
}

export interface RawExchange {
  text: string;
  /** True when the server closed the connection; false when it was still open at the deadline. */
  closed: boolean;
}

export function openSocket(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => resolve(socket));
    socket.once('error', reject);
  });
}

/** Writes `payload`, then collects everything the server sends until it closes or `waitMs` pass. */
export async function exchange(port: number, payload: string | Buffer, waitMs = 2_000): Promise<RawExchange> {
  const socket = await openSocket(port);
  return new Promise((resolve) => {
    let text = '';
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => (text += chunk));
    socket.on('error', () => {});
    const timer = setTimeout(() => {
      socket.destroy();
      resolve({ text, closed: false });
    }, waitMs);
    socket.on('close', () => {
      clearTimeout(timer);
      resolve({ text, closed: true });
    });
    socket.write(payload);
  });
}

/**
 * Splits a byte stream into the responses it holds. A body is read by Content-Length; pass
 * `noBody` for responses that have none whatever their headers say (HEAD, 1xx, 204, 304).
 */
export function parseResponses(text: string, noBody: (response: RawResponse) => boolean = () => false): RawResponse[] {
  const responses: RawResponse[] = [];
  let rest = text;
  while (rest.length > 0) {
    const end = rest.indexOf('\r\n\r\n');
    if (end === -1) throw new Error(`incomplete response head: ${JSON.stringify(rest.slice(0, 200))}`);
    const [statusLine, ...lines] = rest.slice(0, end).split('\r\n');
    const headers: Record<string, string> = {};
    for (const line of lines) {
      const colon = line.indexOf(':');
      headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
    }
    const response: RawResponse = { statusLine: statusLine!, status: Number(statusLine!.split(' ')[1]), headers, body: '' };
    rest = rest.slice(end + 4);
    if (!noBody(response) && response.status >= 200 && response.status !== 204 && response.status !== 304) {
      const length = Number(headers['content-length'] ?? rest.length);
      response.body = rest.slice(0, length);
      rest = rest.slice(length);
    }
    responses.push(response);
  }
  return responses;
}

/** Resolves with what the server has sent once it has sent anything, or '' after `waitMs`. */
export function firstData(socket: Socket, waitMs: number): Promise<string> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      socket.off('data', onData);
      resolve('');
    }, waitMs);
    const onData = (chunk: Buffer): void => {
      clearTimeout(timer);
      resolve(chunk.toString('latin1'));
    };
    socket.once('data', onData);
  });
}
