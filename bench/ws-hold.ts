// How many WebSocket connections this machine holds for HOLD seconds with none cut, k6 and the
// target both on it (the 100,000-connections study's question: it stalled near 51,000). For each
// count asked (default 100,000; stretch 200,000): the ws target with enough workers, `npm run
// fanout -- ws-hold` with enough k6 processes (each process may hold at most 20,000 files here),
// and while it runs, the RSS of every k6 process and every target process, sampled from /proc.
// Appends each count's run to bench/results/ws-hold.json as it ends (held or not: whether it
// held, the ramp time, k6's and the target's RSS per connection side by side), and rewrites the
// README's and docs/benchmarks.md's tables from that file.
//   npm run bench:ws -- [connections,...]        e.g. npm run bench:ws -- 100000,200000
// Env: BENCH_HOLD (default 60s), BENCH_PER_PROC (connections per k6 process and per target
// worker, default 12500), BENCH_RAMP_PER_SECOND (the ramp's scheduled pace, default 250),
// BENCH_CONNECTING_PER_VU (handshakes a VU has under way at most, default 2; 0: no limit),
// BENCH_GOGC (Go's GC target for k6; default 100, Go's own), BENCH_KEEPALIVE (each socket's ping and
// echo interval, default 60s). The sockets are held by the stock k6 the pack pins
// (k6/websockets). On 2 cores the ramp is CPU-bound: every handshake costs k6 and the target
// CPU. At a fixed pace, a moment when both cores are saturated left thousands of handshakes
// waiting at the target's accept queue, which overflowed (303 dropped at 87,231 open, one run of
// six). So the ramp is paced by what the target accepts: each VU waits for its handshakes under
// way (at most BENCH_CONNECTING_PER_VU) before it opens the next, which bounds those waiting at
// the accept queue by VUs × that (400 of its 4,096) and lets the ramp take as long as it must;
// the run records the ramp it took, and each VU holds its sockets HOLD after its last open.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { K6_VERSION } from '../harness/k6-setup.mjs';
import { repoRoot } from '../harness/paths.mjs';
import { startTarget } from '../harness/target-process.ts';
import { askedAs, wsHoldRuns, type WsHoldResult, type WsHoldRun } from '../harness/bench-tables.ts';
import { writeDocs } from '../harness/docs.ts';
import { durationSeconds } from '../lib/options.ts';
import { processUsage } from './proc.ts';

const counts = (process.argv[2] ?? '100000').split(',').map(Number);
const HOLD = process.env.BENCH_HOLD ?? '60s';
const PER_PROC = Number(process.env.BENCH_PER_PROC ?? 12_500);
const RAMP_PER_SECOND = Number(process.env.BENCH_RAMP_PER_SECOND ?? 250);
const KEEPALIVE = process.env.BENCH_KEEPALIVE ?? '60s';
const CONNECTING_PER_VU = Number(process.env.BENCH_CONNECTING_PER_VU ?? 2);
// Go's default, not the 10 the pack gives ws-hold (harness/k6-env.mjs): here CPU is what runs
// out, not memory (100,000 sockets at 80 KiB are 8 GB of 24), and a GC target of 10 costs k6
// about half a core more while they are held.
const GOGC = process.env.BENCH_GOGC ?? '100';
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

/** RSS in bytes and CPU seconds used so far of each process whose command line matches, from /proc (no ps parsing). */
function usageOf(match: (cmd: string) => boolean): { pid: string; rss: number; cpuSeconds: number }[] {
  const out: { pid: string; rss: number; cpuSeconds: number }[] = [];
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
      if (!match(cmd)) continue;
    } catch {
      continue; // the process ended between listing and reading
    }
    const u = processUsage(pid);
    if (u && u.rssBytes > 0) out.push({ pid, rss: u.rssBytes, cpuSeconds: u.cpuSeconds });
  }
  return out;
}

const sum = (m: Map<string, number>) => [...m.values()].reduce((a, b) => a + b, 0);

/** Cores used between two CPU readings, by k6 and by the target; null without both. */
function heldCores(
  from: { at: number; k6: number; target: number } | null,
  to: { at: number; k6: number; target: number } | null,
): WsHoldResult['holdCores'] {
  if (from === null || to === null) return null;
  const seconds = (to.at - from.at) / 1000;
  const cores = (a: number, b: number) => Number(((b - a) / seconds).toFixed(2));
  return { k6: cores(from.k6, to.k6), target: cores(from.target, to.target), seconds: Math.round(seconds) };
}

