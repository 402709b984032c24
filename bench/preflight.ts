// One request of each kind before any load, checked by status and shape: wrk counts only statuses
// of 400 or more as errors, so a server answering 200 where 201 is due would otherwise go unseen.
export class PreflightError extends Error {
  override name = 'PreflightError';
}

async function expect(baseUrl: string, path: string, status: number, init: RequestInit = {}): Promise<unknown> {
  const response = await fetch(`${baseUrl}${path}`, { ...init, signal: AbortSignal.timeout(5_000) });
  const text = await response.text();
  if (response.status !== status) {
    throw new PreflightError(`${init.method ?? 'GET'} ${path} answered ${response.status}, expected ${status}: ${text.slice(0, 300)}`);
  }
  return JSON.parse(text);
}

async function expectPage(baseUrl: string, path: string): Promise<void> {
  const page = await expect(baseUrl, path, 200);
  if (!Array.isArray(page) || page.length !== 100) {
    throw new PreflightError(`GET ${path} answered ${Array.isArray(page) ? `${page.length} users` : 'something other than an array'}, expected a page of 100.`);
  }
}

/** Checks every request the scenarios send; `users` is the seeded count. */
export async function preflight(baseUrl: string, users: number): Promise<void> {
  await expect(baseUrl, '/health', 200);
  await expect(baseUrl, '/users/1', 200);
  await expect(baseUrl, `/users/${users}`, 200);
  await expectPage(baseUrl, '/users?limit=100&after=0');
  await expectPage(baseUrl, `/users?limit=100&after=${users - 100}`);
  const email = `preflight-${Date.now().toString(36)}@post.example.com`;
  await expect(baseUrl, '/users', 201, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, name: 'Bench Preflight' }),
  });
}
