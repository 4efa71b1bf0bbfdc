// When a service refuses the harness's own requests in setup(), the message says what answered
// and why that stops the run, from the answer: a 429 after waiting as asked, a 401, a 5xx.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { refusalMessage, retryDelaySeconds } from '../../lib/setup-refusal.ts';

const ask = { what: 'token 12 of 91', url: 'http://127.0.0.1:9001/token?sub=user-12&ttl=3610' };
const say = (status: number, extra: Partial<Parameters<typeof refusalMessage>[0]> = {}) =>
  refusalMessage({ ...ask, status, ...extra }, 30, 'auth-flood needs a token for each user before the load', '127.0.0.9', 'NEEDS');

test('a 429 names the limit, the wait already made, the harness address and what to do', () => {
  const m = say(429, { retryAfter: '1', body: 'rate limited\n' });
  assert.match(m, /^auth-flood needs a token for each user before the load: token 12 of 91 at http:\/\/127\.0\.0\.1:9001\/token/);
  assert.match(m, /HTTP 429 \(Retry-After: 1\): rate limited\./);
  assert.match(
    m,
    /still did after 30 s of waiting as it asked; it came from the harness address \(127\.0\.0\.9\), never from a load role's/,
  );
  assert.match(say(429, { retryAfter: 'soon' }), /Retry-After: soon, not valid per RFC 9110/);
});

test('a 401, a 5xx, no answer and a 200 without a token each say what answered, not a guess', () => {
  assert.match(say(401), /HTTP 401\. The run stops before any load because it refused to answer without credentials; .* NEEDS/);
  assert.match(say(503), /HTTP 503\. The run stops before any load because it failed on its side/);
  assert.match(say(0, { error: 'dial: connection refused' }), /nothing answered \(dial: connection refused\)\. .*check the URL/);
  assert.match(say(200, { body: '{"jwt":"x"}' }), /HTTP 200: \{"jwt":"x"\}\. .*not the answer the scenario needs: NEEDS/);
});

test("Retry-After's seconds are waited, at least one; without one (or with a date) a second", () => {
  assert.deepEqual(['3', '0', undefined, 'Wed, 21 Oct 2015 07:28:00 GMT'].map(retryDelaySeconds), [3, 1, 1, 1]);
});
