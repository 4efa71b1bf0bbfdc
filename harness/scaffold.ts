// `npm run new -- <name> --like <scenario>`: a new scenario that starts as a copy of one that
// exists, with every piece the pack asks of a scenario: the scenario file, its catalogue entry
// (and its place in the index), its thresholds section (and its green test's timing headroom),
// its docs page, a red/green end-to-end test, and its entries in test/red-gates.json. As generated, it passes npm test: it sends what
// the scenario it copies sends, so that one's red proofs hold for it, and its test says so until
// you change it (then write its own red tests).
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { UsageError } from '../lib/fail.ts';

/**
 * The scenarios a copy can start from: their reference target runs alone (no store, no source
 * addresses), and a mode of it drives the copy red in a smoke run.
 */
export const LIKES: Record<string, { target: string; red: string[]; redWhat: string }> = {
  burst: { target: 'burst', red: ['--mode', 'naive'], redWhat: 'the naive limiter lets the over-limit user through' },
  echo: { target: 'echo', red: ['--mode', 'degraded'], redWhat: 'the degraded target adds 200 ms to every answer' },
  'keep-alive': { target: 'echo', red: ['--mode', 'degraded'], redWhat: 'the degraded target closes every connection' },
  'slow-upstream': { target: 'slow-upstream', red: ['--mode', 'naive'], redWhat: 'no concurrency limits: calls pile up' },
};

export interface ScaffoldPlan {
  name: string;
  like: string;
  /** ORDERS_FLOOD */
  constant: string;
  /** BURST */
  likeConstant: string;
}

const NAME = /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/;

export const USAGE = `usage: npm run new -- <name> --like <scenario>
  <name>      the new scenario: lower case words joined by -, e.g. orders-flood
  --like      the scenario it starts as: ${Object.keys(LIKES).join(', ')}`;

