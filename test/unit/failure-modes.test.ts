// The failure modes come from what k6 v2.2.0 really reports: the error strings below were
// captured from real k6 runs (refused, timeout, connection cap, ulimit -n 40) against the echo target.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { classify } from '../../lib/failure-modes.ts';

const transport = (error_code: number, error: string) => ({ status: 0, error_code, error });

test('too many open files (k6 code 1213, errno 24) is emfile', () => {
  assert.equal(classify(transport(1213, 'dial: unknown errno 24 error with msg `too many open files`')), 'emfile');
});

test('cannot assign requested address (same code 1213, errno 99) is eaddrnotavail, told apart by the message', () => {
  assert.equal(classify(transport(1213, 'dial: unknown errno 99 error with msg `cannot assign requested address`')), 'eaddrnotavail');
});

test('connection reset by peer is conn_reset', () => {
  assert.equal(classify(transport(1220, 'read: connection reset by peer')), 'conn_reset');
});

test('a server that closes the connection without answering counts as conn_reset', () => {
  assert.equal(classify(transport(1000, 'EOF')), 'conn_reset');
  assert.equal(classify(transport(1000, 'http: server closed idle connection')), 'conn_reset');
});

test('connection refused is conn_refused', () => {
  assert.equal(classify(transport(1212, 'dial: connection refused')), 'conn_refused');
});

test('dial i/o timeout is dial_timeout, a request timeout is request_timeout', () => {
  assert.equal(classify(transport(1211, 'dial: i/o timeout')), 'dial_timeout');
  assert.equal(classify(transport(1050, 'request timeout')), 'request_timeout');
});

test('HTTP 429 and 5xx are named; other 4xx and unknown errors are other', () => {
  assert.equal(classify({ status: 429, error_code: 1429, error: '' }), 'http_429');
  assert.equal(classify({ status: 503, error_code: 1503, error: '' }), 'http_5xx');
  assert.equal(classify({ status: 404, error_code: 1404, error: '' }), 'other');
  assert.equal(classify(transport(1101, 'lookup echo.invalid: no such host')), 'other');
});

test('a success is no failure, and an expected status (429 where the limit is right) is none either', () => {
  assert.equal(classify({ status: 200, error_code: 0, error: '' }), null);
  assert.equal(classify({ status: 301, error_code: 0, error: '' }), null);
  assert.equal(classify({ status: 429, error_code: 1429, error: '' }, [429]), null);
});

test('WebSocket errors carry no code: the message alone names the mode', () => {
  assert.equal(classify({ status: 0, error: 'dial tcp 127.0.0.1:1: connect: connection refused' }), 'conn_refused');
  assert.equal(classify({ status: 0, error: 'dial tcp 127.0.0.1:8081: socket: too many open files' }), 'emfile');
});
