// Turns a request body into a JSON object at the edge, before any handler sees it: wrong
// Content-Type is 415, too many bytes 413 (checked against Content-Length first, then counted
// as bytes arrive), anything that is not UTF-8 JSON holding an object is 400.
import { HttpError } from './errors.ts';
import type { AppRequest } from './types.ts';

export const JSON_MEDIA_TYPES = ['application/json'] as const;
export const MERGE_PATCH_MEDIA_TYPES = ['application/json', 'application/merge-patch+json'] as const;

const utf8 = new TextDecoder('utf-8', { fatal: true });

export function payloadTooLarge(limit: number): HttpError {
  // The rest of the body is never read into memory, so the connection cannot carry another
  // request: it is closed (lingering, see server.ts).
  return new HttpError(413, `The request body is larger than the limit of ${limit} bytes.`, { headers: { connection: 'close' } });
}

function checkMediaType(contentType: string | undefined, accepted: readonly string[]): void {
  const mediaType = contentType?.split(';', 1)[0]!.trim().toLowerCase();
  if (mediaType === undefined || !accepted.includes(mediaType)) {
    const given = mediaType === undefined || mediaType === '' ? 'no Content-Type' : `Content-Type ${mediaType}`;
    // RFC 5789: a 415 to a PATCH says which patch formats would have worked.
    const headers: Record<string, string> = accepted.includes('application/merge-patch+json') ? { 'accept-patch': accepted.join(', ') } : {};
    throw new HttpError(415, `Expected a body of type ${accepted.join(' or ')}, got ${given}.`, { headers });
  }
}

export async function readJsonObject(request: AppRequest, limit: number, accepted: readonly string[] = JSON_MEDIA_TYPES): Promise<Record<string, unknown>> {
  checkMediaType(request.headers['content-type'], accepted);
  const declared = request.headers['content-length'];
  if (declared !== undefined && Number(declared) > limit) throw payloadTooLarge(limit);

  const bytes = await request.readBody(limit);
  if (bytes.length === 0) throw new HttpError(400, 'The request body is empty; expected a JSON object.');
  let text: string;
  try {
    text = utf8.decode(bytes);
  } catch (error) {
    throw new HttpError(400, 'The request body is not valid UTF-8.', { cause: error });
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    // V8's own message quotes the body back; the caller has it already, and an error must never
    // reflect text that could be mistaken for a path or a statement of ours.
    throw new HttpError(400, 'The request body is not valid JSON; send a JSON object such as {"email": "ada@example.com", "name": "Ada"}.', { cause: error });
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    const kind = value === null ? 'null' : Array.isArray(value) ? 'an array' : `a ${typeof value}`;
    throw new HttpError(400, `The request body must be a JSON object, got ${kind}.`);
  }
  return value as Record<string, unknown>;
}
