// Starts a reference target as a real process (the built dist/targets.mjs) on a free port and
// reads its Prometheus metrics: for the demo, the benchmarks and the tests.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { sampleSum } from '../lib/prometheus.ts';

const TARGETS_BUNDLE = fileURLToPath(new URL('../dist/targets.mjs', import.meta.url));

export interface TargetProcess {
  url: string;
  child: ChildProcess;
  output: () => string;
  /** The sum of a Prometheus metric's samples whose labels include `labels`. */
  metric(name: string, labels?: Record<string, string>): Promise<number>;
  /** SIGTERM, then the exit code and how long the exit took. */
  stop(): Promise<{ code: number | null; ms: number }>;
}

/**
 * `detached`: in a process group of its own, so a Ctrl-C meant for the load (k6 stops and still
 * reports) does not also stop the target under it; it is stopped when this process exits.
 */
export async function startTarget(name: string, args: string[] = [], o: { detached?: boolean } = {}): Promise<TargetProcess> {
  const child = spawn(process.execPath, [TARGETS_BUNDLE, name, '--port', '0', ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: o.detached === true,
  });
  if (o.detached) process.once('exit', () => child.exitCode === null && child.kill('SIGTERM'));
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`target ${name} did not start in 10 s:\n${out}`)), 10_000);
    const onData = () => {
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        child.stdout!.off('data', onData);
        resolve(m[1]!);
      }
    };
    child.stdout!.on('data', onData);
    child.once('exit', (code) => reject(new Error(`target ${name} exited with ${code}:\n${out}`)));
  });
  return {
    url,
    child,
    output: () => out,
    async metric(metricName, labels = {}) {
      const text = await (await fetch(`${url}/metrics`)).text();
      const matchers = Object.entries(labels).map(([label, value]) => ({ label, op: '=' as const, value }));
      return sampleSum(text, { name: metricName, matchers }) ?? 0;
    },
    async stop() {
      if (child.exitCode !== null) return { code: child.exitCode, ms: 0 };
      const started = performance.now();
      child.kill('SIGTERM');
      const [code] = (await once(child, 'exit')) as [number | null];
      return { code, ms: performance.now() - started };
    },
  };
}
