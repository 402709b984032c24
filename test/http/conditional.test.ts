// Entity-tag comparison (RFC 9110 section 13.1): If-None-Match is weak, If-Match is strong.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ifMatchHolds, ifNoneMatchHits } from '../../src/http/conditional.ts';

const TAG = '"1-abc"';

describe('ifNoneMatchHits', () => {
  it('is false without the header', () => assert.equal(ifNoneMatchHits(undefined, TAG), false));
  it('is true for the same tag', () => assert.equal(ifNoneMatchHits('"1-abc"', TAG), true));
  it('is true for the weak form of the tag', () => assert.equal(ifNoneMatchHits('W/"1-abc"', TAG), true));
  it('is true for *', () => assert.equal(ifNoneMatchHits('*', TAG), true));
  it('is true when any tag of a list matches, with or without spaces', () => {
    assert.equal(ifNoneMatchHits('"x", "1-abc"', TAG), true);
    assert.equal(ifNoneMatchHits('"x","1-abc"', TAG), true);
  });
  it('is false for another tag, a bare value or an empty header', () => {
    assert.equal(ifNoneMatchHits('"1-abd"', TAG), false);
    assert.equal(ifNoneMatchHits('1-abc', TAG), false);
    assert.equal(ifNoneMatchHits('', TAG), false);
  });
});

describe('ifMatchHolds', () => {
  it('holds without the header', () => assert.equal(ifMatchHolds(undefined, TAG), true));
  it('holds for the same tag and for *', () => {
    assert.equal(ifMatchHolds('"1-abc"', TAG), true);
    assert.equal(ifMatchHolds('*', TAG), true);
  });
  it('holds when any tag of a list matches', () => assert.equal(ifMatchHolds('"old", "1-abc"', TAG), true));
  it('does not hold for the weak form of the tag', () => assert.equal(ifMatchHolds('W/"1-abc"', TAG), false));
  it('does not hold for another tag, an unquoted one, or an empty header', () => {
    assert.equal(ifMatchHolds('"1-ABC"', TAG), false);
    assert.equal(ifMatchHolds('1-abc', TAG), false);
    assert.equal(ifMatchHolds('', TAG), false);
  });
});
