// The auth-flood target of the Go-API resilience study (P3, a flood of invalid JWTs): an edge that
// verifies bearer tokens against the JWKS its issuer publishes, in front of an origin. `protected`
// limits each client address, rejects malformed, foreign and expired tokens before any signature
// check, caches the JWKS, and forwards only valid tokens; `naive` fetches the JWKS for every
// request and forwards to the origin before it has checked anything.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createLocalJWKSet, createRemoteJWKSet, decodeJwt, decodeProtectedHeader, jwtVerify, type JWTVerifyGetKey } from 'jose';
import { Counter, Registry } from 'prom-client';
import { startOrigin, type Origin } from './auth-origin.ts';
import { routes, sendJson, serveHttp } from './http-server.ts';
import { ALGORITHM, AUDIENCE, ISSUER, JWKS_PATH, startIssuer, TOKEN_PATH } from './jwt-issuer.ts';
import { burnCpu, closingAlso } from './lifecycle.ts';
import { memoryLimiter, type Limiter } from './token-bucket.ts';
import type { TargetModule } from './target.ts';

export const API_PATH = '/api/resource';
// A bearer token longer than any real one is refused unread.
const MAX_TOKEN_BYTES = 4096;
// jose's own default: at most one refetch a 30 s for a key id it has not seen (a rotated key).
const UNKNOWN_KEY_COOLDOWN_MS = 30_000;
// --fault slow-reject: one and a half times the study's CPU budget of 10 ms per request.
const SLOW_REJECT_US = 15_000;

/** 401 as RFC 6750 has it: the client learns the token was refused, not why in detail. */
function unauthorized(res: ServerResponse, reason: string): void {
  res.setHeader('WWW-Authenticate', 'Bearer error="invalid_token"');
  sendJson(res, 401, { error: 'invalid token', reason });
}

/** What a protected edge can refuse without a signature check: shape, algorithm, issuer, audience, expiry. */
function precheck(token: string, checkExpiry: boolean): string | undefined {
  if (token === '') return 'no bearer token';
  if (token.length > MAX_TOKEN_BYTES) return 'token too long';
  if (!/^[\w-]+\.[\w-]+\.[\w-]*$/.test(token)) return 'not a compact JWS';
  try {
    if (decodeProtectedHeader(token).alg !== ALGORITHM) return `algorithm not ${ALGORITHM}`;
    const claims = decodeJwt(token);
    if (claims.iss !== ISSUER || claims.aud !== AUDIENCE) return 'wrong issuer or audience';
    if (checkExpiry && (typeof claims.exp !== 'number' || claims.exp <= Date.now() / 1000)) return 'expired';
  } catch {
    return 'undecodable';
  }
  return undefined;
}

const bearer = (req: IncomingMessage) => (req.headers.authorization ?? '').replace(/^Bearer\s+/i, '').trim();

