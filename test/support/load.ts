// A bounded write load against a real server on loopback: a few clients creating, changing and
// deleting their own users, each write with its own X-Request-Id so that a test can find it in the
// server's access log, whose order is the order in which the server acknowledged the writes.
import { Agent, request as httpRequest } from 'node:http';

export interface Acknowledgement {
  requestId: string;
  method: 'POST' | 'PATCH' | 'DELETE';
  userId: number;
  status: number;
  /** The user as the acknowledgement showed it; null for a delete. */
  user: Record<string, unknown> | null;
}

export interface WriteLoad {
  /** Every write answered 2xx so far, in the order the client received the answers. */
  readonly acknowledged: Acknowledgement[];
  /** Writes answered with anything else (a test under normal load expects none). */
  readonly refused: Array<{ requestId: string; status: number; text: string }>;
  /** Resolves once at least `count` writes have been acknowledged (or the load has ended). */
  waitFor(count: number): Promise<void>;
  /** Stops issuing writes and resolves when every write in flight has been answered. */
  stop(): Promise<void>;
}

export interface WriteLoadOptions {
  clients?: number;
  /** Hard bound on the number of writes, whatever happens. */
  maxWrites?: number;
  headers?: Record<string, string>;
}

function call(agent: Agent, baseUrl: string, method: string, path: string, headers: Record<string, string>, body?: unknown): Promise<{ status: number; text: string }> {
  const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
  const allHeaders = payload === undefined ? headers : { ...headers, 'content-type': 'application/json', 'content-length': String(payload.length) };
  return new Promise((resolve, reject) => {
    const request = httpRequest(new URL(path, baseUrl), { method, headers: allHeaders, agent }, (response) => {
      let text = '';
      response.setEncoding('utf8');
      response.on('data', (chunk) => (text += chunk));
      response.on('end', () => resolve({ status: response.statusCode!, text }));
    });
    request.on('error', reject);
    request.end(payload);
  });
}

export function startWriteLoad(baseUrl: string, { clients = 4, maxWrites = 3_000, headers = {} }: WriteLoadOptions = {}): WriteLoad {
  const agent = new Agent({ keepAlive: true, maxSockets: clients });
  const acknowledged: Acknowledgement[] = [];
  const refused: WriteLoad['refused'] = [];
  let issued = 0;
  let stopping = false;
  const waiters: Array<{ count: number; resolve: () => void }> = [];

  function settleWaiters(): void {
    for (const waiter of [...waiters]) {
      if (acknowledged.length >= waiter.count || stopping || issued >= maxWrites) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve();
      }
    }
  }

  async function runClient(client: number): Promise<void> {
    const mine: number[] = [];
    for (let step = 0; !stopping && issued < maxWrites; step++) {
      issued += 1;
      const requestId = `load-${client}-${step}`;
      const requestHeaders = { ...headers, 'x-request-id': requestId };
      // Mostly creates, with changes and deletes of the client's own users mixed in.
      let method: Acknowledgement['method'] = 'POST';
      if (mine.length > 0 && step % 3 === 1) method = 'PATCH';
      else if (mine.length > 1 && step % 7 === 6) method = 'DELETE';
      const userId = method === 'POST' ? 0 : mine[step % mine.length]!;
      const answer =
        method === 'POST'
          ? await call(agent, baseUrl, 'POST', '/users', requestHeaders, { email: `load-${client}-${step}@example.com`, name: `Load ${client}.${step}` })
          : method === 'PATCH'
            ? await call(agent, baseUrl, 'PATCH', `/users/${userId}`, requestHeaders, { name: `Renamed ${client}.${step}`, is_active: step % 2 === 0 })
            : await call(agent, baseUrl, 'DELETE', `/users/${userId}`, requestHeaders);
      if (answer.status >= 300) {
        refused.push({ requestId, status: answer.status, text: answer.text });
        continue;
      }
      const user = answer.text === '' ? null : (JSON.parse(answer.text) as Record<string, unknown>);
      const id = user === null ? userId : (user.id as number);
      if (method === 'POST') mine.push(id);
      if (method === 'DELETE') mine.splice(mine.indexOf(id), 1);
      acknowledged.push({ requestId, method, userId: id, status: answer.status, user });
      settleWaiters();
    }
  }

  const running = Promise.all(Array.from({ length: clients }, (_, client) => runClient(client))).finally(() => {
    stopping = true;
    settleWaiters();
    agent.destroy();
  });

  return {
    acknowledged,
    refused,
    waitFor: (count) =>
      new Promise((resolve) => {
        waiters.push({ count, resolve });
        settleWaiters();
      }),
    async stop() {
      stopping = true;
      await running;
    },
  };
}
