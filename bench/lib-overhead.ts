// What lib/ costs per request: the echo scenario as shipped (knobs, failure classification,
// connection-reuse rate, checks, report-only thresholds, summary) against bare-echo.js doing
// the same request, both at saturation (no think time), alternating rounds in one run.
// Writes bench/results/lib-overhead.json. Goal: lib costs <= 3 % of requests per second.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildAll } from '../scripts/build-step.mjs';
import { ensureK6, K6_VERSION } from '../scripts/k6-setup.mjs';
import { k6Env } from '../scripts/k6-env.mjs';
import { repoRoot } from '../scripts/paths.mjs';
import { startTarget } from '../scripts/target-process.ts';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 8);
const VUS = Number(process.env.BENCH_VUS ?? 20);
const GOAL = 0.03;

const k6 = ensureK6();
buildAll();
const target = await startTarget('echo');
const scratch = mkdtempSync(join(tmpdir(), 'floodgate-bench-'));

function run(args: string[]): void {
  const r = spawnSync(k6, ['run', '--quiet', ...args], { cwd: repoRoot, env: k6Env(), encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`k6 ${args.join(' ')} exited ${r.status}:\n${r.stderr}`);
}

/** Requests per second of one bare round. */
function bare(round: number): number {
  const out = join(scratch, `bare-${round}.json`);
  run(['-e', `BASE_URL=${target.url}`, '-e', `VUS=${VUS}`, '-e', `SECONDS=${SECONDS}`, '-e', `OUT=${out}`, join('bench', 'bare-echo.js')]);
  const { requests, seconds } = JSON.parse(readFileSync(out, 'utf8')) as { requests: number; seconds: number };
  return requests / seconds;
}

/** Requests per second of one round of the shipped scenario, same load. */
function withLib(round: number): number {
  const dir = join(scratch, `lib-${round}`);
  mkdirSync(dir);
  // Thresholds are not the point here: a saturated run may cross latency bounds (exit 99).
  spawnSync(k6, ['run', '--quiet', '-e', `BASE_URL=${target.url}`, '-e', `STAGES=1s:${VUS},${SECONDS}s:${VUS}`, '-e', 'THINK_TIME=0',
    '-e', 'SKIP_PREFLIGHT=true', '-e', `RESULTS_DIR=${dir}`, join('dist', 'echo.js')], { cwd: repoRoot, env: k6Env() });
  const file = readdirSync(dir).find((f) => f.endsWith('.json'));
  if (!file) throw new Error('the echo scenario wrote no summary');
  const report = JSON.parse(readFileSync(join(dir, file), 'utf8')) as { requests: { count: number }; durationSeconds: number };
  return report.requests.count / report.durationSeconds;
}

const rounds: { bareRps: number; libRps: number; ratio: number }[] = [];
try {
  for (let i = 0; i < ROUNDS; i++) {
    // Alternate which goes first, so drift in the machine's state does not favour one side.
    const [b, l] = i % 2 === 0 ? [bare(i), withLib(i)] : (([l2, b2]) => [b2, l2])([withLib(i), bare(i)]);
    rounds.push({ bareRps: b, libRps: l, ratio: l / b });
    process.stdout.write(`round ${i + 1}/${ROUNDS}: bare ${b.toFixed(0)} req/s, with lib ${l.toFixed(0)} req/s, ratio ${(l / b).toFixed(3)}\n`);
  }
} finally {
  await target.stop();
}

const ratios = rounds.map((r) => r.ratio).sort((a, b) => a - b);
const median = ratios[Math.floor(ratios.length / 2)]!;
const result = {
  benchmark: 'lib-overhead',
  date: new Date().toISOString(),
  k6: K6_VERSION,
  load: { vus: VUS, seconds: SECONDS, thinkTime: 0, connection: 'new per request' },
  rounds,
  medianRatio: median,
  libCostOfRps: 1 - median,
  goal: `lib costs <= ${GOAL * 100} % of requests per second`,
  goalMet: 1 - median <= GOAL,
};
mkdirSync(join(repoRoot, 'bench', 'results'), { recursive: true });
const file = join(repoRoot, 'bench', 'results', 'lib-overhead.json');
writeFileSync(file, JSON.stringify(result, null, 2) + '\n');
process.stdout.write(`median ratio ${median.toFixed(3)}: lib costs ${((1 - median) * 100).toFixed(1)} % of req/s (goal <= ${GOAL * 100} %) -> ${file}\n`);
