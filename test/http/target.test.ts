// Request targets: the path as sent, and the query decoded by RFC 3986 rules (not as an HTML form).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { HttpError } from '../../src/http/errors.ts';
import { parseTarget } from '../../src/http/target.ts';

describe('parseTarget', () => {
  it('splits path and query', () => {
    const { path, query } = parseTarget('/users?limit=10&after=5');
    assert.equal(path, '/users');
    assert.deepEqual([...query], [['limit', ['10']], ['after', ['5']]]);
  });

  it('returns an empty query when there is none, or only a ?', () => {
    assert.equal(parseTarget('/users').query.size, 0);
    assert.equal(parseTarget('/users?').query.size, 0);
  });

  it('keeps + as a plus sign and decodes percent-escapes', () => {
    assert.deepEqual(parseTarget('/users?email=ada+x@example.com').query.get('email'), ['ada+x@example.com']);
    assert.deepEqual(parseTarget('/users?email=ada%2Bx%40example.com').query.get('email'), ['ada+x@example.com']);
    assert.deepEqual(parseTarget('/users?e%6Dail=%C3%A9').query.get('email'), ['é']);
  });

  it('collects repeated parameters, and a bare name as an empty value', () => {
    assert.deepEqual(parseTarget('/users?limit=1&limit=2').query.get('limit'), ['1', '2']);
    assert.deepEqual(parseTarget('/users?email').query.get('email'), ['']);
  });

  it('skips empty pairs and splits only at the first =', () => {
    assert.deepEqual([...parseTarget('/users?&a=b=c&&').query], [['a', ['b=c']]]);
  });

  it('does not decode the path: routing sees it as sent', () => {
    assert.equal(parseTarget('/users/%31').path, '/users/%31');
  });

  it('takes the path and query out of an absolute-form target, as proxies send it', () => {
    const { path, query } = parseTarget('http://example.com/users?limit=2');
    assert.equal(path, '/users');
    assert.deepEqual(query.get('limit'), ['2']);
  });

  it('answers 400 for a malformed percent-encoding, in a name or a value', () => {
    for (const target of ['/users?email=%zz', '/users?email=%E0%A4%A', '/users?%=1', '/users?email=%ED%A0%80']) {
      assert.throws(() => parseTarget(target), (error: HttpError) => error.status === 400, target);
    }
  });

  it('answers 400 for a target that is neither a path nor an absolute URL', () => {
    assert.throws(() => parseTarget('*'), (error: HttpError) => error.status === 400);
    assert.throws(() => parseTarget('users'), (error: HttpError) => error.status === 400);
  });
});
