// renderProblem, the one place errors become responses: RFC 9457 bodies, the status each kind of
// failure maps to, SQLite failures by errcode, and a generic 500 for everything else.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Conflict, InvalidInput, NotFound, PreconditionFailed } from '../../src/errors.ts';
import { HttpError } from '../../src/http/errors.ts';
import { renderProblem } from '../../src/http/problem.ts';
import { EmailTaken, UserChanged, UserNotFound } from '../../src/users/errors.ts';
import { captureLogs } from '../support/app.ts';

function render(error: unknown) {
  const { log, logs } = captureLogs();
  const response = renderProblem(error, { requestId: 'req-1', log });
  log.flush();
  return { response, body: JSON.parse(response.body!), logs: logs.map((line) => JSON.parse(line)) };
}

/** What node:sqlite throws: an Error with code ERR_SQLITE_ERROR and the extended result code. */
function sqliteError(errcode: number, message = 'database is locked'): Error {
  return Object.assign(new Error(message), { code: 'ERR_SQLITE_ERROR', errcode, errstr: message });
}

describe('renderProblem', () => {
  it('renders application/problem+json with type, title, status and detail', () => {
    const { response, body } = render(new NotFound('User not found'));
    assert.equal(response.status, 404);
    assert.equal(response.headers['content-type'], 'application/problem+json');
    assert.deepEqual(body, { type: 'about:blank', title: 'Not Found', status: 404, detail: 'User not found' });
  });

  it('renders the contract\'s example conflict exactly', () => {
    assert.deepEqual(render(new EmailTaken()).body, { type: 'about:blank', title: 'Conflict', status: 409, detail: 'Email already exists' });
  });

  it('maps each domain error to its status', () => {
    assert.equal(render(new InvalidInput('bad')).response.status, 400);
    assert.equal(render(new UserNotFound(3)).response.status, 404);
    assert.equal(render(new Conflict('taken')).response.status, 409);
    assert.equal(render(new PreconditionFailed('stale')).response.status, 412);
    assert.equal(render(new UserChanged()).response.status, 412);
  });

  it('adds errors[] with field and message for field-level problems, and leaves it out otherwise', () => {
    const { body } = render(new InvalidInput('bad', [{ field: 'email', message: 'Expected a string.' }]));
    assert.deepEqual(body.errors, [{ field: 'email', message: 'Expected a string.' }]);
    assert.equal('errors' in render(new InvalidInput('bad')).body, false);
  });

  it('keeps an HttpError\'s status and headers', () => {
    const { response, body } = render(new HttpError(405, 'no', { headers: { allow: 'GET, HEAD' } }));
    assert.equal(response.status, 405);
    assert.equal(response.headers.allow, 'GET, HEAD');
    assert.equal(body.title, 'Method Not Allowed');
  });

  it('does not let an error\'s headers replace the problem Content-Type', () => {
    const { response } = render(new HttpError(400, 'x', { headers: { 'content-type': 'text/html' } }));
    assert.equal(response.headers['content-type'], 'application/problem+json');
  });

  describe('SQLite errors, by errcode', () => {
    for (const [name, errcode] of [['SQLITE_BUSY', 5], ['SQLITE_BUSY_SNAPSHOT', 517], ['SQLITE_LOCKED', 6], ['SQLITE_FULL', 13], ['SQLITE_READONLY', 8]] as const) {
      it(`answers 503 with Retry-After for ${name} (${errcode}), logged as a warning with the request id`, () => {
        const { response, body, logs } = render(sqliteError(errcode));
        assert.equal(response.status, 503);
        assert.match(response.headers['retry-after']!, /^\d+$/);
        assert.equal(body.status, 503);
        assert.doesNotMatch(JSON.stringify(body), /locked|sqlite/i);
        assert.equal(logs[0].level, 'warn');
        assert.equal(logs[0].request_id, 'req-1');
      });
    }

    it('answers a generic 500 for any other SQLite error, with no SQL in it', () => {
      const { response, body } = render(sqliteError(1, 'near "SELEC": syntax error in SELEC * FROM users'));
      assert.equal(response.status, 500);
      assert.deepEqual(body, { type: 'about:blank', title: 'Internal Server Error', status: 500, detail: 'Internal Server Error' });
    });

    it('never reads the message: the same words with no errcode are a 500', () => {
      assert.equal(render(new Error('SQLITE_BUSY: database is locked')).response.status, 500);
    });
  });

  describe('anything else', () => {
    for (const [label, thrown] of [
      ['an Error', new Error('secret at /work/main/src/app.ts:1:1 SELECT * FROM users')],
      ['a TypeError', new TypeError("Cannot read properties of undefined (reading 'id')")],
      ['a string', 'boom'],
      ['undefined', undefined],
      ['null', null],
      ['a number', 42],
      ['a plain object', { status: 400, message: 'pretending to be known' }],
    ] as const) {
      it(`answers a generic 500 for ${label}, logged as an error with the request id`, () => {
        const { response, body, logs } = render(thrown);
        assert.equal(response.status, 500);
        assert.deepEqual(body, { type: 'about:blank', title: 'Internal Server Error', status: 500, detail: 'Internal Server Error' });
        assert.equal(response.headers['content-type'], 'application/problem+json');
        assert.equal(logs.length, 1);
        assert.equal(logs[0].level, 'error');
        assert.equal(logs[0].request_id, 'req-1');
      });
    }
  });
});
