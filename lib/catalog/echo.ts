// echo: where does one box stop taking new connections? The single-container 1,000-client
// study's staged ramp (100 -> 250 -> 500 -> 750 -> 1000 clients, 10 s each, 30 s at the top),
// each client sending one echo a second on a NEW connection (the 100,000-connections study's
// echo test), with the study's 2 s request timeout.
import { duration, int, num, stages } from '../options.ts';
import { declareScenario, knob, withDefaults } from './knob.ts';

/** The knobs of an echo load (echo and keep-alive): clients over time, how often, how much. */
export const ECHO_KNOBS = {
  STAGES: knob(stages(100_000, 24 * 3600), 'duration:VUs pairs of the ramping-VU executor'),
  THINK_TIME: knob(num(0, 3600), 'seconds each VU waits between requests'),
  PAYLOAD_BYTES: knob(int(1, 1_048_576), 'size of each echoed body', { full: 64 }),
  REQUEST_TIMEOUT: knob(duration(0.001, 600), 'per-request timeout', { full: '2s' }),
};

export const ECHO = declareScenario({
  name: 'echo',
  target: 'echo',
  question: 'Where does one box stop taking new connections?',
  load: 'ramping VUs, 100 to 1,000 clients, a new connection per request',
  knobs: {
    ...ECHO_KNOBS,
    STAGES: withDefaults(ECHO_KNOBS.STAGES, { full: '10s:100,10s:250,10s:500,10s:750,30s:1000,5s:0', smoke: '2s:10,4s:10,1s:0' }),
    THINK_TIME: withDefaults(ECHO_KNOBS.THINK_TIME, { full: 1, smoke: 0.05 }),
  },
});
