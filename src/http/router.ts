// A route table as plain data. `match` is pure: it looks a path up and says which handler answers,
// or which methods would have (for 405 and Allow). A malformed or duplicate route throws at
// startup, so a typo in the table never waits for a request to surface.

const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);
const STATIC_SEGMENT = /^[A-Za-z0-9._~-]+$/;
const PARAM_SEGMENT = /^:([a-z][A-Za-z0-9]*)$/;

interface Route<H> {
  pattern: string;
  segments: readonly string[];
  handlers: Map<string, H>;
  allow: string;
}

export interface RouteMatch<H> {
  pattern: string;
  params: Record<string, string>;
  /** Undefined when the path exists but not for this method: answer 405 with `allow`. */
  handler: H | undefined;
  allow: string;
}

export interface Router<H> {
  add(method: string, pattern: string, handler: H): void;
  match(method: string, path: string): RouteMatch<H> | null;
  /** Every route and its methods, for the OpenAPI document's consistency test. */
  list(): Array<{ pattern: string; methods: string[] }>;
}

function parsePattern(pattern: string): string[] {
  if (!pattern.startsWith('/')) throw new Error(`Route ${JSON.stringify(pattern)} must start with "/".`);
  const segments = pattern.split('/').slice(1);
  const names = new Set<string>();
  for (const segment of segments) {
    const param = PARAM_SEGMENT.exec(segment);
    if (param) {
      if (names.has(param[1]!)) throw new Error(`Route ${pattern} names the parameter :${param[1]} twice.`);
      names.add(param[1]!);
    } else if (!STATIC_SEGMENT.test(segment)) {
      throw new Error(`Route ${pattern} has a malformed segment ${JSON.stringify(segment)}; use letters, digits, ._~- or :name.`);
    }
  }
  return segments;
}

// Two patterns that differ only in parameter names (/users/:id, /users/:userId) match the same paths.
const shapeOf = (segments: readonly string[]): string => segments.map((segment) => (segment.startsWith(':') ? ':' : segment)).join('/');

export function createRouter<H>(): Router<H> {
  const staticRoutes = new Map<string, Route<H>>();
  const paramRoutes: Route<H>[] = [];
  const byShape = new Map<string, Route<H>>();

  function matchParams(route: Route<H>, parts: string[]): Record<string, string> | null {
    if (parts.length !== route.segments.length) return null;
    const params: Record<string, string> = {};
    for (let index = 0; index < parts.length; index++) {
      const segment = route.segments[index]!;
      if (segment.startsWith(':')) {
        if (parts[index] === '') return null;
        params[segment.slice(1)] = parts[index]!;
      } else if (segment !== parts[index]) return null;
    }
    return params;
  }

  return {
    add(method, pattern, handler) {
      if (!METHODS.has(method)) throw new Error(`Route ${method} ${pattern}: unknown method ${JSON.stringify(method)}.`);
      const segments = parsePattern(pattern);
      const shape = shapeOf(segments);
      let route = byShape.get(shape);
      if (route === undefined) {
        route = { pattern, segments, handlers: new Map(), allow: '' };
        byShape.set(shape, route);
        if (segments.some((segment) => segment.startsWith(':'))) paramRoutes.push(route);
        else staticRoutes.set(pattern, route);
      } else if (route.pattern !== pattern) {
        throw new Error(`Route ${pattern} matches the same paths as ${route.pattern}; use one spelling.`);
      }
      const methods = method === 'GET' ? ['GET', 'HEAD'] : [method];
      for (const each of methods) {
        if (route.handlers.has(each)) throw new Error(`Route ${each} ${pattern} is defined twice.`);
        route.handlers.set(each, handler);
      }
      route.allow = [...route.handlers.keys()].join(', ');
    },

    match(method, path) {
      const exact = staticRoutes.get(path);
      if (exact !== undefined) return { pattern: exact.pattern, params: {}, handler: exact.handlers.get(method), allow: exact.allow };
      const parts = path.split('/').slice(1);
      for (const route of paramRoutes) {
        const params = matchParams(route, parts);
        if (params !== null) return { pattern: route.pattern, params, handler: route.handlers.get(method), allow: route.allow };
      }
      return null;
    },

    list() {
      return [...byShape.values()].map((route) => ({ pattern: route.pattern, methods: [...route.handlers.keys()] }));
    },
  };
}
