// slow-upstream: 100 users at 5 req/s each on an endpoint whose upstream takes 2-3 s (the
// Go-API resilience study's top risk): 5 x 3 s = 15 calls in flight per user, 1,500 for 100
// users without limits. A canary on a fast endpoint shows the cascade; an upstream outage
// mid-run shows the breaker.
import { duration, headerName, httpPath, int, num, oneOf } from '../options.ts';
import { faultKnobs, probeKnobs } from './common.ts';
import { declareScenario, knob } from './knob.ts';

export const SLOW_UPSTREAM = declareScenario({
  name: 'slow-upstream',
  target: 'slow-upstream',
  question: 'What does a 2-3 s upstream, or its outage, do to the service and its other endpoints?',
  load: 'constant arrival rate: 100 users x 5 req/s on the slow endpoint, a canary on a fast one, an upstream outage mid-run',
  knobs: {
    // 20 users in smoke: 250 calls in flight without limits, 2.5x the global limit of 100.
    USERS: knob(int(1, 100_000), 'users on the slow endpoint', { full: 100, smoke: 20 }),
    RATE: knob(num(0.001, 10_000), 'req/s each user sends', { full: 5 }),
    DURATION: knob(duration(1, 24 * 3600), 'length of the load', { full: '90s', smoke: '26s' }),
    CANARY_RATE: knob(num(0.1, 10_000), 'req/s on the fast endpoint', { full: 5 }),
    OUTAGE_MODE: knob(
      oneOf('errors', 'hang', 'none'),
      'how the upstream fails: at once (503 from the reference switch; a connection reset through the fault proxy), never answers, or not at all',
      {
        full: 'errors',
      },
    ),
    OUTAGE_AT: knob(duration(0, 24 * 3600), 'when the upstream starts failing', { full: '30s', smoke: '6s' }),
    OUTAGE_FOR: knob(duration(0, 24 * 3600), 'how long it fails', { full: '20s', smoke: '5s' }),
    RECOVERY: knob(duration(0, 3600), 'how long after the outage the service may take to be whole again', { full: '10s' }),
    USER_HEADER: knob(headerName(), 'header naming the user', { full: 'X-User-Id' }),
    SLOW_PATH: knob(httpPath('/api/slow'), 'the endpoint that calls the upstream', { full: '/api/slow' }),
    FAST_PATH: knob(httpPath('/api/fast'), "the canary's endpoint, which does not", { full: '/api/fast' }),
    OUTAGE_SWITCH: knob(httpPath('/admin/outage'), "the reference target's outage switch (POST ?mode=...)", { full: '/admin/outage' }),
    REQUEST_TIMEOUT: knob(duration(0.001, 3600), "the client's patience (above the service's own 30 s)", { full: '60s', smoke: '10s' }),
    ...faultKnobs('upstream'),
    // The study's upstream answers in 2-3 s: 2.5 s give or take 0.5, on every answer.
    FAULT_LATENCY: knob(duration(0, 600), 'with FAULTS_URL: latency added to every answer of the upstream, the whole run', {
      full: '2500ms',
    }),
    FAULT_JITTER: knob(duration(0, 600), 'with FAULTS_URL: how far each answer may vary from FAULT_LATENCY, either way', { full: '500ms' }),
    ...probeKnobs(
      'target_inflight=http_inflight_requests,target_upstream_inflight=upstream_inflight_calls,' +
        'target_rss_bytes=process_resident_memory_bytes,target_heap_bytes=nodejs_heap_size_used_bytes,' +
        'target_event_loop_lag_seconds=nodejs_eventloop_lag_seconds,target_breaker_state=circuit_breaker_state',
    ),
  },
});
