// Load goes to loopback unless the user names another host.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assertSafeTargets, hostOf, isLoopback, nonLoopbackCidrs } from '../../lib/safety.ts';

test('loopback is 127.0.0.0/8, ::1 and localhost, nothing else', () => {
  for (const h of ['127.0.0.1', '127.1.2.3', '::1', 'localhost']) assert.ok(isLoopback(h), h);
  for (const h of ['128.0.0.1', '10.0.0.1', '127.0.0.256', 'localhost.example.com', 'echo.invalid', '::2']) assert.ok(!isLoopback(h), h);
});

test('the host is read from http, https, ws and IPv6 URLs', () => {
  assert.equal(hostOf('http://127.0.0.1:8081/x'), '127.0.0.1');
  assert.equal(hostOf('wss://API.example.com/ws'), 'api.example.com');
  assert.equal(hostOf('http://[::1]:8081'), '::1');
  assert.equal(hostOf('http://user:pw@echo.invalid:80'), 'echo.invalid');
});

test('a foreign host is refused, saying why and how to allow it', () => {
  try {
    assertSafeTargets({ BASE_URL: 'http://echo.invalid:8081' }, []);
    assert.fail('expected a refusal');
  } catch (thrown) {
    const msg = String(thrown);
    assert.match(msg, /refusing to send load to echo.invalid/);
    assert.match(msg, /only targets loopback/);
    assert.match(msg, /-e ALLOWED_HOSTS=echo.invalid/);
  }
});

test('an allowed host, or a subdomain of an allowed *.domain, passes', () => {
  assertSafeTargets({ BASE_URL: 'http://echo.invalid:8081' }, ['echo.invalid']);
  assertSafeTargets({ BASE_URL: 'https://a.staging.invalid' }, ['*.staging.invalid']);
  assert.throws(() => assertSafeTargets({ BASE_URL: 'https://staging.invalid.evil' }, ['*.staging.invalid']));
});

test('the k6 address block covers everything but loopback', () => {
  const cidrs = nonLoopbackCidrs();
  // IPv4: the eight blocks add up to 2^32 - 2^24 addresses, none inside 127.0.0.0/8.
  const v4 = cidrs.filter((c) => c.includes('.'));
  const size = v4.reduce((sum, c) => sum + 2 ** (32 - Number(c.split('/')[1])), 0);
  assert.equal(size, 2 ** 32 - 2 ** 24);
  assert.ok(v4.every((c) => !c.startsWith('127.')));
  // IPv6: ::/128 plus one block per prefix length 1..127, so ::1 alone is left out.
  const v6 = cidrs.filter((c) => c.includes(':'));
  assert.equal(v6.length, 128);
  assert.ok(v6.includes('8000:0:0:0:0:0:0:0/1'));
  assert.ok(v6.includes('0:0:0:0:0:0:0:2/127'));
});
