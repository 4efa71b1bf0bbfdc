// Where k6's memory goes per WebSocket: one k6 process holds CONNECTIONS sockets (19,000 by
// default: a process may hold at most 20,000 files here) against the ws target, with
// `--profiling-enabled`, and once the target counts them all open the bench reads k6's RSS from
// /proc and its Go profiles from the REST API: the heap (after a GC) split by who allocated it,
// the goroutines by what they run, and the runtime's own accounting (stacks, heap). Variants, side
// by side in one run, each from its own source address (the last one's sockets wait in TIME_WAIT):
//   bare      bench/ws-bare.js: stock k6/websockets, no handler, timer or message of the script's
//             own: the floor no script can cut
//   baseline  ws-hold as built from the git ref BENCH_BASELINE (the pack before its cuts)
//   pack      ws-hold as built now
// A variant may name its sockets per VU after a colon (pack:2500; default 500): each VU is a JS
// runtime of its own, so fewer VUs cost less per connection. And Go's GC target after a plus
// (pack+gogc=100, Go's default): without one, k6 runs with the GOGC the pack gives the scenario
// (harness/k6-env.mjs: 10 for ws-hold, which collects the garbage of pings and echoes sooner, for
// CPU). The bench reads the cores k6 used while the sockets were held, to show that price.
// ws-hold's variants ping and echo every BENCH_KEEPALIVE (10s) so their timers and messages run.
// Appends the run to bench/results/ws-profile.json.
//   npm run bench:ws-profile [-- bare,baseline,pack]
// Env: BENCH_CONNECTIONS (19000), BENCH_RAMP_PER_SECOND (500), BENCH_BASELINE (a git ref).
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildAll } from '../harness/build-step.mjs';
import { ensureK6, K6_VERSION } from '../harness/k6-setup.mjs';
import { k6Env } from '../harness/k6-env.mjs';
import { repoRoot } from '../harness/paths.mjs';
import { freePort } from '../harness/services.ts';
import { startTarget } from '../harness/target-process.ts';
import { processUsage } from './proc.ts';

const VARIANTS = (process.argv[2] ?? 'bare,baseline,pack').split(',');
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 19_000);
const RAMP_PER_SECOND = Number(process.env.BENCH_RAMP_PER_SECOND ?? 500);
// The last commit before the per-VU scheduler of lib/k6/ws-sockets.ts.
const BASELINE = process.env.BENCH_BASELINE ?? '62e4e42';
const KEEPALIVE = process.env.BENCH_KEEPALIVE ?? '10s';
const DEFAULT_SOCKETS_PER_VU = 500;
// Long enough to read the profiles after the ramp; the sockets are closed after it.
const HOLD_SECONDS = 60;
const KiB = 1024;
// How long the sockets are held before the reading: the last handshakes' garbage collected, and
// every socket's first pings and echoes sent (BENCH_KEEPALIVE is 10 s).
const HELD_MS = 12_000;

/** ws-hold's bundle as built at `ref`, in a scratch copy of the tree (node_modules shared). */
function bundleAt(ref: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'floodgate-baseline-'));
  const tar = spawnSync('bash', ['-c', `set -o pipefail; git archive ${ref} | tar -x -C ${dir}`], { cwd: repoRoot, encoding: 'utf8' });
  if (tar.status !== 0) throw new Error(`BENCH_BASELINE=${ref}: git archive failed: ${tar.stderr}`);
  symlinkSync(join(repoRoot, 'node_modules'), join(dir, 'node_modules'));
  const built = spawnSync(process.execPath, ['build.mjs'], { cwd: dir, encoding: 'utf8' });
  if (built.status !== 0) throw new Error(`building ${ref}: ${built.stderr}`);
  return join(dir, 'dist', 'ws-hold.js');
}

/** CPU seconds k6 has used so far (0 once it is gone). */
const cpuSeconds = (pid: number) => processUsage(pid)?.cpuSeconds ?? 0;

