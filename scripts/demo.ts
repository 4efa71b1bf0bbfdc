// `npm run demo -- [scenario] [k6 run args]`: the main job from a fresh clone. Installs what is
// missing, builds, starts the scenario's reference target, runs the scenario with k6 (smoke
// profile unless -e PROFILE=... is given), prints its summary, stops the target, and exits
// with k6's exit code (99 when a threshold is crossed).
// It also exports k6's web dashboard as an HTML report next to the summary files, and for a
// breaking-point run draws its degradation curve (harness/curve.ts) beside them.
// `npm run live -- [scenario] [k6 run args]` is the same with k6's InfluxDB output on
// ($K6_INFLUXDB_URL, default http://127.0.0.1:8086/k6, where `docker compose up influxdb` listens).
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { SCENARIOS } from '../lib/catalog/index.ts';
import { fileStamp } from '../lib/summary.ts';
import { buildAll } from '../harness/build-step.mjs';
import { ensureK6 } from '../harness/k6-setup.mjs';
import { k6Env } from '../harness/k6-env.mjs';
import { repoRoot } from '../harness/paths.mjs';
import { startTarget } from '../harness/target-process.ts';
import { writeCurve } from '../harness/curve.ts';
import { ensureResultsDir } from '../harness/results-dir.mjs';

const DEFAULT_SCENARIO = 'echo';

const DEFAULT_INFLUXDB = 'http://127.0.0.1:8086/k6';

const argv = process.argv.slice(2);
const live = argv[0] === '--live' ? Boolean(argv.shift()) : false;
const scenario = argv[0] && !argv[0].startsWith('-') ? argv.shift()! : DEFAULT_SCENARIO;
const entry = SCENARIOS[scenario];
if (!entry) {
  process.stderr.write(`floodgate demo: no scenario "${scenario}"; scenarios: ${Object.keys(SCENARIOS).join(', ')}\n`);
  process.exit(2);
}
const k6 = ensureK6();
buildAll();

const target = await startTarget(entry.target);
process.stdout.write(`floodgate demo: ${entry.target} target at ${target.url}; running ${scenario}\n`);
const profileGiven = argv.some((a) => /^PROFILE=/.test(a));
const influx = process.env.K6_INFLUXDB_URL ?? DEFAULT_INFLUXDB;
// Each live run gets its own testid (unless one is given): the dashboards' testid variable picks it.
const testid = argv.some((a) => /^testid=/.test(a)) ? undefined : `${scenario}-${fileStamp(new Date())}`;
if (live)
  process.stdout.write(
    `floodgate demo: streaming to InfluxDB at ${influx} (a run goes on if it is down)${testid ? `, tagged testid=${testid}` : ''}\n`,
  );
const args = [
  'run',
  ...(live ? ['--out', `influxdb=${influx}`, ...(testid ? ['--tag', `testid=${testid}`] : [])] : []),
  '-e',
  `BASE_URL=${target.url}`,
  ...(profileGiven ? [] : ['-e', 'PROFILE=smoke']),
  // The source addresses a scenario's roles need, unless given or waived.
  ...(entry.localIps && !argv.includes('--local-ips') && !argv.some((a) => /^SHARED_ADDRESS=/.test(a))
    ? ['--local-ips', entry.localIps]
    : []),
  ...argv,
  join('dist', `${scenario}.js`),
];
// The built-in web dashboard, exported when the run ends; no live server (port -1), and a 1 s
// period so that even a smoke run spans the three periods a report needs to draw charts.
const report = join('results', `${scenario}-${fileStamp(new Date())}-report.html`);
const env = k6Env(
  {
    K6_WEB_DASHBOARD: 'true',
    K6_WEB_DASHBOARD_PORT: '-1',
    K6_WEB_DASHBOARD_PERIOD: '1s',
    K6_WEB_DASHBOARD_EXPORT: report,
    ...process.env,
  },
  repoRoot,
);
// k6 cannot create it; a fresh clone has none.
ensureResultsDir(args, repoRoot);
const started = Date.now();
const child = spawn(k6, args, { cwd: repoRoot, stdio: 'inherit', env });

/** A run with stage findings (breaking-point) gets its degradation curve beside its JSON. */
async function drawCurve(): Promise<void> {
  const dir = resolve(repoRoot, argv.map((a) => /^RESULTS_DIR=(.+)$/.exec(a)?.[1]).find((d) => d !== undefined) ?? 'results');
  if (!existsSync(dir)) return;
  const json = readdirSync(dir)
    .filter((f) => f.startsWith(`${scenario}-`) && f.endsWith('.json'))
    .map((f) => join(dir, f))
    .filter((f) => statSync(f).mtimeMs >= started)
    .sort()
    .pop();
  if (!json || !(JSON.parse(readFileSync(json, 'utf8')) as { findings?: { data?: { stages?: unknown } } }).findings?.data?.stages) return;
  process.stdout.write(`floodgate demo: degradation curve ${relative(repoRoot, await writeCurve(json))}\n`);
}
// Ctrl-C reaches k6 too (same process group): it stops the test and still prints the summary.
process.on('SIGINT', () => {});
const code = await new Promise<number>((resolve) => child.on('exit', (c) => resolve(c ?? 1)));
if (existsSync(join(repoRoot, report))) process.stdout.write(`floodgate demo: HTML report ${report}\n`);
await drawCurve();
const stopped = await target.stop();
if (stopped.code !== 0) process.stderr.write(`floodgate demo: the target exited with ${stopped.code}:\n${target.output()}\n`);
process.exit(code);
