// How many WebSocket connections this machine holds for HOLD seconds with none cut, k6 and the
// target both on it (the 100,000-connections study's question: it stalled near 51,000). For each count asked (default
// 100,000; stretch 200,000): the ws target with enough workers, `npm run fanout -- ws-hold` with
// enough k6 processes (each process may hold at most 20,000 files here), and while it runs, the
// RSS of every k6 process and every target process, sampled from /proc. Writes
// bench/results/ws-hold.json, appending to the runs already there: per count, whether it held,
// ramp time, and RSS per connection of k6 and of the target side by side.
//   npm run bench:ws -- [connections,...]        e.g. npm run bench:ws -- 100000,200000
// Env: BENCH_HOLD (default 60s), BENCH_PER_PROC (connections per k6 process and per target
// worker, default 12500), BENCH_RAMP_PER_SECOND (default 300), BENCH_KEEPALIVE (each socket's
// ping and echo interval, default 60s). On 2 cores the ramp is CPU-bound: every handshake costs
// k6 and the target CPU, and a faster ramp overflows the target's accept queue.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { K6_VERSION } from '../harness/k6-setup.mjs';
import { repoRoot } from '../harness/paths.mjs';
import { startTarget } from '../harness/target-process.ts';

const counts = (process.argv[2] ?? '100000').split(',').map(Number);
const HOLD = process.env.BENCH_HOLD ?? '60s';
const PER_PROC = Number(process.env.BENCH_PER_PROC ?? 12_500);
const RAMP_PER_SECOND = Number(process.env.BENCH_RAMP_PER_SECOND ?? 300);
const KEEPALIVE = process.env.BENCH_KEEPALIVE ?? '60s';
const SOCKETS_PER_VU = 500;
const SAMPLE_MS = 1_000;

/** Connections the kernel dropped because a listen queue was full, since boot (nstat's TcpExtListenOverflows). */
function listenOverflows(): number {
  const lines = readFileSync('/proc/net/netstat', 'utf8')
    .split('\n')
    .filter((l) => l.startsWith('TcpExt:'));
  const names = lines[0]!.split(/\s+/);
  const values = lines[1]!.split(/\s+/);
  return Number(values[names.indexOf('ListenOverflows')] ?? 0);
}

/** RSS in bytes of each process whose command line matches, from /proc (no ps parsing). */
function rssOf(match: (cmd: string) => boolean): number[] {
  const out: number[] = [];
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
      if (!match(cmd)) continue;
      const kb = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
      if (kb) out.push(Number(kb) * 1024);
    } catch {
      // the process ended between listing and reading
    }
  }
  return out;
}

interface Result {
  connections: number;
  k6Processes: number;
  targetWorkers: number;
  held: boolean;
  exitCode: number;
  established: number | null;
  unexpectedCloses: number | null;
  failureModes: Record<string, number>;
  /** Seconds from the start until the target counted every connection open. */
  rampSeconds: number | null;
  peakOpenAtTarget: number;
  k6RssPeakBytes: number;
  targetRssPeakBytes: number;
  k6RssPerConnectionBytes: number;
  targetRssPerConnectionBytes: number;
  /** k6 per connection / target per connection. */
  k6ToTargetRatio: number;
  /** Connections dropped at the target's full accept queue during the run: the ramp outran it. */
  listenOverflows: number;
  /** The most one target worker held at once (each may hold at most the per-process file limit). */
  maxPerWorker: number;
}