/** The heap's live bytes by who allocated them (pprof -top, flat), grouped. */
function heapByOwner(profile: string): Record<string, number> {
  const top = spawnSync('go', ['tool', 'pprof', '-top', '-nodecount=10000', '-sample_index=inuse_space', '-unit=B', profile], {
    encoding: 'utf8',
  });
  const groups: [string, RegExp][] = [
    ['gorilla/websocket (frame buffers)', /gorilla\/websocket/],
    ['bufio (handshake and connection buffers)', /^bufio\./],
    ['sobek (JS objects, closures, the script)', /grafana\/sobek|dop251/],
    ['k6/websockets module', /modules\/k6\/websockets/],
    ['k6 timers and event loop', /tc55\/timers|eventloop|taskqueue/],
    ['k6 metrics and tags', /go\.k6\.io\/k6\/v2\/(metrics|internal\/metrics)/],
    ['net, net/http, TLS', /^(net|net\/http|crypto\/tls|net\/textproto|internal\/poll|vendor\/golang\.org)/],
    ['Go runtime', /^runtime\./],
  ];
  const out: Record<string, number> = {};
  for (const line of top.stdout.split('\n')) {
    const m = /^\s*(\d+)B\s+[\d.]+%\s+[\d.]+%\s+\d+B\s+[\d.]+%\s+(.+)$/.exec(line);
    if (!m) continue;
    const owner = groups.find(([, re]) => re.test(m[2]!))?.[0] ?? 'other';
    out[owner] = (out[owner] ?? 0) + Number(m[1]);
  }
  return out;
}

