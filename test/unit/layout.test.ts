// The layout says what runs where, and this test holds it to that: lib/k6/ runs only inside k6,
// lib/ (and lib/catalog/) runs anywhere, Node code never reaches into lib/k6/, and scripts/
// holds only entry points (npm scripts), never a module something else imports. test/ is not
// held to the Node-side rule: unit tests run lib/k6/ code in Node with k6's modules shimmed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import { repoRoot } from '../helpers/k6.ts';

/** Files under `dir` (relative to the root) whose names end in one of `exts`. */
function files(dir: string, exts: string[], deep = true): string[] {
  const out: string[] = [];
  for (const name of readdirSync(join(repoRoot, dir))) {
    const rel = join(dir, name);
    if (statSync(join(repoRoot, rel)).isDirectory()) {
      if (deep) out.push(...files(rel, exts));
    } else if (exts.some((e) => name.endsWith(e))) out.push(rel);
  }
  return out;
}

const IMPORT =
  /(?:^|[\s;])(?:import|export)\s[^'";]*?from\s*['"]([^'"]+)['"]|(?:^|[\s;])import\s*['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g;

/** What `file` imports: bare specifiers as written, relative ones resolved to root-relative paths. */
export function importsOf(file: string, text = readFileSync(join(repoRoot, file), 'utf8')): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(IMPORT)) {
    const spec = (m[1] ?? m[2] ?? m[3])!;
    out.push(spec.startsWith('.') ? normalize(join(dirname(file), spec)) : spec);
  }
  return out;
}

const NODE_SIDE = [
  ...files('scripts', ['.ts', '.mjs']),
  ...files('harness', ['.ts', '.mjs']),
  ...files('targets', ['.ts']),
  ...files('bench', ['.ts']),
  ...files('.', ['.mjs'], false),
];
const NEUTRAL_LIB = [...files('lib', ['.ts'], false), ...files('lib/catalog', ['.ts'])];
const K6_LIB = files('lib/k6', ['.ts']);
const isK6Lib = (spec: string) => spec.startsWith(`lib/k6/`);
const isK6Module = (spec: string) => spec === 'k6' || spec.startsWith('k6/');

test('the import scan sees every kind of import (so the rules below can fail)', () => {
  const seen = importsOf(
    'scripts/x.ts',
    `import a from '../lib/k6/metrics.ts';\nimport type { B } from "../lib/options.ts";\nexport { c } from './y.mjs';\nimport 'k6';\nconst d = await import('node:fs');`,
  );
  assert.deepEqual(seen, ['lib/k6/metrics.ts', 'lib/options.ts', 'scripts/y.mjs', 'k6', 'node:fs']);
});

test('no Node file (scripts/, harness/, targets/, bench/, build.mjs) imports the k6-only library or a k6 module', () => {
  assert.ok(NODE_SIDE.length > 20, `${NODE_SIDE.length} Node files found`);
  const bad = NODE_SIDE.flatMap((f) =>
    importsOf(f)
      .filter((s) => isK6Lib(s) || isK6Module(s))
      .map((s) => `${f} imports ${s}`),
  );
  assert.deepEqual(bad, [], 'lib/k6/ runs only inside k6: move what Node needs into lib/ (runtime-neutral)');
});

test('the runtime-neutral lib imports neither k6, Node, npm packages nor lib/k6/', () => {
  assert.ok(NEUTRAL_LIB.length > 5);
  const bad = NEUTRAL_LIB.flatMap((f) =>
    importsOf(f)
      .filter((s) => isK6Lib(s) || !s.startsWith('lib/'))
      .map((s) => `${f} imports ${s}`),
  );
  assert.deepEqual(bad, [], 'lib/*.ts is imported by k6 scenarios and Node scripts alike: keep it to plain TypeScript');
});

test('the k6-only library imports only k6 and the library: no Node module, no npm package', () => {
  assert.ok(K6_LIB.length > 5);
  const bad = K6_LIB.flatMap((f) =>
    importsOf(f)
      .filter((s) => !s.startsWith('lib/') && !isK6Module(s))
      .map((s) => `${f} imports ${s}`),
  );
  assert.deepEqual(bad, []);
});

test('every folder under lib/ is classified: lib/k6/ (k6 only) or lib/catalog/ (neutral)', () => {
  const folders = readdirSync(join(repoRoot, 'lib')).filter((f) => statSync(join(repoRoot, 'lib', f)).isDirectory());
  assert.deepEqual(folders.sort(), ['catalog', 'k6'], 'a new lib/ folder needs its rule here');
});

test('scripts/ holds entry points only: each is an npm script, and nothing imports one', () => {
  const scripts = Object.values(
    (JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts,
  ).join(' ');
  const everything = [...NODE_SIDE, ...files('test', ['.ts', '.mjs']), ...NEUTRAL_LIB, ...K6_LIB];
  const imported = everything.flatMap((f) =>
    importsOf(f)
      .filter((s) => s.startsWith('scripts/'))
      .map((s) => `${f} imports ${s}`),
  );
  assert.deepEqual(imported, [], 'reusable Node code belongs in harness/');
  const unused = files('scripts', ['.ts', '.mjs']).filter((f) => !scripts.includes(f));
  assert.deepEqual(unused, [], 'every file in scripts/ is run by an npm script');
});

test('every layout folder this test reads exists (a rename cannot empty a rule silently)', () => {
  for (const dir of ['lib', 'lib/k6', 'lib/catalog', 'scripts', 'harness', 'targets', 'bench']) {
    assert.ok(statSync(join(repoRoot, dir)).isDirectory(), dir);
  }
  assert.equal(relative(repoRoot, join(repoRoot, 'lib', 'k6')), 'lib/k6');
});