export const authFlood: TargetModule = {
  name: 'auth-flood',
  modes: ['protected', 'naive'],
  describe: {
    protected:
      'per-address rate limit (429 + Retry-After), malformed/foreign/expired tokens refused before any signature check, JWKS cached, only valid tokens forwarded',
    naive: 'fetches the JWKS for every request, forwards to the origin before checking, verifies everything',
  },
  faults: {
    'accept-expired': 'expiry is not checked: an expired (stolen, revoked) token still gets through to the origin',
    'slow-reject':
      "every 401 burns 15 ms of CPU (a deny list hashed per token, a stack trace logged): past the study's 10 ms budget per request",
  },
  flags: {
    'address-limit': {
      describe: 'requests per second per client address (0: no limit)',
      type: 'number',
      defaults: { protected: 50, naive: 0 },
    },
    'address-burst': { describe: 'requests a client address may send at once', type: 'number', defaults: { protected: 100, naive: 100 } },
    'jwks-ttl-s': {
      describe: 'how long the JWKS is cached, in seconds (0: fetched per request)',
      type: 'number',
      defaults: { protected: 300, naive: 0 },
    },
    'origin-ms': { describe: "the origin's answer time", type: 'number', defaults: { protected: 5, naive: 5 } },
  },
  async start({ mode, host, port, flags, faults }) {
    const registry = new Registry();
    const outcomes = new Counter({
      name: 'auth_requests_total',
      help: `Requests to ${API_PATH} by outcome: forwarded (valid token), rejected (401), rate_limited (429).`,
      labelNames: ['outcome'],
      registers: [registry],
    });
    for (const outcome of ['forwarded', 'rejected', 'rate_limited']) outcomes.inc({ outcome }, 0);
    const issuer = await startIssuer(registry);
    const origin: Origin = await startOrigin({ registry, isValid: issuer.isValid, latencyMs: flags['origin-ms'] as number });
    const limit = flags['address-limit'] as number;
    const limiter: Limiter | undefined = limit > 0 ? memoryLimiter({ rate: limit, burst: flags['address-burst'] as number }) : undefined;
    const ttlMs = (flags['jwks-ttl-s'] as number) * 1000;
    const checkExpiry = !faults.has('accept-expired');
    const verifyOptions = {
      issuer: ISSUER,
      audience: AUDIENCE,
      algorithms: [ALGORITHM],
      // Far past any test: expiry as good as unchecked.
      ...(checkExpiry ? {} : { clockTolerance: 10 * 365 * 86_400 }),
    };
    // Known once the server listens (its port may be the kernel's pick).
    let jwksUrl: URL | undefined = undefined;
    let cached: JWTVerifyGetKey | undefined;
    /** The key set to verify with: jose's cache (refreshed per TTL), or a fresh fetch every time. */
    async function keys(): Promise<JWTVerifyGetKey> {
      if (ttlMs > 0) return (cached ??= createRemoteJWKSet(jwksUrl!, { cacheMaxAge: ttlMs, cooldownDuration: UNKNOWN_KEY_COOLDOWN_MS }));
      const res = await fetch(jwksUrl!);
      return createLocalJWKSet((await res.json()) as Parameters<typeof createLocalJWKSet>[0]);
    }
    function reject(res: ServerResponse, reason: string): void {
      outcomes.inc({ outcome: 'rejected' });
      if (faults.has('slow-reject')) burnCpu(SLOW_REJECT_US);
      unauthorized(res, reason);
    }
    async function relay(res: ServerResponse, answer: Promise<{ status: number; body: string }>): Promise<void> {
      const { status, body } = await answer;
      outcomes.inc({ outcome: 'forwarded' });
      res.writeHead(status, { 'Content-Type': 'application/json' });
      res.end(body);
    }

    async function guarded(req: IncomingMessage, res: ServerResponse): Promise<void> {
      if (limiter) {
        const d = await limiter.take(req.socket.remoteAddress ?? 'unknown');
        if (!d.allowed) {
          outcomes.inc({ outcome: 'rate_limited' });
          res.setHeader('Retry-After', String(Math.max(1, Math.ceil(d.retryAfterMs / 1000))));
          return sendJson(res, 429, { error: 'too many requests from this address' });
        }
      }
      const token = bearer(req);
      const cheap = precheck(token, checkExpiry);
      if (cheap !== undefined) return reject(res, cheap);
      try {
        await jwtVerify(token, await keys(), verifyOptions);
      } catch {
        return reject(res, 'signature or key not valid');
      }
      await relay(res, origin.forward(API_PATH, req.headers));
    }

    async function naive(req: IncomingMessage, res: ServerResponse): Promise<void> {
      const token = bearer(req);
      // Forwarded first, checked after: the origin sees every request, invalid or not.
      const answer = origin.forward(API_PATH, req.headers);
      try {
        await jwtVerify(token, await keys(), verifyOptions);
      } catch {
        await answer.catch(() => undefined);
        return reject(res, 'not valid');
      }
      await relay(res, answer);
    }

    const server = await serveHttp({
      name: 'auth-flood',
      registry,
      host,
      port,
      handler: routes({
        [`GET ${API_PATH}`]: mode === 'protected' ? guarded : naive,
        [`GET ${TOKEN_PATH}`]: issuer.token,
        [`GET ${JWKS_PATH}`]: issuer.jwks,
      }),
    });
    jwksUrl = new URL(JWKS_PATH, server.url);
    return closingAlso(server, async () => {
      await limiter?.close();
      await origin.close();
    });
  },
};
