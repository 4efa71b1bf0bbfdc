// What `npm run fanout -- <scenario> --procs N [--first-ip 127.0.0.11] [k6 run args]` does: one test split
// over N k6 processes on this machine, as k6-operator splits one over a cluster: each process
// runs its --execution-segment of the same test (--execution-segment-sequence keeps the split
// consistent) and dials from its own source address (--local-ips), so neither the per-process
// open-file limit nor the ~64k ports of one source address caps the test. Their summaries are
// merged into one (lib/merge.ts) and the exit code is the one a single k6 run would give.
// Without -e BASE_URL=..., it starts the scenario's reference target first, as the demo does.
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { parseArgs } from 'node:util';
import { UsageError } from '../lib/fail.ts';
import { mergeSummaries, type PartSummary } from '../lib/merge.ts';
import { SCENARIOS } from '../lib/catalog/index.ts';
import { evaluate, fileStamp, isVisibilityExpression, renderJUnit, renderText, reportOnlyKey, type SummaryMetric } from '../lib/summary.ts';
import { buildAll } from './build-step.mjs';
import { ensureK6 } from './k6-setup.mjs';
import { k6Env } from './k6-env.mjs';
import { repoRoot } from './paths.mjs';
import { startTarget, type TargetProcess } from './target-process.ts';
import { runVerdict } from './verdict.ts';
import { INFLUX_URL } from './cli-args.ts';
import { SAMPLE_RULE } from '../lib/samples.ts';

const MAX_PROCS = 64;
// 127.0.0.1 is where the reference targets listen; the generators dial from .11 on.
const DEFAULT_FIRST_IP = '127.0.0.11';

const USAGE = `usage: npm run fanout -- <scenario> --procs N [--first-ip 127.0.0.11] [k6 run args]
  scenarios: ${Object.keys(SCENARIOS).join(', ')}
  --procs N       k6 processes, 1 to ${MAX_PROCS}; each runs 1/N of the test (its VUs, its arrivals)
  --first-ip IP   source address of the first process; the others take the next ones (loopback only)
  with --out influxdb=URL/db among the k6 args, the parts are tagged with one testid and the
  whole is judged exactly from InfluxDB (npm run verdict), percentiles included
  e.g. npm run fanout -- ws-hold --procs 8 -e CONNECTIONS=100000 -e SOCKETS_PER_VU=500`;

export interface FanoutPlan {
  scenario: string;
  procs: number;
  ips: string[];
  k6Args: string[];
  /** Where the parts stream (an `--out influxdb=URL/db` among the k6 args), and the test's id there. */
  influx?: { url: string; db: string; testid: string };
}

/** The InfluxDB output among k6's args (`--out influxdb=...`, `-o influxdb=...`, `--out=influxdb=...`), if any. */
export function influxOutput(k6Args: readonly string[]): { url: string; db: string } | undefined {
  for (let i = 0; i < k6Args.length; i++) {
    const a = k6Args[i]!;
    const value = a === '--out' || a === '-o' ? k6Args[i + 1] : /^--out=(.*)$/.exec(a)?.[1];
    const m = value?.startsWith('influxdb=') ? INFLUX_URL.exec(value.slice('influxdb='.length)) : null;
    if (m) return { url: m[1]!, db: m[2]! };
  }
  return undefined;
}

/** Parses the command line; the k6 args are everything that is not ours, in order. */
export function parseFanout(argv: string[]): FanoutPlan {
  const scenario = argv[0];
  if (!scenario || scenario.startsWith('-')) throw new UsageError('name a scenario first');
  if (!SCENARIOS[scenario]) throw new UsageError(`no scenario "${scenario}"`);
  const ours: string[] = [];
  const k6Args: string[] = [];
  for (let i = 1; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--procs' || a === '--first-ip') ours.push(a, argv[++i] ?? '');
    else if (/^--(procs|first-ip)=/.test(a)) ours.push(a);
    else k6Args.push(a);
  }
  const { values } = parseArgs({ args: ours, options: { procs: { type: 'string' }, 'first-ip': { type: 'string' } }, strict: true });
  if (values.procs === undefined) throw new UsageError('--procs is required');
  const procs = Number(values.procs);
  if (!/^\d+$/.test(values.procs) || procs < 1 || procs > MAX_PROCS)
    throw new UsageError(`--procs ${values.procs}: expected a whole number from 1 to ${MAX_PROCS}`);
  const first = values['first-ip'] ?? DEFAULT_FIRST_IP;
  const m = /^127\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(first);
  if (!m || [m[1], m[2], m[3]].some((o) => Number(o) > 255))
    throw new UsageError(`--first-ip ${first}: expected a loopback address, 127.x.y.z`);
  if (Number(m[3]) + procs - 1 > 254) throw new UsageError(`--first-ip ${first} with --procs ${procs} runs past 127.${m[1]}.${m[2]}.254`);
  const ips = Array.from({ length: procs }, (_, i) => `127.${m[1]}.${m[2]}.${Number(m[3]) + i}`);
  for (const bad of ['--execution-segment', '--execution-segment-sequence', '--local-ips']) {
    if (k6Args.some((a) => a === bad || a.startsWith(`${bad}=`)))
      throw new UsageError(`${bad} is set by fanout for each process; leave it out`);
  }
  if (k6Args.some((a) => /^testid=/.test(a)))
    throw new UsageError('--tag testid=... is set by fanout when it streams to InfluxDB; leave it out');
  const influx = influxOutput(k6Args);
  const testid = `${scenario}-${fileStamp(new Date())}-${process.pid}`;
  return { scenario, procs, ips, k6Args, ...(influx ? { influx: { ...influx, testid } } : {}) };
}

