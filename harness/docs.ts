// The generated parts of the README and docs/: the table of scenarios, each scenario's knobs,
// the common knobs and what drives each gate red, rendered from the one place each fact is
// declared (lib/catalog/ for knobs, questions and load shapes; thresholds.json for the gates;
// test/red-gates.json for their red proofs; bench/results/ws-hold.json for the connections held). `npm run docs` writes them;
// test/unit/docs.test.ts fails when a committed page differs from what this renders.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { commonKnobs, PROFILE_KNOB } from '../lib/catalog/common.ts';
import { SCENARIOS } from '../lib/catalog/index.ts';
import type { KnobDecls, Raw } from '../lib/catalog/knob.ts';
import { repoRoot } from './paths.mjs';
import { wsHoldHeldTable, wsHoldRuns, wsHoldRunsTable } from './bench-tables.ts';

/** A generated block: `<!-- generated:NAME:begin -->` ... `<!-- generated:NAME:end -->`. */
const BEGIN = (name: string) => `<!-- generated:${name}:begin -->`;
const END = (name: string) => `<!-- generated:${name}:end -->`;
const NOTE = '<!-- written by `npm run docs` from lib/catalog/, thresholds.json and test/red-gates.json: edit those, not this table -->';

const cell = (text: string) => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
const shownValue = (v: Raw | undefined) => (v === undefined ? '' : v === '' ? 'empty' : `\`${cell(String(v))}\``);

/** A markdown table of knobs: name, full and smoke defaults, what is allowed, what it means. */
function knobTable(decls: KnobDecls): string {
  const rows = Object.entries(decls).map(([key, d]) => {
    const full = d.shown ?? shownValue(d.full);
    const smoke = d.smoke !== undefined && d.smoke !== d.full ? shownValue(d.smoke) : '';
    return `| \`${key}\` | ${full} | ${smoke} | ${cell(d.allowed)} | ${cell(d.meaning)} |`;
  });
  return ['| knob | default (full) | smoke | allowed | meaning |', '| --- | --- | --- | --- | --- |', ...rows].join('\n');
}

type ThresholdsDoc = Record<string, Record<string, (string | { threshold: string })[]>>;

/** The gated metrics of one section of thresholds.json, one line (the bounds are on each page). */
function gatesOf(section: ThresholdsDoc[string]): string {
  return Object.keys(section)
    .filter((metric) => !metric.startsWith('$'))
    .map((metric) => `\`${metric}\``)
    .join(', ');
}

/** The README's table of every scenario: its question, load, gates and page. */
function scenarioTable(thresholds: ThresholdsDoc): string {
  const rows = Object.values(SCENARIOS).map((s) => {
    const section = thresholds[s.name];
    const gates = section ? gatesOf(section) : '(no section in thresholds.json)';
    return `| [\`${s.name}\`](docs/${s.name}.md) | ${cell(s.question)} | ${cell(s.load)} | ${cell(gates)} |`;
  });
  return ['| scenario | question | load | gated metrics (thresholds.json) |', '| --- | --- | --- | --- |', ...rows].join('\n');
}

interface Proof {
  test?: string;
  title?: string;
  trips?: string;
  pending?: string;
}

/** A scenario's gates (thresholds.json), their bounds, and what drives each red (test/red-gates.json). */
function redGatesTable(section: ThresholdsDoc[string], proofs: Record<string, Proof>): string {
  const rows = Object.entries(section)
    .filter(([metric]) => !metric.startsWith('$'))
    .map(([metric, rules]) => {
      const bound = rules.map((r) => (typeof r === 'string' ? r : r.threshold)).join(', ');
      const p = proofs[metric] ?? {};
      const proof = p.pending !== undefined ? `not yet: ${p.pending}` : `${p.trips ?? '?'} ([test](../${p.test ?? ''}))`;
      return `| \`${metric}\` | \`${bound}\` | ${cell(proof)} |`;
    });
  return ['| gate | bound | what drives it red |', '| --- | --- | --- |', ...rows].join('\n');
}

/** `text` with the block `name` holding `content`; throws if the markers are missing. */
function fillBlock(text: string, name: string, content: string, file: string, note = NOTE): string {
  const begin = text.indexOf(BEGIN(name));
  const end = text.indexOf(END(name));
  if (begin < 0 || end < begin) throw new Error(`${file} has no ${BEGIN(name)} ... ${END(name)} block`);
  return `${text.slice(0, begin)}${BEGIN(name)}\n${note}\n\n${content}\n\n${text.slice(end)}`;
}

const BENCH_NOTE =
  '<!-- written by `npm run bench:ws` (and `npm run docs`) from bench/results/ws-hold.json, which keeps every run: do not edit this table -->';

/** The file's text, or '' when there is none (no bench run recorded yet). */
function readIfAny(read: (file: string) => string, file: string): string {
  try {
    return read(file);
  } catch {
    return '';
  }
}

/** Every generated file as it should read, from `read` (the committed text of each). */
export function renderDocs(read: (file: string) => string): Map<string, string> {
  const thresholds = JSON.parse(read('thresholds.json')) as ThresholdsDoc;
  const out = new Map<string, string>();
  let readme = read('README.md');
  readme = fillBlock(readme, 'scenarios', scenarioTable(thresholds), 'README.md');
  // The common knobs' defaults are the same for every scenario but BASE_URL's (shown in words).
  readme = fillBlock(readme, 'common-knobs', knobTable({ PROFILE: PROFILE_KNOB, ...commonKnobs('echo') }), 'README.md');
  const wsRuns = wsHoldRuns(readIfAny(read, 'bench/results/ws-hold.json'));
  readme = fillBlock(readme, 'ws-hold-held', wsHoldHeldTable(wsRuns, 'docs/', { shippedOnly: true }), 'README.md', BENCH_NOTE);
  out.set('README.md', readme);
  let benchmarks = read('docs/benchmarks.md');
  benchmarks = fillBlock(benchmarks, 'ws-hold-held', wsHoldHeldTable(wsRuns, ''), 'docs/benchmarks.md', BENCH_NOTE);
  benchmarks = fillBlock(benchmarks, 'ws-hold-runs', wsHoldRunsTable(wsRuns), 'docs/benchmarks.md', BENCH_NOTE);
  out.set('docs/benchmarks.md', benchmarks);
  const proofs = JSON.parse(read('test/red-gates.json')) as Record<string, Record<string, Proof>>;
  for (const s of Object.values(SCENARIOS)) {
    const file = `docs/${s.name}.md`;
    let page = fillBlock(read(file), 'knobs', knobTable(s.knobs), file);
    page = fillBlock(page, 'red-gates', redGatesTable(thresholds[s.name] ?? {}, proofs[s.name] ?? {}), file);
    out.set(file, page);
  }
  return out;
}

export const readRepoFile = (file: string) => readFileSync(join(repoRoot, file), 'utf8');

/** Writes every generated file that differs from what renderDocs makes; returns their names. */
export function writeDocs(): string[] {
  const stale = [...renderDocs(readRepoFile)].filter(([file, text]) => readRepoFile(file) !== text);
  for (const [file, text] of stale) writeFileSync(join(repoRoot, file), text);
  return stale.map(([file]) => file);
}

/** The generated files whose committed text differs from what renderDocs makes. */
export function staleDocs(read: (file: string) => string = readRepoFile): string[] {
  return [...renderDocs(read)].filter(([file, text]) => read(file) !== text).map(([file]) => file);
}
