// Runs a real k6 process (the pinned binary: $K6_BINARY, set by the test runner) on a built
// scenario and reads back the summary JSON the pack's handleSummary wrote.
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureK6 } from '../../harness/k6-setup.mjs';
import { k6Env } from '../../harness/k6-env.mjs';
import type { Report } from '../../lib/summary.ts';
import { startTarget } from '../../harness/target-process.ts';

export const repoRoot = fileURLToPath(new URL('../..', import.meta.url));

/** The pack's JSON report (lib/summary.ts), as read back from the results directory. */
export type SummaryReport = Report;

export interface K6Result {
  code: number | null;
  stdout: string;
  stderr: string;
  /** The summary JSON, when handleSummary ran. */
  report?: SummaryReport;
  resultsDir: string;
}

/** `k6 run <script>` with `-e` for each env entry, results in a fresh temporary directory. */
export async function runK6(script: string, env: Record<string, string>, extraArgs: string[] = []): Promise<K6Result> {
  const resultsDir = mkdtempSync(join(tmpdir(), 'floodgate-results-'));
  const args = ['run', '--quiet', ...extraArgs];
  for (const [k, v] of Object.entries({ RESULTS_DIR: resultsDir, ...env })) args.push('-e', `${k}=${v}`);
  args.push(script);
  const k6 = ensureK6();
  const child = spawn(k6, args, { cwd: repoRoot, env: k6Env(process.env, repoRoot, args), stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  const json = readdirSync(resultsDir).find((f) => f.endsWith('.json'));
  const report = json ? (JSON.parse(readFileSync(join(resultsDir, json), 'utf8')) as SummaryReport) : undefined;
  return { code, stdout, stderr, report, resultsDir };
}

export const dist = (scenario: string) => join(repoRoot, 'dist', `${scenario}.js`);

/** A smoke run of `scenario` against a fresh reference `target` started with `targetArgs`, stopped after. */
export async function smokeAgainst(
  scenario: string,
  target: string,
  targetArgs: string[],
  env: Record<string, string> = {},
  k6Args: string[] = [],
): Promise<K6Result> {
  // The run is judged once k6 exits: what is still in flight at the target then (a naive one's
  // backlog, calls hung on its upstream) is not waited for, as the default 10 s drain would.
  // Draining itself is tested in test/targets/echo.test.ts. A test's own --grace-ms wins.
  const t = await startTarget(target, ['--grace-ms', '200', ...targetArgs]);
  try {
    return await runK6(dist(scenario), { PROFILE: 'smoke', BASE_URL: t.url, ...env }, k6Args);
  } finally {
    await t.stop();
  }
}

/** A metric's values as k6 gave them at the end of the run (the report keeps k6's own data under `k6`). */
export const k6Values = (r: Pick<K6Result, 'report'>, metric: string) =>
  (r.report as unknown as { k6: Record<string, { values: Record<string, number> }> }).k6[metric]!.values;

export type Sections = Record<string, Record<string, unknown>>;

/** thresholds.json with test/thresholds-headroom.json's timing bounds in place of the shipped ones. */
export function withHeadroom(shipped: Sections, headroom: Sections): Sections {
  const out: Sections = {};
  for (const [name, section] of Object.entries(shipped)) {
    out[name] = name.startsWith('$') ? section : { ...section, ...(headroom[name] ?? {}) };
  }
  return out;
}

export const readJson = (path: string) => JSON.parse(readFileSync(join(repoRoot, path), 'utf8')) as Sections;

/**
 * `-e` for a run that must pass: timing gates with headroom (test/thresholds-headroom.json), so
 * a green verdict proves the mechanism and does not hang on this machine's speed.
 */
export const HEADROOM: { readonly THRESHOLDS_FILE: string } = {
  // Written on first use, so test files that only import repoRoot leave nothing behind.
  get THRESHOLDS_FILE() {
    return (headroomFile ??= thresholdsFile(headroomThresholds()));
  },
};
let headroomFile: string | undefined;

/** thresholds.json with the headroom's timing bounds in place of the shipped ones. */
const headroomThresholds = () => withHeadroom(readJson('thresholds.json'), readJson('test/thresholds-headroom.json'));

/** Writes a thresholds document to a file of its own, for -e THRESHOLDS_FILE. */
function thresholdsFile(doc: Sections): string {
  const file = join(mkdtempSync(join(tmpdir(), 'floodgate-thresholds-')), 'thresholds.json');
  writeFileSync(file, JSON.stringify(doc, null, 2));
  return file;
}

/**
 * A THRESHOLDS_FILE with the headroom, less one gate of one section: for a red run judged on the
 * gates it is about, when another gate of that run is honestly near its bound either way.
 */
export function headroomWithout(section: string, metric: string): string {
  const all = headroomThresholds();
  const { [metric]: dropped, ...rest } = all[section] ?? {};
  if (dropped === undefined) throw new Error(`thresholds.json has no ${metric} in ${section}`);
  return thresholdsFile({ ...all, [section]: rest });
}

/** `npm run fanout -- <scenario> --procs N ...` as a user runs it (the script, not its parts). */
export function fanout(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/fanout.ts', ...args], {
      cwd: repoRoot,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}