/** "0,1/4,2/4,3/4,1" and the segment of part i: k6's way of cutting one test into N. */
export function segments(procs: number): { sequence: string; segment: (i: number) => string } {
  const point = (i: number) => (i === 0 ? '0' : i === procs ? '1' : `${i}/${procs}`);
  return {
    sequence: Array.from({ length: procs + 1 }, (_, i) => point(i)).join(','),
    segment: (i) => `${point(i)}:${point(i + 1)}`,
  };
}

interface PartRun {
  code: number;
  dir: string;
}

/** The k6 processes running, so a SIGTERM to fanout reaches them (Ctrl-C does by itself). */
const children: ChildProcess[] = [];

function runPart(k6: string, plan: FanoutPlan, i: number, dir: string, baseUrl: string | undefined): Promise<PartRun> {
  const { sequence, segment } = segments(plan.procs);
  const partDir = join(dir, `part-${i + 1}`);
  mkdirSync(partDir, { recursive: true });
  const args = [
    'run',
    '--execution-segment',
    segment(i),
    '--execution-segment-sequence',
    sequence,
    '--local-ips',
    plan.ips[i]!,
    // As k6-operator tags its runners: the verdict over InfluxDB reads the test by its id.
    ...(plan.influx ? ['--tag', `testid=${plan.influx.testid}`, '--tag', `instance_id=${i + 1}`] : []),
    '-e',
    `RESULTS_DIR=${relative(repoRoot, partDir)}`,
    ...(baseUrl ? ['-e', `BASE_URL=${baseUrl}`] : []),
    ...plan.k6Args,
    join('dist', `${plan.scenario}.js`),
  ];
  // Each part's own output (progress, its summary) goes to a log beside its results.
  const log = createWriteStream(join(partDir, 'k6.log'));
  const child = spawn(k6, args, { cwd: repoRoot, env: k6Env(process.env, repoRoot, args), stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  child.stdout.pipe(log, { end: false });
  child.stderr.pipe(log, { end: false });
  // One process Ctrl-C'd with the rest: k6 still writes its summary.
  return new Promise((resolve) =>
    child.on('close', (code) => {
      log.end();
      resolve({ code: code ?? 1, dir: partDir });
    }),
  );
}

function readPart(run: PartRun): PartSummary | undefined {
  const json = readdirSync(run.dir).find((f) => f.endsWith('.json'));
  if (!json) return undefined;
  const report = JSON.parse(readFileSync(join(run.dir, json), 'utf8')) as { k6: Record<string, SummaryMetric>; durationSeconds: number };
  return { metrics: report.k6, durationSeconds: report.durationSeconds, code: run.code };
}

/** The whole `npm run fanout` run: returns the exit code one k6 run would give (2: bad arguments). */
export async function runFanout(argv: string[]): Promise<number> {
  let plan: FanoutPlan;
  try {
    plan = parseFanout(argv);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    process.stderr.write(`floodgate fanout: ${err.message}\n${USAGE}\n`);
    return 2;
  }
  const k6 = ensureK6();
  buildAll();
  const entry = SCENARIOS[plan.scenario]!;
  const baseUrlGiven = plan.k6Args.some((a) => a.startsWith('BASE_URL='));
  let target: TargetProcess | undefined;
  if (!baseUrlGiven) {
    // Detached: Ctrl-C stops the k6 parts, which still report; the target outlives them and is
    // stopped after, so it does not close their sockets while they finish.
    target = await startTarget(entry.target, [], { detached: true });
    process.stdout.write(`floodgate fanout: ${entry.target} target at ${target.url}\n`);
  }
  try {
    return await runAll(k6, plan, target);
  } finally {
    if (target) await target.stop();
  }
}

async function runAll(k6: string, plan: FanoutPlan, target: TargetProcess | undefined): Promise<number> {
  const stamp = fileStamp(new Date());
  const dir = join(repoRoot, 'results', `${plan.scenario}-${stamp}-fanout`);
  mkdirSync(dir, { recursive: true });
  process.stdout.write(
    `floodgate fanout: ${plan.scenario} over ${plan.procs} k6 processes from ${plan.ips[0]}..${plan.ips.at(-1)}; logs in ${relative(repoRoot, dir)}/part-*/k6.log\n`,
  );
  process.on('SIGINT', () => {}); // the parts get Ctrl-C too, stop, and still write their summaries
  process.on('SIGTERM', () => children.forEach((c) => c.kill('SIGTERM')));
  const runs = await Promise.all(plan.ips.map((_, i) => runPart(k6, plan, i, dir, target?.url)));
  runs.forEach((r, i) => process.stdout.write(`  part ${i + 1}/${plan.procs}: exit ${r.code}\n`));

  const parts = runs.map(readPart);
  const missing = parts.map((p, i) => (p ? -1 : i + 1)).filter((i) => i > 0);
  if (missing.length > 0) {
    process.stderr.write(`floodgate fanout: part ${missing.join(', ')} wrote no summary; see its k6.log. No merged result.\n`);
    return runs.find((r) => r.code !== 0)?.code ?? 1;
  }
  const merged = mergeSummaries(parts as PartSummary[]);
  const given = (key: string) => plan.k6Args.find((a) => a.startsWith(`${key}=`))?.slice(key.length + 1);
  const ctx = {
    scenario: plan.scenario,
    profile: `${given('PROFILE') ?? 'full'}, ${plan.procs} processes merged`,
    baseUrl: target?.url ?? given('BASE_URL') ?? '',
    resultsDir: dir,
    reportOnly: new Set<string>(),
    comparisons: [],
    figures: [],
  };
  // The pack's report-only rules (count>=0 and the like) only made sub-metrics visible.
  for (const t of merged.thresholds) if (isVisibilityExpression(t.expression)) ctx.reportOnly.add(reportOnlyKey(t.metric, t.expression));
  const report = evaluate(merged.data, ctx);
  const base = join(dir, `${plan.scenario}-merged`);
  writeFileSync(
    `${base}.json`,
    JSON.stringify({ ...report, parts: runs.map((r) => r.code), bases: merged.thresholds, k6: merged.data.metrics }, null, 2),
  );
  writeFileSync(`${base}.xml`, renderJUnit(report));
  process.stdout.write(
    renderText(report, [relative(repoRoot, `${base}.json`), relative(repoRoot, `${base}.xml`)], process.stdout.isTTY === true),
  );
  const bounds = merged.thresholds.filter((t) => t.basis === 'bound' && !ctx.reportOnly.has(reportOnlyKey(t.metric, t.expression)));
  if (bounds.length > 0) {
    process.stdout.write(
      `Percentiles merged as an upper bound (the largest part's); each part checked its own: ${bounds.map((t) => `${t.metric} ${t.expression}`).join(', ')}\n`,
    );
  }
  const partsCrossed = runs.map((r, i) => (r.code === 99 ? i + 1 : 0)).filter((i) => i > 0);
  if (partsCrossed.length > 0)
    process.stdout.write(`Parts that crossed a threshold on their own: ${partsCrossed.join(', ')} (the merged verdict fails with them)\n`);
  if (merged.brokenParts.length > 0)
    process.stderr.write(`floodgate fanout: part ${merged.brokenParts.map((i) => i + 1).join(', ')} ended with an error; see its k6.log\n`);
  if (!plan.influx || merged.brokenParts.length > 0) return merged.code;
  // Streamed to InfluxDB: the exact verdict over every part's samples decides, on the gates the
  // parts judged (expanded and skipped as their knobs said), not the merge's percentile bound.
  process.stdout.write(`\nExact verdict over every part's samples in InfluxDB (testid ${plan.influx.testid}):\n`);
  const gates: Record<string, string[]> = {};
  for (const t of merged.thresholds) {
    if (ctx.reportOnly.has(reportOnlyKey(t.metric, t.expression)) || t.expression === SAMPLE_RULE) continue;
    (gates[t.metric] ??= []).push(t.expression);
  }
  const unmeasured = plan.k6Args.find((a) => a.startsWith('UNMEASURED='))?.slice('UNMEASURED='.length) ?? '';
  return runVerdict({
    scenario: plan.scenario,
    testid: plan.influx.testid,
    influx: { url: plan.influx.url, db: plan.influx.db },
    thresholdsFile: '',
    gates,
    expand: [],
    unmeasured: unmeasured.split(',').filter((m) => m !== ''),
    types: {},
    resultsDir: dir,
  });
}
