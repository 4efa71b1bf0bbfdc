// @ts-check
// `npm test`: the whole suite from a fresh clone. Installs what is missing (npm packages, the
// pinned k6), builds, lints, checks the format, type-checks, then runs unit, target and
// end-to-end tests in one runner.
// `npm test -- test/unit/options.test.ts` runs only the files named.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { ensureDeps } from '../harness/ensure-deps.mjs';
import { ensureK6 } from '../harness/k6-setup.mjs';
import { ensureGoTarget } from '../harness/go-target.mjs';
import { ensureGoTool } from '../harness/go-tool.mjs';
import { buildAll } from '../harness/build-step.mjs';
import { repoRoot } from '../harness/paths.mjs';

/** @param {string} title @param {string} cmd @param {string[]} args @param {NodeJS.ProcessEnv} [env] */
function step(title, cmd, args, env = process.env) {
  process.stdout.write(`\n== ${title}\n`);
  const r = spawnSync(cmd, args, { cwd: repoRoot, stdio: 'inherit', env });
  if (r.status !== 0) {
    process.stderr.write(`floodgate: ${title} failed\n`);
    process.exit(r.status ?? 1);
  }
}

/** @param {string} dir */
const testFiles = (dir) =>
  readdirSync(join(repoRoot, dir))
    .filter((f) => f.endsWith('.test.ts'))
    .sort()
    .map((f) => join(dir, f));

process.stdout.write('== setup: npm packages, k6, build\n');
ensureDeps();
const k6 = ensureK6();
// Built here, once, so no test waits on a first build while its target is timed to start.
ensureGoTarget('slow-upstream-go');
// The manifests' and the workflow's offline checks (test/e2e/operator.test.ts, workflow.test.ts), pinned, into the same cache.
ensureGoTool('kubeconform');
ensureGoTool('actionlint');
process.stdout.write(`k6: ${k6}\n`);
buildAll();

/** @param {string} name */
const bin = (name) => join(repoRoot, 'node_modules', '.bin', name);
// Style and lint first: they take seconds and say exactly where, before minutes of end-to-end runs.
step('lint: ESLint', bin('eslint'), ['.']);
step('format: Prettier (npm run format fixes it)', bin('prettier'), ['--check', '.']);
const tsc = bin('tsc');
step('typecheck: runtime-neutral lib (no k6, no Node)', tsc, ['--noEmit', '-p', 'tsconfig.lib.json']);
step('typecheck: k6 side (scenarios, lib/k6)', tsc, ['--noEmit', '-p', 'tsconfig.json']);
step('typecheck: Node side (targets, harness, scripts, bench, tests)', tsc, ['--noEmit', '-p', 'tsconfig.node.json']);

const named = process.argv.slice(2).map((f) => relative(repoRoot, join(process.cwd(), f)));
const files = named.length > 0 ? named : [...testFiles('test/unit'), ...testFiles('test/targets'), ...testFiles('test/e2e')];
step(
  `tests: ${files.length} files`,
  process.execPath,
  [
    '--import',
    'tsx',
    '--import',
    './test/shims/register.mjs',
    '--test',
    // One file at a time: the end-to-end tests load the CPU, and timings measured under a
    // second k6 run would be noise.
    '--test-concurrency=1',
    '--test-reporter=spec',
    ...files,
  ],
  { ...process.env, K6_BINARY: k6 },
);
