// The identity side of the auth-flood target: a development issuer that signs tokens (RS256, as
// most identity providers do), the JWKS it publishes, and the ledger of what it issued, which the
// origin reads to know, without trusting the edge, whether a token that reached it was valid.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK } from 'jose';
import { Counter, type Registry } from 'prom-client';
import { sendJson } from './http-server.ts';

export const ISSUER = 'floodgate-reference-issuer';
export const AUDIENCE = 'floodgate-api';
export const KEY_ID = 'floodgate-1';
export const ALGORITHM = 'RS256';
export const JWKS_PATH = '/.well-known/jwks.json';
export const TOKEN_PATH = '/auth/token';

// The issuer signs what it is asked: only the load test asks, and it asks for a few hundred.
const LEDGER_CAP = 100_000;
const MAX_TTL_SECONDS = 86_400;

export interface Issuer {
  /** GET /auth/token?sub=<user>&ttl=<seconds, negative for one already expired>: {"token": "..."}. */
  token(req: IncomingMessage, res: ServerResponse): Promise<void>;
  /** GET /.well-known/jwks.json, counted: how often the edge fetches it is the cache's measure. */
  jwks(req: IncomingMessage, res: ServerResponse): void;
  /** Whether `token` was issued here and has not expired: the origin's ground truth. */
  isValid(token: string): boolean;
}

export async function startIssuer(registry: Registry): Promise<Issuer> {
  const { privateKey, publicKey } = await generateKeyPair(ALGORITHM, { extractable: true });
  const jwk: JWK = { ...(await exportJWK(publicKey as CryptoKey)), kid: KEY_ID, alg: ALGORITHM, use: 'sig' };
  const body = JSON.stringify({ keys: [jwk] });
  const issued = new Map<string, number>();
  const fetches = new Counter({
    name: 'jwks_fetches_total',
    help: 'Times the JWKS was served: once per cache lifetime with a cache, once per request without.',
    registers: [registry],
  });

  return {
    async token(req, res) {
      const query = new URL(req.url ?? '/', 'http://x').searchParams;
      const sub = query.get('sub') ?? '';
      const ttl = Number(query.get('ttl') ?? '3600');
      if (!/^[\w.@-]{1,64}$/.test(sub) || !Number.isInteger(ttl) || Math.abs(ttl) > MAX_TTL_SECONDS) {
        return sendJson(res, 400, {
          error: `expected ?sub=<1-64 of A-Z a-z 0-9 _ . @ -> and &ttl=<whole seconds within ±${MAX_TTL_SECONDS}>`,
        });
      }
      const now = Math.floor(Date.now() / 1000);
      const exp = now + ttl;
      const token = await new SignJWT({})
        .setProtectedHeader({ alg: ALGORITHM, kid: KEY_ID, typ: 'JWT' })
        .setSubject(sub)
        .setIssuer(ISSUER)
        .setAudience(AUDIENCE)
        .setIssuedAt(Math.min(now, exp - 1))
        .setExpirationTime(exp)
        .sign(privateKey);
      if (issued.size >= LEDGER_CAP) issued.clear();
      issued.set(token, exp);
      sendJson(res, 200, { token, expiresAt: exp });
    },
    jwks(_req, res) {
      fetches.inc();
      res.writeHead(200, { 'Content-Type': 'application/jwk-set+json', 'Cache-Control': 'max-age=300' });
      res.end(body);
    },
    isValid(token) {
      const exp = issued.get(token);
      return exp !== undefined && exp > Date.now() / 1000;
    },
  };
}
