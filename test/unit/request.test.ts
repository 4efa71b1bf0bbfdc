// A request module's answer is checked before it is sent: a path on BASE_URL, headers of strings,
// a body as a string or JSON; anything else is said plainly (lib/request.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resolveRequest } from '../../lib/request.ts';

const base = 'http://127.0.0.1:9000';

test('a request becomes its method, URL on BASE_URL, headers and body; an object body is JSON', () => {
  assert.deepEqual(resolveRequest({ path: '/v1/me' }, base), { method: 'GET', url: `${base}/v1/me`, headers: {}, body: null });
  assert.deepEqual(
    resolveRequest({ method: 'post', path: '/v1/orders?draft=1', headers: { Authorization: 'Bearer t' }, body: { sku: 'A-1' } }, base),
    {
      method: 'POST',
      url: `${base}/v1/orders?draft=1`,
      headers: { Authorization: 'Bearer t', 'Content-Type': 'application/json' },
      body: '{"sku":"A-1"}',
    },
  );
  // A Content-Type of its own is kept; a string body is sent as it is.
  assert.deepEqual(resolveRequest({ method: 'PUT', path: '/x', headers: { 'content-type': 'text/csv' }, body: 'a,b' }, base), {
    method: 'PUT',
    url: `${base}/x`,
    headers: { 'content-type': 'text/csv' },
    body: 'a,b',
  });
});

test('a wrong answer says what is wrong with it', () => {
  const error = (v: unknown) => (resolveRequest(v, base) as { error: string }).error;
  assert.match(error(undefined), /it returned undefined; a request is \{method\?, path, headers\?, body\?\}/);
  assert.match(error({ path: 'v1/me' }), /path "v1\/me" is not a path on BASE_URL starting with \//);
  assert.match(error({ path: '/x', method: 'FETCH' }), /method "FETCH" is not one of GET, POST/);
  assert.match(error({ path: '/x', headers: { 'X-N': 5 } }), /header X-N is number 5, not a string/);
  assert.match(error({ path: '/x', headers: { 'Bad Name': 'v' } }), /header name "Bad Name" is not a valid HTTP header name/);
  assert.match(error({ path: '/x', body: 42 }), /body is number 42; give a string, or an object or array/);
  assert.match(error({ path: '/x', url: 'http://elsewhere/' }), /unknown fields url/);
});
