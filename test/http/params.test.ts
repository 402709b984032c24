// Path ids and query values: only canonical decimal integers within the contract's ranges pass.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { HttpError } from '../../src/http/errors.ts';
import { parseInteger, readQuery } from '../../src/http/params.ts';

function fieldOf(run: () => unknown): string | undefined {
  try {
    run();
  } catch (error) {
    assert.ok(error instanceof HttpError);
    assert.equal(error.status, 400);
    return error.errors[0]?.field;
  }
  assert.fail('expected a 400');
}

describe('parseInteger', () => {
  it('returns the value of canonical decimal digits within the range', () => {
    assert.equal(parseInteger('1', 'id', 1, Number.MAX_SAFE_INTEGER), 1);
    assert.equal(parseInteger('9007199254740991', 'id', 1, Number.MAX_SAFE_INTEGER), Number.MAX_SAFE_INTEGER);
    assert.equal(parseInteger('0', 'after', 0, 10), 0);
    assert.equal(parseInteger('1000', 'limit', 1, 1000), 1000);
  });

  for (const text of ['', ' 1', '1 ', '01', '00', '+1', '-1', '1.0', '1.5', '1e3', '0x10', '0b1', 'Infinity', 'NaN', '١', '１', '9007199254740992', '1'.repeat(400)]) {
    it(`refuses ${JSON.stringify(text.length > 20 ? `${text.slice(0, 20)}...` : text)} with a 400 naming the parameter`, () => {
      assert.equal(fieldOf(() => parseInteger(text, 'id', 1, Number.MAX_SAFE_INTEGER)), 'id');
    });
  }

  it('refuses values outside the range at both ends', () => {
    assert.equal(fieldOf(() => parseInteger('0', 'limit', 1, 1000)), 'limit');
    assert.equal(fieldOf(() => parseInteger('1001', 'limit', 1, 1000)), 'limit');
  });
});

describe('readQuery', () => {
  it('returns each known parameter once', () => {
    const values = readQuery(new Map([['limit', ['5']], ['after', ['2']]]), ['limit', 'after', 'email']);
    assert.deepEqual([...values], [['limit', '5'], ['after', '2']]);
  });

  it('refuses an unknown parameter, naming it', () => {
    assert.equal(fieldOf(() => readQuery(new Map([['page', ['2']]]), ['limit'])), 'page');
  });

  it('refuses every parameter where the route takes none', () => {
    assert.equal(fieldOf(() => readQuery(new Map([['x', ['']]]), [])), 'x');
  });

  it('refuses a parameter given twice, naming it', () => {
    assert.equal(fieldOf(() => readQuery(new Map([['limit', ['1', '2']]]), ['limit'])), 'limit');
  });
});
