// Both sides of an invalid-token flood, measured from the client: users with valid tokens must
// never be refused, and every invalid token must be refused with 401 (or 429 with a valid
// Retry-After, RFC 9110, from a rate limit). The attacker's tokens are the kinds an edge meets:
// a forged signature, an expired token, a key id nobody published, alg "none", garbage, none.
import http from 'k6/http';
import exec from 'k6/execution';
import encoding from 'k6/encoding';
import { sleep } from 'k6';
import { PREFIX } from '../fail.ts';
import { refusalMessage, retryDelaySeconds } from '../setup-refusal.ts';
import { Rate } from 'k6/metrics';
import { headerOf, isValidRetryAfter } from '../http-headers.ts';
import { trackFailure } from './metrics.ts';

/** Share of users' requests refused (401, 403, 429): must be 0. */
export const legitRefused = new Rate('auth_legit_refused');
/** Share of the attacker's requests refused as they should be (401; or 429 with a valid Retry-After). */
export const invalidRejected = new Rate('auth_invalid_rejected');

export const ATTACK_KINDS = ['bad_signature', 'expired', 'unknown_key', 'alg_none', 'garbage', 'missing'] as const;
export type AttackKind = (typeof ATTACK_KINDS)[number];

/** The Authorization header each kind sends (none for `missing`). */
export type AttackTokens = Record<AttackKind, string | null>;

const b64 = (json: unknown) => encoding.b64encode(JSON.stringify(json), 'rawurl');

/** The attacker's tokens, made from one valid token (its claims) and one expired one. */
export function attackTokens(valid: string, expired: string): AttackTokens {
  const [header, payload, signature] = valid.split('.') as [string, string, string];
  // The same length and alphabet, other bytes: a signature that does not verify.
  const forged = signature.split('').reverse().join('');
  return {
    bad_signature: `Bearer ${header}.${payload}.${forged === signature ? `A${signature.slice(1)}` : forged}`,
    expired: `Bearer ${expired}`,
    // A key id the JWKS does not have: an edge that refetches its JWKS for each is easy to flood.
    unknown_key: `Bearer ${b64({ alg: 'RS256', kid: 'rotated-away', typ: 'JWT' })}.${payload}.${signature}`,
    alg_none: `Bearer ${b64({ alg: 'none', typ: 'JWT' })}.${payload}.`,
    garbage: `Bearer ${encoding.b64encode('not a token at all, just bytes to parse', 'rawurl')}`,
    missing: null,
  };
}

/** A user's request with a valid token: any refusal is a false positive. */
export function legitRequest(url: string, token: string, timeout: string): void {
  const res = http.get(url, { headers: { Authorization: `Bearer ${token}` }, tags: { role: 'legit' }, timeout });
  trackFailure(res);
  legitRefused.add(res.status === 401 || res.status === 403 || res.status === 429);
}

// Refusal is the right answer to an invalid token: 401 and 429 do not count as failed requests.
const refusalExpected = http.expectedStatuses(401, 429);

/** One invalid request of `kind`. */
export function attackRequest(url: string, kind: AttackKind, authorization: string | null, timeout: string): void {
  const res = http.get(url, {
    headers: authorization === null ? {} : { Authorization: authorization },
    tags: { role: 'attack', token: kind },
    timeout,
    responseCallback: refusalExpected,
  });
  trackFailure(res, [401, 429]);
  invalidRejected.add(res.status === 401 || (res.status === 429 && isValidRetryAfter(headerOf(res.headers, 'Retry-After'))));
}

// A 429 to setup's token fetches is waited out as Retry-After asks, up to this many seconds in all.
const TOKEN_RETRY_BUDGET_S = 30;
// setup() asks for its tokens before any load: neither a refusal nor an answer counts as failed.
const anyAnswer = http.expectedStatuses({ min: 100, max: 599 });

/**
 * A token from the test issuer (GET url?sub=&ttl= answering {"token": ...}), asked by the harness
 * in setup(). A 429 is waited out within a budget; any other refusal stops the run with what
 * answered and why that stops it.
 */
export function fetchToken(o: { url: string; sub: string; ttl: number; what: string; harnessAddress: string }): string {
  const url = `${o.url}?sub=${encodeURIComponent(o.sub)}&ttl=${o.ttl}`;
  let waited = 0;
  for (;;) {
    const res = http.get(url, { tags: { name: 'token' }, responseType: 'text', responseCallback: anyAnswer });
    const retryAfter = headerOf(res.headers, 'Retry-After');
    if (res.status === 429 && waited < TOKEN_RETRY_BUDGET_S) {
      const delay = Math.min(retryDelaySeconds(retryAfter), TOKEN_RETRY_BUDGET_S - waited);
      sleep(delay);
      waited += delay;
      continue;
    }
    let token: unknown;
    try {
      token = res.status === 200 ? res.json('token') : undefined;
    } catch {
      token = undefined;
    }
    if (typeof token === 'string' && token !== '') return token;
    const body = typeof res.body === 'string' ? res.body : undefined;
    exec.test.abort(
      `${PREFIX} ${refusalMessage(
        { what: o.what, url, status: res.status, error: res.error, retryAfter, body },
        waited,
        'auth-flood needs a token for each user before the load',
        o.harnessAddress,
        'TOKEN_URL (or TOKEN_PATH on BASE_URL) must name a test issuer that answers GET ?sub=<user>&ttl=<seconds> with {"token": "<a JWT your edge accepts>"}',
      )}`,
    );
  }
}
