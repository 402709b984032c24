// Path and query values the contract gives a range to. Only canonical decimal digits pass:
// "1.5", "-1", "1e3", " 1", "01" and "0x1" are all refused rather than guessed at.
import { HttpError } from './errors.ts';
import type { Query } from './types.ts';

const DIGITS = /^(?:0|[1-9][0-9]*)$/;

export function parseInteger(text: string, name: string, minimum: number, maximum: number): number {
  const value = DIGITS.test(text) ? Number(text) : Number.NaN;
  if (!(value >= minimum && value <= maximum)) {
    throw new HttpError(400, `Expected \`${name}\` to be an integer from ${minimum} to ${maximum}, got ${JSON.stringify(text)}.`, {
      errors: [{ field: name, message: `Must be an integer from ${minimum} to ${maximum}.` }],
    });
  }
  return value;
}

/** Refuses parameters the route does not know and parameters given twice; returns each value by name. */
export function readQuery(query: Query, known: readonly string[]): Map<string, string> {
  const values = new Map<string, string>();
  for (const [name, given] of query) {
    if (!known.includes(name)) {
      const takes = known.length === 0 ? 'this route takes no query parameters' : `this route takes ${known.join(', ')}`;
      throw new HttpError(400, `Unknown query parameter \`${name}\`; ${takes}.`, { errors: [{ field: name, message: 'Unknown query parameter.' }] });
    }
    if (given.length > 1) {
      throw new HttpError(400, `Query parameter \`${name}\` is given ${given.length} times; give it once.`, { errors: [{ field: name, message: 'Given more than once.' }] });
    }
    values.set(name, given[0]!);
  }
  return values;
}
