// `npm run suite -- <scenario> [<scenario> ...] [-- k6 args]`, or `--file suite.json`: several
// scenarios as one gated test (k6 issue 1342). One after another, each against its reference target
// (started for it, stopped after) or against BASE_URL when the k6 args give one; then one summary,
// one JSON and one JUnit (a test case per gate per scenario), and one exit code: 99 if any gate
// failed anywhere, 1 if a run could not be judged at all (a bad knob, an unreachable target).
import { spawn } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { SCENARIOS } from '../lib/catalog/index.ts';
import { UsageError } from '../lib/fail.ts';
import { fileStamp, renderJUnit, xml, type Report } from '../lib/summary.ts';
import { ensureK6 } from './k6-setup.mjs';
import { k6Env } from './k6-env.mjs';
import { repoRoot } from './paths.mjs';
import { envArg, freshBase } from './results-dir.mjs';
import { startTarget } from './target-process.ts';

export interface SuiteEntry {
  scenario: string;
  /** k6 run arguments for this scenario only, after the suite's own. */
  args: string[];
}

export interface SuitePlan {
  entries: SuiteEntry[];
  /** k6 run arguments for every scenario (-e PROFILE=smoke, --tag testid=...). */
  args: string[];
}

const known = () => Object.keys(SCENARIOS).join(', ');

/** The command line: scenarios, then `--` and k6 arguments for all of them. */
export function suitePlan(argv: string[], readFile: (path: string) => string = (p) => readFileSync(p, 'utf8')): SuitePlan {
  const cut = argv.indexOf('--');
  const own = cut < 0 ? argv : argv.slice(0, cut);
  const args = cut < 0 ? [] : argv.slice(cut + 1);
  let entries: SuiteEntry[];
  if (own[0] === '--file') {
    if (own.length !== 2) throw new UsageError('--file takes one suite file and nothing else before --');
    entries = suiteFile(own[1]!, readFile);
  } else {
    entries = own.map((scenario) => ({ scenario, args: [] }));
  }
  if (entries.length === 0) throw new UsageError('no scenario given');
  for (const e of entries) if (!SCENARIOS[e.scenario]) throw new UsageError(`no scenario "${e.scenario}"; scenarios: ${known()}`);
  return { entries, args };
}

/** A suite file: `{"scenarios": ["echo", {"name": "burst", "args": ["-e", "USERS=50"]}]}`. */
function suiteFile(path: string, readFile: (path: string) => string): SuiteEntry[] {
  let doc: { scenarios?: unknown };
  try {
    doc = JSON.parse(readFile(path)) as { scenarios?: unknown };
  } catch (err) {
    throw new UsageError(`--file ${path}: ${(err as Error).message}`);
  }
  if (!Array.isArray(doc.scenarios)) throw new UsageError(`--file ${path}: expected {"scenarios": [...]}`);
  return doc.scenarios.map((s: unknown) => {
    if (typeof s === 'string') return { scenario: s, args: [] };
    const o = s as { name?: unknown; args?: unknown };
    if (typeof o?.name !== 'string' || (o.args !== undefined && !(Array.isArray(o.args) && o.args.every((a) => typeof a === 'string')))) {
      throw new UsageError(`--file ${path}: each scenario is a name, or {"name": ..., "args": [k6 run arguments]}`);
    }
    return { scenario: o.name, args: (o.args as string[] | undefined) ?? [] };
  });
}

export interface SuiteRun {
  scenario: string;
  code: number;
  report?: Report;
  resultsDir: string;
  output: string;
}

