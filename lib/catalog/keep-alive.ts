// keep-alive: what does connection reuse buy? The same echo load twice, one after the other so
// they do not compete for the CPU: once reusing connections (HTTP keep-alive), once opening a
// new connection per request (the 100,000-connections study's comparison).
import { ECHO_KNOBS } from './echo.ts';
import { declareScenario, withDefaults } from './knob.ts';

export const KEEP_ALIVE = declareScenario({
  name: 'keep-alive',
  target: 'echo',
  question: 'What does connection reuse buy?',
  load: 'the same ramp twice: reusing connections, then a new one per request',
  knobs: {
    ...ECHO_KNOBS,
    STAGES: withDefaults(ECHO_KNOBS.STAGES, { full: '10s:200,30s:200,5s:0', smoke: '1s:10,3s:10,1s:0' }),
    THINK_TIME: withDefaults(ECHO_KNOBS.THINK_TIME, { full: 0.5, smoke: 0.05 }),
  },
});
