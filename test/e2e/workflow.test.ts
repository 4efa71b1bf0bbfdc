// The GitHub Actions workflow users copy (.github/workflows/load-test.yml): actionlint (pinned,
// built into the cache) passes it and fails a broken copy; and its own steps, run here with
// bash as the runner would (the reference target, then k6 with the results kept), gate as the job would.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { parse } from 'yaml';
import { ensureGoTool } from '../../harness/go-tool.mjs';
import { ensureK6 } from '../../harness/k6-setup.mjs';
import { HEADROOM, repoRoot } from '../helpers/k6.ts';

const WORKFLOW = join(repoRoot, '.github', 'workflows', 'load-test.yml');

interface Step {
  id?: string;
  run?: string;
  env?: Record<string, string>;
}
const steps = () => (parse(readFileSync(WORKFLOW, 'utf8')) as { jobs: { load: { steps: Step[] } } }).jobs.load.steps;

const actionlint = (file: string) => spawnSync(ensureGoTool('actionlint'), ['-no-color', file], { encoding: 'utf8' });

test('actionlint passes the workflow, and fails a copy with a broken expression and an unknown key', () => {
  const ok = actionlint(WORKFLOW);
  assert.equal(ok.status, 0, ok.stdout + ok.stderr);
  const dir = mkdtempSync(join(tmpdir(), 'floodgate-workflow-'));
  const broken = join(dir, 'broken.yml');
  writeFileSync(
    broken,
    readFileSync(WORKFLOW, 'utf8')
      .replace("${{ inputs.scenario || 'burst' }}", "${{ inputs.scenaro || 'burst' }}")
      .replace('timeout-minutes: 20', 'timeout-minute: 20'),
  );
  const bad = actionlint(broken);
  assert.notEqual(bad.status, 0);
  assert.match(bad.stdout, /scenaro/);
  assert.match(bad.stdout, /timeout-minute/);
});

/** Runs one step's script with bash, as the runner does, with the job's env and the step's. */
function runStep(step: Step, env: Record<string, string>): Promise<{ code: number | null; out: string; pid: number }> {
  return new Promise((resolve) => {
    // Its own process group: the target it leaves running in the background is stopped with it after.
    const child = spawn('bash', ['-e', '-c', step.run!], { cwd: repoRoot, env: { ...process.env, ...env, ...step.env }, detached: true });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    child.on('exit', (code) => resolve({ code, out, pid: child.pid! }));
  });
}

test("the workflow's own steps start the reference target and run the scenario: results JSON, JUnit and HTML report kept (exit 0)", async () => {
  const results = join(repoRoot, 'results');
  // A report left by an earlier run would pass for this one's.
  rmSync(join(results, 'report.html'), { force: true });
  const before = new Set(existsSync(results) ? readdirSync(results) : []);
  const env = {
    SCENARIO: 'burst',
    STAGING_URL: '',
    STAGING_HOST: '',
    PATH: `${dirname(ensureK6())}:${process.env.PATH}`,
    // Judged with the suite's headroom (k6 reads knobs from its environment too): this proves the
    // steps, not this machine's speed beside the other tests of its lane.
    THRESHOLDS_FILE: HEADROOM.THRESHOLDS_FILE,
  };
  const byId = Object.fromEntries(steps().map((s) => [s.id, s]));
  const target = await runStep(byId.target!, env);
  try {
    assert.equal(target.code, 0, target.out);
    const load = await runStep(byId.load!, env);
    assert.equal(load.code, 0, load.out);
    const added = readdirSync(results).filter((f) => !before.has(f));
    assert.ok(added.some((f) => /^burst-.*\.json$/.test(f)) && added.some((f) => /^burst-.*\.xml$/.test(f)), added.join(', '));
    assert.ok(existsSync(join(results, 'report.html')), 'the HTML report the upload step keeps');
  } finally {
    try {
      process.kill(-target.pid, 'SIGTERM');
    } catch {
      // already gone
    }
    rmSync(join(repoRoot, 'target.log'), { force: true });
  }
});

/** The newest results JSON of `scenario` in the repository's results/, as the compare step picks it. */
function newestResults(scenario: string): string {
  const dir = join(repoRoot, 'results');
  const files = readdirSync(dir)
    .filter((f) => f.startsWith(`${scenario}-`) && f.endsWith('.json'))
    .map((f) => join(dir, f));
  return files.sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs)[0]!;
}

/** The echo target as the target step starts it, with extra flags (--delay-ms 50 for a slowed build). */
function echoTarget(flags: string[]): Promise<{ code: number | null; out: string; pid: number }> {
  const run = `node dist/targets.mjs echo ${flags.join(' ')} > /dev/null 2>&1 &
base=$(node --import tsx harness/target-of.ts echo --url)
for _ in $(seq 1 50); do curl -fsS -o /dev/null "$base/healthz" && exit 0; sleep 0.2; done; exit 1`;
  return runStep({ run }, {});
}

test("a pull request's compare step against the last main run's results: no baseline is not compared (exit 0), the same build is within noise (exit 0), a slowed one regressed (exit 99)", async () => {
  const baseline = mkdtempSync(join(tmpdir(), 'floodgate-baseline-'));
  const env = {
    SCENARIO: 'echo',
    STAGING_URL: '',
    STAGING_HOST: '',
    BASELINE_DIR: baseline,
    PATH: `${dirname(ensureK6())}:${process.env.PATH}`,
    THRESHOLDS_FILE: HEADROOM.THRESHOLDS_FILE,
  };
  const byId = Object.fromEntries(steps().map((s) => [s.id, s]));
  const stop = (pid: number) => {
    try {
      process.kill(-pid, 'SIGTERM');
    } catch {
      // already gone
    }
  };
  const none = await runStep(byId.compare!, env);
  assert.equal(none.code, 0, none.out);
  assert.match(none.out, /no baseline for echo yet/);

  let target = await runStep(byId.target!, env);
  try {
    assert.equal(target.code, 0, target.out);
    // main's run, kept as the baseline artifact keeps it; then the pull request's, of the same build.
    assert.equal((await runStep(byId.load!, env)).code, 0);
    copyFileSync(newestResults('echo'), join(baseline, 'echo-main.json'));
    assert.equal((await runStep(byId.load!, env)).code, 0);
    const same = await runStep(byId.compare!, env);
    assert.equal(same.code, 0, same.out);
    assert.match(same.out, /NO REGRESSION/);
  } finally {
    stop(target.pid);
    rmSync(join(repoRoot, 'target.log'), { force: true });
  }
  // A build 50 ms slower per request: its own gates may still hold, the comparison does not.
  target = await echoTarget(['--delay-ms', '50']);
  try {
    assert.equal(target.code, 0, target.out);
    await runStep(byId.load!, env);
    const slower = await runStep(byId.compare!, env);
    assert.equal(slower.code, 99, slower.out);
    assert.match(slower.out, /REGRESSED: .*http_req_duration/);
  } finally {
    stop(target.pid);
  }
});
