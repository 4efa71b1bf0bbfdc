// queue-offload: a burst of writes three times what the database sustains (the flood-defence
// study's message-queue offload). Does the service accept them at once and drain them at the
// database's pace, is each applied exactly once, and how long until the queue is empty?
import { duration, httpPath, int, num, text } from '../options.ts';
import { probeKnobs } from './common.ts';
import { declareScenario, knob } from './knob.ts';

export const QUEUE_OFFLOAD = declareScenario({
  name: 'queue-offload',
  target: 'queue-offload',
  question: 'A write burst 3x what the database takes: accepted at once, drained in time, each write applied exactly once?',
  load: 'constant arrival rate: 300 writes/s for 20 s (the database takes 100/s), then the drain, watched',
  knobs: {
    RATE: knob(num(0.001, 100_000), 'writes a second in the burst', { full: 300 }),
    BURST_FOR: knob(duration(1, 24 * 3600), 'length of the burst', { full: '20s', smoke: '2s' }),
    DRAIN_WITHIN: knob(duration(1, 24 * 3600), 'how long after the burst the queue must be empty', { full: '60s', smoke: '8s' }),
    SETTLE_FOR: knob(duration(1, 3600), 'how long the queue is watched once it must be empty', { full: '5s', smoke: '2s' }),
    RETRY_SHARE: knob(num(0, 1), 'share of writes the client sends twice with the same Idempotency-Key (a retry after a lost answer)', {
      full: 0.05,
    }),
    AMOUNT: knob(int(1, 1_000_000), 'the amount of each write', { full: 1 }),
    WRITE_PATH: knob(httpPath('/api/writes'), 'POST {amount} with an Idempotency-Key: 202 (queued) or 201 (applied)', {
      full: '/api/writes',
    }),
    LEDGER_PATH: knob(
      text(/^(\/\S*)?$/, 'a path starting with /, or empty'),
      "GET ?prefix=<run id>: the run's writes applied, their effects and those still queued (empty: no ledger check)",
      { full: '/api/ledger' },
    ),
    REQUEST_TIMEOUT: knob(duration(0.001, 600), "the writer's patience: an accept onto a queue takes milliseconds", {
      full: '5s',
      smoke: '1s',
    }),
    ...probeKnobs('target_queue_backlog=queue_backlog,target_queue_reclaimed=queue_reclaimed_entries'),
  },
});
