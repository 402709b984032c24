// X-Request-Id: the caller's own when it is 1 to 128 characters of [A-Za-z0-9._:-], a new one otherwise.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { requestIdFrom } from '../../src/http/request-id.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('requestIdFrom', () => {
  it('keeps a valid caller id exactly', () => {
    for (const id of ['a', 'abc-123', 'A.b_c:d-E', '0', 'x'.repeat(128), 'req:2026-11-27T18:00:00.000Z']) {
      assert.equal(requestIdFrom(id), id);
    }
  });

  it('replaces an id that is empty, too long, or has other characters', () => {
    for (const id of ['', 'x'.repeat(129), 'has space', 'semi;colon', 'slash/', 'quote"', 'tab\t', 'é', 'new\nline', '<script>', 'a,b']) {
      const generated = requestIdFrom(id);
      assert.notEqual(generated, id);
      assert.match(generated, UUID);
    }
  });

  it('generates a new id when there is none, or when the header came twice', () => {
    assert.match(requestIdFrom(undefined), UUID);
    assert.match(requestIdFrom(['a', 'b']), UUID);
  });

  it('generates a different id each time', () => {
    assert.notEqual(requestIdFrom(undefined), requestIdFrom(undefined));
  });
});
