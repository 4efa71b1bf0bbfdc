// A request module (docs/your-own-scenario.md): each user of burst places an order on a JSON API
// behind a bearer token, with a token of its own from your test issuer. Built in with
// `npm run build -- --request examples/orders-api.ts`, run as dist/burst.orders-api.js with
// -e TOKEN_URL=<your issuer>.
import http from 'k6/http';
import type { RequestContext, RequestSetupContext, RequestSpec } from '../lib/request.ts';

type Tokens = Record<string, string>;

/** Once, in k6's setup(): a token for every user the scenario will name, from TOKEN_URL. */
export function setup(ctx: RequestSetupContext): Tokens {
  const issuer = ctx.env.TOKEN_URL;
  if (!issuer) throw new Error('set -e TOKEN_URL=<your test issuer>, which answers GET ?sub=<user>&ttl=<seconds> with {"token": ...}');
  const tokens: Tokens = {};
  for (const user of ctx.users) {
    const res = http.get(`${issuer}?sub=${encodeURIComponent(user)}&ttl=3600`, { tags: { name: 'token' } });
    if (res.status !== 200) throw new Error(`${issuer} answered ${res.status} for ${user}'s token`);
    tokens[user] = res.json('token') as string;
  }
  return tokens;
}

/** Each turn: the user's order, with the user's own token. */
export default function request(ctx: RequestContext): RequestSpec {
  const tokens = ctx.setup as Tokens;
  return {
    method: 'POST',
    path: '/v1/orders',
    headers: { Authorization: `Bearer ${tokens[ctx.user]}` },
    body: { sku: 'A-1', quantity: 1 },
  };
}