/** Reads the command line against the repository at `root`; a UsageError says what is wrong. */
export function scaffoldPlan(args: string[], root: string): ScaffoldPlan {
  const [name, flag, like, ...rest] = args;
  if (!name || flag !== '--like' || !like || rest.length > 0) throw new UsageError(`expected a name and --like <scenario>`);
  if (!NAME.test(name) || name.length > 40) throw new UsageError(`${name}: a name is lower case words joined by -, e.g. orders-flood`);
  if (existsSync(join(root, 'scenarios', `${name}.ts`))) throw new UsageError(`${name}: scenarios/${name}.ts already exists`);
  if (!LIKES[like]) throw new UsageError(`--like ${like}: a copy starts from one of ${Object.keys(LIKES).join(', ')}`);
  const catalog = readFileSync(join(root, 'lib', 'catalog', `${like}.ts`), 'utf8');
  const likeConstant = /export const (\w+) = declareScenario\(/.exec(catalog)?.[1];
  if (!likeConstant) throw new UsageError(`lib/catalog/${like}.ts declares no scenario`);
  return { name, like, constant: name.toUpperCase().replace(/-/g, '_'), likeConstant };
}

/** The files the new scenario adds and the ones it edits, as path -> new text. */
export function scaffoldFiles(p: ScaffoldPlan, read: (file: string) => string): Map<string, string> {
  const out = new Map<string, string>();
  const { name, like, constant, likeConstant } = p;
  const red = LIKES[like]!;

  out.set(
    `lib/catalog/${name}.ts`,
    `// ${name}: scaffolded from ${like} (npm run new). Its load, knobs and reference target are ${like}'s
// until you change them; say here what it asks, and declare its own knobs below.
import { ${likeConstant} } from './${like}.ts';
import { declareScenario } from './knob.ts';

export const ${constant} = declareScenario({
  ...${likeConstant},
  name: '${name}',
  question: \`\${${likeConstant}.question} (a copy of ${like}: say what ${name} asks)\`,
  knobs: { ...${likeConstant}.knobs },
});
`,
  );

  const index = read('lib/catalog/index.ts')
    .replace(/(import type \{ ScenarioDecl \} from '\.\/knob\.ts';)/, `import { ${constant} } from './${name}.ts';\n$1`)
    .replace(/(\n {4}QUEUE_OFFLOAD,|\n {4}\w+,)(\n {2}\]\.map)/, `$1\n    ${constant},$2`);
  if (!index.includes(`    ${constant},`)) throw new Error('lib/catalog/index.ts: could not add the scenario to its list');
  out.set('lib/catalog/index.ts', index);

  const scenario = read(`scenarios/${like}.ts`)
    .replace(new RegExp(`\\b${likeConstant}\\b`, 'g'), constant)
    .replace(`'../lib/catalog/${like}.ts'`, `'../lib/catalog/${name}.ts'`);
  out.set(
    `scenarios/${name}.ts`,
    `// ${name}: scaffolded from scenarios/${like}.ts (npm run new); change the load and checks to yours.\n${scenario}`,
  );

  const thresholds = JSON.parse(read('thresholds.json')) as Record<string, unknown>;
  out.set('thresholds.json', JSON.stringify({ ...thresholds, [name]: thresholds[like] }, null, 2) + '\n');

  // Its green test's timing headroom, as the copied scenario's (test/thresholds-headroom.json).
  const headroom = JSON.parse(read('test/thresholds-headroom.json')) as Record<string, unknown>;
  if (headroom[like] !== undefined)
    out.set('test/thresholds-headroom.json', JSON.stringify({ ...headroom, [name]: headroom[like] }, null, 2) + '\n');

  const proofs = JSON.parse(read('test/red-gates.json')) as Record<string, Record<string, object>>;
  const borrowed = Object.fromEntries(Object.entries(proofs[like] ?? {}).map(([gate, proof]) => [gate, { ...proof, borrowedFrom: like }]));
  out.set('test/red-gates.json', JSON.stringify({ ...proofs, [name]: borrowed }, null, 2) + '\n');

  out.set(
    `test/e2e/${name}.test.ts`,
    `// ${name}, red and green with a real k6 (scaffolded from ${like} by npm run new): it passes against
// ${like}'s reference target and fails against a mode of it that a real service has. Its gates'
// red proofs in test/red-gates.json are ${like}'s ("borrowedFrom"): they hold while ${name} sends
// what ${like} sends, which the last test checks. Once you change it, write a red test for each
// gate, point the gate's entry at it, and delete that test.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { HEADROOM, repoRoot, smokeAgainst } from '../helpers/k6.ts';

test('${name} against ${like}\\'s reference target passes every gate (exit 0)', async () => {
  const r = await smokeAgainst('${name}', '${red.target}', [], HEADROOM);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.deepEqual(r.report!.failedThresholds, []);
});

test('${name} fails when ${red.redWhat} (exit 99)', async () => {
  const r = await smokeAgainst('${name}', '${red.target}', ${JSON.stringify(red.red).replace(/"/g, "'").replace(/,/g, ', ')});
  assert.equal(r.code, 99, r.stdout + r.stderr);
  assert.ok(r.report!.failedThresholds.length > 0);
});

test("${name} still sends what ${like} sends, so ${like}'s red proofs are its own", () => {
  const body = (file: string) =>
    readFileSync(join(repoRoot, file), 'utf8')
      .replace(/^\\/\\/.*\\n/gm, '')
      .replace(/\\b(${likeConstant}|${constant})\\b/g, 'SCENARIO')
      .replace(/catalog\\/(${like}|${name})\\.ts/g, 'catalog/SCENARIO.ts');
  assert.equal(
    body('scenarios/${name}.ts'),
    body('scenarios/${like}.ts'),
    '${name} changed: write a red test for each of its gates, point its entries in test/red-gates.json at them, and delete this test',
  );
});
`,
  );

  out.set(
    `docs/${name}.md`,
    `# ${name}: a copy of ${like}

Scaffolded by \`npm run new -- ${name} --like ${like}\`. Until you change it, it sends what
[${like}](./${like}.md) sends and is judged by the same gates; this page is yours to write.

## The question

What ${name} asks, and the study or incident it comes from.

## How it runs

\`scenarios/${name}.ts\`: the executors and what each iteration sends (see [${like}](./${like}.md#how-it-runs)).

## Thresholds

Section \`${name}\` of \`thresholds.json\`, a copy of ${like}'s.

<!-- generated:red-gates:begin -->
<!-- generated:red-gates:end -->

## Pointing it at your own service

As [${like}](./${like}.md#pointing-it-at-your-own-service) says; a request of your own goes in a
request module ([your own scenario](./your-own-scenario.md)).

## Knobs

<!-- generated:knobs:begin -->
<!-- generated:knobs:end -->
`,
  );
  return out;
}

/** Writes the files under `root`; returns their paths. */
export function writeScaffold(root: string, files: Map<string, string>): string[] {
  for (const [file, text] of files) writeFileSync(join(root, file), text);
  return [...files.keys()];
}
