// Names the phase of a run with an outage in it (steady, outage, recovering, recovered) and
// tags every metric of the calling VU with it, so thresholds can ask "after recovery, is the
// circuit closed?" with a {phase:recovered} filter.
import exec from 'k6/execution';

export type Phase = 'steady' | 'outage' | 'recovering' | 'recovered';

export interface Timeline {
  outageAtSeconds: number;
  outageForSeconds: number;
  /** How long after the outage ends the target is given to be healthy again. */
  recoverySeconds: number;
}

export function phaseAt(seconds: number, t: Timeline): Phase {
  if (seconds < t.outageAtSeconds) return 'steady';
  if (seconds < t.outageAtSeconds + t.outageForSeconds) return 'outage';
  if (seconds < t.outageAtSeconds + t.outageForSeconds + t.recoverySeconds) return 'recovering';
  return 'recovered';
}

/** Tags this VU's metrics from now on with the current phase, and returns it. */
export function tagPhase(t: Timeline): Phase {
  const phase = phaseAt(exec.instance.currentTestRunDuration / 1000, t);
  exec.vu.metrics.tags.phase = phase;
  return phase;
}
