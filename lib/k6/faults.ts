// Faults injected into the service's dependency, on the scenario's timeline: with -e FAULTS_URL
// (the fault proxy `npm run faults` starts, harness/faults.ts), a one-VU `faults` scenario adds
// each fault when its moment comes and removes it when it passes (latency on the upstream for the
// whole run, the store cut mid-run...), renewing the run's lease every second. The proxy removes
// a silent run's faults when the lease runs out, so a k6 killed mid-outage leaves nothing behind;
// the end of the run, an abort and Ctrl-C remove them at once (teardown).
import http from 'k6/http';
import exec from 'k6/execution';
import { sleep } from 'k6';
import type { Scenario } from 'k6/options';
import { PREFIX } from '../fail.ts';
import { newRunId } from '../run-id.ts';
import { assertSafeTargets } from '../safety.ts';

/** A toxic as toxiproxy takes it: `latency` {latency, jitter}, `timeout` {timeout}, `reset_peer` {timeout}... */
export interface ToxicSpec {
  type: string;
  stream?: 'upstream' | 'downstream';
  toxicity?: number;
  attributes?: Record<string, number>;
}

/** A fault on the proxy from `from` to `until` seconds into the run. */
export interface FaultStep {
  name: string;
  from: number;
  until: number;
  toxic: ToxicSpec;
}

/** The knobs a scenario with faults has (lib/catalog/common.ts, faultKnobs). */
export interface FaultKnobs {
  FAULTS_URL: string;
  FAULT_PROXY: string;
}

// The proxy's answers are the harness's business: none counts as a failed request of the load.
const anyAnswer = http.expectedStatuses({ min: 100, max: 599 });
const params = { tags: { name: 'faults' }, timeout: '5s', responseCallback: anyAnswer };
const RENEW_EVERY_MS = 1000;

/**
 * The faults of a run, or undefined without FAULTS_URL: the scenario to add to the options, the
 * check and the run id setup() makes, the exec function, and what teardown() calls.
 */
export function faultDriver(run: { allowedHosts: readonly string[] }, k: FaultKnobs, seconds: number, steps: FaultStep[]) {
  if (k.FAULTS_URL === '') return undefined;
  const url = k.FAULTS_URL.replace(/\/+$/, '');
  // The proxy is told to cut things off: it is held to loopback or ALLOWED_HOSTS like BASE_URL.
  assertSafeTargets({ FAULTS_URL: url }, run.allowedHosts);
  const scenario: Scenario = {
    executor: 'per-vu-iterations',
    vus: 1,
    iterations: 1,
    maxDuration: `${Math.ceil(seconds) + 30}s`,
    gracefulStop: '5s',
    exec: 'driveFaults',
  };

  /** In setup(), before any load: the proxy answers, is npm run faults', and has the proxy asked for. */
  function begin(): string {
    const home = http.get(`${url}/`, params);
    let kind: unknown;
    try {
      kind = home.status === 200 ? home.json('floodgate') : undefined;
    } catch {
      kind = undefined;
    }
    if (kind !== 'faults') {
      exec.test.abort(
        `${PREFIX} -e FAULTS_URL=${k.FAULTS_URL}: ${home.status === 0 ? `nothing answered (${home.error})` : `HTTP ${home.status}, not the fault proxy`}. ` +
          `Start it with npm run faults -- ${k.FAULT_PROXY}=<listen>:<your dependency> and give its address; a bare toxiproxy will not do: ` +
          "npm run faults removes a killed run's faults, toxiproxy keeps them",
      );
    }
    const proxies = http.get(`${url}/proxies`, params);
    const names = proxies.status === 200 ? Object.keys(proxies.json() as Record<string, unknown>) : [];
    if (!names.includes(k.FAULT_PROXY)) {
      exec.test.abort(
        `${PREFIX} -e FAULT_PROXY=${k.FAULT_PROXY}: the fault proxy at ${url} has no such proxy; it has ${names.join(', ') || 'none'}. ` +
          `Name one of them, or start it with ${k.FAULT_PROXY}=<listen>:<your dependency>`,
      );
    }
    const id = newRunId();
    renew(id);
    return id;
  }

  const renew = (id: string) => http.post(`${url}/runs/${id}/lease`, null, params);

  function put(id: string, step: FaultStep): void {
    const res = http.put(`${url}/runs/${id}/toxics/${k.FAULT_PROXY}/${step.name}`, JSON.stringify(step.toxic), {
      ...params,
      headers: { 'Content-Type': 'application/json' },
    });
    if (res.status !== 200)
      console.warn(`${PREFIX} the fault proxy refused ${step.name} on ${k.FAULT_PROXY}: HTTP ${res.status} ${String(res.body)}`);
  }

  /** The `faults` scenario: each step on at its moment and off after it, the lease renewed each second. */
  function drive(id: string): void {
    const started = Date.now();
    const on = new Set<string>();
    for (;;) {
      const t = (Date.now() - started) / 1000;
      if (t >= seconds) break;
      for (const step of steps) {
        const due = t >= step.from && t < step.until;
        if (due && !on.has(step.name)) {
          put(id, step);
          on.add(step.name);
        } else if (!due && on.has(step.name)) {
          http.del(`${url}/runs/${id}/toxics/${k.FAULT_PROXY}/${step.name}`, null, params);
          on.delete(step.name);
        }
      }
      renew(id);
      // Wake at the next step's edge if it comes before the next renewal.
      const edges = steps.flatMap((s) => [s.from, s.until]).filter((e) => e > t);
      const next = Math.min(RENEW_EVERY_MS / 1000, ...edges.map((e) => e - t), seconds - t);
      sleep(Math.max(0.01, next));
    }
    end(id);
  }

  /** Every fault of the run, off: at its end, and from teardown() after an abort or Ctrl-C. */
  function end(id: string | undefined): void {
    if (id) http.del(`${url}/runs/${id}`, null, params);
  }

  return { scenario, begin, drive, end, proxy: k.FAULT_PROXY, url };
}

/** Latency on every answer of the dependency, from the start to `until`: none for 0 ms. */
export function latencyStep(latencyMs: number, jitterMs: number, until: number): FaultStep[] {
  if (latencyMs <= 0) return [];
  return [
    {
      name: 'latency',
      from: 0,
      until,
      toxic: { type: 'latency', stream: 'downstream', attributes: { latency: latencyMs, jitter: jitterMs } },
    },
  ];
}

/**
 * The dependency cut off from `from` to `until`, as TCP can: `reset` refuses at once (a
 * connection reset: the caller fails fast), `hang` lets no answer through (the caller waits out
 * its own timeout).
 */
export function cutStep(from: number, until: number, how: 'reset' | 'hang'): FaultStep {
  const toxic: ToxicSpec =
    how === 'reset'
      ? { type: 'reset_peer', stream: 'upstream', attributes: { timeout: 0 } }
      : { type: 'timeout', stream: 'downstream', attributes: { timeout: 0 } };
  return { name: 'outage', from, until, toxic };
}
