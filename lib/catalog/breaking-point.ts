// breaking-point: the single-container 1,000-client study's headline test. A staged load of
// 100 → 250 → 500 → 750 → 1,000 clients (10 s each, 30 s at the top), each stage held, read
// stage by stage: the breaking point (first stage past 50 % errors), the last healthy stage
// (p99 < 100 ms, errors < 1 %), the degradation on the way, and the first resource of the
// service to run out. Closed (clients, the study's) or open (req/s, k6's breakpoint test).
import { duration, httpPath, int, num, oneOf, stages } from '../options.ts';
import { declareScenario, knob } from './knob.ts';
import { probeKnobs } from './common.ts';

// What prom-client's default metrics and Go's client_golang both export, so the probe reads a
// Node or Go service unchanged; the event-loop lag is Node's only (absent elsewhere: no row).
const RESOURCE_METRICS = [
  'target_cpu_seconds=process_cpu_seconds_total',
  'target_rss_bytes=process_resident_memory_bytes',
  'target_open_fds=process_open_fds',
  'target_max_fds=process_max_fds',
  'target_event_loop_lag_seconds=nodejs_eventloop_lag_seconds',
].join(',');

export const BREAKING_POINT = declareScenario({
  name: 'breaking-point',
  target: 'capacity',
  question: 'Where does one instance break, how does it degrade on the way, and which resource runs out first?',
  load: 'staged clients 100 → 1,000 (ramping VUs), or staged req/s (ramping arrival rate), each stage held and read on its own',
  knobs: {
    MODEL: knob(
      oneOf('closed', 'open'),
      "closed: each stage's load is clients that wait for their answer (the study's); open: req/s that arrive regardless (k6's breakpoint test)",
      { full: 'closed' },
    ),
    STAGES: knob(
      stages(1_000_000, 24 * 3600),
      'duration:load pairs, each load held for its duration (clients, or req/s in the open model)',
      { full: '10s:100,10s:250,10s:500,10s:750,30s:1000', smoke: '3s:10,3s:25,3s:50,3s:75,5s:100' },
    ),
    THINK_TIME: knob(num(0, 3600), 'closed model: seconds each client waits between requests (one request a second each)', { full: 1 }),
    HEALTHY_UP_TO: knob(
      int(0, 1_000_000),
      'every stage with at most this load is gated healthy (the study: at least 500 clients); 0: none',
      { full: 500, smoke: 50 },
    ),
    HEALTHY_LATENCY: knob(duration(0.001, 3600), "a stage's p99 must be under this to count as healthy", { full: '100ms' }),
    HEALTHY_ERROR_RATE: knob(num(0, 1), "a stage's error rate must be under this to count as healthy", { full: 0.01 }),
    BREAK_AT: knob(num(0, 1), 'the breaking point is the first stage whose error rate passes this', { full: 0.5 }),
    STOP_AT: knob(num(0, 1), 'a stage whose error rate passes this ends the test early (1: never)', { full: 0.9 }),
    SUPER_LINEAR_ABOVE: knob(num(0, 1000), 'the degradation (p99 growth over load growth, averaged) is super-linear above this', {
      full: 1.5,
    }),
    CPU_CORES: knob(num(0.01, 1024), "the cores the service may use (its container's CPU limit): 100 % CPU is all of them", { full: 1 }),
    MEMORY_LIMIT_MB: knob(int(1, 16 * 1024 * 1024), "the service's memory limit in MiB (its container's)", { full: 2048 }),
    DATA_PATH: knob(httpPath('/api/data'), 'the endpoint each client calls', { full: '/api/data' }),
    REQUEST_TIMEOUT: knob(duration(0.001, 600), 'per-request timeout, connecting included (the study: 2 s)', { full: '2s' }),
    ...probeKnobs(RESOURCE_METRICS),
  },
});