async function measure(connections: number): Promise<WsHoldResult> {
  const procs = Math.ceil(connections / PER_PROC);
  const workers = procs;
  const rampSeconds = Math.ceil(connections / RAMP_PER_SECOND);
  const target = await startTarget('ws', ['--workers', String(workers)]);
  process.stdout.write(
    `ws-hold bench: ${connections} connections, ${procs} k6 processes, ${workers} target workers, ramp ${rampSeconds}s as scheduled` +
      (CONNECTING_PER_VU > 0 ? ` (at most ${CONNECTING_PER_VU} handshakes a VU under way)` : '') +
      `, hold ${HOLD}, GOGC=${GOGC}\n`,
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
        '-e',
        `CONNECTING_PER_VU=${CONNECTING_PER_VU}`,
      ],
    ],
    { cwd: repoRoot, stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, GOGC } },
  );
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  let k6Peak = 0;
  let targetPeak = 0;
  let openPeak = 0;
  let rampDone: number | null = null;
  // CPU seconds by process, the last reading of each: where the two cores went.
  const cpu = { k6: new Map<string, number>(), target: new Map<string, number>() };
  // CPU while all are held, from when the target counts them all over half the hold: clear of
  // the quiet before the close and the close itself, even when the target counts the last ones
  // late. What holding them costs, apart from opening them.
  const cpuNow = () => ({ at: Date.now(), k6: sum(cpu.k6), target: sum(cpu.target) });
  const holdWindowMs = (durationSeconds(HOLD) ?? 0) * 500;
  let holdFrom: ReturnType<typeof cpuNow> | null = null;
  let holdTo: ReturnType<typeof cpuNow> | null = null;
  let overflowsSeen = overflowsBefore;
  let openAtFirstOverflow: number | null = null;
  let open = 0;
  const sampler = setInterval(async () => {
    const k6s = usageOf((c) => /\bk6 run\b/.test(c) && c.includes('ws-hold.js'));
    k6Peak = Math.max(
      k6Peak,
      k6s.reduce((a, p) => a + p.rss, 0),
    );
    // The primary and its workers: the workers run the same bundle with no arguments after it.
    const tree = usageOf((c) => c.includes('dist/targets.mjs') && (c.includes(` ws `) || c.trimEnd().endsWith('dist/targets.mjs')));
    targetPeak = Math.max(
      targetPeak,
      tree.reduce((a, p) => a + p.rss, 0),
    );
    for (const p of k6s) cpu.k6.set(p.pid, p.cpuSeconds);
    for (const p of tree) cpu.target.set(p.pid, p.cpuSeconds);
    const overflows = listenOverflows();
    if (openAtFirstOverflow === null && overflows > overflowsSeen) openAtFirstOverflow = open;
    overflowsSeen = overflows;
    try {
      const text = await (await fetch(`${target.url}/metrics`, { signal: AbortSignal.timeout(SAMPLE_MS * 3) })).text();
      const perWorker = [...text.matchAll(/^ws_open_connections\{[^}]*\} (\d+)/gm)].map((m) => Number(m[1]));
      maxPerWorker = Math.max(maxPerWorker, ...perWorker);
      open = perWorker.reduce((a, b) => a + b, 0);
      openPeak = Math.max(openPeak, open);
      if (rampDone === null && open >= connections) rampDone = (Date.now() - started) / 1000;
      if (rampDone !== null && holdFrom === null) holdFrom = cpuNow();
    } catch {
      // the target is busy; the next sample will do
    }
    // Outside the scrape: a target too busy to answer must not push the window's end into the close.
    if (holdFrom !== null && holdTo === null && Date.now() - holdFrom.at >= holdWindowMs) holdTo = cpuNow();
  }, SAMPLE_MS);
  const code = await new Promise<number>((resolve) => child.on('exit', (c) => resolve(c ?? 1)));
  clearInterval(sampler);
  // Who ended the connections, as the target counts them: a cut shows here as heartbeat (the
  // client missed a ping) or error, not only as a count on the k6 side.
  const endedBy: Record<string, number> = {};
  try {
    const text = await (await fetch(`${target.url}/metrics`, { signal: AbortSignal.timeout(10_000) })).text();
    for (const m of text.matchAll(/^ws_closed_connections_total\{[^}]*reason="(\w+)"[^}]*\} (\d+)/gm)) {
      endedBy[m[1]!] = (endedBy[m[1]!] ?? 0) + Number(m[2]);
    }
  } catch {
    // the target is gone; the k6 side's counts stand
  }
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
  const echoOkRate = merged?.k6.ws_echo_ok?.values.rate ?? null;
  const failureModes = Object.fromEntries(Object.entries(merged?.failureModes ?? {}).filter(([, n]) => n > 0));
  const overflows = listenOverflows() - overflowsBefore;
  const k6Per = k6Peak / connections;
  const targetPer = targetPeak / connections;
  return {
    connections,
    k6Processes: procs,
    targetWorkers: workers,
    // The study's question, all of it: every handshake, none cut, none dropped at the target's
    // accept queue, every echo back intact.
    held: code === 0 && established === connections && unexpected === 0 && overflows === 0 && echoOkRate === 1,
    exitCode: code,
    established,
    unexpectedCloses: unexpected,
    echoOkRate,
    failureModes,
    rampSeconds: rampDone,
    peakOpenAtTarget: openPeak,
    k6RssPeakBytes: k6Peak,
    targetRssPeakBytes: targetPeak,
    k6RssPerConnectionBytes: Math.round(k6Per),
    targetRssPerConnectionBytes: Math.round(targetPer),
    k6ToTargetRatio: Number((k6Per / targetPer).toFixed(2)),
    listenOverflows: overflows,
    openAtFirstOverflow,
    cpuSeconds: { k6: Math.round(sum(cpu.k6)), target: Math.round(sum(cpu.target)), wall: Math.round((Date.now() - started) / 1000) },
    holdCores: heldCores(holdFrom, holdTo),
    targetEndedBy: endedBy,
    maxPerWorker,
  };
}

