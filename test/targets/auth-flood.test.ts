// The auth-flood target as a process: the protected edge refuses every kind of invalid token with
// 401 before the origin sees it and fetches its JWKS once; the naive one forwards first and
// fetches per request; the per-address limit answers 429 with Retry-After; the issuer says what it takes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startTarget, type TargetProcess } from '../../harness/target-process.ts';

const b64 = (json: unknown) => Buffer.from(JSON.stringify(json)).toString('base64url');

async function issue(t: TargetProcess, ttl: number): Promise<string> {
  const res = await fetch(`${t.url}/auth/token?sub=alice&ttl=${ttl}`);
  assert.equal(res.status, 200);
  return ((await res.json()) as { token: string }).token;
}

/** Every kind of token the attacker sends, by name (null: no Authorization header). */
async function invalidTokens(t: TargetProcess): Promise<Record<string, string | null>> {
  const valid = await issue(t, 3600);
  const [header, payload, signature] = valid.split('.') as [string, string, string];
  return {
    forged: `${header}.${payload}.${signature.split('').reverse().join('')}`,
    expired: await issue(t, -60),
    unknownKey: `${b64({ alg: 'RS256', kid: 'rotated-away' })}.${payload}.${signature}`,
    algNone: `${b64({ alg: 'none' })}.${payload}.`,
    garbage: 'not-a-token',
    missing: null,
  };
}

const call = (t: TargetProcess, token: string | null) =>
  fetch(`${t.url}/api/resource`, { headers: token === null ? {} : { Authorization: `Bearer ${token}` } });

test('protected: a valid token reaches the origin; every invalid kind gets 401 and never does; the JWKS is fetched once', async () => {
  const t = await startTarget('auth-flood');
  try {
    assert.equal((await call(t, await issue(t, 3600))).status, 200);
    for (const [kind, token] of Object.entries(await invalidTokens(t))) {
      const res = await call(t, token);
      assert.equal(res.status, 401, kind);
      assert.equal(res.headers.get('www-authenticate'), 'Bearer error="invalid_token"', kind);
    }
    assert.equal(await t.metric('origin_requests_total', { token: 'valid' }), 1);
    assert.equal(await t.metric('origin_requests_total', { token: 'invalid' }), 0);
    // The unknown key id asked within jose's 30 s cooldown: no refetch.
    assert.equal(await t.metric('jwks_fetches_total'), 1);
  } finally {
    await t.stop();
  }
});

test('naive: every invalid token reaches the origin before it is refused, and each request fetches the JWKS', async () => {
  const t = await startTarget('auth-flood', ['--mode', 'naive']);
  try {
    const tokens = Object.values(await invalidTokens(t));
    for (const token of tokens) assert.equal((await call(t, token)).status, 401);
    assert.equal(await t.metric('origin_requests_total', { token: 'invalid' }), tokens.length);
    assert.equal(await t.metric('jwks_fetches_total'), tokens.length);
  } finally {
    await t.stop();
  }
});

test('an address over its limit gets 429 with Retry-After, before its token is looked at', async () => {
  const t = await startTarget('auth-flood', ['--address-limit', '1', '--address-burst', '2']);
  try {
    const statuses = [];
    for (let i = 0; i < 3; i++) statuses.push((await call(t, 'garbage')).status);
    assert.deepEqual(statuses, [401, 401, 429]);
    const refused = await call(t, 'garbage');
    assert.ok(Number(refused.headers.get('retry-after')) >= 1);
  } finally {
    await t.stop();
  }
});

test('the issuer refuses a subject or ttl it cannot sign, saying what it takes', async () => {
  const t = await startTarget('auth-flood');
  try {
    const res = await fetch(`${t.url}/auth/token?sub=a%20b&ttl=1.5`);
    assert.equal(res.status, 400);
    assert.match(((await res.json()) as { error: string }).error, /expected \?sub=.*&ttl=/);
  } finally {
    await t.stop();
  }
});
