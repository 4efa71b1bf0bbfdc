// What lib/ costs per request: the echo scenario as shipped (knobs, failure classification,
// connection-reuse rate, checks, report-only thresholds, summary) against bare-echo.js doing
// the same request, both at saturation (no think time), alternating rounds in one run.
// Writes bench/results/lib-overhead.json. Goal: lib costs <= 3 % of requests per second.
// Beside req/s (noisy: k6 and the target share two cores) it records k6's own CPU time per
// request, which varies far less between rounds. A first warm-up pair is run and discarded.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildAll } from '../harness/build-step.mjs';
import { ensureK6, K6_VERSION } from '../harness/k6-setup.mjs';
import { k6Env } from '../harness/k6-env.mjs';
import { repoRoot } from '../harness/paths.mjs';
import { startTarget } from '../harness/target-process.ts';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 7);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 8);
const VUS = Number(process.env.BENCH_VUS ?? 20);
const GOAL = 0.03;

const k6 = ensureK6();
buildAll();
const target = await startTarget('echo');
const scratch = mkdtempSync(join(tmpdir(), 'floodgate-bench-'));

interface Measure {
  rps: number;
  /** k6's user + system CPU time per request, in microseconds. */
  cpuMicros: number;
}

/**
 * Runs k6 under bash so that `times` reports the CPU time k6 used (its children's line).
 * Thresholds are not the point here: a saturated run may cross latency bounds (exit 99).
 */
let runs = 0;
function k6CpuSeconds(args: string[]): number {
  // A run opens tens of thousands of connections, and each leaves a socket in TIME_WAIT for a
  // minute: the next run from the same source address would pay for the previous one's in
  // connect()'s search for a free port. Each run gets a source address of its own.
  const source = `127.0.${Math.floor(++runs / 250) + 10}.${(runs % 250) + 1}`;
  const r = spawnSync('bash', ['-c', '"$@" >/dev/null 2>&1; times', 'bench', k6, 'run', '--quiet', '--local-ips', source, ...args], {
    cwd: repoRoot,
    env: k6Env(process.env, repoRoot),
    encoding: 'utf8',
  });
  const children = r.stdout.trim().split('\n')[1] ?? '';
  const seconds = [...children.matchAll(/(\d+)m([\d.]+)s/g)].map((m) => Number(m[1]) * 60 + Number(m[2]));
  if (seconds.length !== 2) throw new Error(`could not read k6's CPU time from: ${r.stdout}`);
  return seconds[0]! + seconds[1]!;
}

function bare(round: number): Measure {
  const out = join(scratch, `bare-${round}.json`);
  const cpu = k6CpuSeconds([
    '-e',
    `BASE_URL=${target.url}`,
    '-e',
    `VUS=${VUS}`,
    '-e',
    `SECONDS=${SECONDS}`,
    '-e',
    `OUT=${out}`,
    join('bench', 'bare-echo.js'),
  ]);
  const { requests, seconds } = JSON.parse(readFileSync(out, 'utf8')) as { requests: number; seconds: number };
  return { rps: requests / seconds, cpuMicros: (cpu / requests) * 1e6 };
}

function withLib(round: number): Measure {
  const dir = join(scratch, `lib-${round}`);
  mkdirSync(dir);
  const cpu = k6CpuSeconds([
    '-e',
    `BASE_URL=${target.url}`,
    '-e',
    `STAGES=1s:${VUS},${SECONDS}s:${VUS}`,
    '-e',
    'THINK_TIME=0',
    '-e',
    'SKIP_PREFLIGHT=true',
    '-e',
    `RESULTS_DIR=${dir}`,
    join('dist', 'echo.js'),
  ]);
  const file = readdirSync(dir).find((f) => f.endsWith('.json'));
  if (!file) throw new Error('the echo scenario wrote no summary');
  const report = JSON.parse(readFileSync(join(dir, file), 'utf8')) as { requests: { count: number }; durationSeconds: number };
  return { rps: report.requests.count / report.durationSeconds, cpuMicros: (cpu / report.requests.count) * 1e6 };
}

const rounds: { bare: Measure; lib: Measure; rpsRatio: number; cpuRatio: number }[] = [];
try {
  // Warm-up: the target's JIT and the page cache, discarded.
  bare(-1);
  withLib(-1);
  for (let i = 0; i < ROUNDS; i++) {
    // Alternate which goes first, so drift in the machine's state does not favour one side.
    let b: Measure;
    let l: Measure;
    if (i % 2 === 0) {
      b = bare(i);
      l = withLib(i);
    } else {
      l = withLib(i);
      b = bare(i);
    }
    rounds.push({ bare: b, lib: l, rpsRatio: l.rps / b.rps, cpuRatio: l.cpuMicros / b.cpuMicros });
    process.stdout.write(
      `round ${i + 1}/${ROUNDS}: bare ${b.rps.toFixed(0)} req/s ${b.cpuMicros.toFixed(0)} µs CPU/req, ` +
        `with lib ${l.rps.toFixed(0)} req/s ${l.cpuMicros.toFixed(0)} µs CPU/req\n`,
    );
  }
} finally {
  await target.stop();
}

const medianOf = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const median = medianOf(rounds.map((r) => r.rpsRatio));
const cpuMedian = medianOf(rounds.map((r) => r.cpuRatio));
const result = {
  benchmark: 'lib-overhead',
  date: new Date().toISOString(),
  k6: K6_VERSION,
  load: { vus: VUS, seconds: SECONDS, thinkTime: 0, connection: 'new per request' },
  rounds,
  medianRpsRatio: median,
  libCostOfRps: 1 - median,
  medianK6CpuPerRequestRatio: cpuMedian,
  goal: `lib costs <= ${GOAL * 100} % of requests per second`,
  goalMet: 1 - median <= GOAL,
};
mkdirSync(join(repoRoot, 'bench', 'results'), { recursive: true });
const file = join(repoRoot, 'bench', 'results', 'lib-overhead.json');
writeFileSync(file, JSON.stringify(result, null, 2) + '\n');
process.stdout.write(
  `median req/s ratio ${median.toFixed(3)}: lib costs ${((1 - median) * 100).toFixed(1)} % of req/s (goal <= ${GOAL * 100} %); ` +
    `k6 CPU per request x${cpuMedian.toFixed(3)} -> ${file}\n`,
);
