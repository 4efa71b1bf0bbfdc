// A refusal is judged by RFC 9110, not by what our own target sends.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isValidRetryAfter, rateLimitFields } from '../../lib/http-headers.ts';

test('Retry-After: delay-seconds and every HTTP-date form RFC 9110 names are valid', () => {
  for (const ok of [
    '1',
    '0',
    '120',
    ' 5 ',
    'Sun, 06 Nov 1994 08:49:37 GMT',
    'Sunday, 06-Nov-94 08:49:37 GMT',
    'Sun Nov  6 08:49:37 1994',
  ]) {
    assert.ok(isValidRetryAfter(ok), ok);
  }
});

test('Retry-After: missing, negative, fractional or free text is not', () => {
  for (const bad of [undefined, '', '-1', '1.5', 'soon', '1s', 'Sun, 6 Nov 1994 08:49:37 GMT', '2026-11-23T10:00:00Z']) {
    assert.ok(!isValidRetryAfter(bad), String(bad));
  }
});

test('RateLimit fields: draft-7 headers, the later structured field, or none (nginx sends none)', () => {
  assert.deepEqual(rateLimitFields({ 'Ratelimit-Limit': '5', 'Ratelimit-Remaining': '0', 'Retry-After': '1' }), {
    present: true,
    limit: 5,
    remaining: 0,
  });
  assert.deepEqual(rateLimitFields({ RateLimit: '"default";r=3;t=1', 'RateLimit-Policy': '"default";q=5;w=1' }), {
    present: true,
    limit: undefined,
    remaining: 3,
  });
  assert.deepEqual(rateLimitFields({ 'Retry-After': '1', Server: 'nginx' }), { present: false, limit: undefined, remaining: undefined });
});