const dir = join(repoRoot, 'bench', 'results');
mkdirSync(dir, { recursive: true });
const file = join(dir, 'ws-hold.json');
const results: WsHoldResult[] = [];
let updated: string[] = [];
for (const c of counts) {
  const r = await measure(c);
  results.push(r);
  process.stdout.write(
    `  ${r.held ? 'held' : 'NOT held'}: ${r.established ?? '?'} established, ${r.unexpectedCloses ?? '?'} cut, echoes ok ${r.echoOkRate ?? '?'}, ramp ${r.rampSeconds ?? '?'}s; ` +
      `k6 ${(r.k6RssPerConnectionBytes / 1024).toFixed(1)} KiB/conn, target ${(r.targetRssPerConnectionBytes / 1024).toFixed(1)} KiB/conn (k6/target ${r.k6ToTargetRatio}); ` +
      `${r.listenOverflows} dropped at a full accept queue; at most ${r.maxPerWorker} on one worker` +
      (r.holdCores ? `; while held, cores: k6 ${r.holdCores.k6}, target ${r.holdCores.target}\n` : '\n'),
  );
  // Every run is kept, held or not (a count held once and not the next time is not a result),
  // each as soon as it ends, so a long series stopped midway keeps what it measured.
  const previous = wsHoldRuns(existsSync(file) ? readFileSync(file, 'utf8') : '');
  const run: WsHoldRun = {
    k6: K6_VERSION,
    engine: 'k6',
    hold: HOLD,
    rampPerSecond: RAMP_PER_SECOND,
    ...(CONNECTING_PER_VU > 0 ? { connectingPerVu: CONNECTING_PER_VU } : {}),
    gogc: Number(GOGC),
    mostHeld: r.held ? c : 0,
    at: new Date().toISOString(),
    results: [r],
  };
  const all = [...previous, run];
  writeFileSync(file, JSON.stringify({ goal: 100_000, stretch: 200_000, runs: all }, null, 2) + '\n');
  // The README's and docs/benchmarks.md's tables are rendered from the file, never typed.
  updated = writeDocs();
  const same = all.filter((x) => askedAs(x) === askedAs(run)).flatMap((x) => x.results.filter((y) => y.connections === c));
  process.stdout.write(`${c}: held in ${same.filter((x) => x.held).length} of ${same.length} runs recorded with ${askedAs(run)}\n`);
}
const most = Math.max(0, ...results.filter((r) => r.held).map((r) => r.connections));
process.stdout.write(
  `most connections held ${HOLD} with none cut: ${most}; appended to bench/results/ws-hold.json` +
    (updated.length > 0 ? `; tables rewritten in ${updated.join(', ')}\n` : '\n'),
);
