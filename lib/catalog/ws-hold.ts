// ws-hold: can one box hold 100,000 connections (the 100,000-connections study stalled near
// 51,000; it held each 10 s)? One k6 process may hold at most 20,000 open files here, so the
// full profile holds 10,000 (the WebSocket performance guide's server target) and 100,000 is a
// split run: npm run fanout -- ws-hold --procs 8 -e CONNECTIONS=100000.
import { duration } from '../options.ts';
import { WS_KNOBS } from './common.ts';
import { declareScenario, knob, withDefaults } from './knob.ts';

export const WS_HOLD = declareScenario({
  name: 'ws-hold',
  target: 'ws',
  question: 'Does every WebSocket handshake succeed, and does every connection survive the hold?',
  load: '10,000 WebSockets (many per VU) opened over a ramp, held with pings and echoes; 100,000 split over processes',
  knobs: {
    ...WS_KNOBS,
    CONNECTIONS: withDefaults(WS_KNOBS.CONNECTIONS, { full: 10_000, smoke: 300 }),
    SOCKETS_PER_VU: withDefaults(WS_KNOBS.SOCKETS_PER_VU, { full: 250, smoke: 50 }),
    RAMP: withDefaults(WS_KNOBS.RAMP, { full: '30s', smoke: '3s' }),
    MESSAGE_BYTES: withDefaults(WS_KNOBS.MESSAGE_BYTES, { full: 64 }),
    HOLD: knob(duration(0, 24 * 3600), 'how long the sockets stay open after the ramp', { full: '60s', smoke: '5s' }),
    PING_INTERVAL: knob(duration(0, 3600), 'a ping from each socket this often (0: no pings)', { full: '10s', smoke: '1s' }),
    // Cannot be 0: the echo gate needs echoes.
    ECHO_INTERVAL: knob(duration(0.05, 3600), 'an echoed message from each socket this often', { full: '10s', smoke: '1s' }),
  },
});
