// readJsonObject, the body edge: 415 for a non-JSON type, 413 by Content-Length before any byte is
// read, 400 for anything that is not UTF-8 JSON holding an object.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { JSON_MEDIA_TYPES, MERGE_PATCH_MEDIA_TYPES, readJsonObject } from '../../src/http/body.ts';
import { HttpError } from '../../src/http/errors.ts';
import type { AppRequest } from '../../src/http/types.ts';

function requestWith(body: string | Buffer, headers: Record<string, string> = { 'content-type': 'application/json' }): AppRequest & { reads: number } {
  const bytes = typeof body === 'string' ? Buffer.from(body) : body;
  const request = {
    method: 'POST',
    url: '/users',
    httpVersion: '1.1',
    headers,
    reads: 0,
    async readBody(limit: number) {
      request.reads++;
      if (bytes.length > limit) throw new HttpError(413, 'too large');
      return bytes;
    },
  };
  return request;
}

async function statusOf(promise: Promise<unknown>): Promise<number> {
  try {
    await promise;
    return 200;
  } catch (error) {
    assert.ok(error instanceof HttpError, String(error));
    return error.status;
  }
}

describe('readJsonObject', () => {
  it('returns the parsed object', async () => {
    assert.deepEqual(await readJsonObject(requestWith('{"a":1,"b":[true]}'), 100), { a: 1, b: [true] });
  });

  it('keeps __proto__ as an own key instead of setting the prototype', async () => {
    const value = await readJsonObject(requestWith('{"__proto__":{"polluted":true}}'), 100);
    assert.deepEqual(Object.keys(value), ['__proto__']);
    assert.equal((value as { polluted?: unknown }).polluted, undefined);
    assert.equal(({} as { polluted?: unknown }).polluted, undefined);
  });

  describe('Content-Type', () => {
    it('accepts application/json with any parameters and in any case', async () => {
      for (const type of ['application/json', 'application/json; charset=utf-8', 'APPLICATION/JSON;CHARSET=ISO-8859-1', ' application/json ']) {
        assert.equal(await statusOf(readJsonObject(requestWith('{}', { 'content-type': type }), 100)), 200, type);
      }
    });

    it('answers 415 without reading the body when the type is missing or not JSON', async () => {
      const cases: Array<Record<string, string>> = [{}, { 'content-type': 'text/json' }, { 'content-type': 'application/merge-patch+json' }, { 'content-type': 'multipart/form-data' }];
      for (const headers of cases) {
        const request = requestWith('{}', headers);
        assert.equal(await statusOf(readJsonObject(request, 100)), 415);
        assert.equal(request.reads, 0);
      }
    });

    it('accepts application/merge-patch+json where the route allows it, and names the accepted types in Accept-Patch', async () => {
      assert.equal(await statusOf(readJsonObject(requestWith('{}', { 'content-type': 'application/merge-patch+json' }), 100, MERGE_PATCH_MEDIA_TYPES)), 200);
      await assert.rejects(readJsonObject(requestWith('{}', { 'content-type': 'text/plain' }), 100, MERGE_PATCH_MEDIA_TYPES), (error: HttpError) => {
        assert.equal(error.status, 415);
        assert.equal(error.headers['accept-patch'], MERGE_PATCH_MEDIA_TYPES.join(', '));
        return true;
      });
    });

    it('sends no Accept-Patch on a 415 for POST or PUT', async () => {
      await assert.rejects(readJsonObject(requestWith('{}', {}), 100, JSON_MEDIA_TYPES), (error: HttpError) => error.headers['accept-patch'] === undefined);
    });
  });

  describe('size', () => {
    it('answers 413 from a declared Content-Length over the limit, with Connection: close, before reading', async () => {
      const request = requestWith('{}', { 'content-type': 'application/json', 'content-length': '101' });
      await assert.rejects(readJsonObject(request, 100), (error: HttpError) => error.status === 413 && error.headers.connection === 'close');
      assert.equal(request.reads, 0);
    });

    it('reads a body whose declared length is exactly the limit', async () => {
      const body = `{"n":"${'x'.repeat(92)}"}`;
      assert.equal(body.length, 100);
      assert.equal(await statusOf(readJsonObject(requestWith(body, { 'content-type': 'application/json', 'content-length': '100' }), 100)), 200);
    });

    it('passes the limit on to the reader, which counts the bytes (chunked bodies declare no length)', async () => {
      assert.equal(await statusOf(readJsonObject(requestWith(`{"n":"${'x'.repeat(200)}"}`), 100)), 413);
    });
  });

  describe('content', () => {
    for (const [label, body] of [
      ['empty', ''],
      ['malformed', '{"a":'],
      ['an array', '[]'],
      ['a string', '"x"'],
      ['a number', '1'],
      ['null', 'null'],
      ['JSON with comments', '{/* c */}'],
      ['two JSON values', '{}{}'],
    ] as const) {
      it(`answers 400 when the body is ${label}`, async () => {
        assert.equal(await statusOf(readJsonObject(requestWith(body), 100)), 400);
      });
    }

    it('answers 400 for bytes that are not UTF-8', async () => {
      assert.equal(await statusOf(readJsonObject(requestWith(Buffer.from([0x7b, 0x22, 0xff, 0x22, 0x3a, 0x31, 0x7d])), 100)), 400);
    });

    it('strips a UTF-8 byte order mark', async () => {
      assert.deepEqual(await readJsonObject(requestWith('\ufeff{"a":1}'), 100), { a: 1 });
    });
  });
});
