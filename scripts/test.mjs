// @ts-check
// `npm test`: the whole suite from a fresh clone. Installs what is missing (npm packages, the
// pinned k6), builds, lints, checks the format, type-checks, then runs unit, target and
// end-to-end tests: two lanes side by side, then the timing-sensitive files alone.
// `npm test -- test/unit/options.test.ts` runs only the files named.
import { spawn, spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { ensureDeps } from '../harness/ensure-deps.mjs';
import { ensureK6 } from '../harness/k6-setup.mjs';
import { ensureGoModule, ensureGoTarget } from '../harness/go-target.mjs';
import { ensureGoTool } from '../harness/go-tool.mjs';
import { buildAll } from '../harness/build-step.mjs';
import { goModuleDirs } from '../harness/go-modules.mjs';
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
// And the peers, the Go services the suite judges as a user's own (test/peers/, test/e2e/go-peers.test.ts).
for (const dir of goModuleDirs().filter((d) => d.startsWith('test/peers/'))) ensureGoModule(dir);
// The manifests' and the workflow's offline checks (test/e2e/operator.test.ts, workflow.test.ts), pinned, into the same cache.
ensureGoTool('kubeconform');
ensureGoTool('actionlint');
// The fault proxy (npm run faults; test/e2e/faults.test.ts).
ensureGoTool('toxiproxy-server');
process.stdout.write(`k6: ${k6}\n`);
buildAll();

/** @param {string} name */
const bin = (name) => join(repoRoot, 'node_modules', '.bin', name);
// Style and lint first: they take seconds and say exactly where, before minutes of end-to-end runs.
step('lint: ESLint', bin('eslint'), ['.']);
step('format: Prettier (npm run format fixes it)', bin('prettier'), ['--check', '.']);
// gofmt lists the files it would change; vet reads each Go module (targets, peers) as the compiler sees it.
const goDirs = goModuleDirs();
const unformatted = spawnSync('gofmt', ['-l', ...goDirs], { cwd: repoRoot, encoding: 'utf8' });
if (unformatted.status !== 0 || unformatted.stdout.trim() !== '') {
  process.stderr.write(`floodgate: gofmt: not formatted (gofmt -w <dir> fixes it): ${unformatted.stdout}${unformatted.stderr}\n`);
  process.exit(1);
}
for (const dir of goDirs) step(`vet: ${dir}`, 'go', ['vet', '-C', dir, './...']);
const tsc = bin('tsc');
step('typecheck: runtime-neutral lib (no k6, no Node)', tsc, ['--noEmit', '-p', 'tsconfig.lib.json']);
step('typecheck: k6 side (scenarios, lib/k6)', tsc, ['--noEmit', '-p', 'tsconfig.json']);
step('typecheck: Node side (targets, harness, scripts, bench, tests)', tsc, ['--noEmit', '-p', 'tsconfig.node.json']);

const testEnv = { ...process.env, K6_BINARY: k6 };
/** @param {string[]} files */
const testArgs = (files) => [
  '--import',
  'tsx',
  '--import',
  './test/shims/register.mjs',
  '--test',
  // One file at a time in a lane: the end-to-end tests load the CPU, and timings measured
  // under a second k6 run would be noise.
  '--test-concurrency=1',
  '--test-reporter=spec',
  ...files,
];

const named = process.argv.slice(2).map((f) => relative(repoRoot, join(process.cwd(), f)));
if (named.length > 0) {
  step(`tests: ${named.length} files`, process.execPath, testArgs(named), testEnv);
  process.exit(0);
}

// Two lanes first, then everything else alone. Beside each other: the unit tests and the target
// tests that time nothing, and the end-to-end files that judge with headroom thresholds or not
// at all (bad input, the operator's manifests, the verdict, InfluxDB's panels, and the Go peers,
// judged far past their gates or with headroom). Not the workflow: its compare step holds a run
// to the one before it within the noise of a quiet machine.
// The target tests that time an answer (a refusal under 200 ms, requests within one second's
// window) run alone, first.
const e2eFiles = (/** @type {string[]} */ names) => names.map((n) => join('test/e2e', `${n}.test.ts`));
const BESIDE = e2eFiles(['bad-input', 'operator', 'verdict', 'influxdb', 'go-peers']);
// Untimed too, after the unit tests in their lane, which ends first: ws-hold's gates
// (established, cut, echoes back) and slow-upstream's faults, each far past its gate and judged
// only on that gate being among the failed. Not here: your own requests (an arrival rate that
// drops iterations when another lane holds the CPU) and the faults through the fault proxy (a
// pool of 60 PostgreSQL connections beside go-peers' 60 passes max_connections' 100).
const AFTER_QUICK = e2eFiles(['ws-hold', 'slow-upstream-faults']);
const TIMED_TARGETS = ['capacity', 'db-pool', 'kv-writes', 'slow-upstream'].map((n) => join('test/targets', `${n}.test.ts`));
const quick = [...testFiles('test/unit'), ...testFiles('test/targets').filter((f) => !TIMED_TARGETS.includes(f)), ...AFTER_QUICK];
const e2e = testFiles('test/e2e');
const rest = [...TIMED_TARGETS, ...e2e.filter((f) => !BESIDE.includes(f) && !AFTER_QUICK.includes(f))];

/** Runs a lane's files; its output is kept and printed whole when it ends, so lanes do not interleave. */
function lane(/** @type {string} */ title, /** @type {string[]} */ files) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, testArgs(files), { cwd: repoRoot, env: testEnv });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    child.on('error', (e) => {
      process.stdout.write(`\n== ${title}\n${out}\nfloodgate: could not start the lane: ${e.message}\n`);
      resolve(1);
    });
    // 'close', not 'exit': the pipes are drained by then, so the reporter's summary is not cut off.
    child.on('close', (code) => {
      process.stdout.write(`\n== ${title}\n${out}`);
      resolve(code);
    });
  });
}

process.stdout.write(
  `\n== tests: ${quick.length - AFTER_QUICK.length + e2e.length + TIMED_TARGETS.length} files (${quick.length} unit, target and untimed end-to-end files beside ${BESIDE.length} end-to-end files, then ${rest.length} alone)\n`,
);
const codes = await Promise.all([
  lane(`tests: ${quick.length} unit, target and untimed end-to-end files`, quick),
  lane(`tests: ${BESIDE.length} end-to-end files`, BESIDE),
]);
if (codes.some((c) => c !== 0)) {
  process.stderr.write('floodgate: tests failed\n');
  process.exit(1);
}
step(`tests: ${rest.length} files alone`, process.execPath, testArgs(rest), testEnv);
