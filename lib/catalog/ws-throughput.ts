// ws-throughput: the WebSocket performance guide's server targets: 10,000+ connections, 50,000
// msg/s of small (< 1 KB) messages, P99 < 10 ms, < 100 MB per 1,000 connections. Messages flow
// once every socket is open.
import { duration, num } from '../options.ts';
import { WS_KNOBS } from './common.ts';
import { declareScenario, knob, withDefaults } from './knob.ts';

export const WS_THROUGHPUT = declareScenario({
  name: 'ws-throughput',
  target: 'ws',
  question: 'Does a WebSocket server keep P99 under 10 ms at 50,000 msg/s, in under 100 MB per 1,000 connections?',
  load: '10,000 WebSockets, then 50,000 small messages a second across them, every echo timed',
  knobs: {
    ...WS_KNOBS,
    // Smoke: 1,000 connections, since with fewer the runtime's own heap growth swamps RSS per connection.
    CONNECTIONS: withDefaults(WS_KNOBS.CONNECTIONS, { full: 10_000, smoke: 1_000 }),
    SOCKETS_PER_VU: withDefaults(WS_KNOBS.SOCKETS_PER_VU, { full: 250, smoke: 100 }),
    RAMP: withDefaults(WS_KNOBS.RAMP, { full: '20s', smoke: '3s' }),
    MESSAGE_BYTES: withDefaults(WS_KNOBS.MESSAGE_BYTES, { full: 256 }),
    RATE: knob(num(0.001, 10_000_000), 'messages per second, all sockets together', { full: 50_000, smoke: 1_000 }),
    DURATION: knob(duration(1, 24 * 3600), 'how long messages flow after the ramp', { full: '60s', smoke: '8s' }),
  },
});
