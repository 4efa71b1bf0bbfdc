// What `npm run verdict -- <scenario> --testid ID [--influxdb URL/db]` does: reads the raw
// samples every runner of one test wrote to InfluxDB (k6's `--out influxdb`, each runner with
// `--tag testid=ID`: k6-operator's runners, fanout's processes) and judges the scenario's gates
// in thresholds.json over all of them at once (lib/verdict.ts): the verdict one k6 process would
// have given, percentiles exact. Prints the run's summary, writes its JSON and JUnit, and exits
// 99 when a gate fails, so CI can gate on a distributed run.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { UsageError } from '../lib/fail.ts';
import { INFLUX_URL, scenarioFirst } from './cli-args.ts';
import { FAILURE_MODES } from '../lib/failure-modes.ts';
import { metricType, type MetricType } from '../lib/metric-types.ts';
import { expandPlaceholder, splitKey } from '../lib/samples.ts';
import { evaluate, fileStamp, renderJUnit, renderText } from '../lib/summary.ts';
import { parseThresholds, type Thresholds } from '../lib/thresholds.ts';
import { summaryFrom, type GateSamples, type Point } from '../lib/verdict.ts';
import { repoRoot } from './paths.mjs';

export const VERDICT_USAGE = `usage: npm run verdict -- <scenario> --testid <id> [options]

Judges the gates of <scenario> in thresholds.json over every sample InfluxDB holds for the test
tagged testid=<id> (k6 run --tag testid=<id> --out influxdb=URL/db, on every runner).

  --influxdb URL/db        where the runners wrote (default http://127.0.0.1:8086/k6)
  --thresholds FILE        another thresholds file (default: the pack's thresholds.json)
  --expand TAG=FILTER,...  what a placeholder tag of the file stands for in this test, as the
                           scenario expanded it (lb-strategies: strategy:under_test=strategy:least_conn)
  --unmeasured M1,M2       metrics whose gates may go without samples (as -e UNMEASURED)
  --type METRIC=TYPE       the type of a metric the pack does not know: counter, gauge, rate or trend
  --results DIR            where the JSON and JUnit go (default results/)`;

const TYPES: readonly MetricType[] = ['counter', 'gauge', 'rate', 'trend'];

export interface VerdictPlan {
  scenario: string;
  testid: string;
  influx: { url: string; db: string };
  thresholdsFile: string;
  /** The gates as the runners judged them (fanout reads them from their summaries): instead of the file's. */
  gates?: Thresholds;
  expand: { placeholder: string; into: string[] }[];
  unmeasured: string[];
  types: Record<string, MetricType>;
  resultsDir: string;
}

export function parseVerdictArgs(argv: string[]): VerdictPlan {
  const { scenario, rest } = scenarioFirst(argv);
  const { values } = parseArgs({
    args: rest,
    strict: true,
    options: {
      testid: { type: 'string' },
      influxdb: { type: 'string', default: 'http://127.0.0.1:8086/k6' },
      thresholds: { type: 'string', default: join(repoRoot, 'thresholds.json') },
      expand: { type: 'string', multiple: true, default: [] },
      unmeasured: { type: 'string', default: '' },
      type: { type: 'string', multiple: true, default: [] },
      results: { type: 'string', default: join(repoRoot, 'results') },
    },
  });
  if (!values.testid || !/^[\w.-]{1,128}$/.test(values.testid)) {
    throw new UsageError(`--testid ${values.testid ?? '(missing)'}: expected the test's id, 1-128 of A-Z a-z 0-9 _ . -`);
  }
  const m = INFLUX_URL.exec(values.influxdb);
  if (!m) throw new UsageError(`--influxdb ${values.influxdb}: expected http(s)://host:port/database, as k6's --out influxdb= takes it`);
  const expand = values.expand.map((e) => {
    const x = /^([\w-]+:[\w.-]+)=([\w-]+:[^,=\s]+(,[\w-]+:[^,=\s]+)*)$/.exec(e);
    if (!x)
      throw new UsageError(`--expand ${e}: expected tag:placeholder=tag:value[,tag:value], e.g. strategy:under_test=strategy:least_conn`);
    return { placeholder: x[1]!, into: x[2]!.split(',') };
  });
  const types: Record<string, MetricType> = {};
  for (const t of values.type) {
    const x = /^([A-Za-z_]\w*)=(\w+)$/.exec(t);
    if (!x || !TYPES.includes(x[2] as MetricType)) throw new UsageError(`--type ${t}: expected METRIC=${TYPES.join('|')}`);
    types[x[1]!] = x[2] as MetricType;
  }
  return {
    scenario,
    testid: values.testid,
    influx: { url: m[1]!, db: m[2]! },
    thresholdsFile: resolve(values.thresholds),
    expand,
    unmeasured: values.unmeasured.split(',').filter((x) => x !== ''),
    types,
    resultsDir: resolve(values.results),
  };
}

