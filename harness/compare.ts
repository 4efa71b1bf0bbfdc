// `npm run compare -- <baseline> <current>`: reads each side (a results JSON, or a directory of
// runs of one scenario), refuses what is not the same test, compares (lib/compare.ts), and writes
// the table, a JSON and a JUnit file. Exit 0 when nothing regressed, 99 when something did, 2 on
// bad input: a CI gate.
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { compareRuns, parseTolerances, type Comparison, type CompareRow } from '../lib/compare.ts';
import { UsageError } from '../lib/fail.ts';
import { compareCells, renderComparisonPage } from '../lib/report-page.ts';
import { freshBase } from './results-dir.mjs';
import { fileStamp, xml, type Report } from '../lib/summary.ts';

/** The runs a side names: one results JSON, or every results JSON in a directory. */
export function readSide(path: string, what: string): Report[] {
  if (!existsSync(path)) throw new UsageError(`${what} ${path}: no such file or directory`);
  const files = statSync(path).isDirectory()
    ? readdirSync(path)
        .filter((f) => f.endsWith('.json'))
        .map((f) => join(path, f))
    : [path];
  const runs: Report[] = [];
  for (const f of files) {
    let doc: unknown;
    try {
      doc = JSON.parse(readFileSync(f, 'utf8'));
    } catch (err) {
      throw new UsageError(`${what} ${f}: not JSON (${(err as Error).message})`);
    }
    const r = doc as Partial<Report>;
    // A directory may hold other JSON (a comparison, a fanout part's): only results files count.
    if (typeof r.scenario === 'string' && Array.isArray(r.thresholds) && typeof r.verdict === 'string') runs.push(r as Report);
    else if (files.length === 1) throw new UsageError(`${what} ${f}: not a floodgate results file (no scenario, thresholds and verdict)`);
  }
  if (runs.length === 0) throw new UsageError(`${what} ${path}: no floodgate results file in it`);
  const scenarios = [...new Set(runs.map((r) => `${r.scenario} (${r.profile})`))];
  if (scenarios.length > 1)
    throw new UsageError(`${what} ${path} holds runs of different tests: ${scenarios.join(', ')}; a side is runs of one`);
  return runs;
}

/** The `regression` section of a thresholds file, validated. */
export function readTolerances(file: string) {
  let doc: Record<string, unknown>;
  try {
    doc = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  } catch (err) {
    throw new UsageError(`cannot read ${file}: ${(err as Error).message}`);
  }
  const t = parseTolerances(doc.regression, file);
  if ('error' in t) throw new UsageError(t.error as string);
  return t;
}

/** Compares the sides, refusing different scenarios, profiles or knob values unless allowed. */
export function compareSides(
  baseline: Report[],
  current: Report[],
  o: { allowDifferent: boolean; tolerances: ReturnType<typeof readTolerances> },
): Comparison {
  const [b, c] = [baseline[0]!, current[0]!];
  const problems: string[] = [];
  if (b.scenario !== c.scenario) problems.push(`scenario ${b.scenario} vs ${c.scenario}`);
  if (b.profile !== c.profile) problems.push(`profile ${b.profile} vs ${c.profile}`);
  const result = compareRuns(baseline, current, o.tolerances);
  for (const k of result.differs) problems.push(`${k}=${b.provenance?.knobs[k] ?? '(unset)'} vs ${c.provenance?.knobs[k] ?? '(unset)'}`);
  if (problems.length > 0 && !(o.allowDifferent && b.scenario === c.scenario)) {
    throw new UsageError(
      `not the same test: ${problems.join('; ')}. Compare runs of one scenario, profile and knobs` +
        (b.scenario === c.scenario ? ', or pass --allow-different to compare them anyway' : ''),
    );
  }
  return result;
}

/** The table for the terminal. */
export function renderComparison(c: Comparison): string {
  const head = ['verdict', 'what', 'baseline', 'current', 'change', 'noise'];
  const cell = (r: CompareRow) => {
    const c = compareCells(r);
    return [r.verdict, r.name, c.baseline, c.current, c.change, c.noise];
  };
  const lines = [head, ...c.rows.map(cell)];
  const widths = head.map((_, i) => Math.max(...lines.map((l) => l[i]!.length)));
  const out = [
    `floodgate compare · ${c.scenario} · profile ${c.profile} · baseline ${c.baselineRuns} run(s), current ${c.currentRuns} run(s)`,
    ...(c.differs.length > 0 ? [`knobs that differ (compared as asked): ${c.differs.join(', ')}`] : []),
    '',
    ...lines.map((l) =>
      l
        .map((x, i) => x.padEnd(widths[i]!))
        .join('  ')
        .trimEnd(),
    ),
    '',
    c.regressed.length === 0 ? 'NO REGRESSION: nothing worse than the noise' : `REGRESSED: ${c.regressed.join('; ')} (exit 99)`,
  ];
  return out.join('\n') + '\n';
}

/** JUnit: a test case per row, a failure for each regression. */
export function comparisonJUnit(c: Comparison): string {
  const suite = `floodgate.compare.${c.scenario}`;
  const cases = c.rows.map((r) => {
    const name = xml(r.name);
    const c = compareCells(r);
    const text = xml(`${r.verdict}: ${c.baseline} -> ${c.current}`);
    return r.verdict === 'regressed'
      ? `    <testcase classname="${suite}" name="${name}"><failure message="${text}" type="regression"/></testcase>`
      : `    <testcase classname="${suite}" name="${name}"><system-out>${text}</system-out></testcase>`;
  });
  const n = c.rows.length;
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="floodgate-compare" tests="${n}" failures="${c.regressed.length}">`,
    `  <testsuite name="${suite}" tests="${n}" failures="${c.regressed.length}">`,
    ...cases,
    '  </testsuite>',
    '</testsuites>',
    '',
  ].join('\n');
}

/** Writes the JSON, JUnit and page (baseline beside current) of a comparison into `dir`; returns their paths. */
export function writeComparison(
  c: Comparison,
  dir: string,
  sides = { baseline: 'baseline', current: 'current' },
  now = new Date(),
): string[] {
  mkdirSync(dir, { recursive: true });
  const base = freshBase(resolve(dir, `compare-${c.scenario}-${fileStamp(now)}`), ['.json', '.xml', '.html']);
  writeFileSync(`${base}.json`, JSON.stringify(c, null, 2) + '\n');
  writeFileSync(`${base}.xml`, comparisonJUnit(c));
  writeFileSync(`${base}.html`, renderComparisonPage(c, sides));
  return [`${base}.json`, `${base}.xml`, `${base}.html`];
}
