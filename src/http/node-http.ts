// node:http's runtime values, taken with process.getBuiltinModule instead of `import`. An ESM import
// of node:http reads every export of its facade, and the lazy WebSocket and EventSource getters
// among them load undici (nodejs/node#59686): measured here, that cost 75 ms of startup and 13 MB
// of resident memory that the service never uses. Types still come from `import type`, erased.
export const { createServer, STATUS_CODES } = process.getBuiltinModule('node:http');
