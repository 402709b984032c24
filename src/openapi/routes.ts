// GET /openapi.json: the API's own description, serialised once at startup.
import { JSON_TYPE } from '../http/respond.ts';
import type { Router } from '../http/router.ts';
import type { Handler } from '../http/types.ts';
import { openApiDocument } from './document.ts';

export function addOpenApiRoutes(router: Router<Handler>): void {
  const body = JSON.stringify(openApiDocument);
  router.add('GET', '/openapi.json', () => ({ status: 200, headers: { 'content-type': JSON_TYPE }, body }));
}