async function measure(connections: number): Promise<Result> {
  const procs = Math.ceil(connections / PER_PROC);
  const workers = procs;
  const rampSeconds = Math.ceil(connections / RAMP_PER_SECOND);
  const target = await startTarget('ws', ['--workers', String(workers)]);
  process.stdout.write(
    `ws-hold bench: ${connections} connections, ${procs} k6 processes, ${workers} target workers, ramp ${rampSeconds}s, hold ${HOLD}\n`,
  );
  const overflowsBefore = listenOverflows();
  let maxPerWorker = 0;
  const started = Date.now();
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      'scripts/fanout.ts',
      'ws-hold',
      '--procs',
      String(procs),
      ...['-e', `BASE_URL=${target.url}`, '-e', `CONNECTIONS=${connections}`, '-e', `SOCKETS_PER_VU=${SOCKETS_PER_VU}`],
      ...[
        '-e',
        `RAMP=${rampSeconds}s`,
        '-e',
        `HOLD=${HOLD}`,
        '-e',
        `PING_INTERVAL=${KEEPALIVE}`,
        '-e',
        `ECHO_INTERVAL=${KEEPALIVE}`,
        '-e',
        'PROBE_INTERVAL=5s',
      ],
    ],
    { cwd: repoRoot, stdio: ['ignore', 'pipe', 'inherit'] },
  );
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  let k6Peak = 0;
  let targetPeak = 0;
  let openPeak = 0;
  let rampDone: number | null = null;
  const sampler = setInterval(async () => {
    k6Peak = Math.max(
      k6Peak,
      rssOf((c) => /\bk6 run\b/.test(c) && c.includes('ws-hold.js')).reduce((a, b) => a + b, 0),
    );
    // The primary and its workers: the workers run the same bundle with no arguments after it.
    const tree = rssOf((c) => c.includes('dist/targets.mjs') && (c.includes(` ws `) || c.trimEnd().endsWith('dist/targets.mjs')));
    targetPeak = Math.max(
      targetPeak,
      tree.reduce((a, b) => a + b, 0),
    );
    try {
      const text = await (await fetch(`${target.url}/metrics`, { signal: AbortSignal.timeout(SAMPLE_MS * 3) })).text();
      for (const m of text.matchAll(/^ws_open_connections\{[^}]*\} (\d+)/gm)) maxPerWorker = Math.max(maxPerWorker, Number(m[1]));
      const open = [...text.matchAll(/^ws_open_connections\{[^}]*\} (\d+)/gm)].reduce((s, m) => s + Number(m[1]), 0);
      openPeak = Math.max(openPeak, open);
      if (rampDone === null && open >= connections) rampDone = (Date.now() - started) / 1000;
    } catch {
      // the target is busy; the next sample will do
    }
  }, SAMPLE_MS);
  const code = await new Promise<number>((resolve) => child.on('exit', (c) => resolve(c ?? 1)));
  clearInterval(sampler);
  await target.stop();
  const mergedFile = /(\S+-merged\.json)/.exec(out)?.[1];
  const merged = mergedFile
    ? (JSON.parse(readFileSync(join(repoRoot, mergedFile), 'utf8')) as {
        failureModes: Record<string, number>;
        k6: Record<string, { values: Record<string, number> }>;
      })
    : undefined;
  const established = merged?.k6.ws_established?.values.passes ?? null;
  const unexpected = merged?.k6.ws_unexpected_closes?.values.count ?? null;
  const failureModes = Object.fromEntries(Object.entries(merged?.failureModes ?? {}).filter(([, n]) => n > 0));
  const k6Per = k6Peak / connections;
  const targetPer = targetPeak / connections;
  return {
    connections,
    k6Processes: procs,
    targetWorkers: workers,
    held: code === 0 && established === connections && unexpected === 0,
    exitCode: code,
    established,
    unexpectedCloses: unexpected,
    failureModes,
    rampSeconds: rampDone,
    peakOpenAtTarget: openPeak,
    k6RssPeakBytes: k6Peak,
    targetRssPeakBytes: targetPeak,
    k6RssPerConnectionBytes: Math.round(k6Per),
    targetRssPerConnectionBytes: Math.round(targetPer),
    k6ToTargetRatio: Number((k6Per / targetPer).toFixed(2)),
    listenOverflows: listenOverflows() - overflowsBefore,
    maxPerWorker,
  };
}

const results: Result[] = [];
for (const c of counts) {
  const r = await measure(c);
  results.push(r);
  process.stdout.write(
    `  ${r.held ? 'held' : 'NOT held'}: ${r.established ?? '?'} established, ${r.unexpectedCloses ?? '?'} cut, ramp ${r.rampSeconds ?? '?'}s; ` +
      `k6 ${(r.k6RssPerConnectionBytes / 1024).toFixed(1)} KiB/conn, target ${(r.targetRssPerConnectionBytes / 1024).toFixed(1)} KiB/conn (k6/target ${r.k6ToTargetRatio}); ` +
      `${r.listenOverflows} dropped at a full accept queue; at most ${r.maxPerWorker} on one worker\n`,
  );
}
const dir = join(repoRoot, 'bench', 'results');
mkdirSync(dir, { recursive: true });
const file = join(dir, 'ws-hold.json');
const most = Math.max(0, ...results.filter((r) => r.held).map((r) => r.connections));
// Every run is kept, held or not: a count held once and not the next time is not a result.
interface Run {
  k6: string;
  hold: string;
  rampPerSecond: number;
  mostHeld: number;
  at: string;
  results: Result[];
}
// A file from before runs were kept holds one run at its top level: it becomes the first.
const kept = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as { runs?: Run[] } & Partial<Run>) : {};
const previous: Run[] = kept.runs ?? (kept.results ? [kept as Run] : []);
const run: Run = { k6: K6_VERSION, hold: HOLD, rampPerSecond: RAMP_PER_SECOND, mostHeld: most, at: new Date().toISOString(), results };
writeFileSync(file, JSON.stringify({ goal: 100_000, stretch: 200_000, runs: [...previous, run] }, null, 2) + '\n');
for (const c of counts) {
  // Only runs asked the same way (hold, ramp) count together.
  const all = [...previous, run]
    .filter((r) => r.hold === HOLD && r.rampPerSecond === RAMP_PER_SECOND)
    .flatMap((r) => r.results)
    .filter((r) => r.connections === c);
  process.stdout.write(
    `${c}: held in ${all.filter((r) => r.held).length} of ${all.length} runs recorded with hold ${HOLD} and ramp ${RAMP_PER_SECOND}/s\n`,
  );
}
process.stdout.write(`most connections held ${HOLD} with none cut: ${most}; appended to bench/results/ws-hold.json\n`);
