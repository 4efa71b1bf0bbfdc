// Your own request, for the scenarios that send one request per turn (burst, breaking-point,
// recovery): a module you write, bundled in at build time (`npm run build -- --request
// ./my-api.ts`), says what each user sends: method, path, headers (a bearer token), body. Its
// types are here, for your editor and for tsc; what it returns is checked at run time too, and
// a wrong answer stops the test with what was wrong. Pure: unit-tested in Node.
//
// A module's shape (its types imported from this file, by a path relative to the module):
//   export default function request(ctx: RequestContext): RequestSpec {
//     return { method: 'POST', path: '/v1/orders', headers: { Authorization: `Bearer ${ctx.env.API_TOKEN}` }, body: { sku: 'A-1' } };
//   }
// examples/orders-api.ts is a whole one.

/** What the module's request() is told of the turn it is asked for. */
export interface RequestContext {
  /** The scenario asking, e.g. `burst`. */
  scenario: string;
  /** The user of this turn as the scenario names it: `user-042`, `over-limit`, or `client-7` in the client scenarios. */
  user: string;
  /** The k6 iteration in the whole test (unique across the VUs). */
  iteration: number;
  /** The -e values of the run (API_TOKEN, TOKEN_URL... your own names). */
  env: Readonly<Record<string, string | undefined>>;
  /** What the module's setup() returned (tokens per user, say), undefined without one. */
  setup: unknown;
}

/** What the module's setup() is told: it runs once, in k6's setup(), where requests are allowed. */
export interface RequestSetupContext {
  scenario: string;
  baseUrl: string;
  /** Every user the scenario will name in RequestContext.user. */
  users: readonly string[];
  env: Readonly<Record<string, string | undefined>>;
}

/** One request: a path on BASE_URL (never another host), and what goes with it. */
export interface RequestSpec {
  /** GET by default. */
  method?: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE' | 'HEAD' | 'OPTIONS';
  /** Starts with /, on BASE_URL: `/v1/orders?draft=true`. */
  path: string;
  headers?: Record<string, string>;
  /** A string as it is; an object or array as JSON (with Content-Type: application/json unless you give one). */
  body?: string | Record<string, unknown> | unknown[];
}

/** The module: its default export is the request; setup is optional. */
export interface RequestModule {
  request: (ctx: RequestContext) => RequestSpec;
  setup?: (ctx: RequestSetupContext) => unknown;
}

/** A request as k6 sends it. */
export interface ResolvedRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  body: string | null;
}

const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS'];
const SHAPE = 'a request is {method?, path, headers?, body?}: path starting with /, headers of strings, body a string or a JSON value';

/** Checks what request() returned and makes it a request on `baseUrl`, or says what is wrong with it. */
export function resolveRequest(value: unknown, baseUrl: string): ResolvedRequest | { error: string } {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return { error: `it returned ${describe(value)}; ${SHAPE}` };
  const spec = value as Record<string, unknown>;
  const unknownKeys = Object.keys(spec).filter((k) => !['method', 'path', 'headers', 'body'].includes(k));
  if (unknownKeys.length > 0) return { error: `it returned unknown fields ${unknownKeys.join(', ')}; ${SHAPE}` };
  const method = spec.method === undefined ? 'GET' : String(spec.method).toUpperCase();
  if (!METHODS.includes(method)) return { error: `method ${JSON.stringify(spec.method)} is not one of ${METHODS.join(', ')}` };
  if (typeof spec.path !== 'string' || !/^\/[^\s#]*$/.test(spec.path))
    return { error: `path ${JSON.stringify(spec.path)} is not a path on BASE_URL starting with / (no host, no spaces)` };
  const headers: Record<string, string> = {};
  if (spec.headers !== undefined) {
    if (typeof spec.headers !== 'object' || spec.headers === null || Array.isArray(spec.headers))
      return { error: `headers is ${describe(spec.headers)}, not an object of strings` };
    for (const [k, v] of Object.entries(spec.headers)) {
      if (!/^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/.test(k)) return { error: `header name ${JSON.stringify(k)} is not a valid HTTP header name` };
      if (typeof v !== 'string') return { error: `header ${k} is ${describe(v)}, not a string` };
      headers[k] = v;
    }
  }
  let body: string | null = null;
  if (typeof spec.body === 'string') body = spec.body;
  else if (spec.body !== undefined && spec.body !== null) {
    if (typeof spec.body !== 'object')
      return { error: `body is ${describe(spec.body)}; give a string, or an object or array to send as JSON` };
    body = JSON.stringify(spec.body);
    if (!Object.keys(headers).some((h) => h.toLowerCase() === 'content-type')) headers['Content-Type'] = 'application/json';
  }
  return { method, url: `${baseUrl}${spec.path}`, headers, body };
}

function describe(v: unknown): string {
  if (v === null || v === undefined) return String(v);
  if (Array.isArray(v)) return 'an array';
  return typeof v === 'object' ? 'an object' : `${typeof v} ${JSON.stringify(v)}`;
}
