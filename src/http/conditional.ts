// Entity-tag comparison for conditional requests (RFC 9110 section 13). If-None-Match compares
// weakly (W/"x" matches "x"); If-Match compares strongly, so a weak tag never matches it.

function listTags(header: string): string[] {
  return header.split(',').map((tag) => tag.trim()).filter((tag) => tag !== '');
}

const opaque = (tag: string): string => (tag.startsWith('W/') ? tag.slice(2) : tag);

/** True when a GET should answer 304: the client already holds this representation. */
export function ifNoneMatchHits(header: string | undefined, etag: string): boolean {
  if (header === undefined) return false;
  const tags = listTags(header);
  return tags.includes('*') || tags.some((tag) => opaque(tag) === etag);
}

/** True when a write may go ahead: no If-Match, `*`, or one of its tags equal to the current one. */
export function ifMatchHolds(header: string | undefined, etag: string): boolean {
  if (header === undefined) return true;
  const tags = listTags(header);
  return tags.includes('*') || tags.includes(etag);
}