/** Runs each scenario in turn into `dir`/<scenario>; returns what each gave. */
export async function runSuite(plan: SuitePlan, dir: string, log: (line: string) => void): Promise<SuiteRun[]> {
  const k6 = ensureK6();
  const runs: SuiteRun[] = [];
  for (const entry of plan.entries) {
    const decl = SCENARIOS[entry.scenario]!;
    const args = [...plan.args, ...entry.args];
    const resultsDir = join(dir, entry.scenario);
    mkdirSync(resultsDir, { recursive: true });
    const own = envArg(args, 'BASE_URL');
    const target = own ? undefined : await startTarget(decl.target, ['--grace-ms', '200']);
    log(`suite: ${entry.scenario} against ${own ?? `its reference target ${decl.target} (${target!.url})`}`);
    const k6Args = [
      'run',
      '--quiet',
      ...(decl.localIps && !args.includes('--local-ips') ? ['--local-ips', decl.localIps] : []),
      ...(target ? ['-e', `BASE_URL=${target.url}`] : []),
      ...args,
      '-e',
      `RESULTS_DIR=${resultsDir}`,
      join('dist', `${entry.scenario}.js`),
    ];
    const child = spawn(k6, k6Args, { cwd: repoRoot, env: k6Env(process.env, repoRoot, k6Args), stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    const code = await new Promise<number>((resolve) => child.on('exit', (c) => resolve(c ?? 1)));
    await target?.stop();
    const json = readdirSync(resultsDir).find((f) => f.endsWith('.json'));
    const report = json ? (JSON.parse(readFileSync(join(resultsDir, json), 'utf8')) as Report) : undefined;
    runs.push({ scenario: entry.scenario, code, report, resultsDir, output });
    log(
      `suite: ${entry.scenario}: exit ${code}${report ? `, ${report.verdict}${report.failedThresholds.length ? ` (${report.failedThresholds.join(', ')})` : ''}` : ''}`,
    );
  }
  return runs;
}

/** 99 if any gate failed, 1 if a run could not be judged, else 0. */
export const suiteCode = (runs: SuiteRun[]) =>
  runs.some((r) => r.code !== 0 && r.code !== 99) ? 1 : runs.some((r) => r.code === 99) ? 99 : 0;

/** The suite's summary for the terminal. */
export function renderSuite(runs: SuiteRun[]): string {
  const w = Math.max(...runs.map((r) => r.scenario.length), 8);
  const lines = runs.map((r) => {
    const gates = r.report ? `${r.report.thresholds.filter((t) => t.ok).length} of ${r.report.thresholds.length} gates met` : 'not judged';
    const verdict = r.code === 0 ? 'PASSED' : r.code === 99 ? 'FAILED' : `ERROR (k6 exit ${r.code})`;
    const failed = r.report?.failedThresholds.length ? `: ${r.report.failedThresholds.join(', ')}` : '';
    return `  ${r.scenario.padEnd(w)}  ${verdict.padEnd(8)}  ${gates}${failed}`;
  });
  const code = suiteCode(runs);
  const last =
    code === 0
      ? 'SUITE PASSED'
      : code === 99
        ? 'SUITE FAILED: a gate crossed (exit 99)'
        : 'SUITE ERROR: a run could not be judged (exit 1)';
  return ['', `floodgate suite · ${runs.length} scenarios`, ...lines, '', last, ''].join('\n');
}

/** One JSON and one JUnit for the whole suite, beside the scenarios' own; returns their paths. */
export function writeSuite(runs: SuiteRun[], dir: string, now = new Date()): string[] {
  const base = freshBase(join(dir, `suite-${fileStamp(now)}`), ['.json', '.xml']);
  const code = suiteCode(runs);
  const doc = {
    verdict: code === 0 ? 'pass' : 'fail',
    exitCode: code,
    scenarios: runs.map((r) => ({
      scenario: r.scenario,
      exitCode: r.code,
      verdict: r.report?.verdict ?? 'not judged',
      failedThresholds: r.report?.failedThresholds ?? [],
      results: relative(dir, r.resultsDir),
    })),
  };
  writeFileSync(`${base}.json`, JSON.stringify(doc, null, 2) + '\n');
  // Each scenario's own JUnit suite, side by side in one document; a run not judged is one error.
  const suites = runs.map((r) =>
    r.report
      ? renderJUnit(r.report)
          .split('\n')
          .filter((l) => /^ {2}<\/?testsuite[ >]|^ {4}<testcase/.test(l))
          .join('\n')
      : `  <testsuite name="floodgate.${r.scenario}" tests="1" errors="1">\n    <testcase classname="floodgate.${r.scenario}" name="run"><error message="${xml(`k6 exited ${r.code} before judging: ${r.output.slice(-300)}`)}"/></testcase>\n  </testsuite>`,
  );
  const tests = runs.reduce((n, r) => n + (r.report ? r.report.thresholds.length + r.report.notGated.length : 1), 0);
  const failures = runs.reduce((n, r) => n + (r.report?.thresholds.filter((t) => !t.ok).length ?? 0), 0);
  writeFileSync(
    `${base}.xml`,
    [
      '<?xml version="1.0" encoding="UTF-8"?>',
      `<testsuites name="floodgate-suite" tests="${tests}" failures="${failures}">`,
      ...suites,
      '</testsuites>',
      '',
    ].join('\n'),
  );
  return [`${base}.json`, `${base}.xml`];
}
