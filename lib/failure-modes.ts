// Names what went wrong with a request, from k6's error_code and error message, in the words
// of the 100,000-connections study's error list, so a summary says "too many open files" instead of "1213".

export const FAILURE_MODES = [
  'emfile',
  'eaddrnotavail',
  'conn_reset',
  'conn_refused',
  'dial_timeout',
  'request_timeout',
  'bad_handshake',
  'http_429',
  'http_5xx',
  'other',
] as const;
export type FailureMode = (typeof FAILURE_MODES)[number];

export const FAILURE_MODE_MEANING: Record<FailureMode, string> = {
  emfile: 'too many open files (the process ran out of file descriptors)',
  eaddrnotavail: 'cannot assign requested address (out of ephemeral ports for this source address)',
  conn_reset: 'connection reset or closed by the server before it answered',
  conn_refused: 'connection refused (nothing listening, or the accept backlog is full)',
  dial_timeout: 'dial timeout (no answer to the connection attempt)',
  request_timeout: 'request timeout (connected, but no answer in time)',
  bad_handshake: 'the server answered a WebSocket upgrade with something other than 101 Switching Protocols',
  http_429: 'HTTP 429 Too Many Requests',
  http_5xx: 'HTTP 5xx server error',
  other: 'any other error or HTTP status >= 400',
};

/** The parts of a k6 response (or WebSocket error) that say how it failed. */
export interface Outcome {
  status: number;
  error_code?: number;
  error?: string;
}

// k6 error codes (k6 v2.2.0 lib/netext/httpext/error_codes.go).
const DIAL_TIMEOUT = 1211;
const DIAL_REFUSED = 1212;
// 1213 (dial: other errno) is both EMFILE and EADDRNOTAVAIL: only the message tells them apart.
const CONN_RESET = 1220;
const REQUEST_TIMEOUT = 1050;

/**
 * The failure mode of a request, or null when it succeeded. `expected` lists statuses that are
 * the right answer for this request (e.g. 429 for a user over its rate limit): not failures.
 */
export function classify(o: Outcome, expected: readonly number[] = []): FailureMode | null {
  const msg = (o.error ?? '').toLowerCase();
  const code = o.error_code ?? 0;
  if (o.status === 0 || (code !== 0 && code < 1400)) {
    // A transport error: match the message first (it is the only way to tell EMFILE from
    // EADDRNOTAVAIL, and WebSocket errors carry no code at all), then the code.
    if (msg.includes('too many open files')) return 'emfile';
    if (msg.includes('cannot assign requested address')) return 'eaddrnotavail';
    if (msg.includes('connection reset by peer') || code === CONN_RESET) return 'conn_reset';
    if (msg.includes('connection refused') || code === DIAL_REFUSED) return 'conn_refused';
    if (code === DIAL_TIMEOUT || /dial.*i\/o timeout/.test(msg)) return 'dial_timeout';
    if (code === REQUEST_TIMEOUT || msg.includes('request timeout') || msg.includes('i/o timeout')) return 'request_timeout';
    // The server closed the connection without answering (e.g. it sheds connections over a cap):
    // to the client that is the same event as a reset.
    if (msg.includes('bad handshake')) return 'bad_handshake';
    if (/\beof\b|broken pipe|server closed|use of closed network connection/.test(msg)) return 'conn_reset';
    return 'other'; // includes 1213 with an errno not named above
  }
  if (expected.includes(o.status)) return null;
  if (o.status === 429) return 'http_429';
  if (o.status >= 500 && o.status <= 599) return 'http_5xx';
  if (o.status >= 400) return 'other';
  return null;
}
