// recovery: the single-container 1,000-client study's overload test. Normal load (100 clients,
// one request a second each), a blast at twice the top stage (2,000 clients' worth: 2,000 req/s)
// for 30 s, down over 5 s, then a check every second until a one-second window has p99 < 100 ms
// and errors < 1 %. The blast is an arrival rate, not 2,000 looping VUs: real users keep
// arriving while the service is slow, and a closed loop would slow itself down with the service
// and hide the backlog it leaves.
import { duration, httpPath, int, num } from '../options.ts';
import { declareScenario, knob } from './knob.ts';

export const RECOVERY = declareScenario({
  name: 'recovery',
  target: 'capacity',
  question: 'After an overload at twice the top load, how long until the service is healthy again?',
  load: 'constant VUs of normal load, an arrival-rate blast at 2x the top stage, then a health check every second',
  knobs: {
    CLIENTS: knob(int(1, 100_000), 'clients of normal load, before, during and after the blast', { full: 100, smoke: 10 }),
    THINK_TIME: knob(num(0, 3600), 'seconds each normal client waits between requests', { full: 1 }),
    BLAST_RATE: knob(int(1, 1_000_000), 'requests/s of the blast: 2,000 clients at one request a second', { full: 2000, smoke: 400 }),
    NORMAL_FOR: knob(duration(1, 24 * 3600), 'normal load alone, before the blast', { full: '30s', smoke: '4s' }),
    BLAST_FOR: knob(duration(1, 24 * 3600), 'how long the blast holds its rate', { full: '30s', smoke: '15s' }),
    REDUCE_FOR: knob(duration(0, 3600), 'how long the blast takes to wind down to the normal load', { full: '5s', smoke: '2s' }),
    OBSERVE_FOR: knob(duration(1, 24 * 3600), 'how long after that the check looks for recovery', { full: '60s', smoke: '35s' }),
    CHECK_REQUESTS: knob(int(1, 1000), 'requests to DATA_PATH in each one-second window of the check', { full: 10 }),
    HEALTHY_LATENCY: knob(duration(0.001, 3600), "a window's p99 must be under this to count as recovered", { full: '100ms' }),
    HEALTHY_ERROR_RATE: knob(num(0, 1), "a window's error rate must be under this to count as recovered", { full: 0.01 }),
    DATA_PATH: knob(httpPath('/api/data'), 'the endpoint the clients, the blast and the check call', { full: '/api/data' }),
    REQUEST_TIMEOUT: knob(duration(0.001, 600), 'per-request timeout (the study: 2 s)', { full: '2s' }),
  },
});
