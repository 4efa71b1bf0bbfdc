// The single-container study at full size on this machine: breaking-point (100 → 1,000 clients)
// and recovery (a 2,000 req/s blast) against the capacity target in both modes, k6 and the
// target on the same two cores. While each run goes, k6's and the target's CPU and RSS are
// sampled from /proc every second, side by side, so the report says whether the generator or
// the service ran out first. Writes bench/results/capacity.json and, for each breaking-point
// run, its degradation curve (bench/results/capacity-<mode>-curve.svg).
//   npm run bench:capacity [-- breaking-point|recovery ...]
import { spawn } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildAll } from '../harness/build-step.mjs';
import { ensureK6, K6_VERSION } from '../harness/k6-setup.mjs';
import { k6Env } from '../harness/k6-env.mjs';
import { repoRoot } from '../harness/paths.mjs';
import { startTarget } from '../harness/target-process.ts';
import { writeCurve } from '../harness/curve.ts';
import { processUsage } from './proc.ts';

const SCENARIOS = process.argv.slice(2).length > 0 ? process.argv.slice(2) : ['breaking-point', 'recovery'];
const MODES = ['protected', 'naive'];

/** CPU seconds and RSS bytes of one process; null once it is gone. */
function sample(pid: number): { cpu: number; rss: number } | null {
  const u = processUsage(pid);
  return u && { cpu: u.cpuSeconds, rss: u.rssBytes };
}

interface Usage {
  /** Cores used, averaged over the run, and the busiest second. */
  avgCores: number;
  maxCores: number;
  maxRssMiB: number;
}

/** Samples `pids` every second until `done` settles; per process, its CPU (cores) and peak RSS. */
async function watch(pids: Record<string, number>, done: Promise<unknown>): Promise<Record<string, Usage>> {
  const first = Object.fromEntries(Object.entries(pids).map(([k, pid]) => [k, sample(pid)]));
  const last = { ...first };
  const peak: Record<string, { cores: number; rss: number }> = Object.fromEntries(Object.keys(pids).map((k) => [k, { cores: 0, rss: 0 }]));
  const started = Date.now();
  let finished = false;
  void done.finally(() => (finished = true));
  while (!finished) {
    await new Promise((r) => setTimeout(r, 1000));
    for (const [k, pid] of Object.entries(pids)) {
      const s = sample(pid);
      if (!s) continue;
      const before = last[k];
      if (before) peak[k]!.cores = Math.max(peak[k]!.cores, s.cpu - before.cpu);
      peak[k]!.rss = Math.max(peak[k]!.rss, s.rss);
      last[k] = s;
    }
  }
  const seconds = (Date.now() - started) / 1000;
  return Object.fromEntries(
    Object.keys(pids).map((k) => [
      k,
      {
        avgCores: first[k] && last[k] ? (last[k]!.cpu - first[k]!.cpu) / seconds : 0,
        maxCores: peak[k]!.cores,
        maxRssMiB: peak[k]!.rss / 1048576,
      },
    ]),
  );
}

const k6 = ensureK6();
buildAll();
const out = join(repoRoot, 'bench', 'results');
mkdirSync(out, { recursive: true });
const runs: Record<string, unknown>[] = [];
for (const scenario of SCENARIOS) {
  for (const mode of MODES) {
    const target = await startTarget('capacity', ['--mode', mode]);
    const dir = mkdtempSync(join(tmpdir(), 'floodgate-capacity-'));
    process.stdout.write(`${scenario} against capacity --mode ${mode} (full profile) ...\n`);
    const child = spawn(
      k6,
      ['run', '--quiet', '-e', `BASE_URL=${target.url}`, '-e', `RESULTS_DIR=${dir}`, join('dist', `${scenario}.js`)],
      {
        cwd: repoRoot,
        env: k6Env(process.env, repoRoot),
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let stdout = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stdout += d));
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    const usage = await watch({ k6: child.pid!, target: target.child.pid! }, exited);
    const code = await exited;
    await target.stop();
    const json = readdirSync(dir).find((f) => f.endsWith('.json'));
    const report = json ? (JSON.parse(readFileSync(join(dir, json), 'utf8')) as Record<string, unknown>) : undefined;
    let curve: string | undefined;
    if (json && scenario === 'breaking-point') {
      curve = join(out, `capacity-${mode}-curve.svg`);
      copyFileSync(await writeCurve(join(dir, json)), curve);
    }
    const { k6: _raw, ...summary } = report ?? {};
    runs.push({ scenario, mode, exit: code, usage, summary, curve: curve && `bench/results/capacity-${mode}-curve.svg` });
    process.stdout.write(stdout.slice(stdout.indexOf('\nfloodgate ·')));
    process.stdout.write(
      `  k6: ${usage.k6!.avgCores.toFixed(2)} cores on average, ${usage.k6!.maxCores.toFixed(2)} at most, ${usage.k6!.maxRssMiB.toFixed(0)} MiB RSS at most; ` +
        `target: ${usage.target!.avgCores.toFixed(2)} cores, ${usage.target!.maxCores.toFixed(2)} at most, ${usage.target!.maxRssMiB.toFixed(0)} MiB\n`,
    );
  }
}
const file = join(out, 'capacity.json');
writeFileSync(
  file,
  JSON.stringify({ benchmark: 'capacity', date: new Date().toISOString(), k6: K6_VERSION, cores: 2, runs }, null, 2) + '\n',
);
process.stdout.write(`written to ${file}\n`);