/** Goroutines by their function (the first frame outside the runtime), from goroutine?debug=1. */
function goroutinesByRole(text: string): { total: number; byRole: Record<string, number> } {
  const total = Number(/goroutine profile: total (\d+)/.exec(text)?.[1] ?? 0);
  const byRole: Record<string, number> = {};
  for (const block of text.split('\n\n')) {
    const n = Number(/^(\d+) @/m.exec(block)?.[1] ?? 0);
    if (!n) continue;
    const frames = [...block.matchAll(/^#\s+0x[0-9a-f]+\s+(\S+)/gm)].map((m) => m[1]!);
    const own = frames.reverse().find((f) => !/^(runtime|internal|sync|time)\./.test(f)) ?? frames[0] ?? '?';
    const role = own.replace(/^.*\//, '');
    byRole[role] = (byRole[role] ?? 0) + n;
  }
  return { total, byRole };
}

interface Variant {
  variant: string;
  socketsPerVu: number;
  gogc: number;
  script: string;
  connections: number;
  openAtTarget: number;
  rssBytes: number;
  rssPerConnectionKiB: number;
  /** The Go runtime's own accounting, per connection (runtime.MemStats, after a GC). */
  perConnectionKiB: { heapInuse: number; stackInuse: number; other: number };
  /** Live heap (the profile's in-use bytes): what HeapInuse holds beyond it is span fragmentation. */
  liveHeapPerConnectionKiB: number;
  /** Freed heap the runtime still holds (HeapIdle - HeapReleased), and its next GC target, per connection. */
  retainedPerConnectionKiB: number;
  /** The runtime's own structures (spans, GC metadata, other), per connection. */
  runtimePerConnectionKiB: number;
  nextGcPerConnectionKiB: number;
  /** Collections while the sockets were held, and the cores k6 used then (pings, echoes, GC). */
  gcsWhileHeld: number;
  coresWhileHeld: number;
  heapPerConnectionKiB: Record<string, number>;
  goroutines: number;
  goroutinesPerConnection: number;
  goroutinesByRole: Record<string, number>;
  exitCode: number | null;
}

for (const v of VARIANTS) {
  if (!/^(bare|baseline|pack)(:\d+)?(\+gogc=\d+)?$/.test(v)) {
    process.stderr.write(
      `ws-profile: variant ${v}: expected bare, baseline or pack, then :<sockets per VU> and +gogc=<percent> if wanted\n`,
    );
    process.exit(2);
  }
}
const k6 = ensureK6();
buildAll();
const target = await startTarget('ws', ['--workers', '2']);
const scratch = mkdtempSync(join(tmpdir(), 'floodgate-ws-profile-'));
const rampMs = Math.ceil((CONNECTIONS / RAMP_PER_SECOND) * 1000);

async function openAtTarget(): Promise<number> {
  try {
    const text = await (await fetch(`${target.url}/metrics`, { signal: AbortSignal.timeout(3000) })).text();
    return [...text.matchAll(/^ws_open_connections\{[^}]*\} (\d+)/gm)].reduce((s, m) => s + Number(m[1]), 0);
  } catch {
    return -1;
  }
}

async function profile(name: string, i: number): Promise<Variant> {
  const [spec, gcFlag] = name.split('+') as [string, string | undefined];
  const [variant, perVu] = spec.split(':') as [string, string | undefined];
  const gogc = gcFlag === undefined ? undefined : /^gogc=(\d+)$/.exec(gcFlag)?.[1];
  const SOCKETS_PER_VU = Number(perVu ?? DEFAULT_SOCKETS_PER_VU);
  const script =
    variant === 'bare'
      ? join(repoRoot, 'bench', 'ws-bare.js')
      : variant === 'baseline'
        ? bundleAt(BASELINE)
        : join(repoRoot, 'dist', 'ws-hold.js');
  const port = await freePort();
  const env =
    variant === 'bare'
      ? { WS_URL: target.url.replace(/^http/, 'ws') + '/ws', CONNECTIONS, SOCKETS_PER_VU, RAMP_MS: rampMs, HOLD_MS: HOLD_SECONDS * 1000 }
      : {
          BASE_URL: target.url,
          CONNECTIONS,
          SOCKETS_PER_VU,
          RAMP: `${rampMs / 1000}s`,
          HOLD: `${HOLD_SECONDS}s`,
          PING_INTERVAL: KEEPALIVE,
          ECHO_INTERVAL: KEEPALIVE,
          PROBE_INTERVAL: '5s',
          RESULTS_DIR: scratch,
        };
  const args = ['run', '--quiet', '--profiling-enabled', '--address', `127.0.0.1:${port}`, '--local-ips', `127.0.0.${41 + i}`];
  for (const [k, v] of Object.entries(env)) args.push('-e', `${k}=${v}`);
  args.push(script);
  process.stdout.write(`ws-profile: ${name}: ${CONNECTIONS} sockets in one k6 process, ${SOCKETS_PER_VU} a VU, ramp ${rampMs / 1000}s\n`);
  // As the pack runs the scenario (its GOGC, harness/k6-env.mjs), unless the variant names one.
  const k6EnvVars: NodeJS.ProcessEnv = { ...k6Env(process.env, repoRoot, args), ...(gogc ? { GOGC: gogc } : {}) };
  const child = spawn(k6, args, {
    env: k6EnvVars,
    cwd: repoRoot,
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
  const deadline = Date.now() + rampMs + 60_000;
  let open = await openAtTarget();
  while (open < CONNECTIONS) {
    if (Date.now() > deadline) throw new Error(`${variant}: ${open} of ${CONNECTIONS} open at the target a minute after the ramp`);
    await new Promise((r) => setTimeout(r, 500));
    open = await openAtTarget();
  }
  const api = `http://127.0.0.1:${port}/debug/pprof`;
  // runtime.MemStats as the heap profile's text prints it: `# HeapInuse = N`, `# Stack = inuse / sys`.
  const memStats = async () => {
    const text = await (await fetch(`${api}/heap?debug=1`)).text();
    return (name: string) => Number(new RegExp(`^# ${name} = (\\d+)`, 'm').exec(text)?.[1] ?? 0);
  };
  const gcsBefore = (await memStats())('NumGC');
  const cpuBefore = { at: Date.now(), cpu: cpuSeconds(child.pid!) };
  // The last handshakes' garbage collected, and the first echoes and pings sent.
  await new Promise((r) => setTimeout(r, HELD_MS));
  const coresWhileHeld = (cpuSeconds(child.pid!) - cpuBefore.cpu) / ((Date.now() - cpuBefore.at) / 1000);
  const gcsWhileHeld = (await memStats())('NumGC') - gcsBefore;
  const heapFile = join(scratch, `${i}-${variant}.heap.pb.gz`);
  writeFileSync(heapFile, Buffer.from(await (await fetch(`${api}/heap?gc=1`)).arrayBuffer()));
  const stat = await memStats();
  const goroutines = goroutinesByRole(await (await fetch(`${api}/goroutine?debug=1`)).text());
  const rss = processUsage(child.pid!)?.rssBytes ?? 0;
  const code = await exited;
  const per = (bytes: number) => Number((bytes / CONNECTIONS / KiB).toFixed(2));
  const heap = heapByOwner(heapFile);
  const byRole = Object.fromEntries(
    Object.entries(goroutines.byRole)
      .filter(([, n]) => n >= CONNECTIONS / 10)
      .sort((a, b) => b[1] - a[1])
      .map(([role, n]) => [role, Number((n / CONNECTIONS).toFixed(2))]),
  );
  return {
    variant: name,
    socketsPerVu: SOCKETS_PER_VU,
    gogc: Number(k6EnvVars.GOGC ?? 100),
    script: variant === 'baseline' ? `dist/ws-hold.js at ${BASELINE}` : script.slice(repoRoot.length),
    connections: CONNECTIONS,
    openAtTarget: open,
    rssBytes: rss,
    rssPerConnectionKiB: per(rss),
    perConnectionKiB: {
      heapInuse: per(stat('HeapInuse')),
      stackInuse: per(stat('Stack')),
      other: per(rss - stat('HeapInuse') - stat('Stack')),
    },
    liveHeapPerConnectionKiB: per(Object.values(heap).reduce((a, b) => a + b, 0)),
    retainedPerConnectionKiB: per(stat('HeapIdle') - stat('HeapReleased')),
    runtimePerConnectionKiB: per(stat('MSpan') + stat('GCSys') + stat('OtherSys')),
    nextGcPerConnectionKiB: per(stat('NextGC')),
    gcsWhileHeld,
    coresWhileHeld: Number(coresWhileHeld.toFixed(2)),
    heapPerConnectionKiB: Object.fromEntries(
      Object.entries(heap)
        .sort((a, b) => b[1] - a[1])
        .map(([k, v]) => [k, per(v)]),
    ),
    goroutines: goroutines.total,
    goroutinesPerConnection: Number((goroutines.total / CONNECTIONS).toFixed(2)),
    goroutinesByRole: byRole,
    exitCode: code,
  };
}

const results: Variant[] = [];
try {
  for (const [i, v] of VARIANTS.entries()) {
    const r = await profile(v, i);
    results.push(r);
    process.stdout.write(
      `  ${v}: RSS ${r.rssPerConnectionKiB} KiB/conn (heap ${r.perConnectionKiB.heapInuse}, stacks ${r.perConnectionKiB.stackInuse}, ` +
        `rest ${r.perConnectionKiB.other}; live ${r.liveHeapPerConnectionKiB}, freed and kept ${r.retainedPerConnectionKiB}); ` +
        `${r.goroutinesPerConnection} goroutines/conn; while held ${r.coresWhileHeld} cores, ${r.gcsWhileHeld} GCs; exit ${r.exitCode}\n`,
    );
  }
} finally {
  await target.stop();
}
const dir = join(repoRoot, 'bench', 'results');
mkdirSync(dir, { recursive: true });
const file = join(dir, 'ws-profile.json');
// Each run is appended: a run's variants are side by side; runs on other days are kept.
const previous = existsSync(file) ? ((JSON.parse(readFileSync(file, 'utf8')) as { runs?: unknown[] }).runs ?? []) : [];
// The code measured: the commit, and whether the tree had changes on top of it.
const git = (...args: string[]) => spawnSync('git', args, { cwd: repoRoot, encoding: 'utf8' }).stdout.trim();
const commit = git('rev-parse', '--short', 'HEAD') + (git('status', '--porcelain') === '' ? '' : ' with uncommitted changes');
const run = { k6: K6_VERSION, at: new Date().toISOString(), commit, keepalive: KEEPALIVE, results };
writeFileSync(file, JSON.stringify({ runs: [...previous, run] }, null, 2) + '\n');
process.stdout.write(`appended to bench/results/ws-profile.json\n`);
