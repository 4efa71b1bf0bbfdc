// Clients as the studies model them: each sends a request, waits its think time, and sends the
// next, so N clients send about N / think-time requests a second while the service keeps up.
import type { RefinedResponse, ResponseType } from 'k6/http';
import exec from 'k6/execution';
import { sleep } from 'k6';
import { tagPhase, type Timeline } from './phases.ts';
import { trackFailure } from './metrics.ts';

const GOLDEN = 0.6180339887498949;
/** The scenarios (by key) in which this VU (module state is per VU) has made its first turn. */
const started = new Set<string>();

/**
 * On a VU's first iteration, waits a share of the think time, so clients are spread over it
 * instead of all sending at once each second: a synchronised herd queues behind itself and
 * measures the herd. The golden-ratio sequence spreads any batch of VUs that start together
 * (a stage's new clients) evenly, whatever its size.
 */
export function staggerStart(thinkTime: number, key = ''): void {
  // A set, not exec.vu.iterationInScenario: each read of exec.vu builds an object in k6. A VU
  // reused by a later scenario (`key`) starts spread again, not with every other VU at once.
  if (started.has(key)) return;
  started.add(key);
  if (thinkTime > 0) sleep(((exec.vu.idInTest * GOLDEN) % 1) * thinkTime);
}

/**
 * One turn of a client: (first time) its spread start, its requests tagged with the phase of
 * the run (`tag`: phase, stage), one request (`sendOne`) counted by failure mode, then its think time, varied
 * by up to half either way. A fixed think time keeps a herd together: clients answered in
 * the same instant after a stall all come back in the same instant a think time later, so one
 * hiccup echoes every second. Measured at 500 clients against a service at 60 % of its
 * capacity: p99 170 ms with a fixed second, far less varied.
 */
export function clientTurn(
  sendOne: () => RefinedResponse<ResponseType | undefined>,
  thinkTime: number,
  timeline: Timeline,
  tag = 'phase',
): void {
  staggerStart(thinkTime);
  tagPhase(timeline, tag);
  trackFailure(sendOne());
  if (thinkTime > 0) sleep(thinkTime * (0.5 + Math.random()));
}