const ident = (name: string) => `"${name.replace(/"/g, '\\"')}"`;
const literal = (value: string) => `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;

/** Every point of `metric` with `tags` in the test, read in chunks (a run can hold millions). */
async function points(plan: VerdictPlan, metric: string, tags: Record<string, string>): Promise<Point[]> {
  const where = Object.entries({ testid: plan.testid, ...tags })
    .map(([k, v]) => `${ident(k)} = ${literal(v)}`)
    .join(' AND ');
  const q = `SELECT "value" FROM ${ident(metric)} WHERE ${where}`;
  const url = `${plan.influx.url}/query?db=${encodeURIComponent(plan.influx.db)}&epoch=ms&chunked=true&chunk_size=20000&q=${encodeURIComponent(q)}`;
  let text: string;
  try {
    const res = await fetch(url);
    text = await res.text();
    if (!res.ok) throw new Error(`HTTP ${res.status}: ${text.slice(0, 200)}`);
  } catch (err) {
    throw new Error(`cannot read InfluxDB at ${plan.influx.url} (database ${plan.influx.db}): ${(err as Error).message}`, { cause: err });
  }
  const out: Point[] = [];
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    const chunk = JSON.parse(line) as { results?: { error?: string; series?: { values: [number, number | null][] }[] }[]; error?: string };
    const error = chunk.error ?? chunk.results?.[0]?.error;
    if (error) throw new Error(`InfluxDB: ${error} (query: ${q})`);
    for (const s of chunk.results?.[0]?.series ?? []) for (const [t, v] of s.values) if (v !== null) out.push({ t, v });
  }
  return out;
}

const tagsOf = (filter: string): Record<string, string> =>
  Object.fromEntries(
    filter
      .split(',')
      .filter((t) => t.trim() !== '')
      .map((t) => {
        const i = t.indexOf(':');
        return [t.slice(0, i).trim(), t.slice(i + 1).trim()];
      }),
  );

/** The verdict: prints the report, writes JSON and JUnit, returns the exit code (0 or 99). */
function fileGates(plan: VerdictPlan): Thresholds {
  let text: string;
  try {
    text = readFileSync(plan.thresholdsFile, 'utf8');
  } catch (err) {
    throw new UsageError(`cannot read the thresholds file ${plan.thresholdsFile}: ${(err as Error).message}`);
  }
  let thresholds: Thresholds;
  try {
    thresholds = parseThresholds(text, plan.thresholdsFile, plan.scenario);
  } catch (err) {
    // parseThresholds reports as the scenarios do: a thrown "floodgate: ..." string.
    throw new UsageError(String(err).replace(/^floodgate: /, ''));
  }
  for (const e of plan.expand) thresholds = expandPlaceholder(thresholds, e.placeholder, e.into);
  return thresholds;
}

export async function runVerdict(plan: VerdictPlan, out: (s: string) => void = (s) => process.stdout.write(s)): Promise<number> {
  const thresholds = plan.gates ?? fileGates(plan);
  const typeOf = (metric: string) => {
    const t = metricType(metric, plan.types);
    if (!t)
      throw new UsageError(
        `the gate on ${metric}: the pack does not know its type; give it with --type ${metric}=counter|gauge|rate|trend`,
      );
    return t;
  };

  // The test's length, for a Counter's per-second rate: k6 samples vus once a second throughout.
  const vus = await points(plan, 'vus', {});
  if (vus.length === 0) {
    throw new UsageError(
      `InfluxDB at ${plan.influx.url}/${plan.influx.db} holds no samples tagged testid=${plan.testid}: ` +
        `run every runner with --tag testid=${plan.testid} --out influxdb=${plan.influx.url}/${plan.influx.db}`,
    );
  }
  const times = vus.map((p) => p.t);
  const seconds = (Math.max(...times) - Math.min(...times)) / 1000 + 1;

  const samples: Record<string, GateSamples> = {};
  const read = async (key: string) => {
    const { metric, tags } = splitKey(key);
    samples[key] = { type: typeOf(metric), points: await points(plan, metric, tagsOf(tags)) };
  };
  for (const key of Object.keys(thresholds)) await read(key);
  // What the report shows besides the gates: requests, and failures by mode.
  if (!samples.http_reqs) await read('http_reqs');
  for (const mode of FAILURE_MODES) await read(`failed_requests{failure_mode:${mode}}`);

  const data = summaryFrom(thresholds, samples, seconds, plan.unmeasured);
  const ctx = {
    scenario: plan.scenario,
    profile: `testid ${plan.testid}, every runner's samples from InfluxDB`,
    baseUrl: `${plan.influx.url}/${plan.influx.db}`,
    resultsDir: plan.resultsDir,
    reportOnly: new Set<string>(),
    comparisons: [],
    figures: [],
    accepted: plan.unmeasured,
  };
  const report = evaluate(data, ctx);
  mkdirSync(plan.resultsDir, { recursive: true });
  const base = join(plan.resultsDir, `${plan.scenario}-${fileStamp(new Date())}-verdict`);
  writeFileSync(`${base}.json`, JSON.stringify({ ...report, testid: plan.testid, k6: data.metrics }, null, 2));
  writeFileSync(`${base}.xml`, renderJUnit(report));
  out(renderText(report, [`${base}.json`, `${base}.xml`], process.stdout.isTTY === true));
  return report.verdict === 'pass' ? 0 : 99;
}
