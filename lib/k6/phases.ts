// Names the phase of a run (slow-upstream: steady, outage, recovering, recovered; recovery:
// before, blast, reduce, after; breaking-point: its stages) and tags every metric of the calling
// VU with it, so thresholds and tables can ask about one phase with a {phase:...} filter. Cheap
// enough for every iteration: a scan of a few spans and one tag.
import exec from 'k6/execution';

/** Phases in order, each until a second of the run (the last one has no end). */
export type Timeline = readonly { name: string; until: number }[];

export function phaseAt(seconds: number, t: Timeline): string {
  for (const p of t) if (seconds < p.until) return p.name;
  return t[t.length - 1]!.name;
}

// Each read of exec.instance or exec.vu builds a fresh info object in k6 (a CPU profile of a
// saturated run puts two reads a request at 6 % of k6's CPU). Once per VU, then: when the test
// started by this VU's clock, and its tags; a tag is written only when its phase changes.
let startedAt: number | undefined;
let vuTags: Record<string, string> | undefined;
const current: Record<string, string> = {};

/** Tags this VU's metrics from now on with the current phase (as `tag`), and returns it. */
export function tagPhase(t: Timeline, tag = 'phase'): string {
  if (startedAt === undefined) {
    startedAt = Date.now() - exec.instance.currentTestRunDuration;
    vuTags = exec.vu.metrics.tags as Record<string, string>;
  }
  const phase = phaseAt((Date.now() - startedAt) / 1000, t);
  if (current[tag] !== phase) {
    vuTags![tag] = phase;
    current[tag] = phase;
  }
  return phase;
}
